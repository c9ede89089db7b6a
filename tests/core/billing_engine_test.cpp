// Hand-worked cases for each rule of the proration spec. Every expected amount
// is computed in the comment above it from the spec's formulas.

#include "tollgate/billing_engine.hpp"

#include <catch2/catch.hpp>
#include <map>

#include "../support/engine_harness.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::test::catalog_from;
using tollgate::test::Harness;
using tollgate::test::rules_from;
using Lines = std::vector<std::string>;

namespace {

std::string monthly(const char* name, const char* product, const char* usd,
                    const char* mode = "IN_ADVANCE") {
  return std::string(R"({"name": ")") + name + R"(", "product": ")" + product +
         R"(", "phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "billing_mode": ")" +
         mode + R"(", "price": {"USD": ")" + usd + R"(", "EUR": ")" + usd + R"("}}}]})";
}

// One catalog for most cases: plans named after what they exercise.
const std::string kCatalog =
    std::string(R"({"name": "engine-tests", "currencies": ["USD", "EUR"],
  "products": [{"name": "Std", "category": "BASE"}, {"name": "Pro", "category": "BASE"},
               {"name": "Seats", "category": "ADD_ON"}, {"name": "Extra", "category": "ADD_ON", "available_for": ["Pro"]}],
  "plans": [)") +
    monthly("std", "Std", "10.00") + "," + monthly("pro", "Pro", "20.00") + "," +
    monthly("odd", "Std", "9.99") + "," + monthly("thirty", "Std", "30.00") + "," +
    monthly("p31", "Std", "31.00") + "," + monthly("arrear", "Std", "30.00", "IN_ARREAR") + "," +
    monthly("extra", "Extra", "5.00") + R"(,
    {"name": "eur-priced", "product": "Std", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "50.00", "EUR": "46.00"}}}]},
    {"name": "annual", "product": "Std", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "ANNUAL", "price": {"USD": "366.00", "EUR": "366.00"}}}]},
    {"name": "trial15", "product": "Pro", "phases": [{"type": "TRIAL", "duration": {"unit": "DAYS", "length": 15}},
      {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "31.00", "EUR": "31.00"}}}]},
    {"name": "trial15-gold", "product": "Pro", "phases": [{"type": "TRIAL", "duration": {"unit": "DAYS", "length": 15}},
      {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "62.00", "EUR": "62.00"}}}]},
    {"name": "card-required", "product": "Pro", "after_trial": "REQUIRE_PAYMENT_METHOD",
     "phases": [{"type": "TRIAL", "duration": {"unit": "DAYS", "length": 14}},
      {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "31.00", "EUR": "31.00"}}}]},
    {"name": "seats", "product": "Seats", "phases": [{"type": "TRIAL", "duration": {"unit": "DAYS", "length": 7}},
      {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00", "EUR": "10.00"}}}]},
    {"name": "intro", "product": "Std", "phases": [
      {"type": "DISCOUNT", "duration": {"unit": "MONTHS", "length": 1},
       "recurring": {"billing_period": "MONTHLY", "price": {"USD": "5.00", "EUR": "5.00"}}},
      {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00", "EUR": "10.00"}}}]},
    {"name": "setup", "product": "Std", "phases": [{"type": "EVERGREEN", "fixed": {"USD": "25.00", "EUR": "25.00"},
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00", "EUR": "10.00"}}}]},
    {"name": "two-months", "product": "Std", "phases": [{"type": "FIXEDTERM", "duration": {"unit": "MONTHS", "length": 2},
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00", "EUR": "10.00"}}}]}
  ]})";

Account account(std::optional<int> bcd, const char* currency = "USD") {
  return {"acct", currency, "UTC", bcd};
}

Harness harness(std::optional<int> bcd = 1, const std::string& rules = "{}") {
  return Harness(catalog_from(kCatalog), rules_from(rules), account(bcd));
}

// Operations carry their own date; these helpers bind it at the call site.
#define ON(h, date, call) \
  REQUIRE((h).on(date, [&](BillingEngine& e) { return e.call; }).has_value())

}  // namespace

TEST_CASE("BCD 31 runs through February on the last day of each short month") {
  Harness h = harness(31);
  ON(h, 2024_y / 1 / 31, create_subscription("s", "p31", 2024_y / 1 / 31));
  h.bill_through(2024_y / 5 / 31);
  CHECK(h.lines() == Lines{"2024-01-31 RECURRING s 2024-01-31..2024-02-29 31.00",
                           "2024-02-29 RECURRING s 2024-02-29..2024-03-31 31.00",
                           "2024-03-31 RECURRING s 2024-03-31..2024-04-30 31.00",
                           "2024-04-30 RECURRING s 2024-04-30..2024-05-31 31.00",
                           "2024-05-31 RECURRING s 2024-05-31..2024-06-30 31.00"});
}

TEST_CASE("a leading partial period is prorated against the whole period that contains it") {
  // BCD 15, start Jan 3: [Jan 3, Jan 15) is 12 of the 31 days from Dec 15: 31.00 x 12/31 = 12.00.
  Harness h = harness(15);
  ON(h, 2024_y / 1 / 3, create_subscription("s", "p31", 2024_y / 1 / 3));
  h.bill_through(2024_y / 2 / 15);
  CHECK(h.lines() == Lines{"2024-01-03 RECURRING s 2024-01-03..2024-01-15 12.00",
                           "2024-01-15 RECURRING s 2024-01-15..2024-02-15 31.00",
                           "2024-02-15 RECURRING s 2024-02-15..2024-03-15 31.00"});
}

TEST_CASE("an annual period across a leap day") {
  // BCD 1, start 2024-02-15: first billing 2025-02-01; [2024-02-01, 2025-02-01) has 366 days,
  // [2024-02-15, 2025-02-01) 352: 366.00 x 352/366 = 352.00.
  Harness h = harness(1);
  ON(h, 2024_y / 2 / 15, create_subscription("s", "annual", 2024_y / 2 / 15));
  h.bill_through(2025_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-02-15 RECURRING s 2024-02-15..2025-02-01 352.00",
                           "2025-02-01 RECURRING s 2025-02-01..2026-02-01 366.00"});
}

TEST_CASE("IN_ARREAR periods are billed on their end") {
  // Start Apr 11, BCD 1: [Apr 11, May 1) is 20 of 30 days: 30.00 x 20/30 = 20.00, billed May 1.
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 11, create_subscription("s", "arrear", 2024_y / 4 / 11));
  h.bill_through(2024_y / 4 / 30);
  CHECK(h.lines().empty());
  h.bill_through(2024_y / 6 / 1);
  CHECK(h.lines() == Lines{"2024-05-01 RECURRING s 2024-04-11..2024-05-01 20.00",
                           "2024-06-01 RECURRING s 2024-05-01..2024-06-01 30.00"});
}

TEST_CASE("an immediate cancel repairs the unused share of the billed item, rounded once") {
  // 9.99 billed for April; cancel on Apr 21: [Apr 21, May 1) is 10 of 30 days: -9.99 x 10/30 =
  // -3.33.
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "odd", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 21, cancel("s", 2024_y / 4 / 21, BillingActionPolicy::immediate));
  h.bill_through(2024_y / 6 / 1);
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING s 2024-04-01..2024-05-01 9.99",
                           "2024-04-21 REPAIR_ADJ s 2024-04-21..2024-05-01 -3.33"});
  auto st = h.status("s", 2024_y / 4 / 21);
  CHECK(st.state == SubscriptionState::cancelled);
  CHECK_FALSE(st.entitled);
  CHECK(st.charged_through == 2024_y / 4 / 21);
  CHECK(h.status("s", 2024_y / 4 / 20).state == SubscriptionState::active);
}

TEST_CASE("a start-of-term cancel repairs the whole billed period") {
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "odd", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 21, cancel("s", 2024_y / 4 / 21, BillingActionPolicy::start_of_term));
  h.bill_through(2024_y / 6 / 1);
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING s 2024-04-01..2024-05-01 9.99",
                           "2024-04-21 REPAIR_ADJ s 2024-04-01..2024-05-01 -9.99"});
  CHECK(h.status("s", 2024_y / 4 / 21).state == SubscriptionState::cancelled);
}

