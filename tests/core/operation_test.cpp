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

TEST_CASE("a change or cancel requested for a later date keeps that date, never an earlier one") {
  using namespace date::literals;
  Operation op;
  op.date = 2024_y / 3 / 15;
  op.type = OperationType::cancel;
  op.subscription = "s1";
  op.effective = 2024_y / 3 / 22;
  auto back = parse_operation(to_json(op));
  REQUIRE(back.has_value());
  CHECK(back->effective == std::optional(2024_y / 3 / 22));
  CHECK(back->date == 2024_y / 3 / 15);

  auto early = parse_operation(
      R"({"date": "2024-03-15", "type": "change", "subscription": "s1", "plan": "p",
          "effective": "2024-03-14"})");
  REQUIRE_FALSE(early.has_value());
  REQUIRE(early.error().size() == 1);
  CHECK(early.error()[0].path == "effective");
  CHECK(early.error()[0].reason == "must not be before date 2024-03-15");
}

TEST_CASE("the engine takes a cancel for a later date as pending, and refuses one for an earlier") {
  using namespace date::literals;
  auto catalog = std::make_shared<const Catalog>(*load_catalog(R"({"name": "c", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}], "plans": [{"name": "p", "product": "P",
    "phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY",
      "price": {"USD": "31.00"}}}]}]})"));
  auto engine = *BillingEngine::open(catalog, {}, {"a", "USD", "UTC", 1});
  REQUIRE(engine.create_subscription("s1", "p", 2024_y / 3 / 1));
  CHECK(engine.cancel("s1", 2024_y / 3 / 15, BillingActionPolicy::immediate, 2024_y / 3 / 14)
            .error()
            .code == errors::engine_date);
  REQUIRE(engine.cancel("s1", 2024_y / 3 / 15, BillingActionPolicy::immediate, 2024_y / 3 / 22));
  // Mar 15 is still the last operation's date: another one that day is taken.
  REQUIRE(engine.uncancel("s1", 2024_y / 3 / 15));
  REQUIRE(engine.create_subscription("s2", "p", 2024_y / 3 / 15));
  // Mar 15's invoice: s1 [Mar 1, Apr 1) 31.00, s2 [Mar 15, Apr 1) 17 days at 1.00.
  auto invoice = engine.invoice(2024_y / 3 / 15);
  REQUIRE(invoice.has_value());
  CHECK(invoice->total() == Decimal(48));
}
