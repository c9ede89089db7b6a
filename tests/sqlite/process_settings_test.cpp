// sqlite::tune_process(): SQLite's process-wide settings, taken only before
// SQLite is first used. ctest runs each case in a process of its own, and this
// file holds one case, so SQLite is unused when it starts.

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tollgate/sqlite/sqlite_store.hpp"

using namespace tollgate;

TEST_CASE("tune_process: taken before SQLite is first used, refused after") {
  REQUIRE(sqlite::tune_process());
  auto path = std::filesystem::temp_directory_path() / "tollgate-process-settings.db";
  std::filesystem::remove(path);
  auto store = sqlite::SqliteStore::open(path.string());
  REQUIRE(store.has_value());
  // Memory statistics are off: SQLite counts nothing, though the store has
  // allocated its page cache and statements.
  CHECK(sqlite3_memory_used() == 0);
  // Too late now: SQLite has initialized, and nothing changes.
  CHECK_FALSE(sqlite::tune_process());
  store->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}