TEST_CASE("an end-of-term cancel takes effect at the charged-through date with nothing credited") {
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "std", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 10, cancel("s", 2024_y / 4 / 10));  // default policy: END_OF_TERM
  auto pending = h.status("s", 2024_y / 4 / 20);
  CHECK(pending.state == SubscriptionState::active);
  CHECK(pending.pending_cancel == 2024_y / 5 / 1);
  h.bill_through(2024_y / 6 / 1);
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING s 2024-04-01..2024-05-01 10.00"});
  CHECK(h.status("s", 2024_y / 5 / 1).state == SubscriptionState::cancelled);
}

TEST_CASE("an end-of-term change starts the new plan at the charged-through date") {
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "std", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 16, change_plan("s", "pro", 2024_y / 4 / 16));
  CHECK(h.status("s", 2024_y / 4 / 20).plan == "std");
  h.bill_through(2024_y / 5 / 1);
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING s 2024-04-01..2024-05-01 10.00",
                           "2024-05-01 RECURRING s 2024-05-01..2024-06-01 20.00"});
  CHECK(h.status("s", 2024_y / 5 / 1).plan == "pro");
}

TEST_CASE("undoing a pending end-of-term change keeps the plan in force") {
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "std", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 16, change_plan("s", "pro", 2024_y / 4 / 16));  // pending until May 1
  ON(h, 2024_y / 4 / 20, undo_change("s", 2024_y / 4 / 20));
  h.bill_through(2024_y / 5 / 1);
  // May is billed at std's 10.00, not pro's 20.00.
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING s 2024-04-01..2024-05-01 10.00",
                           "2024-05-01 RECURRING s 2024-05-01..2024-06-01 10.00"});
  CHECK(h.status("s", 2024_y / 5 / 1).plan == "std");
  // Nothing left to undo; an immediate change is in effect and cannot be undone either.
  CHECK(h.engine().undo_change("s", 2024_y / 5 / 2).error().code == "refused.no_pending_change");
  ON(h, 2024_y / 5 / 10, change_plan("s", "pro", 2024_y / 5 / 10, BillingActionPolicy::immediate));
  CHECK(h.engine().undo_change("s", 2024_y / 5 / 11).error().code == "refused.no_pending_change");
}

TEST_CASE("an immediate upgrade from 10 to 20 halfway through April nets +5.00") {
  // Apr 16: repair -10.00 x 15/30 = -5.00; new plan [Apr 16, May 1): 20.00 x 15/30 = 10.00.
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "std", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 16, change_plan("s", "pro", 2024_y / 4 / 16, BillingActionPolicy::immediate));
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING s 2024-04-01..2024-05-01 10.00",
                           "2024-04-16 RECURRING s 2024-04-16..2024-05-01 10.00",
                           "2024-04-16 REPAIR_ADJ s 2024-04-16..2024-05-01 -5.00"});
  CHECK(h.engine().invoices().back().total() == Decimal(5));
}

TEST_CASE("pause repairs like an immediate cancel, resume restarts like a new start") {
  // Pause Apr 11: -30.00 x 20/30 = -20.00. Resume May 21: [May 21, Jun 1) = 30.00 x 11/31
  // = 10.645... -> 10.65.
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "thirty", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 11, pause("s", 2024_y / 4 / 11));
  auto paused = h.status("s", 2024_y / 5 / 1);
  CHECK(paused.state == SubscriptionState::paused);
  CHECK_FALSE(paused.entitled);
  ON(h, 2024_y / 5 / 21, resume("s", 2024_y / 5 / 21));
  h.bill_through(2024_y / 6 / 1);
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING s 2024-04-01..2024-05-01 30.00",
                           "2024-04-11 REPAIR_ADJ s 2024-04-11..2024-05-01 -20.00",
                           "2024-05-21 RECURRING s 2024-05-21..2024-06-01 10.65",
                           "2024-06-01 RECURRING s 2024-06-01..2024-07-01 30.00"});
  CHECK(h.status("s", 2024_y / 5 / 21).state == SubscriptionState::active);
}

TEST_CASE("uncancel before the effective date bills as if nothing happened") {
  Harness with = harness(1), without = harness(1);
  ON(with, 2024_y / 4 / 1, create_subscription("s", "std", 2024_y / 4 / 1));
  ON(without, 2024_y / 4 / 1, create_subscription("s", "std", 2024_y / 4 / 1));
  ON(with, 2024_y / 4 / 10, cancel("s", 2024_y / 4 / 10));
  ON(with, 2024_y / 4 / 20, uncancel("s", 2024_y / 4 / 20));
  with.bill_through(2024_y / 6 / 1);
  without.bill_through(2024_y / 6 / 1);
  CHECK(with.lines() == without.lines());
  CHECK(with.lines().size() == 3);
  CHECK_FALSE(with.status("s", 2024_y / 5 / 15).pending_cancel.has_value());
}

