// Usage metering and prepaid credits through the engine, worked out by hand.

#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::test::catalog_from;
using tollgate::test::Harness;
using Lines = std::vector<std::string>;

namespace {

const char* kCatalog = R"({"name": "usage-tests", "currencies": ["USD"],
  "credit_unit_price": {"USD": "0.10"},
  "products": [{"name": "Api", "category": "BASE"}, {"name": "Kernel", "category": "STANDALONE"}],
  "plans": [
    {"name": "metered", "product": "Api", "phases": [{"type": "EVERGREEN", "usages": [
      {"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY", "model": "PER_UNIT", "unit_price": {"USD": "0.10"}},
      {"name": "users", "metric": "active_users", "billing_period": "MONTHLY", "model": "PER_UNIT",
       "aggregation": "UNIQUE_COUNT", "unit_price": {"USD": "1.00"}},
      {"name": "storage", "metric": "gb", "billing_period": "MONTHLY", "model": "PER_UNIT",
       "aggregation": "MAX", "unit_price": {"USD": "0.50"}}]}]},
    {"name": "metered-pro", "product": "Api", "phases": [{"type": "EVERGREEN", "usages": [
      {"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY", "model": "PER_UNIT", "unit_price": {"USD": "0.05"}}]}]},
    {"name": "overage", "product": "Api", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "billing_mode": "IN_ARREAR", "price": {"USD": "50.00"}},
      "usages": [{"name": "units", "metric": "units", "billing_period": "MONTHLY", "model": "OVERAGE",
                  "included": "100", "prorate_included": true, "unit_price": {"USD": "2.25"}}]}]},
    {"name": "platform", "product": "Api", "phases": [{"type": "EVERGREEN", "usages": [
      {"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY", "model": "GRADUATED", "tiers": [
        {"up_to": "100", "unit_price": {"USD": "0"}, "flat_price": {"USD": "9.00"}},
        {"up_to": null, "unit_price": {"USD": "0.01"}}]}]}]},
    {"name": "kernel", "product": "Kernel", "phases": [{"type": "EVERGREEN", "usages": [
      {"name": "kernel", "metric": "kernel_minutes", "billing_period": "MONTHLY", "model": "PER_UNIT",
       "unit_price": {"USD": "0.10"}, "pay_with_credits": true}]}]}
  ],
  "credit_packages": [{"name": "credits-50", "credits": "50", "price": {"USD": "5.00"}}]
})";

Harness harness() {
  return Harness(catalog_from(kCatalog), {}, Account{"a", "USD", "UTC", 1});
}

Decimal d(const char* s) {
  return *Decimal::parse(s);
}

UsageEvent usage(const char* sub, const char* metric, const char* quantity, Date on, const char* id,
                 const char* key = "") {
  return {sub, metric, d(quantity), on, id, key};
}

#define ON(h, date, call) \
  REQUIRE((h).on(date, [&](BillingEngine& e) { return e.call; }).has_value())

Result<Ok> record(BillingEngine& e, const UsageEvent& u, Recorded expected = Recorded::applied) {
  auto r = e.record_usage(u);
  if (!r) return unexpected(r.error());
  CHECK(*r == expected);
  return Ok{};
}

}  // namespace

TEST_CASE("a repeated usage id is ignored and reported as a duplicate") {
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "metered", 2024_y / 1 / 1));
  REQUIRE(h.on(2024_y / 1 / 10, [](BillingEngine& e) {
    return record(e, usage("s", "api_calls", "30", 2024_y / 1 / 10, "c1"));
  }));
  REQUIRE(h.on(2024_y / 1 / 11, [](BillingEngine& e) {
    return record(e, usage("s", "api_calls", "30", 2024_y / 1 / 11, "c1"), Recorded::duplicate);
  }));
  h.bill_through(2024_y / 2 / 1);
  // 30 x 0.10 = 3.00, once.
  CHECK(h.lines() == Lines{"2024-02-01 USAGE s 2024-01-01..2024-02-01 3.00"});
}

