// PostgreSQL (a throwaway server on 127.0.0.1, durable settings):
//   BM_BillingRunWorkers/W    the billing run shared by W = 1, 2 and 4 worker
//                             processes over 2,000 accounts due the same day,
//                             each charge taking 1 ms as a provider round trip
//                             would. The baseline is one worker, in the same run.
//                             On 2 cores expect up to 2x: the workers share the
//                             machine with the server.
//   BM_IngestPostgres/N       PostgresStore::record_usage: one batch of N usage events
//   BM_IngestPostgresCopy/N   the floor: the same rows through a raw COPY into the
//                             same table (same keys and indexes), in one transaction

#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include "due_accounts.hpp"
#include "providers.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/manual_provider.hpp"
#include "tollgate/postgres/postgres_store.hpp"

#include <libpq-fe.h>

using namespace tollgate;
using namespace date::literals;

namespace {

constexpr int kAccounts = 2000;

// A server for the whole benchmark, stopped at exit.
const std::string& server() {
  static const std::string conninfo = [] {
    std::string dir = "/tmp/tollgate-bench-pg-" + std::to_string(getpid());
    std::string script = std::string(TOLLGATE_PG_SERVER);
    if (std::system(("'" + script + "' start '" + dir + "' >/dev/null").c_str()) != 0)
      return std::string();
    static std::string stop = "'" + script + "' stop '" + dir + "'";
    std::atexit([] { (void)std::system(stop.c_str()); });
    std::ifstream in(dir + "/conninfo");
    std::string line;
    std::getline(in, line);
    return line;
  }();
  return conninfo;
}

using bench::SlowProvider;

// A fresh schema holding the store's tables (migrated); its connection string.
std::string empty_schema() {
  static int schema = 0;
  std::string name = "bench" + std::to_string(++schema);
  std::string conninfo = server() + " options='-c search_path=" + name + "'";
  std::string make_schema = "psql -q '" + server() + "' -c 'CREATE SCHEMA " + name + "' >/dev/null";
  if (std::system(make_schema.c_str()) != 0) return "";
  if (!postgres::PostgresStore::open(conninfo)) return "";
  return conninfo;
}

// A fresh schema with kAccounts accounts due Mar 1; its connection string.
std::string populate() {
  std::string conninfo = empty_schema();
  if (conninfo.empty()) return "";
  auto store = std::move(postgres::PostgresStore::open(conninfo)).value();
  if (!tollgate::bench::add_due_accounts(*store, kAccounts)) return "";
  return conninfo;
}

void BM_BillingRunWorkers(benchmark::State& state) {
  if (server().empty()) {
    state.SkipWithError("no PostgreSQL server (apt-get install postgresql)");
    return;
  }
  const int workers = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    std::string conninfo = populate();
    if (conninfo.empty()) {
      state.SkipWithError("could not set up the accounts");
      break;
    }
    state.ResumeTiming();
    std::vector<pid_t> pids;
    for (int w = 0; w < workers; ++w) {
      pid_t pid = fork();
      if (pid == 0) {
        auto store = postgres::PostgresStore::open(conninfo);
        if (!store) _exit(2);
        SlowProvider provider;
        RunOptions options;
        options.worker.name = "w" + std::to_string(w);
        options.worker.wait_for_others = true;
        BillingRun run(**store, provider, options);
        auto r = run.run(2024_y / 3 / 1);
        _exit(r && r->errors.empty() ? 0 : 3);
      }
      pids.push_back(pid);
    }
    bool ok = true;
    for (pid_t pid : pids) {
      int status = 0;
      waitpid(pid, &status, 0);
      ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    state.PauseTiming();
    auto store = std::move(postgres::PostgresStore::open(conninfo)).value();
    if (!ok || !store->accounts_due(2024_y / 3 / 1)->empty())
      state.SkipWithError("a worker failed or left accounts unbilled");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kAccounts);
}

void BM_IngestPostgres(benchmark::State& state) {
  if (server().empty()) {
    state.SkipWithError("no PostgreSQL server (apt-get install postgresql)");
    return;
  }
  auto events = tollgate::bench::usage_batch(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto store = postgres::PostgresStore::open(empty_schema());
    if (!store) {
      state.SkipWithError("no store");
      break;
    }
    state.ResumeTiming();
    auto r = (*store)->record_usage(events);
    if (!r || r->inserted != events.size()) state.SkipWithError("ingestion failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_IngestPostgresCopy(benchmark::State& state) {
  if (server().empty()) {
    state.SkipWithError("no PostgreSQL server (apt-get install postgresql)");
    return;
  }
  auto events = tollgate::bench::usage_batch(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    PGconn* db = PQconnectdb(empty_schema().c_str());
    state.ResumeTiming();
    PQclear(PQexec(db, "BEGIN"));
    PQclear(PQexec(db,
                   "COPY usage_event (subscription_id, event_id, metric, quantity, occurred_on, "
                   "value_key, after_seq) FROM STDIN"));
    std::string chunk;
    for (const auto& e : events) {
      chunk += e.subscription + '\t' + e.id + '\t' + e.metric + '\t' + e.quantity.to_string() +
               '\t' + to_string(e.occurred_on) + '\t' + e.value_key + "\t0\n";
      if (chunk.size() > 65536) {
        PQputCopyData(db, chunk.data(), static_cast<int>(chunk.size()));
        chunk.clear();
      }
    }
    PQputCopyData(db, chunk.data(), static_cast<int>(chunk.size()));
    PQputCopyEnd(db, nullptr);
    PGresult* copied = PQgetResult(db);
    bool ok = PQresultStatus(copied) == PGRES_COMMAND_OK;
    PQclear(copied);
    PQclear(PQexec(db, "COMMIT"));
    state.PauseTiming();
    PQfinish(db);
    if (!ok) state.SkipWithError("COPY failed");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(BM_IngestPostgres)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_IngestPostgresCopy)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_BillingRunWorkers)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_MAIN();