TEST_CASE("trial then SUBSCRIPTION alignment: a 15-day trial from Jan 3 bills on the 18th") {
  Harness h =
      harness(std::nullopt, R"({"billingAlignment": [{"billingAlignment": "SUBSCRIPTION"}]})");
  ON(h, 2024_y / 1 / 3, create_subscription("s", "trial15", 2024_y / 1 / 3));
  CHECK(h.status("s", 2024_y / 1 / 10).phase == PhaseType::trial);
  CHECK(h.status("s", 2024_y / 1 / 10).entitled);
  h.bill_through(2024_y / 2 / 18);
  CHECK(h.lines() == Lines{"2024-01-18 RECURRING s 2024-01-18..2024-02-18 31.00",
                           "2024-02-18 RECURRING s 2024-02-18..2024-03-18 31.00"});
}

TEST_CASE("an account without a BCD takes the day of its first billable date") {
  // Trial until Jan 18 under ACCOUNT alignment: the account's BCD becomes 18.
  Harness h = harness(std::nullopt);
  ON(h, 2024_y / 1 / 3, create_subscription("s", "trial15", 2024_y / 1 / 3));
  CHECK(h.engine().account().bill_cycle_day == 18);
  ON(h, 2024_y / 1 / 25, create_subscription("t", "p31", 2024_y / 1 / 25));
  h.bill_through(2024_y / 2 / 18);
  // t: [Jan 25, Feb 18) against [Jan 18, Feb 18): 31.00 x 24/31 = 24.00.
  CHECK(h.lines() == Lines{"2024-01-18 RECURRING s 2024-01-18..2024-02-18 31.00",
                           "2024-01-25 RECURRING t 2024-01-25..2024-02-18 24.00",
                           "2024-02-18 RECURRING s 2024-02-18..2024-03-18 31.00",
                           "2024-02-18 RECURRING t 2024-02-18..2024-03-18 31.00"});
}

TEST_CASE(
    "add-on trials measured from the bundle start (START_OF_BUNDLE) or their own "
    "(START_OF_SUBSCRIPTION)") {
  // Base Jan 5 (BCD 1): [Jan 5, Feb 1) = 10.00 x 27/31 = 8.709... -> 8.71.
  SECTION(
      "START_OF_BUNDLE: the add-on's trial ended Jan 12, so it bills from Jan 20: 10.00 x 12/31 = "
      "3.87") {
    Harness h = harness(1);
    ON(h, 2024_y / 1 / 5, create_subscription("b", "std", 2024_y / 1 / 5));
    ON(h, 2024_y / 1 / 20, create_subscription("a", "seats", 2024_y / 1 / 20, std::string("b")));
    h.bill_through(2024_y / 2 / 1);
    CHECK(h.lines() == Lines{"2024-01-05 RECURRING b 2024-01-05..2024-02-01 8.71",
                             "2024-01-20 RECURRING a 2024-01-20..2024-02-01 3.87",
                             "2024-02-01 RECURRING b 2024-02-01..2024-03-01 10.00",
                             "2024-02-01 RECURRING a 2024-02-01..2024-03-01 10.00"});
  }
  SECTION(
      "START_OF_SUBSCRIPTION: trial [Jan 20, Jan 27), then [Jan 27, Feb 1): 10.00 x 5/31 = 1.61") {
    Harness h =
        harness(1, R"({"createAlignment": [{"planAlignmentCreate": "START_OF_SUBSCRIPTION"}]})");
    ON(h, 2024_y / 1 / 5, create_subscription("b", "std", 2024_y / 1 / 5));
    ON(h, 2024_y / 1 / 20, create_subscription("a", "seats", 2024_y / 1 / 20, std::string("b")));
    CHECK(h.status("a", 2024_y / 1 / 21).phase == PhaseType::trial);
    h.bill_through(2024_y / 1 / 31);
    CHECK(h.lines() == Lines{"2024-01-05 RECURRING b 2024-01-05..2024-02-01 8.71",
                             "2024-01-27 RECURRING a 2024-01-27..2024-02-01 1.61"});
  }
}

TEST_CASE("BUNDLE alignment follows the base's billing day, whatever aligned the base") {
  // Base SUBSCRIPTION-aligned from Jan 5 -> BCD 5. Add-on Jan 20 (trial over): [Jan 20, Feb 5)
  // against [Jan 5, Feb 5) = 16/31: 10.00 x 16/31 = 5.161... -> 5.16.
  Harness h = harness(
      1, R"({"billingAlignment": [{"productCategory": "ADD_ON", "billingAlignment": "BUNDLE"},
                                                 {"billingAlignment": "SUBSCRIPTION"}]})");
  ON(h, 2024_y / 1 / 5, create_subscription("b", "std", 2024_y / 1 / 5));
  ON(h, 2024_y / 1 / 20, create_subscription("a", "seats", 2024_y / 1 / 20, std::string("b")));
  h.bill_through(2024_y / 2 / 5);
  CHECK(h.lines() == Lines{"2024-01-05 RECURRING b 2024-01-05..2024-02-05 10.00",
                           "2024-01-20 RECURRING a 2024-01-20..2024-02-05 5.16",
                           "2024-02-05 RECURRING b 2024-02-05..2024-03-05 10.00",
                           "2024-02-05 RECURRING a 2024-02-05..2024-03-05 10.00"});
}

TEST_CASE("blocked after the trial without a payment method, billed from the day one arrives") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("s", "card-required", 2024_y / 1 / 1));
  h.bill_through(2024_y / 1 / 19);
  auto blocked = h.status("s", 2024_y / 1 / 16);
  CHECK(blocked.state == SubscriptionState::blocked);
  CHECK_FALSE(blocked.entitled);
  CHECK(h.lines().empty());
  ON(h, 2024_y / 1 / 20, attach_payment_method("pm_card_visa", 2024_y / 1 / 20));
  h.bill_through(2024_y / 2 / 1);
  // [Jan 20, Feb 1): 31.00 x 12/31 = 12.00
  CHECK(h.lines() == Lines{"2024-01-20 RECURRING s 2024-01-20..2024-02-01 12.00",
                           "2024-02-01 RECURRING s 2024-02-01..2024-03-01 31.00"});
  CHECK(h.status("s", 2024_y / 1 / 20).state == SubscriptionState::active);
}

TEST_CASE("a payment method on file before the trial ends changes nothing") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("s", "card-required", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 10, attach_payment_method("pm_1", 2024_y / 1 / 10));
  h.bill_through(2024_y / 1 / 31);
  // Trial ends Jan 15: [Jan 15, Feb 1) = 31.00 x 17/31 = 17.00.
  CHECK(h.lines() == Lines{"2024-01-15 RECURRING s 2024-01-15..2024-02-01 17.00"});
}

