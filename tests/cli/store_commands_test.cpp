// `tollgate import`, `run` and `export` over a database file.

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/cli_runner.hpp"
#include "../support/peer.hpp"

using tollgate::test::data;
using tollgate::test::tollgate_cli;
namespace json = boost::json;

TEST_CASE(
    "a scenario imported into a database and run day by day bills the invoices of the worked "
    "example") {
  std::string db = tollgate::test::temp_dir() + "/cli.db";
  auto imported =
      tollgate_cli({"import", "--db", db, "--scenario", data("examples/saas-trial/scenario.json")});
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  auto ran = tollgate_cli({"run", "--db", db, "--as-of", "2024-01-01", "--through", "2024-04-01"});
  INFO(ran.err);
  REQUIRE(ran.code == 0);
  json::array runs = json::parse(ran.out).as_array();
  CHECK(runs.size() == 92);  // Jan 1 .. Apr 1 2024: 31 + 29 + 31 + 1 days
  auto exported = tollgate_cli({"export", "--db", db, "--invoices", "acme"});
  REQUIRE(exported.code == 0);
  json::array invoices = json::parse(exported.out).as_array();
  // ../shared/examples/saas-trial: Feb 1 base 50.00 prorated + overage; then full months (worked in
  // expected.json).
  REQUIRE(invoices.size() == 3);
  CHECK(invoices[0].at("date") == "2024-02-01");
  CHECK(invoices[0].at("total") == "112.25");
  CHECK(invoices[1].at("date") == "2024-03-01");
  CHECK(invoices[1].at("total") == "162.50");
  CHECK(invoices[2].at("date") == "2024-04-01");
  CHECK(invoices[2].at("total") == "50.00");
  // The manual provider leaves charges pending: the host marks them paid.
  CHECK(invoices[0].at("status") == "UNPAID");
  // Running the last day again bills nothing new.
  auto again = tollgate_cli({"run", "--db", db, "--as-of", "2024-04-01"});
  CHECK(json::parse(again.out).as_array()[0].at("invoices").as_int64() == 0);
}

TEST_CASE(
    "import and export of catalogs and rule sets; bad input is refused with the field and the "
    "reason") {
  std::string db = tollgate::test::temp_dir() + "/cli.db";
  auto catalog = tollgate_cli({"import", "--db", db, "--catalog",
                               data("examples/addon-rules/catalog.json"), "--version", "v7"});
  INFO(catalog.err);
  REQUIRE(catalog.code == 0);
  auto exported = tollgate_cli({"export", "--db", db, "--catalog", "v7"});
  CHECK(exported.code == 0);
  CHECK(json::parse(exported.out).at("currencies").as_array().size() >= 1);
  auto rules =
      tollgate_cli({"import", "--db", db, "--rules", data("examples/addon-rules/rules.json"),
                    "--organization", "org-1", "--tenant", "t-1", "--registered-at", "2024-01-01"});
  INFO(rules.err);
  REQUIRE(rules.code == 0);
  auto listed = json::parse(tollgate_cli({"export", "--db", db, "--rules"}).out).as_array();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].at("organization_id") == "org-1");
  CHECK(listed[0].at("reg_dt") == "2024-01-01T00:00:00Z");

  auto bad =
      tollgate_cli({"import", "--db", db, "--catalog", data("invalid/catalog-two-problems.json")});
  CHECK(bad.code == 2);
  CHECK_FALSE(bad.err.empty());
  CHECK(tollgate_cli({"run", "--db", db}).code == 2);  // --as-of is required
  CHECK(tollgate_cli({"run", "--db", db, "--as-of", "2024-02-30"}).code == 2);
  CHECK(tollgate_cli({"export", "--db", db, "--catalog", "v8"}).code == 1);  // not stored
}
