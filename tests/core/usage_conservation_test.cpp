// Usage conservation (proration.md: usage is billed or refused, never dropped):
// over random histories, the quantities of each subscription's USAGE items add
// up to the quantities of the usage events the engine accepted, each once.
// Fixed seeds: a failure reproduces.

#include <map>
#include <random>

#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"
#include "../support/usage_histories.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::test::catalog_from;

TEST_CASE("every accepted usage quantity is billed exactly once (engine)") {
  std::mt19937 rng(20261126);
  auto catalog = catalog_from(test::kUsageHistoryCatalog);
  int accepted_events = 0, refused_events = 0, stop_day_events = 0;
  for (int n = 0; n < 120; ++n) {
    auto history = test::generate_usage_history(rng, add_days(2024_y / 1 / 1, n % 45));
    auto opened = BillingEngine::open(catalog, {}, Account{"a", "USD", "UTC", 1 + n % 28});
    REQUIRE(opened.has_value());
    BillingEngine& engine = *opened;
    std::map<std::string, Decimal> accepted;
    std::size_t next = 0;
    auto bill = [&](const Date& d) { REQUIRE(engine.invoice(d).has_value()); };
    for (Date d = history.first; !(history.until < d); d = add_days(d, 1)) {
      bill(d);  // the night's run, then the day's requests, then billing what they made due
      for (; next < history.steps.size() && history.steps[next].on == d; ++next) {
        const Operation& op = history.steps[next].op;
        auto r = apply(engine, op);
        if (op.type != OperationType::usage) continue;
        if (!r) {
          ++refused_events;
          continue;
        }
        if (*r == Recorded::applied) {
          accepted[op.subscription] += op.quantity;
          ++accepted_events;
          for (const auto& st : engine.statuses(d))
            if (st.id == op.subscription && st.state != SubscriptionState::active)
              ++stop_day_events;
        }
      }
      bill(d);
    }
    std::map<std::string, Decimal> billed;
    for (const auto& invoice : engine.invoices())
      for (const auto& item : invoice.items)
        if (item.type == InvoiceItemType::usage) billed[item.subscription] += *item.quantity;
    INFO("history " << n);
    CHECK(billed == accepted);
  }
  // The histories really exercise acceptance, refusal and the stop day.
  CHECK(accepted_events > 1000);
  CHECK(refused_events > 200);
  CHECK(stop_day_events > 10);
}