TEST_CASE("a card removed after the trial blocks the subscription from its next charge") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("s", "card-required", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 10, attach_payment_method("pm_1", 2024_y / 1 / 10));
  // Paid through Mar 1 when the card goes on Feb 10: February is served, March is not.
  ON(h, 2024_y / 2 / 10, detach_payment_method("pm_1", 2024_y / 2 / 10));
  h.bill_through(2024_y / 4 / 7);
  CHECK(h.status("s", 2024_y / 2 / 29).state == SubscriptionState::active);
  auto blocked = h.status("s", 2024_y / 3 / 1);
  CHECK(blocked.state == SubscriptionState::blocked);
  CHECK_FALSE(blocked.entitled);
  ON(h, 2024_y / 4 / 8, attach_payment_method("pm_2", 2024_y / 4 / 8));
  h.bill_through(2024_y / 5 / 1);
  // Trial ends Jan 15: [Jan 15, Feb 1) = 31.00 x 17/31 = 17.00. Nothing for March;
  // billing goes on from the new card: [Apr 8, May 1) = 31.00 x 23/30 = 23.766... -> 23.77.
  CHECK(h.lines() == Lines{"2024-01-15 RECURRING s 2024-01-15..2024-02-01 17.00",
                           "2024-02-01 RECURRING s 2024-02-01..2024-03-01 31.00",
                           "2024-04-08 RECURRING s 2024-04-08..2024-05-01 23.77",
                           "2024-05-01 RECURRING s 2024-05-01..2024-06-01 31.00"});
  CHECK(h.status("s", 2024_y / 4 / 8).state == SubscriptionState::active);
}

TEST_CASE("a block waiting for a card survives a snapshot") {
  auto open = [](const std::string& snapshot) {
    auto c = catalog_from(kCatalog);
    return snapshot.empty() ? BillingEngine::open(c, {}, account(1))
                            : BillingEngine::restore(c, {}, account(1), snapshot);
  };
  auto engine = open("");
  REQUIRE(engine);
  REQUIRE(engine->create_subscription("s", "card-required", 2024_y / 1 / 1));
  REQUIRE(engine->attach_payment_method("pm_1", 2024_y / 1 / 10));
  REQUIRE(engine->invoice(2024_y / 2 / 1));
  REQUIRE(engine->detach_payment_method("pm_1", 2024_y / 2 / 10));
  auto restored = open(engine->snapshot(2024_y / 2 / 1));
  REQUIRE(restored);
  auto march = restored->invoice(2024_y / 3 / 1);
  REQUIRE(march);
  CHECK(march->items.empty());
  REQUIRE(restored->statuses(2024_y / 3 / 1).size() == 1);
  CHECK(restored->statuses(2024_y / 3 / 1)[0].state == SubscriptionState::blocked);
  // The card window restored too: a new card ends the block.
  REQUIRE(restored->attach_payment_method("pm_2", 2024_y / 3 / 16));
  auto rest = restored->invoice(2024_y / 3 / 16);
  REQUIRE(rest);
  // [Mar 16, Apr 1) = 31.00 x 16/31 = 16.00.
  REQUIRE(rest->items.size() == 1);
  CHECK(rest->items[0].amount == Decimal::parse("16.00").value());
}

TEST_CASE("a card replaced before the next charge leaves no block") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("s", "card-required", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 10, attach_payment_method("pm_1", 2024_y / 1 / 10));
  ON(h, 2024_y / 2 / 10, detach_payment_method("pm_1", 2024_y / 2 / 10));
  ON(h, 2024_y / 2 / 20, attach_payment_method("pm_2", 2024_y / 2 / 20));
  h.bill_through(2024_y / 3 / 1);
  CHECK(h.lines() == Lines{"2024-01-15 RECURRING s 2024-01-15..2024-02-01 17.00",
                           "2024-02-01 RECURRING s 2024-02-01..2024-03-01 31.00",
                           "2024-03-01 RECURRING s 2024-03-01..2024-04-01 31.00"});
  CHECK(h.status("s", 2024_y / 3 / 5).state == SubscriptionState::active);
}

TEST_CASE("a card removed during the trial blocks the subscription when the trial ends") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("s", "card-required", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 5, attach_payment_method("pm_1", 2024_y / 1 / 5));
  ON(h, 2024_y / 1 / 10, detach_payment_method("pm_1", 2024_y / 1 / 10));
  h.bill_through(2024_y / 1 / 31);
  CHECK(h.lines().empty());
  CHECK(h.status("s", 2024_y / 1 / 15).state == SubscriptionState::blocked);
}

TEST_CASE("a card removed from a plan that does not require one changes no bill") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("s", "trial15", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 5, attach_payment_method("pm_1", 2024_y / 1 / 5));
  ON(h, 2024_y / 2 / 10, detach_payment_method("pm_1", 2024_y / 2 / 10));
  h.bill_through(2024_y / 3 / 1);
  // Trial ends Jan 16: [Jan 16, Feb 1) = 31.00 x 16/31 = 16.00.
  CHECK(h.lines() == Lines{"2024-01-16 RECURRING s 2024-01-16..2024-02-01 16.00",
                           "2024-02-01 RECURRING s 2024-02-01..2024-03-01 31.00",
                           "2024-03-01 RECURRING s 2024-03-01..2024-04-01 31.00"});
}

TEST_CASE("under SUBSCRIPTION alignment the BCD becomes the day the block ends") {
  Harness h = harness(1, R"({"billingAlignment": [{"billingAlignment": "SUBSCRIPTION"}]})");
  ON(h, 2024_y / 1 / 1, create_subscription("s", "card-required", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 20, attach_payment_method("pm_1", 2024_y / 1 / 20));
  h.bill_through(2024_y / 2 / 20);
  CHECK(h.lines() == Lines{"2024-01-20 RECURRING s 2024-01-20..2024-02-20 31.00",
                           "2024-02-20 RECURRING s 2024-02-20..2024-03-20 31.00"});
}

TEST_CASE(
    "a DISCOUNT phase ending mid-period is cut there, and the next phase prorates to the BCD") {
  // Jan 15 - Feb 15 at 5.00: [Jan 15, Feb 1) 5 x 17/31 = 2.74; [Feb 1, Feb 15) 5 x 14/29 = 2.41;
  // EVERGREEN [Feb 15, Mar 1) is 15 days: 10 x 15/29 = 5.172... -> 5.17; then 10.00.
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 15, create_subscription("s", "intro", 2024_y / 1 / 15));
  h.bill_through(2024_y / 3 / 1);
  CHECK(h.lines() == Lines{"2024-01-15 RECURRING s 2024-01-15..2024-02-01 2.74",
                           "2024-02-01 RECURRING s 2024-02-01..2024-02-15 2.41",
                           "2024-02-15 RECURRING s 2024-02-15..2024-03-01 5.17",
                           "2024-03-01 RECURRING s 2024-03-01..2024-04-01 10.00"});
}

