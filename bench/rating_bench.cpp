// Rating throughput and usage aggregation.
//
//   BM_RateGraduated5         ratings/s of a 5-tier graduated price (exact Decimal)
//   BM_RateGraduated5_Double  the same tiers in binary floating point: the baseline
//   BM_AggregateAndRate       N in-memory usage events over N/100 subscriptions:
//                             sum per subscription, then rate each total
//   BM_AggregateAndRate_Double  the same in int64 + double: the baseline

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "tollgate/rating.hpp"

using namespace tollgate;

namespace {

Decimal d(const char* s) {
  return *Decimal::parse(s);
}

// Five tiers with sub-cent prices and a flat fee, as an API manager would sell calls.
UsagePrice five_tiers() {
  UsagePrice p;
  p.name = "calls";
  p.model = UsageModel::graduated;
  const char* bounds[] = {"1000", "10000", "100000", "1000000"};
  const char* prices[] = {"0", "0.0125", "0.0085", "0.0045", "0.0015"};
  for (int i = 0; i < 5; ++i) {
    Tier t;
    if (i < 4) t.up_to = d(bounds[i]);
    t.unit_price = {{"USD", d(prices[i])}};
    if (i == 1) t.flat_price = {{"USD", d("5.00")}};
    p.tiers.push_back(std::move(t));
  }
  return p;
}

struct DoubleTier {
  double up_to;
  double unit;
  double flat;
};

double rate_double(const std::vector<DoubleTier>& tiers, double q) {
  double amount = 0, lower = 0;
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    if (i > 0 && !(q > lower)) break;
    double upper = q < tiers[i].up_to ? q : tiers[i].up_to;
    if (upper > lower) amount += (upper - lower) * tiers[i].unit;
    amount += tiers[i].flat;
    lower = tiers[i].up_to;
  }
  return amount;
}

std::vector<std::int64_t> quantities(std::size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> q(0, 2'000'000);
  std::vector<std::int64_t> out(n);
  for (auto& x : out) x = q(rng);
  return out;
}

// A compiled Rater: what the engine and a host rating many quantities use.
void BM_RateGraduated5(benchmark::State& state) {
  Rater rater = *Rater::compile(five_tiers(), "USD");
  std::vector<Decimal> qs;
  for (auto q : quantities(4096)) qs.emplace_back(q);
  std::size_t i = 0;
  for (auto _ : state) {
    Decimal r = rater.rate(qs[i++ & 4095]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateGraduated5);

// The one-shot rate(): compiles the price on every call.
void BM_RateGraduated5_OneShot(benchmark::State& state) {
  UsagePrice price = five_tiers();
  std::vector<Decimal> qs;
  for (auto q : quantities(4096)) qs.emplace_back(q);
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = rate(price, "USD", qs[i++ & 4095]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateGraduated5_OneShot);

void BM_RateGraduated5_Double(benchmark::State& state) {
  std::vector<DoubleTier> tiers{{1000, 0, 0},
                                {10000, 0.0125, 5},
                                {100000, 0.0085, 0},
                                {1000000, 0.0045, 0},
                                {1e300, 0.0015, 0}};
  std::vector<double> qs;
  for (auto q : quantities(4096)) qs.push_back(static_cast<double>(q));
  std::size_t i = 0;
  for (auto _ : state) {
    double r = rate_double(tiers, qs[i++ & 4095]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateGraduated5_Double);

struct Event {
  std::uint32_t subscription;
  std::int64_t quantity;
};

std::vector<Event> events(std::size_t n, std::uint32_t subscriptions) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint32_t> sub(0, subscriptions - 1);
  std::uniform_int_distribution<std::int64_t> q(1, 50);
  std::vector<Event> out(n);
  for (auto& e : out) e = {sub(rng), q(rng)};
  return out;
}

void BM_AggregateAndRate(benchmark::State& state) {
  auto n = static_cast<std::size_t>(state.range(0));
  auto subs = static_cast<std::uint32_t>(n / 100);
  auto evs = events(n, subs);
  std::vector<Decimal> quantity(evs.size());
  for (std::size_t i = 0; i < evs.size(); ++i) quantity[i] = Decimal(evs[i].quantity);
  Rater rater = *Rater::compile(five_tiers(), "USD");
  for (auto _ : state) {
    std::vector<Decimal> totals(subs);
    for (std::size_t i = 0; i < evs.size(); ++i) totals[evs[i].subscription] += quantity[i];
    Decimal billed;
    for (const auto& t : totals) billed += rater.rate(t).round(2, RoundingMode::half_up);
    benchmark::DoNotOptimize(billed);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_AggregateAndRate)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond);

void BM_AggregateAndRate_Double(benchmark::State& state) {
  auto n = static_cast<std::size_t>(state.range(0));
  auto subs = static_cast<std::uint32_t>(n / 100);
  auto evs = events(n, subs);
  std::vector<DoubleTier> tiers{{1000, 0, 0},
                                {10000, 0.0125, 5},
                                {100000, 0.0085, 0},
                                {1000000, 0.0045, 0},
                                {1e300, 0.0015, 0}};
  for (auto _ : state) {
    std::vector<std::int64_t> totals(subs);
    for (const auto& e : evs) totals[e.subscription] += e.quantity;
    double billed = 0;
    for (auto t : totals) billed += rate_double(tiers, static_cast<double>(t));
    benchmark::DoNotOptimize(billed);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_AggregateAndRate_Double)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
