#pragma once
// Private: a thin RAII layer over libpq, kept out of public headers (as
// sqlite.hpp is for SQLite). Every failure is a value: an Error whose code
// names the condition ("store.unavailable", "store.busy", "store.full",
// "store.constraint", "store.aborted", "store.postgres").

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tollgate/result.hpp"

namespace tollgate::postgres {

/// A query's parameters, always sent apart from the SQL text (never spliced in).
/// nullopt is SQL NULL.
using Param = std::optional<std::string>;

class Rows {
 public:
  friend class Connection;
  friend class Transaction;
  explicit Rows(PGresult* r) : r_(r, &PQclear) {}
  int size() const { return PQntuples(r_.get()); }
  bool empty() const { return size() == 0; }
  std::string text(int row, int column) const { return PQgetvalue(r_.get(), row, column); }
  std::int64_t integer(int row, int column) const;
  bool is_null(int row, int column) const { return PQgetisnull(r_.get(), row, column) != 0; }
  /// Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

class Connection {
 public:
  /// Connects with a libpq connection string ("host=127.0.0.1 port=5432 dbname=billing"
  /// or "postgresql://..."). Errors: "store.unavailable".
  static Result<Connection> connect(const std::string& conninfo);

  /// Runs `sql` with text parameters $1, $2, ...; the statement is prepared on
  /// first use and reused. `sql` must be a string literal (its address is the key).
  Result<Rows> query(const char* sql, const std::vector<Param>& params = {});
  /// Runs SQL without parameters (schema, transaction control).
  Result<Ok> exec(const std::string& sql);
  PGconn* handle() const { return conn_.get(); }

 private:
  explicit Connection(PGconn* c) : conn_(c, &PQfinish) {}
  friend class Transaction;
  int depth_ = 0;  ///< transactions open (outermost plus savepoints)
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_;
  std::unordered_map<const char*, std::string> prepared_;  ///< SQL literal -> statement name
};

/// BEGIN ... COMMIT, rolled back unless commit() succeeds; inside an open
/// transaction a SAVEPOINT, so a failure undoes only the inner part (and
/// PostgreSQL's "transaction aborted" state is cleared with it).
class Transaction {
 public:
  static Result<Transaction> begin(Connection& c);
  Transaction(Transaction&& other) noexcept
      : c_(other.c_), open_(other.open_), depth_(other.depth_) {
    other.open_ = false;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<Ok> commit();

 private:
  Transaction(Connection& c, int depth) : c_(&c), depth_(depth) { c.depth_ = depth + 1; }
  std::string savepoint() const { return "tollgate_" + std::to_string(depth_); }
  Connection* c_;
  bool open_ = true;
  int depth_ = 0;  ///< 0: the outermost
};

/// Runs `f` in a transaction (a savepoint inside an open one); commits when f succeeds.
template <class F>
auto in_transaction(Connection& db, F f) -> decltype(f()) {
  auto tx = Transaction::begin(db);
  if (!tx) return unexpected(tx.error());
  auto r = f();
  if (!r) return r;
  TOLLGATE_RETURN_IF_ERROR(tx->commit());
  return r;
}

}  // namespace tollgate::postgres
