// What only the PostgreSQL store does: its migrations, and an unreachable server.

#include "tollgate/postgres/postgres_store.hpp"

#include <catch2/catch.hpp>

#include "../support/store_backends.hpp"

using namespace tollgate;
using namespace tollgate::postgres;
using namespace date::literals;

TEST_CASE("a PostgreSQL schema of version 1 upgrades to the latest, keeping its rules") {
  TOLLGATE_NEEDS_BACKEND(test::PostgresBackend);
  std::string conninfo = test::PostgresBackend::empty_schema();
  {
    auto v1 = PostgresStore::open(conninfo, {.migrate_to = 1});
    REQUIRE(v1.has_value());
    CHECK((*v1)->schema_version() == 1);
    REQUIRE((*v1)->register_rules({"org-7", "t1"},
                                  R"({"cancelPolicy": [{"billingActionPolicy": "IMMEDIATE"}]})",
                                  Instant{date::sys_days(2024_y / 1 / 1)}));
  }
  auto latest = PostgresStore::open(conninfo);
  REQUIRE(latest.has_value());
  CHECK((*latest)->schema_version() == 13);
  auto sets = (*latest)->rule_sets();
  REQUIRE(sets->size() == 1);
  CHECK(sets->front().registered_at == Instant{date::sys_days(2024_y / 1 / 1)});
  // Opening again migrates nothing and keeps the version.
  CHECK((*PostgresStore::open(conninfo))->schema_version() == 13);
}

TEST_CASE("an unreachable PostgreSQL server is store.unavailable, without the connection string") {
  // Port 9 on loopback: nothing listens there.
  auto s = PostgresStore::open("host=127.0.0.1 port=9 user=u password=s3cret connect_timeout=2");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == "store.unavailable");
  CHECK(s.error().message.find("s3cret") == std::string::npos);
}

TEST_CASE("no connection string, well-formed or not, has its password quoted back") {
  // libpq's parse errors quote the fragment they stumble on: here, the password.
  for (const char* conninfo : {"postgresql://u:CANARYpg0001@127.0.0.1:9/billing?connect_timeout=2",
                               "postgresql://u:CANARYpg0001%zz@127.0.0.1:9/billing",
                               "host=127.0.0.1 port=9 password='CANARYpg0001 connect_timeout=2",
                               "host=127.0.0.1 port=9 CANARYpg0001 connect_timeout=2"}) {
    INFO(conninfo);
    auto s = PostgresStore::open(conninfo);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code == "store.unavailable");
    CHECK(s.error().message.find("CANARYpg0001") == std::string::npos);
  }
}
