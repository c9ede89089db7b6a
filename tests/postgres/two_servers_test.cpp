// Two `tollgate serve` processes on one PostgreSQL database, driven in turn by
// Kill Bill's JavaScript client (tests/server/killbill_two_servers.js).

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "../support/peer.hpp"
#include "../support/store_backends.hpp"

TEST_CASE("two servers on one PostgreSQL database, with Kill Bill's JavaScript client") {
  TOLLGATE_NEEDS_BACKEND(tollgate::test::PostgresBackend);
  std::string db = tollgate::test::PostgresBackend::empty_schema_uri();
  REQUIRE(setenv("NODE_PATH", TOLLGATE_TEST_PEERS "/node_modules", 1) == 0);
  auto out = tollgate::test::run_node("../server/killbill_two_servers.js", {TOLLGATE_BINARY, db});
  INFO(out);
  CHECK(out.find("1..3") != std::string::npos);
}
