#pragma once
// Private: PostgresStore's state, shared by the files that implement its parts
// (postgres_store.cpp: connecting, migrations, usage, rules, the event inbox;
// accounts.cpp: catalogs, accounts, journals, claims; invoices.cpp: invoices,
// payment attempts, notifications).

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "pg.hpp"
#include "tollgate/postgres/postgres_store.hpp"

namespace tollgate::postgres {

struct PostgresStore::Impl {
  Connection db;
  int version = 0;
};

/// The connection of a PostgresStore, for the stores that share it.
struct StoreAccess {
  static Connection& db(PostgresStore& store) { return store.impl_->db; }
};

/// A PostgreSQL array literal ({"a","b"}) of texts, quoted and escaped: a
/// statement's one parameter for a list (`= ANY ($1::text[])`, `unnest`).
template <class Range, class Projection = std::identity>
std::string array_literal(const Range& values, Projection project = {}) {
  std::string out = "{";
  for (const auto& value : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : std::invoke(project, value)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

struct Migration {
  int version;
  const char* what;
  const char* sql;
};

/// A numbered list of migrations and where their progress is recorded: the
/// billing store's (tollgate_migration) and the REST server's
/// (tollgate_server_migration) are two tracks. The SQL texts are literals
/// (Connection::query keys its prepared statements by address).
struct MigrationTrack {
  std::span<const Migration> migrations;
  int latest;
  const char* lock;          ///< an advisory lock, held by each migration's transaction
  const char* create_table;  ///< the track's table, if it is missing
  const char* current;       ///< its version: one row, one integer
  const char* record;        ///< records a migration: $1 version, $2 description
};

/// Brings the track to `target`, a migration a transaction; returns the version
/// reached. Errors: "store.newer", or a migration's failure.
Result<int> migrate(Connection& db, const MigrationTrack& track, int target);

inline Param text(const Date& d) {
  return to_string(d);
}
inline Param text(std::int64_t n) {
  return std::to_string(n);
}
inline Param text(const std::optional<Date>& d) {
  return d ? Param(to_string(*d)) : std::nullopt;
}
inline Param seconds(Instant at) {
  return std::to_string(at.time_since_epoch().count());
}

/// A nullable date column; NULL (or a malformed date) reads as absent.
inline std::optional<Date> optional_date(const Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  auto d = parse_date(rows.text(row, column));
  return d ? std::optional(*d) : std::nullopt;
}

/// "the <table> row <id> holds a malformed <what>".
inline Unexpected<Error> corrupt(const std::string& table, const std::string& id,
                                 const std::string& what) {
  return make_error(errors::store_corrupt, table + " row " + id + " holds a malformed " + what);
}

/// Reads every row with `read(rows, i) -> Result<T>`; the first failure is the result.
template <class T, class F>
Result<std::vector<T>> collect(const Result<Rows>& rows, F read) {
  if (!rows) return unexpected(rows.error());
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    auto value = read(*rows, i);
    if (!value) return unexpected(value.error());
    out.push_back(std::move(value).value());
  }
  return out;
}

/// The first column of the one row a lookup selects, or "store.not_found" with `missing`.
inline Result<std::string> single_text(const Result<Rows>& rows, const std::string& missing) {
  if (!rows) return unexpected(rows.error());
  if (rows->empty()) return make_error(errors::store_not_found, missing);
  return rows->text(0, 0);
}

inline Result<Ok> done(const Result<Rows>& rows) {
  if (!rows) return unexpected(rows.error());
  return Ok{};
}

}  // namespace tollgate::postgres
