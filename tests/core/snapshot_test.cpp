// Engine snapshots (billing_engine.hpp): a restored engine bills what the
// original would; a snapshot of another format version or account is refused;
// a call reaching back before what the snapshot kept says needs_history.
// Plan "a": 30.00 a month in advance, calls at 0.10 each, billed monthly.

#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"
#include "../support/usage_histories.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::test::catalog_from;

namespace {

BillingEngine billed_through_february() {
  auto engine = *BillingEngine::open(catalog_from(test::kUsageHistoryCatalog), {},
                                     Account{"acct", "USD", "UTC", 1});
  REQUIRE(engine.create_subscription("s1", "a", 2024_y / 1 / 1));
  REQUIRE(engine.invoice(2024_y / 1 / 1));
  REQUIRE(engine.record_usage({"s1", "calls", Decimal(100), 2024_y / 1 / 10, "u1", ""}));
  REQUIRE(engine.invoice(2024_y / 2 / 1));
  return engine;
}

Result<BillingEngine> restore(const std::string& text, const std::string& account = "acct") {
  return BillingEngine::restore(catalog_from(test::kUsageHistoryCatalog), {},
                                Account{account, "USD", "UTC", 1}, text);
}

}  // namespace

TEST_CASE("an engine restored from its snapshot bills what the original bills") {
  auto original = billed_through_february();
  auto restored = restore(original.snapshot(2024_y / 1 / 1));
  REQUIRE(restored.has_value());
  for (BillingEngine* e : {&original, &*restored}) {
    REQUIRE(e->record_usage({"s1", "calls", Decimal(50), 2024_y / 2 / 5, "u2", ""}));
    auto march = e->invoice(2024_y / 3 / 1);
    REQUIRE(march.has_value());
    // March in advance, February's 50 calls in arrear: 30.00 + 5.00.
    REQUIRE(march->items.size() == 2);
    CHECK(march->items[0].type == InvoiceItemType::recurring);
    CHECK(march->items[0].start == 2024_y / 3 / 1);
    CHECK(march->items[0].amount == Decimal::parse("30.00").value());
    CHECK(march->items[1].type == InvoiceItemType::usage);
    CHECK(march->items[1].start == 2024_y / 2 / 1);
    CHECK(*march->items[1].quantity == Decimal(50));
    CHECK(march->items[1].amount == Decimal::parse("5.00").value());
    CHECK_FALSE(e->needs_history());
  }
  auto status = restored->statuses(2024_y / 3 / 2);
  REQUIRE(status.size() == 1);
  CHECK(status[0].charged_through == 2024_y / 4 / 1);
}

TEST_CASE("a snapshot of another format version or another account is refused, not misread") {
  std::string text = billed_through_february().snapshot(2024_y / 1 / 1);
  // Format 2 keeps payment methods as windows; a format-1 snapshot is older.
  auto at = text.find("\"format\":3");
  REQUIRE(at != std::string::npos);
  std::string older = text;
  older.replace(at, 10, "\"format\":1");
  auto refused = restore(older);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "engine.snapshot");
  CHECK(restore(text, "other").error().code == "engine.snapshot");
  CHECK(restore("{\"format\":3}").error().code == "engine.snapshot");
  CHECK(restore("not json").error().code == "engine.snapshot");
}

TEST_CASE("a restored engine says when a call reaches back before what its snapshot kept") {
  std::string text = billed_through_february().snapshot(2024_y / 1 / 20);
  SECTION("an operation dated before it") {
    auto e = restore(text);
    REQUIRE(e.has_value());
    (void)e->cancel("s1", 2024_y / 1 / 15, BillingActionPolicy::immediate);
    CHECK(e->needs_history());
  }
  SECTION("usage dated before it, re-rating January") {
    auto e = restore(text);
    REQUIRE(e.has_value());
    REQUIRE(e->record_usage({"s1", "calls", Decimal(7), 2024_y / 1 / 12, "late", ""}));
    CHECK_FALSE(e->needs_history());  // recorded; it is billing it that needs January
    REQUIRE(e->preview(2024_y / 3 / 1));
    CHECK(e->needs_history());
  }
  SECTION("nothing before it") {
    auto e = restore(text);
    REQUIRE(e.has_value());
    REQUIRE(e->record_usage({"s1", "calls", Decimal(7), 2024_y / 2 / 12, "u3", ""}));
    REQUIRE(e->invoice(2024_y / 3 / 1));
    CHECK_FALSE(e->needs_history());
  }
}

