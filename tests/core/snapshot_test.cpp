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
  auto at = text.find("\"format\":2");
  REQUIRE(at != std::string::npos);
  std::string older = text;
  older.replace(at, 10, "\"format\":1");
  auto refused = restore(older);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "engine.snapshot");
  CHECK(restore(text, "other").error().code == "engine.snapshot");
  CHECK(restore("{\"format\":2}").error().code == "engine.snapshot");
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
