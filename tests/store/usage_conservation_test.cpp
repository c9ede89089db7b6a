// Usage conservation through stored billing: the same random histories as
// tests/core/usage_conservation_test.cpp, applied through BillingService and
// billed by the daily run. For each subscription, the quantities of the USAGE
// items of its stored invoices add up to the quantities of the usage the
// service accepted (inserted), each counted once.

#include <map>
#include <random>

#include <catch2/catch.hpp>

#include "../support/fake_provider.hpp"
#include "../support/store_backends.hpp"
#include "../support/usage_histories.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/billing_service.hpp"

using namespace tollgate;
using namespace date::literals;

TEMPLATE_TEST_CASE("every usage quantity the store accepted is billed once by the daily run",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  std::mt19937 rng(1126);
  int accepted_events = 0, refused_events = 0;
  for (int n = 0; n < 6; ++n) {
    auto store = TestType::fresh();
    BillingService service(*store);
    REQUIRE(test::open_history_account(*store, service, 1 + n * 5));
    test::FakeProvider provider{":memory:"};
    BillingRun run(*store, provider);

    auto history = test::generate_usage_history(rng, add_days(2024_y / 1 / 1, n * 7));
    std::map<std::string, Decimal> accepted;
    std::size_t next = 0;
    for (Date d = history.first; !(history.until < d); d = add_days(d, 1)) {
      auto report = run.run(d);
      REQUIRE(report.has_value());
      for (const auto& e : report->errors) FAIL_CHECK(e.code << ": " << e.message);
      for (; next < history.steps.size() && history.steps[next].on == d; ++next) {
        const Operation& op = history.steps[next].op;
        if (op.type != OperationType::usage) {
          (void)service.apply("a", op, Instant{date::sys_days(d)});
          continue;
        }
        UsageEvent e{op.subscription, op.metric, op.quantity, op.date, op.id, ""};
        auto r = service.record_usage(std::span(&e, 1));
        if (!r) {
          ++refused_events;
          continue;
        }
        if (r->inserted == 1) {
          accepted[op.subscription] += op.quantity;
          ++accepted_events;
        }
      }
    }
    std::map<std::string, Decimal> billed;
    auto invoices = store->invoices_of("a");
    REQUIRE(invoices.has_value());
    for (const auto& stored : *invoices)
      for (const auto& item : stored.invoice.items)
        if (item.type == InvoiceItemType::usage) billed[item.subscription] += *item.quantity;
    INFO("history " << n);
    CHECK(billed == accepted);
  }
  CHECK(accepted_events > 50);
  CHECK(refused_events > 10);
}
