#include "pg.hpp"

#include <charconv>
#include <optional>
#include <string_view>

namespace tollgate::postgres {
namespace {

// Error codes by SQLSTATE class or code (PostgreSQL's Appendix A).
std::string code_for(std::string_view state) {
  if (state.starts_with("08")) return errors::store_unavailable;  // connection exception
  if (state == "40001" || state == "40P01" || state == "55P03") return errors::store_busy;
  if (state == "53100") return errors::store_full;
  if (state.starts_with("23")) return errors::store_constraint;
  if (state == "25P02") return errors::store_aborted;
  if (state == "25006") return errors::store_readonly;
  return errors::store_postgres;
}

Error error_of(PGconn* conn, const PGresult* r, std::string_view doing) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string code = state ? code_for(state) : errors::store_unavailable;
  if (!state && PQstatus(conn) == CONNECTION_OK) code = errors::store_postgres;
  return Error{code, std::string(doing) + ": " + message};
}

bool ok(const PGresult* r) {
  auto s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

}  // namespace

std::int64_t Rows::integer(int row, int column) const {
  const char* v = PQgetvalue(r_.get(), row, column);
  std::int64_t out = 0;
  std::from_chars(v, v + PQgetlength(r_.get(), row, column), out);
  return out;
}

std::int64_t Rows::affected() const {
  const char* v = PQcmdTuples(r_.get());
  std::int64_t out = 0;
  std::from_chars(v, v + std::char_traits<char>::length(v), out);
  return out;
}

namespace {

// The password a connection string holds ("" if none), or nullopt when libpq
// cannot parse the string (its parse errors quote the string's fragments).
std::optional<std::string> password_in(const std::string& conninfo) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  PQfreemem(parse_error);
  if (!options) return std::nullopt;
  std::string password;
  for (PQconninfoOption* o = options; o->keyword; ++o)
    if (std::string_view(o->keyword) == "password" && o->val) password = o->val;
  PQconninfoFree(options);
  return password;
}

}  // namespace

Result<Connection> Connection::connect(const std::string& conninfo) {
  // The connection string may hold a password: no message repeats it.
  auto password = password_in(conninfo);
  if (!password)
    return make_error(errors::store_unavailable,
                      "cannot connect to PostgreSQL: the connection string does not parse (it is "
                      "not quoted here, as it may hold a password)");
  Connection c(PQconnectdb(conninfo.c_str()));
  if (!c.conn_ || PQstatus(c.conn_.get()) != CONNECTION_OK) {
    std::string why = c.conn_ ? PQerrorMessage(c.conn_.get()) : "out of memory";
    while (!why.empty() && why.back() == '\n') why.pop_back();
    // libpq's own messages name the host and user, not the password; should
    // one ever quote it, it is masked.
    for (auto at = why.find(*password); !password->empty() && at != std::string::npos;
         at = why.find(*password, at))
      why.replace(at, password->size(), "****");
    return make_error(errors::store_unavailable, "cannot connect to PostgreSQL: " + why);
  }
  return c;
}

Result<Rows> Connection::query(const char* sql, const std::vector<Param>& params) {
  PGconn* conn = conn_.get();
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "tg" + std::to_string(prepared_.size());
    Rows prepared(PQprepare(conn, name.c_str(), sql, static_cast<int>(params.size()), nullptr));
    if (PQresultStatus(prepared.r_.get()) != PGRES_COMMAND_OK)
      return unexpected(error_of(conn, prepared.r_.get(), "preparing a statement"));
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  Rows rows(PQexecPrepared(conn, it->second.c_str(), static_cast<int>(values.size()), values.data(),
                           nullptr, nullptr, 0));
  if (!ok(rows.r_.get())) return unexpected(error_of(conn, rows.r_.get(), "running a statement"));
  return rows;
}

Result<Ok> Connection::exec(const std::string& sql) {
  Rows r(PQexec(conn_.get(), sql.c_str()));
  if (!ok(r.r_.get())) return unexpected(error_of(conn_.get(), r.r_.get(), "running SQL"));
  return Ok{};
}

Result<Transaction> Transaction::begin(Connection& c) {
  int depth = c.depth_;
  Transaction tx(c, depth);
  if (auto r = c.exec(depth == 0 ? std::string("BEGIN") : "SAVEPOINT " + tx.savepoint()); !r) {
    tx.open_ = false;
    c.depth_ = depth;
    return unexpected(r.error());
  }
  return tx;
}

Transaction::~Transaction() {
  if (!open_) return;
  if (depth_ == 0) {
    (void)c_->exec("ROLLBACK");
  } else {
    (void)c_->exec("ROLLBACK TO SAVEPOINT " + savepoint());
    (void)c_->exec("RELEASE SAVEPOINT " + savepoint());
  }
  c_->depth_ = depth_;
}

Result<Ok> Transaction::commit() {
  if (depth_ == 0) {
    // COMMIT of a transaction an error aborted "succeeds" as a ROLLBACK: that is a failure here.
    Rows r(PQexec(c_->handle(), "COMMIT"));
    if (!ok(r.r_.get())) return unexpected(error_of(c_->handle(), r.r_.get(), "committing"));
    open_ = false;
    c_->depth_ = 0;
    if (std::string_view(PQcmdStatus(r.r_.get())) == "ROLLBACK")
      return make_error(errors::store_aborted,
                        "the transaction was rolled back after an earlier error");
    return Ok{};
  }
  auto r = c_->exec("RELEASE SAVEPOINT " + savepoint());
  if (!r) return r;  // the destructor rolls back
  open_ = false;
  c_->depth_ = depth_;
  return Ok{};
}

}  // namespace tollgate::postgres