TEST_CASE(
    "a late event for an invoiced period is billed on the next invoice with its original period") {
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "metered", 2024_y / 1 / 1));
  REQUIRE(h.on(2024_y / 1 / 10, [](BillingEngine& e) {
    return record(e, usage("s", "api_calls", "10", 2024_y / 1 / 10, "c1"));
  }));
  h.bill_through(2024_y / 2 / 4);
  // Arrives Feb 5, happened Jan 20: 5 x 0.10 = 0.50 for [Jan 1, Feb 1).
  REQUIRE(h.on(2024_y / 2 / 5, [](BillingEngine& e) {
    return record(e, usage("s", "api_calls", "5", 2024_y / 1 / 20, "c2"));
  }));
  h.bill_through(2024_y / 3 / 1);
  CHECK(h.lines() == Lines{"2024-02-01 USAGE s 2024-01-01..2024-02-01 1.00",
                           "2024-02-05 USAGE s 2024-01-01..2024-02-01 0.50"});
  REQUIRE(h.engine().invoices().size() == 2);
  CHECK(h.engine().invoices()[1].items[0].quantity == Decimal(5));
}

TEST_CASE("a partial first period prorates the included units exactly") {
  // Start Jan 20, BCD 1: 12/31. Base 50.00 x 12/31 = 19.35; included 100 x 12/31 = 38.709677...;
  // (80 - 38.709677...) x 2.25 = 92.903225... -> 92.90.
  Harness h = harness();
  ON(h, 2024_y / 1 / 20, create_subscription("s", "overage", 2024_y / 1 / 20));
  REQUIRE(h.on(2024_y / 1 / 25, [](BillingEngine& e) {
    return record(e, usage("s", "units", "80", 2024_y / 1 / 25, "u1"));
  }));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-02-01 RECURRING s 2024-01-20..2024-02-01 19.35",
                           "2024-02-01 USAGE s 2024-01-20..2024-02-01 92.90"});
}

TEST_CASE("usage splits at an immediate plan change, each part rated by its plan") {
  // [Jan 1, Jan 16) at 0.10: 10 calls = 1.00, billed on the change; [Jan 16, Feb 1) at 0.05: 10
  // calls = 0.50.
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "metered", 2024_y / 1 / 1));
  REQUIRE(h.on(2024_y / 1 / 10, [](BillingEngine& e) {
    return record(e, usage("s", "api_calls", "10", 2024_y / 1 / 10, "c1"));
  }));
  ON(h, 2024_y / 1 / 16,
     change_plan("s", "metered-pro", 2024_y / 1 / 16, BillingActionPolicy::immediate));
  REQUIRE(h.on(2024_y / 1 / 20, [](BillingEngine& e) {
    return record(e, usage("s", "api_calls", "10", 2024_y / 1 / 20, "c2"));
  }));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-01-16 USAGE s 2024-01-01..2024-01-16 1.00",
                           "2024-02-01 USAGE s 2024-01-16..2024-02-01 0.50"});
}

TEST_CASE("a cancel mid-period bills the usage so far on the cancel date, later usage is refused") {
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "metered", 2024_y / 1 / 1));
  REQUIRE(h.on(2024_y / 1 / 10, [](BillingEngine& e) {
    return record(e, usage("s", "api_calls", "10", 2024_y / 1 / 10, "c1"));
  }));
  ON(h, 2024_y / 1 / 20, cancel("s", 2024_y / 1 / 20, BillingActionPolicy::immediate));
  auto late = h.engine().record_usage(usage("s", "api_calls", "10", 2024_y / 1 / 25, "c2"));
  REQUIRE_FALSE(late.has_value());
  CHECK(late.error().code == "refused.not_entitled");
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-01-20 USAGE s 2024-01-01..2024-01-20 1.00"});
}

TEST_CASE("UNIQUE_COUNT and MAX aggregations") {
  // users: a, b, a -> 2 x 1.00 = 2.00; storage: max(3, 7, 2) = 7 x 0.50 = 3.50.
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "metered", 2024_y / 1 / 1));
  REQUIRE(h.on(2024_y / 1 / 5, [](BillingEngine& e) -> Result<Ok> {
    for (auto u :
         {usage("s", "active_users", "1", 2024_y / 1 / 5, "u1", "a"),
          usage("s", "active_users", "1", 2024_y / 1 / 5, "u2", "b"),
          usage("s", "active_users", "1", 2024_y / 1 / 5, "u3", "a"),
          usage("s", "gb", "3", 2024_y / 1 / 5, "g1"), usage("s", "gb", "7", 2024_y / 1 / 5, "g2"),
          usage("s", "gb", "2", 2024_y / 1 / 5, "g3")})
      if (auto r = record(e, u); !r) return r;
    return Ok{};
  }));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-02-01 USAGE s 2024-01-01..2024-02-01 2.00",
                           "2024-02-01 USAGE s 2024-01-01..2024-02-01 3.50"});
}

