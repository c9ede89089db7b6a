#include "tollgate/operation.hpp"

#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"

using namespace tollgate;
using namespace date::literals;

TEST_CASE("an operation survives a round trip through its JSON form") {
  Operation op;
  op.date = 2024_y / 3 / 1;
  op.type = OperationType::cancel;
  op.subscription = "s1";
  op.policy = BillingActionPolicy::end_of_term;
  CHECK(to_json(op) ==
        R"({"date":"2024-03-01","type":"cancel","subscription":"s1","policy":"END_OF_TERM"})");
  auto back = parse_operation(to_json(op));
  REQUIRE(back.has_value());
  CHECK(back->date == op.date);
  CHECK(back->type == OperationType::cancel);
  CHECK(back->subscription == "s1");
  CHECK(back->policy == std::optional(BillingActionPolicy::end_of_term));

  Operation usage;
  usage.date = 2024_y / 3 / 2;
  usage.type = OperationType::usage;
  usage.subscription = "s1";
  usage.metric = "api_calls";
  usage.quantity = *Decimal::parse("12.5");
  usage.id = "u-1";
  auto u = parse_operation(to_json(usage));
  REQUIRE(u.has_value());
  CHECK(u->quantity == *Decimal::parse("12.5"));
  CHECK(u->id == "u-1");
}

TEST_CASE("a malformed operation names every bad field by its JSON path") {
  auto r =
      parse_operation(R"({"date": "2024-02-30", "type": "cancel", "policy": "LATER", "color": 1})");
  REQUIRE_FALSE(r.has_value());
  CHECK(tollgate::test::has_problem(r.error(), "date", ""));
  CHECK(tollgate::test::has_problem(r.error(), "subscription", "required"));
  CHECK(tollgate::test::has_problem(r.error(), "policy", "LATER"));
  CHECK(tollgate::test::has_problem(r.error(), "color", "unknown field"));
  CHECK_FALSE(parse_operation(R"({"date": "2024-02-01", "type": "explode"})").has_value());
}
