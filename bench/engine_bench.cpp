// Invoice generation in memory: subscription-months invoiced per second.
//   BM_InvoiceMonths            N accounts, one monthly in-advance subscription each,
//                               invoiced on each billing date of a year
//   BM_InvoiceMonthsUnkept      the same, by engines that keep no copy of their
//                               invoices (keep_invoices(false), as BillingService's)
//   BM_InvoiceMonthsOneAccount  one account holding N such subscriptions
//   BM_InvoiceMonths_Baseline   the same N x 12 amounts appended to a vector:
//                               the floor of "producing the items"

#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "tollgate/billing_engine.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

std::shared_ptr<const Catalog> catalog() {
  static auto c =
      std::make_shared<const Catalog>(*load_catalog(R"({"name": "bench", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}],
    "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "49.99"}}}]}]})"));
  return c;
}

void invoice_months(benchmark::State& state, bool keep_invoices) {
  auto accounts = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<BillingEngine> engines;
    engines.reserve(static_cast<std::size_t>(accounts));
    for (int i = 0; i < accounts; ++i) {
      engines.push_back(
          *BillingEngine::open(catalog(), {}, {"a" + std::to_string(i), "USD", "UTC", 1}));
      engines.back().keep_invoices(keep_invoices);
      (void)engines.back().create_subscription("s", "p", 2024_y / 1 / 1);
    }
    state.ResumeTiming();
    for (int month = 1; month <= 12; ++month)
      for (auto& e : engines) benchmark::DoNotOptimize(e.invoice(2024_y / month / 1));
    state.PauseTiming();  // tearing 10k engines down is not invoicing (the set-up is not timed either)
    engines.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * accounts * 12);
}
void BM_InvoiceMonths(benchmark::State& state) {
  invoice_months(state, true);
}
void BM_InvoiceMonthsUnkept(benchmark::State& state) {
  invoice_months(state, false);
}
BENCHMARK(BM_InvoiceMonths)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InvoiceMonthsUnkept)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// One account holding N subscriptions (an API manager's developer with many apps).
void BM_InvoiceMonthsOneAccount(benchmark::State& state) {
  auto subscriptions = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = *BillingEngine::open(catalog(), {}, {"a", "USD", "UTC", 1});
    for (int i = 0; i < subscriptions; ++i)
      (void)engine.create_subscription("s" + std::to_string(i), "p", 2024_y / 1 / 1);
    state.ResumeTiming();
    for (int month = 1; month <= 12; ++month)
      benchmark::DoNotOptimize(engine.invoice(2024_y / month / 1));
  }
  state.SetItemsProcessed(state.iterations() * subscriptions * 12);
}
BENCHMARK(BM_InvoiceMonthsOneAccount)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_InvoiceMonths_Baseline(benchmark::State& state) {
  auto accounts = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::vector<std::int64_t> cents;
    cents.reserve(accounts * 12);
    for (int month = 1; month <= 12; ++month)
      for (std::size_t i = 0; i < accounts; ++i) cents.push_back(4999);
    benchmark::DoNotOptimize(cents.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(accounts) * 12);
}
BENCHMARK(BM_InvoiceMonths_Baseline)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