TEST_CASE("a snapshot keeps a summed metric's usage as a total per day, and bills the same") {
  auto engine = billed_through_february();
  // Three calls events on Feb 5, one on Feb 6, all for February (billed Mar 1).
  REQUIRE(engine.record_usage({"s1", "calls", Decimal(10), 2024_y / 2 / 5, "f1", ""}));
  REQUIRE(engine.record_usage({"s1", "calls", Decimal(20), 2024_y / 2 / 6, "f2", ""}));
  REQUIRE(engine.record_usage({"s1", "calls", Decimal(30), 2024_y / 2 / 5, "f3", ""}));
  REQUIRE(engine.record_usage(
      {"s1", "calls", Decimal::parse("0.5").value(), 2024_y / 2 / 5, "f4", ""}));
  std::string text = engine.snapshot(2024_y / 1 / 1);
  // January's 100 calls on Jan 10, then Feb 5's 40.5 in one record and Feb 6's 20.
  CHECK(text.find("[\"2024-02-05\",\"calls\",\"40.5\",\"\"]") != std::string::npos);
  CHECK(text.find("\"f3\"") == std::string::npos);
  CHECK(text.find("\"summed\":[\"calls\"]") != std::string::npos);
  auto restored = restore(text);
  REQUIRE(restored.has_value());
  // A late call for February after the restore still adds to the month.
  REQUIRE(restored->record_usage({"s1", "calls", Decimal(9), 2024_y / 2 / 5, "f5", ""}));
  auto march = restored->invoice(2024_y / 3 / 1);
  REQUIRE(march.has_value());
  // 30.00 for March in advance; February: 10 + 20 + 30 + 0.5 + 9 = 69.5 calls x 0.10 = 6.95.
  REQUIRE(march->items.size() == 2);
  CHECK(march->items[0].amount == Decimal::parse("30.00").value());
  CHECK(*march->items[1].quantity == Decimal::parse("69.5").value());
  CHECK(march->items[1].amount == Decimal::parse("6.95").value());
}

TEST_CASE("day totals are refused under a catalog that no longer sums their metric") {
  std::string text = billed_through_february().snapshot(2024_y / 1 / 1);
  std::string counted = test::kUsageHistoryCatalog;
  // Plan "a"'s calls counted rather than summed: the day totals cannot say how many events.
  auto at = counted.find("\"model\": \"PER_UNIT\"");
  REQUIRE(at != std::string::npos);
  counted.insert(at, "\"aggregation\": \"COUNT\", ");
  auto refused =
      BillingEngine::restore(catalog_from(counted), {}, Account{"acct", "USD", "UTC", 1}, text);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "engine.snapshot");
  CHECK(refused.error().message.find("no longer summed") != std::string::npos);
}

TEST_CASE("a format-2 snapshot, which summed nothing, is still read") {
  std::string text = billed_through_february().snapshot(2024_y / 1 / 1);
  auto at = text.find("\"format\":3");
  REQUIRE(at != std::string::npos);
  text.replace(at, 10, "\"format\":2");
  auto summed = text.find(",\"summed\":[\"calls\"]");
  REQUIRE(summed != std::string::npos);
  text.erase(summed, std::string(",\"summed\":[\"calls\"]").size());
  auto restored = restore(text);
  REQUIRE(restored.has_value());
  auto march = restored->invoice(2024_y / 3 / 1);
  REQUIRE(march.has_value());
  CHECK(march->total() == Decimal::parse("30.00").value());  // no February usage recorded
}