TEST_CASE("a first tier's flat fee is billed even without usage") {
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "platform", 2024_y / 1 / 1));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-02-01 USAGE s 2024-01-01..2024-02-01 9.00"});
}

TEST_CASE("usage is refused when it cannot be counted") {
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "metered", 2024_y / 1 / 1));
  auto& e = h.engine();
  CHECK(e.record_usage(usage("s", "api_calls", "-1", 2024_y / 1 / 2, "n")).error().code ==
        "refused.quantity");
  CHECK(e.record_usage(usage("s", "units", "1", 2024_y / 1 / 2, "m")).error().code ==
        "refused.metric");
  CHECK(e.record_usage(usage("nobody", "api_calls", "1", 2024_y / 1 / 2, "x")).error().code ==
        "unknown.subscription");
  CHECK(e.record_usage(usage("s", "api_calls", "1", 2023_y / 12 / 31, "early")).error().code ==
        "refused.not_entitled");
  // Refused events are not stored as counted: the same ids are still free.
  CHECK(*e.record_usage(usage("s", "api_calls", "1", 2024_y / 1 / 2, "n")) == Recorded::applied);
}

TEST_CASE(
    "prepaid credits: a session credits once, pays usage across invoices, the rest is billed") {
  // May: 30 min x 0.10 = 3.00 paid with 30 credits; June: 45 min = 4.50, 20 credits pay 2.00, 2.50
  // billed.
  Harness h = harness();
  ON(h, 2024_y / 5 / 1, create_subscription("k", "kernel", 2024_y / 5 / 1));
  REQUIRE(h.on(2024_y / 5 / 2, [](BillingEngine& e) -> Result<Ok> {
    CHECK(*e.purchase_credits("credits-50", "cs_test_a1", 2024_y / 5 / 2) == Recorded::applied);
    CHECK(*e.purchase_credits("credits-50", "cs_test_a1", 2024_y / 5 / 2) == Recorded::duplicate);
    return record(e, usage("k", "kernel_minutes", "30", 2024_y / 5 / 10, "k1"));
  }));
  REQUIRE(h.on(2024_y / 6 / 12, [](BillingEngine& e) {
    return record(e, usage("k", "kernel_minutes", "45", 2024_y / 6 / 12, "k2"));
  }));
  h.bill_through(2024_y / 7 / 1);
  CHECK(h.lines() ==
        Lines{"2024-06-01 USAGE k 2024-05-01..2024-06-01 3.00", "2024-06-01 CREDIT -3.00",
              "2024-07-01 USAGE k 2024-06-01..2024-07-01 4.50", "2024-07-01 CREDIT -2.00"});
  CHECK(h.engine().credits().balance(2024_y / 7 / 1) == Decimal(0));
  CHECK(h.engine().invoices()[1].total() == d("2.50"));
  // The ledger explains the balance: +50, -30, -20.
  const auto& entries = h.engine().credits().entries();
  REQUIRE(entries.size() == 3);
  CHECK(entries[1].credits == Decimal(-30));
  CHECK(entries[2].credits == Decimal(-20));
}

TEST_CASE("granted credits that expire before the invoice pay nothing") {
  Harness h = harness();
  ON(h, 2024_y / 5 / 1, create_subscription("k", "kernel", 2024_y / 5 / 1));
  ON(h, 2024_y / 5 / 1, grant_credits(Decimal(20), "welcome", 2024_y / 5 / 1, 2024_y / 5 / 31));
  REQUIRE(h.on(2024_y / 5 / 10, [](BillingEngine& e) {
    return record(e, usage("k", "kernel_minutes", "10", 2024_y / 5 / 10, "k1"));
  }));
  h.bill_through(2024_y / 6 / 1);
  CHECK(h.lines() == Lines{"2024-06-01 USAGE k 2024-05-01..2024-06-01 1.00"});
  const auto& entries = h.engine().credits().entries();
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].kind == CreditEntryKind::expiry);
  CHECK(entries[1].credits == Decimal(-20));
}

