#pragma once
// Private: SqliteStore's state, shared by the files that implement its parts
// (sqlite_store.cpp: opening, migrations, usage, rules, the event inbox;
// accounts.cpp: catalogs, accounts, journals; invoices.cpp: invoices, payment
// attempts, notifications).

#include <optional>
#include <string>

#include "sqlite.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

namespace tollgate::sqlite {

struct SqliteStore::Impl {
  Connection db;
  int version = 0;
  std::vector<std::string> warnings;  ///< SqliteStore::warnings()

  Result<int> current_version();
  Result<Ok> migrate(int target);
};

/// Runs `f` in a transaction (a SAVEPOINT inside an open one); commits when f succeeds.
template <class F>
auto in_transaction(Connection& db, F f) -> decltype(f()) {
  auto tx = Transaction::begin(db);
  if (!tx) return unexpected(tx.error());
  auto r = f();
  if (!r) return r;
  TOLLGATE_RETURN_IF_ERROR(tx->commit());
  return r;
}

/// Reads every row into a vector with `read_row(statement) -> Result<T>`; the first failure is the
/// result.
template <class T, class F>
Result<std::vector<T>> collect(Statement& st, F read_row) {
  std::vector<T> out;
  auto r = for_each_row(st, [&](Statement& row) -> Result<Ok> {
    auto value = read_row(row);
    if (!value) return unexpected(value.error());
    out.push_back(std::move(value).value());
    return Ok{};
  });
  if (!r) return unexpected(r.error());
  return out;
}

/// The first column of the one row a lookup selects, or "store.not_found" with `missing`.
inline Result<std::string> single_text(Statement& st, const std::string& missing) {
  auto row = st.step();
  if (!row) return unexpected(row.error());
  if (!*row) return make_error(errors::store_not_found, missing);
  std::string text = st.text(0);
  st.reset();
  return text;
}

/// A nullable column written from an optional value: `text(*value)`, or NULL.
template <class T, class F>
Statement& bind_optional(Statement& st, int index, const std::optional<T>& value, F text) {
  return value ? st.bind(index, text(*value)) : st.bind_null(index);
}

inline Statement& bind_optional_date(Statement& st, int index, const std::optional<Date>& d) {
  return bind_optional(st, index, d, [](const Date& x) { return to_string(x); });
}

/// A nullable date column; NULL (or a malformed date) reads as absent.
inline std::optional<Date> optional_date(const Statement& st, int column) {
  if (st.is_null(column)) return std::nullopt;
  auto d = parse_date(st.text(column));
  return d ? std::optional(*d) : std::nullopt;
}

/// "the <table> row <id> holds a malformed <what>".
inline Unexpected<Error> corrupt(const std::string& table, const std::string& id,
                                 const std::string& what) {
  return make_error(errors::store_corrupt, table + " row " + id + " holds a malformed " + what);
}

/// A numbered schema change: the billing store's (sqlite_store.cpp) and the
/// REST server's (tenant_store.cpp) tracks are lists of them.
struct Migration {
  int version;
  const char* what;
  const char* sql;
};

}  // namespace tollgate::sqlite
