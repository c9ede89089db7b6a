// The REST server's status for an error comes from its code's constant.

#include <catch2/catch.hpp>

#include "../../src/server/api.hpp"

using namespace tollgate;
using tollgate::server::detail::failure;

TEST_CASE("a code's HTTP status: the request's fault, a missing or taken id, a busy store") {
  CHECK(failure(Error{errors::refused_illegal, "ILLEGAL change"}).status == 400);
  CHECK(failure(Error{errors::unknown_plan, "no plan x"}).status == 400);
  CHECK(failure(Error{errors::engine_date, "before the last operation"}).status == 400);
  CHECK(failure(Error{errors::store_rules, "stored rules no longer validate"}).status == 400);
  CHECK(failure(Error{errors::server_argument, "bad argument"}).status == 400);
  CHECK(failure(Error{errors::store_not_found, "no account a"}).status == 404);
  CHECK(failure(Error{errors::store_conflict, "taken"}).status == 409);
  CHECK(failure(Error{errors::store_busy, "locked"}).status == 503);
}

TEST_CASE("any other code is a 500 whose message names only the code") {
  auto r = failure(Error{"provider.card_declined", "card declined for cus_123"});
  CHECK(r.status == 500);
  CHECK(r.body.find("internal error (provider.card_declined)") != std::string::npos);
  CHECK(r.body.find("cus_123") == std::string::npos);
  CHECK(failure(Error{errors::store_corrupt, "table invoice row 3"}).status == 500);
}