TEST_CASE("may an account consume N more units on its prepaid credits?") {
  // 50 credits worth 0.10 each = 5.00; 30 minutes used so far at 0.10 = 3.00:
  // 20 more minutes make 5.00 (allowed), 21 make 5.10 (not).
  Harness h = harness();
  ON(h, 2024_y / 5 / 1, create_subscription("k", "kernel", 2024_y / 5 / 1));
  ON(h, 2024_y / 5 / 2, purchase_credits("credits-50", "cs_1", 2024_y / 5 / 2));
  REQUIRE(h.on(2024_y / 5 / 10, [](BillingEngine& e) {
    return record(e, usage("k", "kernel_minutes", "30", 2024_y / 5 / 10, "k1"));
  }));
  auto& engine = h.engine();
  CHECK(*engine.can_consume("k", "kernel_minutes", Decimal(20), 2024_y / 5 / 20));
  CHECK_FALSE(*engine.can_consume("k", "kernel_minutes", Decimal(21), 2024_y / 5 / 20));
  CHECK(engine.can_consume("k", "gpu_minutes", Decimal(1), 2024_y / 5 / 20).error().code ==
        "refused.metric");
  CHECK(engine.can_consume("x", "kernel_minutes", Decimal(1), 2024_y / 5 / 20).error().code ==
        "unknown.subscription");
  // Usage not paid with credits is limited only by entitlement.
  ON(h, 2024_y / 5 / 20, create_subscription("s", "metered", 2024_y / 5 / 20));
  CHECK(*engine.can_consume("s", "api_calls", Decimal(1000000), 2024_y / 5 / 21));
  CHECK_FALSE(*engine.can_consume("s", "api_calls", Decimal(1), 2024_y / 5 / 19));
}

// --- usage is billed or refused, never accepted and dropped (proration.md) ---

namespace {

const char* kStopCatalog = R"({"name": "stop-day", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [
    {"name": "calls", "product": "Api", "phases": [{"type": "EVERGREEN", "usages": [
      {"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY", "model": "PER_UNIT", "unit_price": {"USD": "0.10"}}]}]},
    {"name": "term", "product": "Api", "phases": [{"type": "FIXEDTERM", "duration": {"unit": "MONTHS", "length": 2}, "usages": [
      {"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY", "model": "PER_UNIT", "unit_price": {"USD": "0.05"}}]}]},
    {"name": "trial-then-calls", "product": "Api", "phases": [
      {"type": "TRIAL", "duration": {"unit": "DAYS", "length": 14}},
      {"type": "EVERGREEN", "usages": [
        {"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY", "model": "PER_UNIT", "unit_price": {"USD": "0.10"}}]}]},
    {"name": "overage", "product": "Api", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "billing_mode": "IN_ARREAR", "price": {"USD": "50.00"}},
      "usages": [{"name": "units", "metric": "units", "billing_period": "MONTHLY", "model": "OVERAGE",
                  "included": "100", "prorate_included": true, "unit_price": {"USD": "2.25"}}]}]}
  ]})";

Harness stop_harness() {
  return Harness(catalog_from(kStopCatalog), {}, Account{"a", "USD", "UTC", 1});
}

Result<Ok> record_on(Harness& h, const char* metric, const char* quantity, Date on,
                     const char* id) {
  return h.on(on,
              [&](BillingEngine& e) { return record(e, usage("s", metric, quantity, on, id)); });
}

}  // namespace

