#include "sqlite.hpp"

namespace tollgate::sqlite {

Error error_from(sqlite3* db, int rc, std::string_view doing) {
  int primary = rc & 0xff;
  const char* code = errors::store_sqlite;
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = errors::store_busy;
      break;  // another writer: worth retrying
    case SQLITE_FULL:
      code = errors::store_full;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = errors::store_corrupt;
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      code = errors::store_readonly;
      break;
    case SQLITE_CONSTRAINT:
      code = errors::store_constraint;
      break;
    default:
      break;
  }
  std::string message = std::string(doing) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (primary == SQLITE_CANTOPEN) code = errors::store_unavailable;
  return Error{code, std::move(message)};
}

Statement& Statement::bind(int index, std::string_view text) {
  if (bind_rc_ == SQLITE_OK)
    bind_rc_ = sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                                 SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return unexpected(error_from(db_, bind_rc_, "binding a parameter"));
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return unexpected(error_from(db_, rc, "running a statement"));
}

Result<Ok> Statement::run() {
  for (;;) {
    TOLLGATE_ASSIGN_OR_RETURN(auto row, step());
    if (!row) return Ok{};
  }
}

std::string Statement::text(int column) const {
  const unsigned char* t = sqlite3_column_text(stmt_.get(), column);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)))
           : std::string();
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}
bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_rc_ = SQLITE_OK;
}

Result<Connection> Connection::open(const std::string& path, bool create, bool read_only,
                                    int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int flags = (read_only ? SQLITE_OPEN_READONLY
                         : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)) |
              SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Connection c(db);  // closes db even when opening failed
  if (rc != SQLITE_OK) return unexpected(error_from(db, rc, "opening " + path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return c;
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return unexpected(error_from(db_.get(), rc, "preparing a statement"));
  }
  return Statement(db_.get(), stmt);
}

Result<Statement*> Connection::cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->reset();
    return it->second.get();
  }
  TOLLGATE_ASSIGN_OR_RETURN(auto st, prepare(sql));
  auto [pos, _] = cache_.emplace(sql, std::make_unique<Statement>(std::move(st)));
  return pos->second.get();
}

Result<Ok> Connection::run_cached(const char* sql) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st, cached(sql));
  auto r = st->run();
  st->reset();  // a finished statement must not hold the transaction open
  return r;
}

Result<Ok> Connection::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) return unexpected(error_from(db_.get(), rc, "running SQL"));
  return Ok{};
}

Result<Transaction> Transaction::begin(Connection& c) {
  bool nested = c.depth_ > 0;
  if (nested && sqlite3_get_autocommit(c.handle()))
    return make_error(errors::store_aborted,
                      "the enclosing transaction was rolled back by SQLite after an earlier error");
  // IMMEDIATE takes the write lock now, so a busy database fails here, not mid-way.
  TOLLGATE_RETURN_IF_ERROR(c.run_cached(nested ? "SAVEPOINT tollgate" : "BEGIN IMMEDIATE"));
  return Transaction(c, nested);
}

void Transaction::close() {
  open_ = false;
  --c_->depth_;
}

Transaction::~Transaction() {
  if (!open_) return;
  if (nested_) {
    (void)c_->run_cached("ROLLBACK TO tollgate");
    (void)c_->run_cached("RELEASE tollgate");
  } else {
    (void)c_->run_cached("ROLLBACK");
  }
  close();
}

Result<Ok> Transaction::commit() {
  if (nested_ &&
      sqlite3_get_autocommit(c_->handle()))  // the outer transaction is gone: so is this one
    return make_error(errors::store_aborted,
                      "the enclosing transaction was rolled back by SQLite after an earlier error");
  auto r = c_->run_cached(nested_ ? "RELEASE tollgate" : "COMMIT");
  if (r) close();
  return r;
}

}  // namespace tollgate::sqlite
