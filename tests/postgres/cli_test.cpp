// `tollgate --db postgresql://...`: the store commands and the server's
// first-run commands on a PostgreSQL database, as on a SQLite file.

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/cli_runner.hpp"
#include "../support/store_backends.hpp"

using tollgate::test::data;
using tollgate::test::tollgate_cli;
namespace json = boost::json;

TEST_CASE("import, run and export on a PostgreSQL database bill the worked example") {
  TOLLGATE_NEEDS_BACKEND(tollgate::test::PostgresBackend);
  std::string db = tollgate::test::PostgresBackend::empty_schema_uri();
  auto imported =
      tollgate_cli({"import", "--db", db, "--scenario", data("examples/saas-trial/scenario.json")});
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  auto ran = tollgate_cli({"run", "--db", db, "--as-of", "2024-01-01", "--through", "2024-04-01",
                           "--worker", "pg-1"});
  INFO(ran.err);
  REQUIRE(ran.code == 0);
  CHECK(json::parse(ran.out).as_array().size() == 92);  // Jan 1 .. Apr 1 2024
  auto exported = tollgate_cli({"export", "--db", db, "--invoices", "acme"});
  REQUIRE(exported.code == 0);
  // ../shared/examples/saas-trial/expected.json, worked there by hand.
  auto invoices = json::parse(exported.out).as_array();
  REQUIRE(invoices.size() == 3);
  CHECK(invoices[0].at("total") == "112.25");
  CHECK(invoices[1].at("total") == "162.50");
  CHECK(invoices[2].at("total") == "50.00");
}

TEST_CASE("tenant create and rotate-secret on a PostgreSQL database") {
  TOLLGATE_NEEDS_BACKEND(tollgate::test::PostgresBackend);
  std::string db = tollgate::test::PostgresBackend::empty_schema_uri();
  auto made = tollgate_cli({"tenant", "create", "--db", db, "--external-key", "acme",
                            "--api-key", "acme-key"});
  INFO(made.err);
  REQUIRE(made.code == 0);
  CHECK(made.out.find("apiKey acme-key\n") != std::string::npos);
  CHECK(made.out.find("user admin\n") != std::string::npos);  // the first run makes the user
  auto again = tollgate_cli({"tenant", "create", "--db", db, "--external-key", "acme"});
  CHECK(again.code == 1);  // taken
  CHECK(again.err.find("store.conflict") != std::string::npos);
  auto rotated = tollgate_cli({"tenant", "rotate-secret", "--db", db, "--api-key", "acme-key"});
  CHECK(rotated.code == 0);
  CHECK(rotated.out.find("apiSecret ") != std::string::npos);
}

TEST_CASE("a PostgreSQL database that cannot be reached is named without its password") {
  auto ran = tollgate_cli({"export", "--db",
                           "postgresql://u:CANARYpg0002@127.0.0.1:9/billing?connect_timeout=2",
                           "--invoices", "acme"});
  CHECK(ran.code == 2);
  CHECK(ran.err.find("tollgate export: store.unavailable: cannot connect to PostgreSQL") == 0);
  CHECK(ran.err.find("CANARYpg0002") == std::string::npos);
}