TEST_CASE("a fixed fee is charged when its phase starts and never repaired") {
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "setup", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 16, cancel("s", 2024_y / 4 / 16, BillingActionPolicy::immediate));
  CHECK(h.lines() == Lines{"2024-04-01 FIXED s 2024-04-01 25.00",
                           "2024-04-01 RECURRING s 2024-04-01..2024-05-01 10.00",
                           "2024-04-16 REPAIR_ADJ s 2024-04-16..2024-05-01 -5.00"});
}

TEST_CASE("a FIXEDTERM phase ends the subscription") {
  Harness h = harness(1);
  ON(h, 2024_y / 4 / 1, create_subscription("s", "two-months", 2024_y / 4 / 1));
  h.bill_through(2024_y / 7 / 1);
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING s 2024-04-01..2024-05-01 10.00",
                           "2024-05-01 RECURRING s 2024-05-01..2024-06-01 10.00"});
  CHECK(h.status("s", 2024_y / 5 / 31).state == SubscriptionState::active);
  CHECK(h.status("s", 2024_y / 6 / 1).state == SubscriptionState::cancelled);
}

TEST_CASE("currencies round to their own minor unit") {
  // [Jan 20, Feb 1) = 12/31.
  SECTION("JPY: 1000 x 12/31 = 387.09... -> 387") {
    auto catalog = catalog_from(
        R"({"name": "jp", "currencies": ["JPY"], "products": [{"name": "P", "category": "BASE"}],
      "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
        "recurring": {"billing_period": "MONTHLY", "price": {"JPY": "1000"}}}]}]})");
    Harness h(catalog, {}, account(1, "JPY"));
    ON(h, 2024_y / 1 / 20, create_subscription("s", "p", 2024_y / 1 / 20));
    CHECK(h.lines() == Lines{"2024-01-20 RECURRING s 2024-01-20..2024-02-01 387"});
  }
  SECTION("BHD: 10.000 x 12/31 = 3.8709... -> 3.871") {
    auto catalog = catalog_from(
        R"({"name": "bh", "currencies": ["BHD"], "products": [{"name": "P", "category": "BASE"}],
      "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
        "recurring": {"billing_period": "MONTHLY", "price": {"BHD": "10.000"}}}]}]})");
    Harness h(catalog, {}, account(1, "BHD"));
    ON(h, 2024_y / 1 / 20, create_subscription("s", "p", 2024_y / 1 / 20));
    CHECK(h.lines() == Lines{"2024-01-20 RECURRING s 2024-01-20..2024-02-01 3.871"});
  }
}

TEST_CASE("a HALF_EVEN catalog rounds ties to even") {
  // [Apr 16, May 1) = 15/30 of 10.05 = 5.025: HALF_UP 5.03, HALF_EVEN 5.02.
  auto json = [](const char* rounding) {
    return std::string(R"({"name": "r", "currencies": ["USD"], "rounding": ")") + rounding +
           R"(", "products": [{"name": "P", "category": "BASE"}], "plans": [{"name": "p", "product": "P",
           "phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.05"}}}]}]})";
  };
  Harness even(catalog_from(json("HALF_EVEN")), {}, account(1));
  ON(even, 2024_y / 4 / 16, create_subscription("s", "p", 2024_y / 4 / 16));
  CHECK(even.lines() == Lines{"2024-04-16 RECURRING s 2024-04-16..2024-05-01 5.02"});
  Harness up(catalog_from(json("HALF_UP")), {}, account(1));
  ON(up, 2024_y / 4 / 16, create_subscription("s", "p", 2024_y / 4 / 16));
  CHECK(up.lines() == Lines{"2024-04-16 RECURRING s 2024-04-16..2024-05-01 5.03"});
}

TEST_CASE("an EUR account in a USD+EUR catalog is billed in EUR") {
  // 46.00 x 12/31 = 17.806... -> 17.81
  Harness h(catalog_from(kCatalog), {}, account(1, "EUR"));
  ON(h, 2024_y / 1 / 20, create_subscription("s", "eur-priced", 2024_y / 1 / 20));
  CHECK(h.lines() == Lines{"2024-01-20 RECURRING s 2024-01-20..2024-02-01 17.81"});
  CHECK(h.engine().invoices().back().currency == "EUR");
}

TEST_CASE("cancelling a BASE cancels its add-ons on the same effective date") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("b", "std", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 10, create_subscription("a", "seats", 2024_y / 1 / 10, std::string("b")));
  ON(h, 2024_y / 2 / 10, cancel("b", 2024_y / 2 / 10));  // END_OF_TERM: Mar 1
  CHECK(h.status("a", 2024_y / 2 / 20).pending_cancel == 2024_y / 3 / 1);
  h.bill_through(2024_y / 3 / 1);
  CHECK(h.status("a", 2024_y / 3 / 1).state == SubscriptionState::cancelled);
  CHECK(h.status("b", 2024_y / 3 / 1).state == SubscriptionState::cancelled);
}

TEST_CASE("an add-on the new base product does not accept ends with the base's change") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("b", "pro", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 1, create_subscription("x", "extra", 2024_y / 1 / 1, std::string("b")));
  ON(h, 2024_y / 1 / 16, change_plan("b", "std", 2024_y / 1 / 16, BillingActionPolicy::immediate));
  // Extra is available for Pro only: cut on Jan 16, 5.00 x 16/31 = 2.58 repaired.
  CHECK(h.status("x", 2024_y / 1 / 16).state == SubscriptionState::cancelled);
  auto lines = h.lines();
  CHECK(std::find(lines.begin(), lines.end(),
                  "2024-01-16 REPAIR_ADJ x 2024-01-16..2024-02-01 -2.58") != lines.end());
}

TEST_CASE("a status says when a subscription began, its base, and the day a cancel ends it") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("b", "pro", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 5, create_subscription("s", "std", 2024_y / 1 / 5));
  ON(h, 2024_y / 1 / 10, create_subscription("x", "extra", 2024_y / 1 / 10, std::string("b")));
  // Extra is available for Pro only: the change to Std ends it on Jan 16.
  ON(h, 2024_y / 1 / 16, change_plan("b", "std", 2024_y / 1 / 16, BillingActionPolicy::immediate));
  // s's term, from Jan 5 under BCD 1, ends on Feb 1: the cancel is pending until then.
  ON(h, 2024_y / 1 / 20, cancel("s", 2024_y / 1 / 20, BillingActionPolicy::end_of_term));

  auto check = [](const BillingEngine& e) {
    std::map<std::string, SubscriptionStatus> by_id;
    for (auto& st : e.statuses(2024_y / 1 / 20)) by_id.emplace(st.id, st);
    const auto& b = by_id.at("b");
    CHECK(b.start_date == 2024_y / 1 / 1);
    CHECK_FALSE(b.base);
    CHECK_FALSE(b.cancelled_date);
    const auto& x = by_id.at("x");
    CHECK(x.start_date == 2024_y / 1 / 10);
    CHECK(x.base == "b");
    CHECK(x.state == SubscriptionState::cancelled);
    CHECK(x.cancelled_date == 2024_y / 1 / 16);
    const auto& s = by_id.at("s");
    CHECK(s.start_date == 2024_y / 1 / 5);
    CHECK(s.state == SubscriptionState::active);
    CHECK(s.pending_cancel == 2024_y / 2 / 1);
    CHECK(s.cancelled_date == 2024_y / 2 / 1);
  };
  check(h.engine());
  // A snapshot keeps them: a REST read needs no journal to answer them.
  auto restored = BillingEngine::restore(catalog_from(kCatalog), rules_from("{}"), account(1),
                                         h.engine().snapshot(2024_y / 1 / 20));
  REQUIRE(restored.has_value());
  check(*restored);

  ON(h, 2024_y / 1 / 25, uncancel("s", 2024_y / 1 / 25));
  CHECK_FALSE(h.status("s", 2024_y / 1 / 25).cancelled_date);
}

