// What a day's billing costs as accounts age (issue #18): the cost must follow
// what happened since the last invoice, not the account's whole history.
//   BM_RunByAge/M       `BillingRun::run` for one billing date over 20 accounts
//                       that are M months old, each with a monthly base charge
//                       and 4 usage events a day, every charge paid (so that
//                       old accounts have no more dunning than young ones),
//                       from a fresh copy of the store
//   BM_RunAndCloseByAge/M  the same, with the store's close (its checkpoint)
//   BM_DryRunByAge/M    the same accounts: one dry run (the engine built and
//                       preview()ed) of each, the work behind a REST dry run
//   BM_InvoicesByAge/M  the same accounts: the invoices of each read back
//                       (GET /1.0/kb/accounts/{id}/invoices without HTTP)
//   BM_UsageByAge/M     one usage event recorded through a service that keeps
//                       each account's usage judge (POST /1.0/kb/usages
//                       without HTTP); BM_UsageByAgeRebuilt/M, its baseline,
//                       through a new service each time (a rebuild each)
// The baseline of each is its own M=1 row: the target is M=36 costing at most
// 1.2x what M=1 costs.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "providers.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/billing_service.hpp"
#include "tollgate/manual_provider.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tuned_main.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

constexpr int kAccounts = 20;
constexpr int kEventsPerDay = 4;
const Date kStart = 2022_y / 1 / 1;

// Every charge succeeds (bench::PaidProvider), so that an old account has no
// more dunning to do than a young one: the benchmark compares history, not
// unpaid invoices.
using bench::PaidProvider;

std::filesystem::path bench_dir() {
  auto dir = std::filesystem::temp_directory_path() / "tollgate-bench";
  std::filesystem::create_directories(dir);
  return dir;
}

void remove_db(const std::filesystem::path& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

Date billing_date(int months) {
  return Date(date::year_month_day(kStart) + date::months(months));
}

// A store whose accounts are `months` old: created on kStart, 4 usage events a
// day, invoiced by the daily run on every 1st, up to (not including) the run
// being measured. Built once per age and copied for every iteration.
std::filesystem::path aged_store(int months) {
  static std::map<int, std::filesystem::path> built;
  if (auto it = built.find(months); it != built.end()) return it->second;
  auto path = bench_dir() / ("aged-paid-" + std::to_string(months) + ".db");
  remove_db(path);
  {
    auto store = std::move(sqlite::SqliteStore::open(path.string())).value();
    (void)store->put_catalog("v1", R"({"name": "aged", "currencies": ["USD"],
      "products": [{"name": "Api", "category": "BASE"}],
      "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
        "recurring": {"billing_period": "MONTHLY", "price": {"USD": "29.00"}},
        "usages": [{"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY",
          "model": "GRADUATED", "tiers": [{"up_to": "1000", "unit_price": {"USD": "0"}},
            {"up_to": null, "unit_price": {"USD": "0.0125"}}]}]}]}]})");
    BillingService service(*store);
    for (int i = 0; i < kAccounts; ++i) {
      StoredAccount a;
      a.account = {"acct-" + std::to_string(i), "USD", "UTC", 1};
      a.catalog = "v1";
      (void)service.open_account(a);
      Operation create;
      create.date = kStart;
      create.subscription = "sub-" + std::to_string(i);
      create.plan = "api-monthly";
      (void)service.apply(a.account.id, create, Instant{});
    }
    PaidProvider provider;
    BillingRun run(*store, provider);
    const Date last = billing_date(months);
    for (Date day = kStart; day < last; day = add_days(day, 1)) {
      // Usage straight into the store (it is all valid): the set-up would
      // otherwise cost what is being measured, once per event.
      std::vector<UsageEvent> events;
      for (int i = 0; i < kAccounts; ++i)
        for (int k = 0; k < kEventsPerDay; ++k)
          events.push_back({"sub-" + std::to_string(i), "api_calls", Decimal(50 + k), day,
                            to_string(day) + "-" + std::to_string(k), ""});
      (void)store->record_usage(events);
      if (date::year_month_day(day).day() == date::day(1)) (void)run.run(day);
    }
  }
  built.emplace(months, path);
  return path;
}

std::unique_ptr<sqlite::SqliteStore> fresh_copy(int months) {
  auto copy = bench_dir() / "aged-copy.db";
  remove_db(copy);
  auto source = aged_store(months);
  for (const char* suffix : {"", "-wal", "-shm"})
    if (std::filesystem::exists(source.string() + suffix))
      std::filesystem::copy_file(source.string() + suffix, copy.string() + suffix);
  return std::move(sqlite::SqliteStore::open(copy.string())).value();
}

