// The SQLite store against raw sqlite3, and the daily billing run at scale.
//   BM_IngestStore/N    SqliteStore::record_usage: one batch of N usage events, one transaction
//   BM_IngestRaw/N      the floor: the same rows through one raw prepared INSERT OR IGNORE in one
//                       transaction, on a file in the same mode (WAL) with the same table and keys
//   BM_BillingRun/N/F   BillingRun::run over N due accounts (one monthly subscription each) with
//                       ManualProvider: replay, invoice, store invoice + attempt, charge, record;
//                       F=0 synchronous NORMAL (survives process crashes), F=1 FULL (power loss)
//   BM_BillingRunPaid/N the same run with a provider that pays every charge at once (the usual
//                       day: no dunning retry, no failure notice), synchronous NORMAL
//   BM_BillingRunFloor/N/P the run's baseline: the rows a run must write for N accounts (an
//                       invoice, its item, its attempt, a journal entry, a notice, the account's
//                       next run), as raw prepared statements into the same schema, 100 accounts
//                       a transaction, synchronous NORMAL; no reads, no engine, no provider.
//                       P=1 adds what a paid charge must record, in a second transaction a
//                       batch: the attempt's outcome, the payment, the invoice's status
//                       (BM_BillingRunPaid's baseline)
// Each iteration writes into a fresh file, so every batch inserts new rows. The
// process is set up as the `tollgate` tool sets up its own (tuned_main.hpp).

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "due_accounts.hpp"
#include "providers.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/manual_provider.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tuned_main.hpp"

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

// One run over the N due accounts, through a fresh `Provider`; `complete`
// tells from the report that every account's work was done.
template <class Provider, class Complete>
void measure_run(benchmark::State& state, sqlite::Synchronous sync, Complete complete,
                 const char* incomplete) {
  for (auto _ : state) {
    state.PauseTiming();
    auto store = accounts(state.range(0), sync);
    Provider provider;
    BillingRun run(*store, provider);
    state.ResumeTiming();
    auto report = run.run(2024_y / 3 / 1);
    if (!report || !complete(*report, static_cast<std::size_t>(state.range(0))) ||
        !report->errors.empty())
      state.SkipWithError(incomplete);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_BillingRun(benchmark::State& state) {
  measure_run<ManualProvider>(
      state, state.range(1) ? sqlite::Synchronous::full : sqlite::Synchronous::normal,
      [](const RunReport& r, std::size_t n) { return r.invoices == n; },
      "the run did not invoice every account");
}

void BM_BillingRunPaid(benchmark::State& state) {
  measure_run<tollgate::bench::PaidProvider>(
      state, sqlite::Synchronous::normal,
      [](const RunReport& r, std::size_t n) { return r.charges_succeeded == n; },
      "the run did not charge every account");
}

// Runs one raw prepared statement with its text parameters bound in order.
void exec_raw(sqlite3_stmt* st, std::initializer_list<std::string_view> values) {
  int i = 0;
  for (auto v : values)
    sqlite3_bind_text(st, ++i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_DONE) std::abort();
  sqlite3_reset(st);
}

// The header names what it writes; the charge, were there one, goes between the two transactions.
void BM_BillingRunFloor(benchmark::State& state) {
  const char* sql[] = {
      "INSERT INTO invoice (id, account_id, invoice_date, currency, total, status, credit_adj, "
      "invoice_number) VALUES (?1, ?2, '2024-03-01', 'USD', '29.00', 'UNPAID', '0', ?3)",
      "INSERT INTO invoice_item (invoice_id, position, type, subscription_id, plan, phase, "
      "usage_name, start_date, end_date, quantity, amount) VALUES (?1, 0, 'RECURRING', ?2, "
      "'api-monthly', 'api-monthly-evergreen', '', '2024-03-01', '2024-04-01', '1', '29.00')",
      "INSERT INTO payment_attempt (invoice_id, attempt, status, scheduled_on, charge_id, failure, "
      "amount, action_url, account_id) VALUES (?1, 1, 'STARTED', '2024-03-01', ?3, '', "
      "'29.00', '', ?2)",
      "INSERT INTO journal (account_id, entry_date, operation, requested_at) VALUES (?1, "
      "'2024-03-01', NULL, 0)",
      "INSERT INTO notification (key, account_id, kind, raised_on) VALUES (?2, ?1, "
      "'PERIOD_ENDING', '2024-03-01')",
      "UPDATE account SET next_run = '2024-03-29' WHERE id = ?1",
      // A paid charge's record.
      "UPDATE payment_attempt SET status = 'SUCCEEDED' WHERE invoice_id = ?1 AND attempt = 1",
      "INSERT INTO payment (id, invoice_id, account_id, kind, amount, method, reference, "
      "payment_id, paid_on) VALUES (?2, ?1, ?3, 'PAYMENT', '29.00', 'paid', ?4, '', '2024-03-01')",
      "UPDATE invoice SET status = 'PAID' WHERE id = ?1"};
  const bool paid = state.range(1) != 0;
  auto batch_of = [&](sqlite3* db, std::int64_t from, std::int64_t to, auto&& each) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (std::int64_t i = from; i < to; ++i) each(std::to_string(i));
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  };
  for (auto _ : state) {
    state.PauseTiming();
    std::string path;
    {
      auto store = accounts(state.range(0), sqlite::Synchronous::normal);
      path = (std::filesystem::temp_directory_path() / "tollgate-bench" / "run.db").string();
    }
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = "
                 "-65536; PRAGMA temp_store = MEMORY",
                 nullptr, nullptr, nullptr);
    std::vector<sqlite3_stmt*> st(std::size(sql));
    for (std::size_t i = 0; i < st.size(); ++i) sqlite3_prepare_v2(db, sql[i], -1, &st[i], nullptr);
    state.ResumeTiming();
    for (std::int64_t from = 0; from < state.range(0); from += 100) {
      std::int64_t to = std::min<std::int64_t>(from + 100, state.range(0));
      batch_of(db, from, to, [&](const std::string& n) {
        std::string account = "acct-" + n, invoice = "inv-" + n;
        exec_raw(st[0], {invoice, account, n});
        exec_raw(st[1], {invoice, "sub-" + n});
        exec_raw(st[2], {invoice, account, "ch-" + n});
        exec_raw(st[3], {account});
        exec_raw(st[4], {account, "PERIOD_ENDING:" + n});
        exec_raw(st[5], {account});
      });
      if (!paid) continue;
      batch_of(db, from, to, [&](const std::string& n) {
        std::string invoice = "inv-" + n;
        exec_raw(st[6], {invoice});
        exec_raw(st[7], {invoice, "pay-" + n, "acct-" + n, "ch-" + n});
        exec_raw(st[8], {invoice});
      });
    }
    state.PauseTiming();
    for (auto* s : st) sqlite3_finalize(s);
    sqlite3_close(db);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(BM_IngestStore)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IngestRaw)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
// Synchronous FULL (an fsync a commit) and the paid floor only up to the sizes that say something.
BENCHMARK(BM_BillingRun)
    ->ArgsProduct({{1'000, 10'000, 100'000, 1'000'000}, {0}})
    ->ArgsProduct({{1'000, 10'000}, {1}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_BillingRunPaid)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_BillingRunFloor)
    ->ArgsProduct({{1'000, 10'000, 100'000, 1'000'000}, {0}})
    ->ArgsProduct({{1'000, 10'000, 100'000}, {1}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
int main(int argc, char** argv) {
  return tollgate::bench::run_tuned(argc, argv);
}