TEST_CASE("refused operations change nothing and say why") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("b", "std", 2024_y / 1 / 1));
  auto& e = h.engine();
  auto no_base = e.create_subscription("a", "seats", 2024_y / 1 / 2);
  CHECK(no_base.error().code == "refused.no_base");
  auto not_available = e.create_subscription("x", "extra", 2024_y / 1 / 2, std::string("b"));
  CHECK(not_available.error().code == "refused.not_available");
  CHECK(not_available.error().message == "add-on Extra is not available for product Std");
  CHECK(e.create_subscription("b", "std", 2024_y / 1 / 2).error().code == "refused.duplicate");
  CHECK(e.create_subscription("z", "nope", 2024_y / 1 / 2).error().code == "unknown.plan");
  CHECK(e.cancel("nobody", 2024_y / 1 / 2).error().code == "unknown.subscription");
  CHECK(e.uncancel("b", 2024_y / 1 / 2).error().code == "refused.no_pending_cancel");
  CHECK(e.resume("b", 2024_y / 1 / 2).error().code == "refused.not_paused");
  REQUIRE(e.cancel("b", 2024_y / 1 / 5, BillingActionPolicy::immediate));
  CHECK(e.cancel("b", 2024_y / 1 / 6).error().code == "refused.cancelled");
  CHECK(e.change_plan("b", "pro", 2024_y / 1 / 6).error().code == "refused.cancelled");
  CHECK(e.create_subscription("late", "std", 2024_y / 1 / 4).error().code == "engine.date");
  CHECK(e.statuses(2024_y / 1 / 6).size() == 1);
}

TEST_CASE("an ILLEGAL change is refused naming the rule") {
  Harness h = harness(
      1,
      R"({"changePolicy": [{"toProductCategory": "ADD_ON", "billingActionPolicy": "ILLEGAL"}]})");
  ON(h, 2024_y / 1 / 1, create_subscription("b", "std", 2024_y / 1 / 1));
  auto r = h.engine().change_plan("b", "seats", 2024_y / 1 / 5, BillingActionPolicy::immediate);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "change from BASE to ADD_ON is ILLEGAL under changePolicy[0]");
}

TEST_CASE("rules by product name: a change, a cancel and an alignment") {
  Harness h = harness(1, R"({
    "billingAlignment": [{"product": "Pro", "billingAlignment": "SUBSCRIPTION"}],
    "cancelPolicy": [{"product": "Pro", "billingActionPolicy": "IMMEDIATE"}],
    "changePolicy": [{"fromProduct": "Std", "toProduct": "Pro", "billingActionPolicy": "IMMEDIATE"}]})");
  // Operations in date order (an engine takes none dated before the last):
  //  - a: Std -> Pro on Apr 16 is IMMEDIATE by changePolicy[0]: -10.00 x 15/30 = -5.00 for
  //    the rest of April. Pro is SUBSCRIPTION-aligned by billingAlignment[0]: the first
  //    billable date of a is Apr 1, so its BCD stays the 1st: [Apr 16, May 1) is
  //    20.00 x 15/30 = 10.00.
  //  - b: Std -> Std (another plan) matches no rule: END_OF_TERM, nothing before May 1.
  //  - c: Pro from Apr 10 bills from its own day, the 10th: 20.00 for [Apr 10, May 10).
  //    Cancelled on Apr 25 with no policy: IMMEDIATE by cancelPolicy[0], -20.00 x 15/30 =
  //    -10.00 for [Apr 25, May 10).
  ON(h, 2024_y / 4 / 1, create_subscription("a", "std", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 1, create_subscription("b", "std", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 10, create_subscription("c", "pro", 2024_y / 4 / 10));
  ON(h, 2024_y / 4 / 16, change_plan("a", "pro", 2024_y / 4 / 16));
  ON(h, 2024_y / 4 / 16, change_plan("b", "thirty", 2024_y / 4 / 16));
  ON(h, 2024_y / 4 / 25, cancel("c", 2024_y / 4 / 25));
  h.bill_through(2024_y / 4 / 30);
  CHECK(h.lines() == Lines{"2024-04-01 RECURRING a 2024-04-01..2024-05-01 10.00",
                           "2024-04-01 RECURRING b 2024-04-01..2024-05-01 10.00",
                           "2024-04-10 RECURRING c 2024-04-10..2024-05-10 20.00",
                           "2024-04-16 RECURRING a 2024-04-16..2024-05-01 10.00",
                           "2024-04-16 REPAIR_ADJ a 2024-04-16..2024-05-01 -5.00",
                           "2024-04-25 REPAIR_ADJ c 2024-04-25..2024-05-10 -10.00"});
  CHECK(h.status("b", 2024_y / 4 / 30).plan == "std");
  CHECK(h.status("b", 2024_y / 5 / 1).plan == "thirty");
}

TEST_CASE("invoicing twice for the same date adds nothing, a preview records nothing") {
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("s", "std", 2024_y / 1 / 1));
  auto& e = h.engine();
  auto preview = e.preview(2024_y / 2 / 1);
  REQUIRE(preview.has_value());
  REQUIRE(preview->items.size() == 1);
  CHECK(preview->items[0].amount == Decimal(10));
  CHECK(e.invoices().size() == 1);  // only January's
  auto first = e.invoice(2024_y / 2 / 1);
  REQUIRE(first.has_value());
  CHECK(first->items.size() == 1);
  CHECK(e.invoice(2024_y / 2 / 1)->empty());
  CHECK(e.preview(2024_y / 2 / 1)->empty());
}

