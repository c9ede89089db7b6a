// The health check over PostgreSQL: 200 while the database answers, 503 once
// it is gone. The test runs a PostgreSQL server of its own, since it stops it.

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/store_backends.hpp"
#include "tollgate/postgres/postgres_store.hpp"
#include "tollgate/postgres/postgres_tenant_store.hpp"
#include "tollgate/server/rest_api.hpp"

using namespace tollgate;
namespace json = boost::json;

TEST_CASE("the health check answers 503 once PostgreSQL is gone") {
  TOLLGATE_NEEDS_BACKEND(test::PostgresBackend);
  std::string dir = "/tmp/tollgate-pg-health-" + std::to_string(::getpid());
  std::string script = TOLLGATE_PG_SERVER;
  REQUIRE(std::system(("FAST=1 '" + script + "' start '" + dir + "' >/dev/null").c_str()) == 0);
  std::string conninfo;
  std::getline(std::ifstream(dir + "/conninfo"), conninfo);

  auto store = postgres::PostgresStore::open(conninfo);
  REQUIRE(store.has_value());
  auto tenants = postgres::PostgresTenantStore::open(**store);
  REQUIRE(tenants.has_value());
  server::RestApi api(**store, **tenants);
  server::Request health{"GET", "/1.0/healthcheck", {}, "", "", false};
  CHECK(api.handle(health).status == 200);

  REQUIRE(std::system(("'" + script + "' stop '" + dir + "' >/dev/null").c_str()) == 0);
  auto down = api.handle(health);
  INFO(down.body);
  CHECK(down.status == 503);
  auto body = json::parse(down.body);
  CHECK(body.at("billingStore").at("healthy") == false);
  CHECK(body.at("serverStore").at("healthy") == false);
}