TEST_CASE("usage dated on the day of an immediate cancel is billed with the last period") {
  // The issue's case: 100 calls on 03-10, 30 on 03-20, cancel IMMEDIATE on 03-20.
  // The last period is [03-01, 03-20); the stop day's 30 calls belong to it: 130 x 0.10 = 13.00.
  Harness h = stop_harness();
  ON(h, 2024_y / 3 / 1, create_subscription("s", "calls", 2024_y / 3 / 1));
  REQUIRE(record_on(h, "api_calls", "100", 2024_y / 3 / 10, "u1"));
  REQUIRE(record_on(h, "api_calls", "30", 2024_y / 3 / 20, "u2"));
  ON(h, 2024_y / 3 / 20, cancel("s", 2024_y / 3 / 20, BillingActionPolicy::immediate));
  h.bill_through(2024_y / 4 / 1);
  CHECK(h.lines() == Lines{"2024-03-20 USAGE s 2024-03-01..2024-03-20 13.00"});
  // The day after the stop is refused, visibly.
  auto after = h.engine().record_usage(usage("s", "api_calls", "1", 2024_y / 3 / 21, "u3"));
  REQUIRE_FALSE(after.has_value());
  CHECK(after.error().code == "refused.not_entitled");
}

TEST_CASE("stop-day usage that arrives after the cancel is billed late with its period") {
  // Cancel IMMEDIATE on 01-20 bills 10 calls (1.00); 5 calls dated 01-20 arrive on 01-22:
  // accepted, and billed on the next invoice for [01-01, 01-20): 0.50.
  Harness h = stop_harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "calls", 2024_y / 1 / 1));
  REQUIRE(record_on(h, "api_calls", "10", 2024_y / 1 / 10, "u1"));
  ON(h, 2024_y / 1 / 20, cancel("s", 2024_y / 1 / 20, BillingActionPolicy::immediate));
  REQUIRE(h.on(2024_y / 1 / 22, [](BillingEngine& e) {
    return record(e, usage("s", "api_calls", "5", 2024_y / 1 / 20, "u2"));
  }));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-01-20 USAGE s 2024-01-01..2024-01-20 1.00",
                           "2024-01-22 USAGE s 2024-01-01..2024-01-20 0.50"});
}

TEST_CASE("usage on the last day of a fixed term is billed with its last period") {
  // FIXEDTERM of 2 months from 01-01: service ends 03-01. 10 calls on 03-01 x 0.05 = 0.50 for
  // [02-01, 03-01).
  Harness h = stop_harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "term", 2024_y / 1 / 1));
  REQUIRE(record_on(h, "api_calls", "10", 2024_y / 3 / 1, "u1"));
  h.bill_through(2024_y / 4 / 1);
  CHECK(h.lines() == Lines{"2024-03-01 USAGE s 2024-02-01..2024-03-01 0.50"});
  CHECK(h.engine().record_usage(usage("s", "api_calls", "1", 2024_y / 3 / 2, "u2")).error().code ==
        "refused.not_entitled");
}

TEST_CASE("usage on the day of a pause is billed with the period the pause ends") {
  // 20 calls dated 02-10, then a pause on 02-10: [02-01, 02-10) bills 20 x 0.10 = 2.00 on 02-10.
  Harness h = stop_harness();
  ON(h, 2024_y / 2 / 1, create_subscription("s", "calls", 2024_y / 2 / 1));
  REQUIRE(record_on(h, "api_calls", "20", 2024_y / 2 / 10, "u1"));
  ON(h, 2024_y / 2 / 10, pause("s", 2024_y / 2 / 10));
  CHECK(h.engine().record_usage(usage("s", "api_calls", "1", 2024_y / 2 / 12, "u2")).error().code ==
        "refused.not_entitled");
  h.bill_through(2024_y / 3 / 1);
  CHECK(h.lines() == Lines{"2024-02-10 USAGE s 2024-02-01..2024-02-10 2.00"});
}

TEST_CASE("usage on the day of a change to a plan without that metric stays with the old plan") {
  // 10 calls on 01-16, then an IMMEDIATE change on 01-16 to `overage` (no api_calls price):
  // calls' last period [01-01, 01-16) bills 10 x 0.10 = 1.00; overage in arrear 50.00 x 16/31
  // = 25.81 on 02-01.
  Harness h = stop_harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "calls", 2024_y / 1 / 1));
  REQUIRE(record_on(h, "api_calls", "10", 2024_y / 1 / 16, "u1"));
  ON(h, 2024_y / 1 / 16,
     change_plan("s", "overage", 2024_y / 1 / 16, BillingActionPolicy::immediate));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-01-16 USAGE s 2024-01-01..2024-01-16 1.00",
                           "2024-02-01 RECURRING s 2024-01-16..2024-02-01 25.81"});
  // From the day after, api_calls has no price in force: refused, not kept.
  CHECK(h.engine().record_usage(usage("s", "api_calls", "1", 2024_y / 1 / 17, "u2")).error().code ==
        "refused.metric");
}

