#pragma once
// Private: a thin RAII layer over SQLite's C API (in the manner of SQLiteCpp),
// kept out of public headers. Every failure is a value: an Error whose code
// names the SQLite condition ("store.busy", "store.full", "store.corrupt",
// "store.readonly", "store.constraint", "store.sqlite").

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tollgate/result.hpp"

namespace tollgate::sqlite {

Error error_from(sqlite3* db, int rc, std::string_view doing);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt, &sqlite3_finalize) {}

  // Parameters are bound, never spliced into SQL text. Indexes start at 1.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  /// Steps once: true when a row is available, false when done.
  Result<bool> step();
  /// Steps to completion (for INSERT/UPDATE); the first failure is the result.
  Result<Ok> run();
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;
  void reset();

 private:
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_;
  int bind_rc_ = SQLITE_OK;
};

/// Calls `f(statement)` for each row until done or until f returns an error.
template <class F>
Result<Ok> for_each_row(Statement& st, F f) {
  for (;;) {
    auto row = st.step();
    if (!row) return unexpected(row.error());
    if (!*row) return Ok{};
    if (auto r = f(st); !r) return r;
  }
}

class Connection {
 public:
  /// Opens (and with `create`, creates) a database file.
  static Result<Connection> open(const std::string& path, bool create, bool read_only,
                                 int busy_timeout_ms);

  Result<Statement> prepare(std::string_view sql);
  /// A statement prepared once per connection and reused: reset, bindings
  /// cleared. `sql` must be a string literal (its address is the key). Step it
  /// to the end (or reset it) before the next use of the same SQL.
  Result<Statement*> cached(const char* sql);
  /// Runs a cached statement without parameters (transaction control).
  Result<Ok> run_cached(const char* sql);
  /// Runs SQL without parameters (schema, pragmas).
  Result<Ok> exec(const std::string& sql);
  std::int64_t changes() const { return sqlite3_changes64(db_.get()); }
  sqlite3* handle() const { return db_.get(); }

 private:
  explicit Connection(sqlite3* db) : db_(db, &sqlite3_close_v2) {}
  friend class Transaction;
  int depth_ = 0;  ///< Transactions open on this connection (outermost plus savepoints)
  // Declared before the cache so that it is destroyed last: statements finalize before the close.
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_;
  std::unordered_map<const char*, std::unique_ptr<Statement>> cache_;
};

/// BEGIN IMMEDIATE ... COMMIT, rolled back unless commit() succeeds. Inside an
/// open transaction it becomes a SAVEPOINT, so a store call made from within
/// another (an event's effect inside EventInbox::apply_once) is part of it.
/// SQLite may roll a whole transaction back on its own after SQLITE_FULL,
/// IOERR, BUSY or NOMEM; later statements would then each commit alone, so a
/// savepoint asked for after that fails with "store.aborted" instead.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& c);
  Transaction(Transaction&& other) noexcept
      : c_(other.c_), open_(other.open_), nested_(other.nested_) {
    other.open_ = false;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<Ok> commit();

 private:
  Transaction(Connection& c, bool nested) : c_(&c), nested_(nested) { ++c.depth_; }
  void close();
  Connection* c_;
  bool open_ = true;
  bool nested_ = false;
};

}  // namespace tollgate::sqlite
