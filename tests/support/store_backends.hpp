#pragma once
// The store back ends the store suite runs on: one TEMPLATE_TEST_CASE runs
// each test against SQLite and against PostgreSQL.
//
// PostgreSQL: ctest starts one throwaway server for the run (the
// postgres_server fixture, tests/support/pg_server.sh) and passes its directory
// in TOLLGATE_TEST_PG_DIR; a test binary run by hand starts its own and stops
// it at exit. Every store gets a schema of its own. Where PostgreSQL's server
// binaries are not installed the PostgreSQL cases are skipped, saying so.

#include <memory>
#include <string>

#include "tollgate/server/tenant_store.hpp"
#include "tollgate/store.hpp"

namespace tollgate::test {

struct SqliteBackend {
  static constexpr const char* name = "sqlite";
  static bool available(std::string&) { return true; }
  /// A store in a fresh file; its location, to open it again from another process.
  static std::unique_ptr<BillingStore> fresh(std::string* location = nullptr);
  static std::unique_ptr<BillingStore> open(const std::string& location);
  /// The REST server's tables in `store`'s database (a store of this back end).
  static std::unique_ptr<server::TenantStore> tenants(BillingStore& store);
};

struct PostgresBackend {
  static constexpr const char* name = "postgres";
  /// False (with the reason) when no server can be had here.
  static bool available(std::string& why);
  /// A store in a fresh schema; its connection string, to connect again from another process.
  static std::unique_ptr<BillingStore> fresh(std::string* location = nullptr);
  static std::unique_ptr<BillingStore> open(const std::string& location);
  static std::unique_ptr<server::TenantStore> tenants(BillingStore& store);
  /// The connection string of a fresh, empty schema (nothing migrated yet).
  static std::string empty_schema();
  /// The same as a postgresql:// URI, as `tollgate --db` takes it.
  static std::string empty_schema_uri();
};

/// Opens a store of the back end named in `location` ("sqlite:<path>" or "postgres:<conninfo>").
std::unique_ptr<BillingStore> open_location(const std::string& location);

}  // namespace tollgate::test

/// First line of a store-suite test: skips the case, saying why, where its back end is missing.
#define TOLLGATE_NEEDS_BACKEND(Backend)                           \
  do {                                                            \
    std::string why_missing;                                      \
    if (!Backend::available(why_missing)) {                       \
      WARN("SKIPPED: PostgreSQL not available: " << why_missing); \
      return;                                                     \
    }                                                             \
  } while (false)