TEST_CASE("a bill cycle day change applies from the end of the period already billed") {
  // BCD 1 -> 15 requested Jan 10: January stays as billed; from Feb 1 the new day applies:
  // [Feb 1, Feb 15) against [Jan 15, Feb 15) = 14/31: 10.00 x 14/31 = 4.516... -> 4.52.
  SECTION("one subscription") {
    Harness h = harness(1);
    ON(h, 2024_y / 1 / 1, create_subscription("s", "std", 2024_y / 1 / 1));
    ON(h, 2024_y / 1 / 10, change_bill_cycle_day(std::string("s"), 15, 2024_y / 1 / 10));
    h.bill_through(2024_y / 2 / 15);
    CHECK(h.lines() == Lines{"2024-01-01 RECURRING s 2024-01-01..2024-02-01 10.00",
                             "2024-02-01 RECURRING s 2024-02-01..2024-02-15 4.52",
                             "2024-02-15 RECURRING s 2024-02-15..2024-03-15 10.00"});
  }
  SECTION("the account, for its ACCOUNT-aligned subscriptions") {
    Harness h = harness(1);
    ON(h, 2024_y / 1 / 1, create_subscription("s", "std", 2024_y / 1 / 1));
    ON(h, 2024_y / 1 / 10, change_bill_cycle_day(std::nullopt, 15, 2024_y / 1 / 10));
    CHECK(h.engine().account().bill_cycle_day == 15);
    h.bill_through(2024_y / 2 / 15);
    CHECK(h.lines() == Lines{"2024-01-01 RECURRING s 2024-01-01..2024-02-01 10.00",
                             "2024-02-01 RECURRING s 2024-02-01..2024-02-15 4.52",
                             "2024-02-15 RECURRING s 2024-02-15..2024-03-15 10.00"});
  }
  SECTION("one subscription's, requested for a later date: the period holding it keeps the 1st") {
    // Requested Jan 10 for Feb 10: [Feb 1, Mar 1) holds Feb 10 and keeps the
    // 1st; from Mar 1 the 15th: [Mar 1, Mar 15) against [Feb 15, Mar 15) =
    // 14/29 (2024 is a leap year): 10.00 x 14/29 = 4.827... -> 4.83.
    Harness h = harness(1);
    ON(h, 2024_y / 1 / 1, create_subscription("s", "std", 2024_y / 1 / 1));
    ON(h, 2024_y / 1 / 10,
       change_bill_cycle_day(std::string("s"), 15, 2024_y / 1 / 10, 2024_y / 2 / 10));
    // Operations dated Jan 10 and later are still taken meanwhile: t follows the
    // account's 1st, [Jan 12, Feb 1) = 20/31 of 20.00 = 12.90.
    ON(h, 2024_y / 1 / 12, create_subscription("t", "pro", 2024_y / 1 / 12));
    h.bill_through(2024_y / 3 / 15);
    CHECK(h.lines() == Lines{"2024-01-01 RECURRING s 2024-01-01..2024-02-01 10.00",
                             "2024-01-12 RECURRING t 2024-01-12..2024-02-01 12.90",
                             "2024-02-01 RECURRING s 2024-02-01..2024-03-01 10.00",
                             "2024-02-01 RECURRING t 2024-02-01..2024-03-01 20.00",
                             "2024-03-01 RECURRING s 2024-03-01..2024-03-15 4.83",
                             "2024-03-01 RECURRING t 2024-03-01..2024-04-01 20.00",
                             "2024-03-15 RECURRING s 2024-03-15..2024-04-15 10.00"});
  }
  SECTION("the account's, for a later date, is refused and changes nothing") {
    Harness h = harness(1);
    ON(h, 2024_y / 1 / 1, create_subscription("s", "std", 2024_y / 1 / 1));
    auto r = h.engine().change_bill_cycle_day(std::nullopt, 15, 2024_y / 1 / 10, 2024_y / 2 / 10);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "refused.bill_cycle_day");
    CHECK(h.engine().account().bill_cycle_day == 1);
  }
  SECTION("a day outside 1-31 is refused") {
    Harness h = harness(1);
    CHECK(h.engine().change_bill_cycle_day(std::nullopt, 32, 2024_y / 1 / 1).error().code ==
          "refused.bill_cycle_day");
  }
}

TEST_CASE("change alignment: a change during a trial keeps or restarts the trial") {
  // trial15 from Jan 3 ends Jan 18; the change to trial15-gold is requested Jan 10, IMMEDIATE.
  SECTION(
      "START_OF_SUBSCRIPTION: the new plan's phases count from Jan 3, so its trial still ends Jan "
      "18") {
    Harness h =
        harness(1, R"({"changeAlignment": [{"planAlignmentChange": "START_OF_SUBSCRIPTION"}]})");
    ON(h, 2024_y / 1 / 3, create_subscription("s", "trial15", 2024_y / 1 / 3));
    ON(h, 2024_y / 1 / 10,
       change_plan("s", "trial15-gold", 2024_y / 1 / 10, BillingActionPolicy::immediate));
    h.bill_through(2024_y / 1 / 31);
    // [Jan 18, Feb 1) = 14/31 of 62.00 = 28.00
    CHECK(h.lines() == Lines{"2024-01-18 RECURRING s 2024-01-18..2024-02-01 28.00"});
  }
  SECTION("CHANGE_OF_PLAN: the phases start over on Jan 10, so the trial ends Jan 25") {
    Harness h = harness(1, R"({"changeAlignment": [{"planAlignmentChange": "CHANGE_OF_PLAN"}]})");
    ON(h, 2024_y / 1 / 3, create_subscription("s", "trial15", 2024_y / 1 / 3));
    ON(h, 2024_y / 1 / 10,
       change_plan("s", "trial15-gold", 2024_y / 1 / 10, BillingActionPolicy::immediate));
    h.bill_through(2024_y / 1 / 31);
    // [Jan 25, Feb 1) = 7/31 of 62.00 = 14.00
    CHECK(h.lines() == Lines{"2024-01-25 RECURRING s 2024-01-25..2024-02-01 14.00"});
  }
}

TEST_CASE(
    "next_billing_date: the next billing date of an in-advance plan, then of the phase that "
    "follows a trial") {
  Harness h = harness(std::nullopt);
  // trial15 from Mar 10: TRIAL [Mar 10, Mar 25), then MONTHLY at 31.00 from Mar 25 (the account BCD
  // becomes 25).
  ON(h, 2024_y / 3 / 10, create_subscription("t", "trial15", 2024_y / 3 / 10));
  // During the trial nothing is due before the evergreen phase starts on Mar 25.
  CHECK(h.engine().next_billing_date(2024_y / 3 / 10) == std::optional(2024_y / 3 / 25));
  auto st = h.status("t", 2024_y / 3 / 12);
  CHECK(st.trial_ends == std::optional(2024_y / 3 / 25));
  h.bill_through(2024_y / 3 / 25);
  // Billed Mar 25 for [Mar 25, Apr 25): the next period starts Apr 25.
  CHECK(h.engine().next_billing_date(2024_y / 3 / 25) == std::optional(2024_y / 4 / 25));
  st = h.status("t", 2024_y / 4 / 2);
  CHECK_FALSE(st.trial_ends.has_value());
  CHECK(st.period_ends == std::optional(2024_y / 4 / 25));
}

