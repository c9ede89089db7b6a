// The SQLite store against raw sqlite3, and the daily billing run at scale.
//   BM_IngestStore/N    SqliteStore::record_usage: one batch of N usage events, one transaction
//   BM_IngestRaw/N      the floor: the same rows through one raw prepared INSERT OR IGNORE in one
//                       transaction, on a file in the same mode (WAL) with the same table and keys
//   BM_BillingRun/N/F   BillingRun::run over N due accounts (one monthly subscription each) with
//                       ManualProvider: replay, invoice, store invoice + attempt, charge, record;
//                       F=0 synchronous NORMAL (survives process crashes), F=1 FULL (power loss)
// Each iteration writes into a fresh file, so every batch inserts new rows.

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "due_accounts.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/manual_provider.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

std::string fresh_file(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "tollgate-bench";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

void BM_IngestStore(benchmark::State& state) {
  auto events = tollgate::bench::usage_batch(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto store = sqlite::SqliteStore::open(fresh_file("store.db"));
    state.ResumeTiming();
    auto r = (*store)->record_usage(events);
    if (!r || r->inserted != events.size()) state.SkipWithError("ingestion failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_IngestRaw(benchmark::State& state) {
  auto events = tollgate::bench::usage_batch(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    sqlite3* db = nullptr;
    sqlite3_open(fresh_file("raw.db").c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode = WAL; CREATE TABLE usage_event (seq INTEGER PRIMARY KEY "
                 "AUTOINCREMENT, "
                 "subscription_id TEXT NOT NULL, event_id TEXT NOT NULL, metric TEXT NOT NULL, "
                 "quantity TEXT NOT NULL, "
                 "occurred_on TEXT NOT NULL, value_key TEXT NOT NULL DEFAULT '', after_seq INTEGER "
                 "NOT NULL DEFAULT 0, "
                 "UNIQUE (subscription_id, event_id));",
                 nullptr, nullptr, nullptr);
    state.ResumeTiming();
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT OR IGNORE INTO usage_event (subscription_id, event_id, metric, "
                       "quantity, occurred_on, "
                       "value_key, after_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       -1, &st, nullptr);
    for (const auto& e : events) {
      std::string quantity = e.quantity.to_string(), on = to_string(e.occurred_on);
      sqlite3_bind_text(st, 1, e.subscription.data(), static_cast<int>(e.subscription.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 2, e.id.data(), static_cast<int>(e.id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 3, e.metric.data(), static_cast<int>(e.metric.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 4, quantity.data(), static_cast<int>(quantity.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 5, on.data(), static_cast<int>(on.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 6, e.value_key.data(), static_cast<int>(e.value_key.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 7, 0);
      sqlite3_step(st);
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    state.PauseTiming();
    sqlite3_close(db);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// N accounts, each with one monthly subscription created Mar 1 and due that day.
std::unique_ptr<sqlite::SqliteStore> accounts(std::int64_t n, sqlite::Synchronous sync) {
  sqlite::SqliteOptions options;
  options.synchronous = sync;
  auto store = std::move(sqlite::SqliteStore::open(fresh_file("run.db"), options)).value();
  (void)tollgate::bench::add_due_accounts(*store, n);
  return store;
}

void BM_BillingRun(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto store = accounts(state.range(0),
                          state.range(1) ? sqlite::Synchronous::full : sqlite::Synchronous::normal);
    ManualProvider provider;
    BillingRun run(*store, provider);
    state.ResumeTiming();
    auto report = run.run(2024_y / 3 / 1);
    if (!report || report->invoices != static_cast<std::size_t>(state.range(0)) ||
        !report->errors.empty())
      state.SkipWithError("the run did not invoice every account");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(BM_IngestStore)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IngestRaw)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BillingRun)
    ->Args({1'000, 0})
    ->Args({10'000, 0})
    ->Args({100'000, 0})
    ->Args({1'000'000, 0})
    ->Args({1'000, 1})
    ->Args({10'000, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK_MAIN();
