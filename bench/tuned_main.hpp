#pragma once
// The main() of the benchmarks that use SQLite: the process is set up as the
// `tollgate` tool sets up its own (sqlite::tune_process(), before SQLite is
// first used), so that a run measured here is the run `tollgate run` makes.

#include <benchmark/benchmark.h>

#include "tollgate/sqlite/sqlite_store.hpp"

namespace tollgate::bench {

inline int run_tuned(int argc, char** argv) {
  (void)sqlite::tune_process();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace tollgate::bench
