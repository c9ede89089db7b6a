// Catalog versions by effective date, as Kill Bill's versioned catalog bills
// them (catalog.hpp, Catalog::earlier_versions):
// - a subscription is priced by the version in force on the day it starts or
//   changes plan, and keeps those prices (grandfathered);
// - a later version whose plan sets effective_date_for_existing_subscriptions
//   moves the subscriptions of earlier versions to its prices on that day.
//
// The catalog, three versions of plan "std" (monthly, in advance, BCD 1):
//   v1 from 2024-01-01: std 10.00, gold 20.00
//   v2 from 2024-03-01: std 15.00, gold 25.00, and a new plan "pro" 40.00
//   v3 from 2024-05-01: std 30.00, moving existing subscriptions on 2024-06-16
// Every amount below is days-in-service / days-in-period of a monthly price
// (proration.md), rounded half up to the cent.

#include <algorithm>

#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"
#include "../support/problems.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::test::catalog_from;
using tollgate::test::Harness;
using Lines = std::vector<std::string>;

namespace {

std::string monthly(const char* name, const char* product, const char* usd,
                    const char* existing = nullptr) {
  std::string moved = existing ? std::string(R"("effective_date_for_existing_subscriptions": ")") +
                                     existing + R"(", )"
                               : "";
  return std::string(R"({"name": ")") + name + R"(", "product": ")" + product + R"(", )" + moved +
         R"("phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": ")" +
         usd + R"("}}}]})";
}

std::string version(const char* effective, const std::string& plans) {
  return std::string(R"({"name": "versions", "effective_date": ")") + effective +
         R"(", "currencies": ["USD"], "products": [{"name": "Std", "category": "BASE"},
         {"name": "Gold", "category": "BASE"}, {"name": "Pro", "category": "BASE"}], "plans": [)" +
         plans + "]}";
}

const std::string kVersions =
    "[" +
    version("2024-01-01", monthly("std", "Std", "10.00") + "," + monthly("gold", "Gold", "20.00")) +
    "," +
    version("2024-03-01", monthly("std", "Std", "15.00") + "," + monthly("gold", "Gold", "25.00") +
                              "," + monthly("pro", "Pro", "40.00")) +
    "," +
    version("2024-05-01", monthly("std", "Std", "30.00", "2024-06-16") + "," +
                              monthly("gold", "Gold", "25.00") + "," +
                              monthly("pro", "Pro", "40.00")) +
    "]";

Harness harness() {
  return Harness(catalog_from(kVersions), {}, Account{"acct", "USD", "UTC", 1});
}

#define ON(h, date, call) \
  REQUIRE((h).on(date, [&](BillingEngine& e) { return e.call; }).has_value())

}  // namespace

TEST_CASE("a versioned catalog loads as its latest version, the earlier ones kept in order") {
  auto c = catalog_from(kVersions);
  REQUIRE(c->earlier_versions.size() == 2);
  CHECK(c->effective_date == 2024_y / 5 / 1);
  CHECK(c->earlier_versions[0]->effective_date == 2024_y / 1 / 1);
  CHECK(c->find_plan("std")->effective_for_existing == 2024_y / 6 / 16);
  CHECK(&c->version_at(2023_y / 12 / 1) == c->earlier_versions[0].get());  // before them all
  CHECK(&c->version_at(2024_y / 2 / 29) == c->earlier_versions[0].get());
  CHECK(&c->version_at(2024_y / 3 / 1) == c->earlier_versions[1].get());
  CHECK(&c->version_at(2024_y / 5 / 1) == c.get());
}

TEST_CASE("versions out of order, or without a date, are refused by JSON path") {
  auto p = load_catalog("[" + version("2024-03-01", monthly("std", "Std", "10.00")) + "," +
                        version("2024-03-01", monthly("std", "Std", "15.00")) + "]");
  REQUIRE_FALSE(p.has_value());
  CHECK(tollgate::test::has_problem(p.error(), "[1].effective_date",
                                    "must be after the version before it (2024-03-01)"));
  std::string undated =
      R"({"name": "u", "currencies": ["USD"], "products": [{"name": "Std", "category": "BASE"}],
    "plans": [)" +
      monthly("std", "Std", "10.00") + "]}";
  p = load_catalog("[" + undated + "," + version("2024-03-01", monthly("std", "Std", "15.00")) +
                   "]");
  REQUIRE_FALSE(p.has_value());
  CHECK(tollgate::test::has_problem(p.error(), "[0].effective_date", "required"));
  // Existing subscriptions cannot move before the version that moves them starts.
  p = load_catalog(version("2024-03-01", monthly("std", "Std", "15.00", "2024-02-01")));
  REQUIRE_FALSE(p.has_value());
  CHECK(tollgate::test::has_problem(p.error(), "plans[0].effective_date_for_existing_subscriptions",
                                    "is before the catalog's effective_date 2024-03-01"));
}

