// The store commands' options and their --db store.

#include "flags.hpp"

#include <algorithm>
#include <ostream>

#include "tollgate/sqlite/sqlite_tenant_store.hpp"
#if TOLLGATE_CLI_WITH_POSTGRES
#include "tollgate/postgres/postgres_tenant_store.hpp"
#endif

namespace tollgate::cli {

// Reads "--flag value" pairs (and the value-less `switches`); only the flags in `allowed`.
std::optional<Flags> parse_flags(std::string_view command, std::span<const std::string_view> args,
                                 std::initializer_list<std::string_view> allowed, Streams io,
                                 std::initializer_list<std::string_view> switches) {
  Flags flags;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    while (i < args.size() &&
           std::find(switches.begin(), switches.end(), args[i]) != switches.end())
      flags[args[i++]] = "";
    if (i >= args.size()) break;
    if (std::find(allowed.begin(), allowed.end(), args[i]) == allowed.end()) {
      io.err << "tollgate " << command << ": unknown option " << args[i] << "\n";
      return std::nullopt;
    }
    if (i + 1 >= args.size()) {
      io.err << "tollgate " << command << ": " << args[i] << " needs a value\n";
      return std::nullopt;
    }
    flags[args[i]] = args[i + 1];
  }
  return flags;
}

namespace {

// Says why a store could not be opened; null, for the caller to return.
std::nullptr_t cannot_open(std::string_view command, const Error& e, Streams io) {
  io.err << "tollgate " << command << ": " << e.code << ": " << e.message << "\n";
  return nullptr;
}

bool names_postgres(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

// A PostgreSQL database; its errors never quote the connection string.
std::unique_ptr<BillingStore> open_postgres(std::string_view command, const std::string& uri,
                                            Streams io) {
#if TOLLGATE_CLI_WITH_POSTGRES
  auto store = postgres::PostgresStore::open(uri);
  if (!store) return cannot_open(command, store.error(), io);
  return std::move(store).value();
#else
  (void)uri;
  io.err << "tollgate " << command
         << ": this tollgate was built without PostgreSQL (TOLLGATE_WITH_POSTGRES=OFF)\n";
  return nullptr;
#endif
}

}  // namespace

std::unique_ptr<BillingStore> open_db(std::string_view command, const Flags& flags, Streams io) {
  auto path = flags.find("--db");
  if (path == flags.end()) {
    io.err << "tollgate " << command << ": --db FILE (or postgresql://...) is required\n";
    return nullptr;
  }
  if (names_postgres(path->second)) return open_postgres(command, std::string(path->second), io);
  auto store = sqlite::SqliteStore::open(std::string(path->second));
  if (!store) return cannot_open(command, store.error(), io);
  for (const auto& warning : (*store)->warnings())
    io.err << "tollgate " << command << ": warning: " << warning << "\n";
  return std::move(store).value();
}

std::unique_ptr<server::TenantStore> open_tenants(std::string_view command, BillingStore& store,
                                                  Streams io) {
  if (auto* file = dynamic_cast<sqlite::SqliteStore*>(&store)) {
    auto tenants = sqlite::SqliteTenantStore::open(*file);
    if (!tenants) return cannot_open(command, tenants.error(), io);
    return std::move(tenants).value();
  }
#if TOLLGATE_CLI_WITH_POSTGRES
  if (auto* database = dynamic_cast<postgres::PostgresStore*>(&store)) {
    auto tenants = postgres::PostgresTenantStore::open(*database);
    if (!tenants) return cannot_open(command, tenants.error(), io);
    return std::move(tenants).value();
  }
#endif
  io.err << "tollgate " << command << ": this store keeps no server tables\n";
  return nullptr;
}

}  // namespace tollgate::cli