TEST_CASE(
    "next_billing_date: an in-arrear plan falls due at the end of its period, a cancelled one "
    "never again") {
  Harness h = harness(1);
  ON(h, 2024_y / 2 / 10, create_subscription("a", "arrear", 2024_y / 2 / 10));
  // [Feb 10, Mar 1) is billed in arrear on Mar 1.
  CHECK(h.engine().next_billing_date(2024_y / 2 / 10) == std::optional(2024_y / 3 / 1));
  CHECK(h.engine().next_billing_date(2024_y / 3 / 1) == std::optional(2024_y / 4 / 1));
  ON(h, 2024_y / 3 / 5, cancel("a", 2024_y / 3 / 5, BillingActionPolicy::immediate));
  // The cut period [Mar 1, Mar 5) is due when it ends, on Mar 5, and is billed that day; after it
  // nothing.
  CHECK(h.engine().next_billing_date(2024_y / 3 / 5) == std::nullopt);
}

TEST_CASE("an engine that keeps no invoices still returns each one in full") {
  Harness h = harness(1);
  auto& e = h.engine();
  e.keep_invoices(false);
  REQUIRE(e.create_subscription("s", "std", 2024_y / 1 / 1).has_value());
  // "std" is 10.00 a month in advance, BCD 1: each 1st bills that month whole.
  auto january = e.invoice(2024_y / 1 / 1);
  REQUIRE(january.has_value());
  REQUIRE(january->items.size() == 1);
  CHECK(january->items[0].amount == Decimal(10));
  CHECK(january->items[0].end == 2024_y / 2 / 1);
  CHECK(e.invoice(2024_y / 2 / 1)->total() == Decimal(10));
  CHECK(e.invoices().empty());
  e.keep_invoices(true);
  CHECK(e.invoice(2024_y / 3 / 1)->total() == Decimal(10));
  REQUIRE(e.invoices().size() == 1);
  CHECK(e.invoices()[0].date == 2024_y / 3 / 1);
}

// --- Kill Bill's subscription events ---------------------------------------------------

namespace {

using T = SubscriptionEventType;

std::vector<std::string> events(const Harness& h, const std::string& id) {
  std::vector<std::string> out;
  for (const auto& e : const_cast<Harness&>(h).engine().events(id))
    out.push_back(to_string(e.effective) + " " + std::string(to_string(e.type)) + " " + e.plan +
                  (e.phase ? " " + std::string(to_string(*e.phase)) : ""));
  return out;
}

}  // namespace

TEST_CASE("events: start, a trial's end, pause, resume, change and cancel, each on its date") {
  // trial15: TRIAL [Jan 1, Jan 16), then EVERGREEN. Paused Feb 10, resumed Feb 20
  // (still EVERGREEN: phases count from Jan 1), changed to pro on Mar 5 and
  // cancelled on Apr 1, both at once.
  Harness h = harness(1);
  ON(h, 2024_y / 1 / 1, create_subscription("s", "trial15", 2024_y / 1 / 1));
  ON(h, 2024_y / 2 / 10, pause("s", 2024_y / 2 / 10));
  ON(h, 2024_y / 2 / 20, resume("s", 2024_y / 2 / 20));
  ON(h, 2024_y / 3 / 5, change_plan("s", "pro", 2024_y / 3 / 5, BillingActionPolicy::immediate));
  ON(h, 2024_y / 4 / 1, cancel("s", 2024_y / 4 / 1, BillingActionPolicy::immediate));
  CHECK(
      events(h, "s") ==
      Lines{"2024-01-01 START_ENTITLEMENT trial15 TRIAL", "2024-01-01 START_BILLING trial15 TRIAL",
            "2024-01-16 PHASE trial15 EVERGREEN", "2024-02-10 PAUSE_ENTITLEMENT trial15 EVERGREEN",
            "2024-02-10 PAUSE_BILLING trial15 EVERGREEN",
            "2024-02-20 RESUME_ENTITLEMENT trial15 EVERGREEN",
            "2024-02-20 RESUME_BILLING trial15 EVERGREEN", "2024-03-05 CHANGE pro EVERGREEN",
            "2024-04-01 STOP_ENTITLEMENT pro EVERGREEN", "2024-04-01 STOP_BILLING pro EVERGREEN"});
  CHECK(h.engine().events("nobody").empty());
}

TEST_CASE("events: scheduled ones are listed ahead, a FIXEDTERM plan stops when it runs out") {
  Harness h = harness(1);
  // two-months: FIXEDTERM of 2 months from Jan 1, so it stops on Mar 1.
  ON(h, 2024_y / 1 / 1, create_subscription("f", "two-months", 2024_y / 1 / 1));
  // intro: DISCOUNT for a month, EVERGREEN from Feb 10; END_OF_TERM cancel on
  // Jan 20 takes effect at the end of the period billed, Feb 1.
  ON(h, 2024_y / 1 / 10, create_subscription("i", "intro", 2024_y / 1 / 10));
  ON(h, 2024_y / 1 / 20, cancel("i", 2024_y / 1 / 20, BillingActionPolicy::end_of_term));
  CHECK(events(h, "f") == Lines{"2024-01-01 START_ENTITLEMENT two-months FIXEDTERM",
                                "2024-01-01 START_BILLING two-months FIXEDTERM",
                                "2024-03-01 STOP_ENTITLEMENT two-months FIXEDTERM",
                                "2024-03-01 STOP_BILLING two-months FIXEDTERM"});
  CHECK(events(h, "i") == Lines{"2024-01-10 START_ENTITLEMENT intro DISCOUNT",
                                "2024-01-10 START_BILLING intro DISCOUNT",
                                "2024-02-01 STOP_ENTITLEMENT intro DISCOUNT",
                                "2024-02-01 STOP_BILLING intro DISCOUNT"});
  // A pause not resumed: the subscription ends there, paused, not stopped.
  ON(h, 2024_y / 1 / 25, create_subscription("p", "std", 2024_y / 1 / 25));
  ON(h, 2024_y / 2 / 5, pause("p", 2024_y / 2 / 5));
  CHECK(events(h, "p") == Lines{"2024-01-25 START_ENTITLEMENT std EVERGREEN",
                                "2024-01-25 START_BILLING std EVERGREEN",
                                "2024-02-05 PAUSE_ENTITLEMENT std EVERGREEN",
                                "2024-02-05 PAUSE_BILLING std EVERGREEN"});
}