TEST_CASE("a subscription keeps its version's prices until a later version moves it") {
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("a", "std", 2024_y / 1 / 1));
  h.bill_through(2024_y / 7 / 1);
  // v2 and v3 came in March and May; v3 moves it on June 16: June is
  // 15/30 x 10.00 = 5.00 before, 15/30 x 30.00 = 15.00 from the 16th.
  CHECK(h.lines() == Lines{"2024-01-01 RECURRING a 2024-01-01..2024-02-01 10.00",
                           "2024-02-01 RECURRING a 2024-02-01..2024-03-01 10.00",
                           "2024-03-01 RECURRING a 2024-03-01..2024-04-01 10.00",
                           "2024-04-01 RECURRING a 2024-04-01..2024-05-01 10.00",
                           "2024-05-01 RECURRING a 2024-05-01..2024-06-01 10.00",
                           "2024-06-01 RECURRING a 2024-06-01..2024-06-16 5.00",
                           "2024-06-16 RECURRING a 2024-06-16..2024-07-01 15.00",
                           "2024-07-01 RECURRING a 2024-07-01..2024-08-01 30.00"});
  // Which version prices it, day by day: v1's until June 16, v3's from then on.
  CHECK(h.status("a", 2024_y / 4 / 1).catalog_version == 2024_y / 1 / 1);
  CHECK(h.status("a", 2024_y / 6 / 15).catalog_version == 2024_y / 1 / 1);
  CHECK(h.status("a", 2024_y / 6 / 16).catalog_version == 2024_y / 5 / 1);
}

TEST_CASE("a subscription is priced by the version in force on the day it starts") {
  Harness h = harness();
  // March 10 under v2: 22/31 x 15.00 = 10.645... = 10.65; then 15.00 until
  // v3 moves it on June 16: 15/30 x 15.00 = 7.50 and 15/30 x 30.00 = 15.00.
  ON(h, 2024_y / 3 / 10, create_subscription("b", "std", 2024_y / 3 / 10));
  // May 20 under v3, its own latest prices from the start: 12/31 x 30.00 = 11.6129... = 11.61.
  ON(h, 2024_y / 5 / 20, create_subscription("c", "std", 2024_y / 5 / 20));
  h.bill_through(2024_y / 7 / 1);
  CHECK(h.lines() == Lines{"2024-03-10 RECURRING b 2024-03-10..2024-04-01 10.65",
                           "2024-04-01 RECURRING b 2024-04-01..2024-05-01 15.00",
                           "2024-05-01 RECURRING b 2024-05-01..2024-06-01 15.00",
                           "2024-05-20 RECURRING c 2024-05-20..2024-06-01 11.61",
                           "2024-06-01 RECURRING b 2024-06-01..2024-06-16 7.50",
                           "2024-06-01 RECURRING c 2024-06-01..2024-07-01 30.00",
                           "2024-06-16 RECURRING b 2024-06-16..2024-07-01 15.00",
                           "2024-07-01 RECURRING b 2024-07-01..2024-08-01 30.00",
                           "2024-07-01 RECURRING c 2024-07-01..2024-08-01 30.00"});
}

TEST_CASE("a change of plan takes the prices of the version in force when it takes effect") {
  Harness h = harness();
  ON(h, 2024_y / 1 / 1, create_subscription("d", "std", 2024_y / 1 / 1));
  // March 20, immediate, to gold under v2 (25.00; v1 sold it at 20.00):
  // std's 12 unused days of March back, 12/31 x 10.00 = 3.87; gold 12/31 x 25.00 = 9.68.
  ON(h, 2024_y / 3 / 20, change_plan("d", "gold", 2024_y / 3 / 20, BillingActionPolicy::immediate));
  h.bill_through(2024_y / 4 / 1);
  CHECK(h.lines() == Lines{"2024-01-01 RECURRING d 2024-01-01..2024-02-01 10.00",
                           "2024-02-01 RECURRING d 2024-02-01..2024-03-01 10.00",
                           "2024-03-01 RECURRING d 2024-03-01..2024-04-01 10.00",
                           "2024-03-20 RECURRING d 2024-03-20..2024-04-01 9.68",
                           "2024-03-20 REPAIR_ADJ d 2024-03-20..2024-04-01 -3.87",
                           "2024-04-01 RECURRING d 2024-04-01..2024-05-01 25.00"});
}