TEST_CASE("OVERAGE prorates its included units in a last period cut by a cancel") {
  // Cancel IMMEDIATE on 01-16: last period [01-01, 01-16) is 15/31 of January.
  // Base 50.00 x 15/31 = 24.193... -> 24.19; included 100 x 15/31 = 48.387096...;
  // (80 - 48.387096...) x 2.25 = 71.129032... -> 71.13.
  Harness h = stop_harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "overage", 2024_y / 1 / 1));
  REQUIRE(record_on(h, "units", "80", 2024_y / 1 / 10, "u1"));
  ON(h, 2024_y / 1 / 16, cancel("s", 2024_y / 1 / 16, BillingActionPolicy::immediate));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-01-16 RECURRING s 2024-01-01..2024-01-16 24.19",
                           "2024-01-16 USAGE s 2024-01-01..2024-01-16 71.13"});
}

TEST_CASE("usage in a phase that does not price its metric is refused, not billed at nothing") {
  // 14-day trial from 01-01 without usage prices: calls on 01-05 are refused; on 01-15 (EVERGREEN)
  // accepted.
  Harness h = stop_harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "trial-then-calls", 2024_y / 1 / 1));
  auto in_trial = h.engine().record_usage(usage("s", "api_calls", "5", 2024_y / 1 / 5, "u1"));
  REQUIRE_FALSE(in_trial.has_value());
  CHECK(in_trial.error().code == "refused.metric");
  CHECK(in_trial.error().message.find("TRIAL") != std::string::npos);
  REQUIRE(record_on(h, "api_calls", "5", 2024_y / 1 / 15, "u2"));
  h.bill_through(2024_y / 2 / 1);
  // Usage aligned like the account's BCD (1): [01-15, 02-01) bills 5 x 0.10 = 0.50.
  CHECK(h.lines() == Lines{"2024-02-01 USAGE s 2024-01-15..2024-02-01 0.50"});
}

TEST_CASE(
    "a START_OF_TERM cancel after usage in the cut period bills that usage with the last period") {
  // Usage on 02-10; cancel START_OF_TERM on 02-20 takes effect 02-01 (the start of the usage
  // period). The 10 calls keep a home: the last period [01-01, 02-01), billed late on 02-20: 1.00.
  Harness h = stop_harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "calls", 2024_y / 1 / 1));
  REQUIRE(record_on(h, "api_calls", "10", 2024_y / 2 / 10, "u1"));
  ON(h, 2024_y / 2 / 20, cancel("s", 2024_y / 2 / 20, BillingActionPolicy::start_of_term));
  h.bill_through(2024_y / 3 / 1);
  CHECK(h.lines() == Lines{"2024-02-20 USAGE s 2024-01-01..2024-02-01 1.00"});
}

TEST_CASE(
    "an operation that would leave accepted usage unbillable is refused and changes nothing") {
  // Created 01-01, 10 calls on 01-10; START_OF_TERM on 01-20 would end the subscription on 01-01,
  // before it ever ran: the calls would have no period at all.
  Harness h = stop_harness();
  ON(h, 2024_y / 1 / 1, create_subscription("s", "calls", 2024_y / 1 / 1));
  REQUIRE(record_on(h, "api_calls", "10", 2024_y / 1 / 10, "u1"));
  auto r = h.on(2024_y / 1 / 20, [](BillingEngine& e) {
    return e.cancel("s", 2024_y / 1 / 20, BillingActionPolicy::start_of_term);
  });
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "refused.usage_unbillable");
  CHECK(h.status("s", 2024_y / 1 / 20).state == SubscriptionState::active);
  ON(h, 2024_y / 1 / 21, cancel("s", 2024_y / 1 / 21, BillingActionPolicy::immediate));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-01-21 USAGE s 2024-01-01..2024-01-21 1.00"});
}