// The run, and with `with_close` also closing the store: the last connection
// to close checkpoints the WAL into the database file, which costs what the
// run dirtied. With 20 accounts that is a matter of the file's size (20
// accounts' rows share a few B-tree pages in a young file and are scattered
// over many in an old one), not of the work per account; both are reported.
void run_by_age(benchmark::State& state, bool with_close) {
  int months = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto store = fresh_copy(months);
    PaidProvider provider;
    BillingRun run(*store, provider);
    state.ResumeTiming();
    auto report = run.run(billing_date(months));
    if (!report || report->invoices != kAccounts || !report->errors.empty())
      state.SkipWithError("the run did not invoice every account");
    if (!with_close) state.PauseTiming();
    store.reset();
    if (!with_close) state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kAccounts);
}

void BM_RunByAge(benchmark::State& state) {
  run_by_age(state, false);
}

void BM_RunAndCloseByAge(benchmark::State& state) {
  run_by_age(state, true);
}

void BM_DryRunByAge(benchmark::State& state) {
  int months = static_cast<int>(state.range(0));
  auto store = fresh_copy(months);
  for (auto _ : state) {
    BillingService service(*store);
    for (int i = 0; i < kAccounts; ++i) {
      auto engine = service.engine("acct-" + std::to_string(i));
      if (!engine) {
        state.SkipWithError("no engine");
        return;
      }
      auto preview = engine->preview(billing_date(months));
      if (!preview || preview->items.empty()) state.SkipWithError("nothing to preview");
      benchmark::DoNotOptimize(preview);
    }
  }
  state.SetItemsProcessed(state.iterations() * kAccounts);
}

void BM_InvoicesByAge(benchmark::State& state) {
  int months = static_cast<int>(state.range(0));
  auto store = fresh_copy(months);
  for (auto _ : state)
    for (int i = 0; i < kAccounts; ++i) {
      auto invoices = store->invoices_of("acct-" + std::to_string(i));
      if (!invoices || invoices->size() != static_cast<std::size_t>(months))
        state.SkipWithError("unexpected invoices");
      benchmark::DoNotOptimize(invoices);
    }
  state.SetItemsProcessed(state.iterations() * kAccounts);
}

// One usage event at a time, as POST /1.0/kb/usages brings them, to each of
// the accounts in turn, dated in the period being billed. With `kept` one
// service takes them all and keeps each account's usage judge; without it a
// new service takes each one and rebuilds the account's timeline from its
// snapshot (the baseline: what every request cost before the judge was kept).
void usage_by_age(benchmark::State& state, bool kept) {
  int months = static_cast<int>(state.range(0));
  auto store = fresh_copy(months);
  auto shared = std::make_unique<BillingService>(*store);
  Date on = add_days(billing_date(months), -1);
  std::int64_t n = 0;
  for (auto _ : state) {
    std::unique_ptr<BillingService> own;
    if (!kept) own = std::make_unique<BillingService>(*store);
    BillingService& service = kept ? *shared : *own;
    UsageEvent e{"sub-" + std::to_string(n % kAccounts),
                 "api_calls",
                 Decimal(1),
                 on,
                 "load-" + std::to_string(n),
                 ""};
    ++n;
    auto r = service.record_usage(std::span(&e, 1));
    if (!r || r->inserted != 1) state.SkipWithError("the usage was not taken");
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_UsageByAge(benchmark::State& state) {
  usage_by_age(state, true);
}

void BM_UsageByAgeRebuilt(benchmark::State& state) {
  usage_by_age(state, false);
}

}  // namespace

BENCHMARK(BM_UsageByAge)->Arg(1)->Arg(12)->Arg(36)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_UsageByAgeRebuilt)->Arg(1)->Arg(12)->Arg(36)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RunByAge)->Arg(1)->Arg(12)->Arg(36)->Unit(benchmark::kMillisecond)->Iterations(20);
BENCHMARK(BM_RunAndCloseByAge)
    ->Arg(1)
    ->Arg(12)
    ->Arg(36)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(20);
BENCHMARK(BM_DryRunByAge)->Arg(1)->Arg(12)->Arg(36)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InvoicesByAge)->Arg(1)->Arg(12)->Arg(36)->Unit(benchmark::kMillisecond);
int main(int argc, char** argv) {
  return tollgate::bench::run_tuned(argc, argv);
}