TEST_CASE("a plan first sold by a later version is priced by it, even on an earlier day") {
  // Kill Bill's lookup falls back to the oldest version that has the plan.
  Harness h = harness();
  ON(h, 2024_y / 2 / 1, create_subscription("p", "pro", 2024_y / 2 / 1));
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-02-01 RECURRING p 2024-02-01..2024-03-01 40.00"});
}

TEST_CASE("a snapshot under a versioned catalog restores each span's version") {
  auto catalog = catalog_from(kVersions);
  Account account{"acct", "USD", "UTC", 1};
  auto engine = *BillingEngine::open(catalog, {}, account);
  REQUIRE(engine.create_subscription("a", "std", 2024_y / 1 / 1));
  REQUIRE(engine.create_subscription("b", "std", 2024_y / 3 / 10));
  REQUIRE(engine.invoice(2024_y / 4 / 1));
  auto restored = BillingEngine::restore(catalog, {}, account, engine.snapshot(2024_y / 4 / 1));
  REQUIRE(restored.has_value());
  // May: a still at v1's 10.00, b at v2's 15.00.
  auto may = restored->invoice(2024_y / 5 / 1);
  REQUIRE(may.has_value());
  REQUIRE(may->items.size() == 2);
  CHECK(may->items[0].amount == Decimal::parse("10.00").value());
  CHECK(may->items[1].amount == Decimal::parse("15.00").value());

  // A snapshot written before the catalog had versions does not say which
  // version a span meant: refused, and the journal is replayed instead.
  auto single = catalog_from(version("2024-01-01", monthly("std", "Std", "10.00")));
  auto old = *BillingEngine::open(single, {}, account);
  REQUIRE(old.create_subscription("a", "std", 2024_y / 1 / 1));
  auto refused = BillingEngine::restore(catalog, {}, account, old.snapshot(2024_y / 1 / 1));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "engine.snapshot");
}

TEST_CASE(
    "a version uploaded after a period was billed moves it mid-period: repaired, billed again") {
  // v3 (std 30.00 for existing subscriptions from June 16) arrives after
  // June was billed at v1's 10.00: the unused 15/30 of June comes back,
  // -5.00, and 15/30 x 30.00 = 15.00 is billed from the 16th.
  std::string before_v3 = "[" +
                          version("2024-01-01", monthly("std", "Std", "10.00") + "," +
                                                    monthly("gold", "Gold", "20.00")) +
                          "," +
                          version("2024-03-01", monthly("std", "Std", "15.00") + "," +
                                                    monthly("gold", "Gold", "25.00") + "," +
                                                    monthly("pro", "Pro", "40.00")) +
                          "]";
  Account account{"acct", "USD", "UTC", 1};
  auto engine = *BillingEngine::open(catalog_from(before_v3), {}, account);
  REQUIRE(engine.create_subscription("a", "std", 2024_y / 1 / 1));
  for (int month = 1; month <= 6; ++month) REQUIRE(engine.invoice(date::year{2024} / month / 1));
  auto moved =
      BillingEngine::restore(catalog_from(kVersions), {}, account, engine.snapshot(2024_y / 6 / 1));
  REQUIRE(moved.has_value());
  auto june16 = moved->invoice(2024_y / 6 / 16);
  REQUIRE(june16.has_value());
  REQUIRE(june16->items.size() == 2);
  std::vector<std::pair<InvoiceItemType, std::string>> got;
  for (const auto& item : june16->items) got.emplace_back(item.type, item.amount.to_string());
  CHECK(std::count(got.begin(), got.end(),
                   std::pair{InvoiceItemType::repair_adj, Decimal::parse("-5.00")->to_string()}) ==
        1);
  CHECK(std::count(got.begin(), got.end(),
                   std::pair{InvoiceItemType::recurring, Decimal::parse("15.00")->to_string()}) ==
        1);
  CHECK_FALSE(moved->needs_history());
}
