// SqliteStore: invoices and their items, payment attempts, notifications.

#include "store_impl.hpp"

namespace tollgate::sqlite {
namespace {

// Connection::cached() keys statements by the address of a string literal:
// the column lists are spliced in as literals.
#define INVOICE_COLUMNS \
  "id, account_id, invoice_date, currency, status, credit_adj, invoice_number, written_off"
#define ATTEMPT_COLUMNS \
  "invoice_id, attempt, status, scheduled_on, charge_id, failure, amount, action_url"
#define PAYMENT_SELECT                                                                       \
  "SELECT id, invoice_id, account_id, kind, amount, method, reference, payment_id, paid_on " \
  "FROM payment "

Result<Ok> save_items(Connection& db, const std::string& invoice_id, const Invoice& invoice) {
  auto st = db.cached(
      "INSERT INTO invoice_item (invoice_id, position, type, subscription_id, plan, phase, "
      "usage_name, start_date, "
      "end_date, quantity, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return unexpected(st.error());
  std::int64_t position = 0;
  for (const auto& item : invoice.items) {
    Statement& s = **st;
    s.reset();
    s.bind(1, invoice_id)
        .bind(2, position++)
        .bind(3, to_string(item.type))
        .bind(4, item.subscription);
    s.bind(5, item.plan);
    bind_optional(s, 6, item.phase, [](PhaseType p) { return to_string(p); });
    s.bind(7, item.usage).bind(8, to_string(item.start));
    bind_optional_date(s, 9, item.end);
    bind_optional(s, 10, item.quantity, [](const Decimal& q) { return q.to_string(); });
    s.bind(11, item.amount.to_string());
    if (auto r = s.run(); !r) return r;
  }
  return Ok{};
}

Result<Ok> load_items(Connection& db, const std::string& invoice_id, Invoice& invoice) {
  auto st = db.cached(
      "SELECT type, subscription_id, plan, phase, usage_name, start_date, end_date, quantity, "
      "amount "
      "FROM invoice_item WHERE invoice_id = ? ORDER BY position");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, invoice_id);
  return for_each_row(**st, [&](Statement& s) -> Result<Ok> {
    InvoiceItem item;
    auto type = parse_invoice_item_type(s.text(0));
    auto start = parse_date(s.text(5));
    auto amount = Decimal::parse(s.text(8));
    if (!type || !start || !amount)
      return corrupt("invoice_item", invoice_id, "type, start or amount");
    item.type = *type;
    item.subscription = s.text(1);
    item.plan = s.text(2);
    if (!s.is_null(3)) item.phase = parse_phase_type(s.text(3));
    item.usage = s.text(4);
    item.start = *start;
    item.end = optional_date(s, 6);
    if (!s.is_null(7))
      if (auto q = Decimal::parse(s.text(7))) item.quantity = *q;
    item.amount = *amount;
    invoice.items.push_back(std::move(item));
    return Ok{};
  });
}

}  // namespace

Result<Ok> SqliteStore::save_invoice(const StoredInvoice& inv) {
  return in_transaction(impl_->db, [&]() -> Result<Ok> {
    // The next number, in the same transaction: a rollback gives it back, so
    // numbers have no gaps.
    TOLLGATE_ASSIGN_OR_RETURN(
        auto next, impl_->db.cached("UPDATE invoice_sequence SET last = last + 1 RETURNING last"));
    std::int64_t number = 0;
    if (auto r = for_each_row(*next,
                              [&](Statement& row) -> Result<Ok> {
                                number = row.integer(0);
                                return Ok{};
                              });
        !r)
      return r;
    auto st = impl_->db.cached(
        "INSERT INTO invoice (id, account_id, invoice_date, currency, total, status, credit_adj, "
        "invoice_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return unexpected(st.error());
    Statement& s = **st;
    s.bind(1, inv.id)
        .bind(2, inv.account_id)
        .bind(3, to_string(inv.invoice.date))
        .bind(4, inv.invoice.currency);
    s.bind(5, inv.invoice.total().to_string()).bind(6, to_string(inv.status));
    s.bind(7, inv.invoice.credit_adj.to_string()).bind(8, number);
    if (auto r = s.run(); !r) return r;
    return save_items(impl_->db, inv.id, inv.invoice);
  });
}

Result<Ok> SqliteStore::set_invoice_status(const std::string& invoice_id, InvoiceStatus status) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st,
                            impl_->db.cached("UPDATE invoice SET status = ? WHERE id = ?"));
  if (auto r = st->bind(1, to_string(status)).bind(2, invoice_id).run(); !r) return r;
  if (impl_->db.changes() == 0)
    return make_error(errors::store_not_found, "no invoice " + invoice_id);
  return Ok{};
}

Result<Ok> SqliteStore::set_invoice_written_off(const std::string& invoice_id, bool written_off) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st,
                            impl_->db.cached("UPDATE invoice SET written_off = ? WHERE id = ?"));
  if (auto r = st->bind(1, std::int64_t{written_off ? 1 : 0}).bind(2, invoice_id).run(); !r)
    return r;
  if (impl_->db.changes() == 0)
    return make_error(errors::store_not_found, "no invoice " + invoice_id);
  return Ok{};
}

namespace {

// Reads the invoices a statement selects (INVOICE_COLUMNS), then their items.
Result<std::vector<StoredInvoice>> read_invoices(Connection& db, Statement& s) {
  auto out = collect<StoredInvoice>(s, [](Statement& row) -> Result<StoredInvoice> {
    StoredInvoice inv;
    inv.id = row.text(0);
    inv.account_id = row.text(1);
    auto on = parse_date(row.text(2));
    auto status = parse_invoice_status(row.text(4));
    if (!on || !status) return corrupt("invoice", inv.id, "date or status");
    auto credit_adj = Decimal::parse(row.text(5));
    if (!credit_adj) return corrupt("invoice", inv.id, "credit_adj");
    inv.invoice.date = *on;
    inv.invoice.currency = row.text(3);
    inv.status = *status;
    inv.invoice.credit_adj = *credit_adj;
    inv.number = row.integer(6);
    inv.written_off = row.integer(7) != 0;
    return inv;
  });
  if (!out) return out;
  for (auto& inv : *out) TOLLGATE_RETURN_IF_ERROR(load_items(db, inv.id, inv.invoice));
  return out;
}

}  // namespace

Result<StoredInvoice> SqliteStore::invoice(const std::string& invoice_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("SELECT " INVOICE_COLUMNS " FROM invoice WHERE id = ?"));
  st->bind(1, invoice_id);
  TOLLGATE_ASSIGN_OR_RETURN(auto found, read_invoices(impl_->db, *st));
  if (found.empty()) return make_error(errors::store_not_found, "no invoice " + invoice_id);
  return std::move(found.front());
}

Result<std::vector<StoredInvoice>> SqliteStore::invoices_of(const std::string& account_id) {
  auto st = impl_->db.cached("SELECT " INVOICE_COLUMNS
                             " FROM invoice WHERE account_id = ? ORDER BY invoice_date, rowid");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, account_id);
  return read_invoices(impl_->db, **st);
}

Result<Ok> SqliteStore::save_attempt(const PaymentAttempt& a) {
  auto st = impl_->db.cached(
      "INSERT INTO payment_attempt (invoice_id, attempt, status, scheduled_on, charge_id, failure, "
      "amount, action_url, account_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
      "(SELECT account_id FROM invoice WHERE id = ?1)) ON CONFLICT (invoice_id, attempt) DO UPDATE "
      "SET "
      "status = excluded.status, "
      "scheduled_on = excluded.scheduled_on, charge_id = excluded.charge_id, failure = "
      "excluded.failure, amount = excluded.amount, action_url = excluded.action_url, "
      "updated_at = CURRENT_TIMESTAMP");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, a.invoice_id).bind(2, std::int64_t{a.attempt}).bind(3, to_string(a.status));
  s.bind(4, to_string(a.scheduled_on)).bind(5, a.charge_id).bind(6, a.failure);
  s.bind(7, a.amount.to_string()).bind(8, a.action_url);
  return s.run();
}

namespace {

Result<std::vector<PaymentAttempt>> read_attempts(Statement& s) {
  return collect<PaymentAttempt>(s, [](Statement& row) -> Result<PaymentAttempt> {
    PaymentAttempt a;
    a.invoice_id = row.text(0);
    a.attempt = static_cast<int>(row.integer(1));
    auto status = parse_attempt_status(row.text(2));
    auto on = parse_date(row.text(3));
    if (!status || !on) return corrupt("payment_attempt", a.invoice_id, "status or date");
    a.status = *status;
    a.scheduled_on = *on;
    auto amount = Decimal::parse(row.text(6));
    if (!amount) return corrupt("payment_attempt", a.invoice_id, "amount");
    a.charge_id = row.text(4);
    a.failure = row.text(5);
    a.amount = *amount;
    a.action_url = row.text(7);
    return a;
  });
}

}  // namespace

Result<std::vector<PaymentAttempt>> SqliteStore::attempts_of(const std::string& invoice_id) {
  auto st = impl_->db.cached("SELECT " ATTEMPT_COLUMNS
                             " FROM payment_attempt WHERE invoice_id = ? ORDER BY attempt");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, invoice_id);
  return read_attempts(**st);
}

Result<std::vector<PaymentAttempt>> SqliteStore::attempts_in(AttemptStatus status,
                                                             const std::optional<Date>& through) {
  auto st = impl_->db.cached(
      "SELECT " ATTEMPT_COLUMNS
      " FROM payment_attempt WHERE status = ? AND scheduled_on <= ? ORDER BY scheduled_on, "
      "invoice_id, attempt");
  if (!st) return unexpected(st.error());
  (*st)
      ->bind(1, to_string(status))
      .bind(2, through ? to_string(*through) : std::string("9999-12-31"));
  return read_attempts(**st);
}

Result<std::vector<PaymentAttempt>> SqliteStore::open_attempts(const std::string& account_id) {
  auto st = impl_->db.cached(
      "SELECT " ATTEMPT_COLUMNS
      " FROM payment_attempt WHERE account_id = ? AND status IN ('STARTED', 'SCHEDULED', "
      "'ACTION_REQUIRED') "
      "ORDER BY invoice_id, attempt");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, account_id);
  return read_attempts(**st);
}

Result<Decimal> SqliteStore::account_credit(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      // Only the invoices that moved credit (an index of its own, schema version
      // 8): the others add nothing, and an old account has years of them.
      auto st,
      impl_->db.cached(
          "SELECT id, credit_adj FROM invoice WHERE account_id = ? AND credit_adj <> '0'"));
  st->bind(1, account_id);
  Decimal credit;
  auto r = for_each_row(*st, [&](Statement& row) -> Result<Ok> {
    auto adj = Decimal::parse(row.text(1));
    if (!adj) return corrupt("invoice", row.text(0), "credit_adj");
    credit += *adj;
    return Ok{};
  });
  if (!r) return unexpected(r.error());
  return credit;
}

Result<bool> SqliteStore::record_payment(const Payment& p) {
  auto st = impl_->db.cached(
      "INSERT OR IGNORE INTO payment (id, invoice_id, account_id, kind, amount, method, reference, "
      "payment_id, paid_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, p.id).bind(2, p.invoice_id).bind(3, p.account_id).bind(4, to_string(p.kind));
  s.bind(5, p.amount.to_string()).bind(6, p.method).bind(7, p.reference).bind(8, p.payment_id);
  s.bind(9, to_string(p.on));
  TOLLGATE_RETURN_IF_ERROR(s.run());
  return impl_->db.changes() == 1;
}

namespace {

Result<std::vector<Payment>> read_payments(Statement& s) {
  return collect<Payment>(s, [](Statement& row) -> Result<Payment> {
    Payment p;
    p.id = row.text(0);
    auto kind = parse_payment_kind(row.text(3));
    auto amount = Decimal::parse(row.text(4));
    auto on = parse_date(row.text(8));
    if (!kind || !amount || !on) return corrupt("payment", p.id, "kind, amount or date");
    p.invoice_id = row.text(1);
    p.account_id = row.text(2);
    p.kind = *kind;
    p.amount = *amount;
    p.method = row.text(5);
    p.reference = row.text(6);
    p.payment_id = row.text(7);
    p.on = *on;
    return p;
  });
}

}  // namespace

Result<Payment> SqliteStore::payment(const std::string& payment_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st, impl_->db.cached(PAYMENT_SELECT "WHERE id = ?"));
  st->bind(1, payment_id);
  TOLLGATE_ASSIGN_OR_RETURN(auto found, read_payments(*st));
  if (found.empty()) return make_error(errors::store_not_found, "no payment " + payment_id);
  return std::move(found.front());
}

Result<std::optional<Payment>> SqliteStore::payment_by_reference(PaymentKind kind,
                                                                 const std::string& method,
                                                                 const std::string& reference) {
  auto st = impl_->db.cached(PAYMENT_SELECT
                             "WHERE method = ? AND reference = ? AND kind = ? ORDER BY rowid "
                             "LIMIT 1");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, method).bind(2, reference).bind(3, to_string(kind));
  TOLLGATE_ASSIGN_OR_RETURN(auto found, read_payments(**st));
  if (found.empty()) return std::optional<Payment>();
  return std::optional<Payment>(std::move(found.front()));
}

Result<std::vector<Payment>> SqliteStore::payments_of(const std::string& invoice_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st,
                            impl_->db.cached(PAYMENT_SELECT "WHERE invoice_id = ? ORDER BY rowid"));
  st->bind(1, invoice_id);
  return read_payments(*st);
}

Result<std::vector<Payment>> SqliteStore::account_payments(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st,
                            impl_->db.cached(PAYMENT_SELECT "WHERE account_id = ? ORDER BY rowid"));
  st->bind(1, account_id);
  return read_payments(*st);
}

Result<bool> SqliteStore::record_notification(const Notification& n) {
  auto st = impl_->db.cached(
      "INSERT OR IGNORE INTO notification (key, account_id, kind, raised_on, subscription_id, "
      "about_date, invoice_id, "
      "delivered, action_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, n.key)
      .bind(2, n.account_id)
      .bind(3, to_string(n.kind))
      .bind(4, to_string(n.on))
      .bind(5, n.subscription);
  bind_optional_date(s, 6, n.date);
  s.bind(7, n.invoice_id).bind(8, std::int64_t{n.delivered}).bind(9, n.action_url);
  TOLLGATE_RETURN_IF_ERROR(s.run());
  return impl_->db.changes() == 1;
}

Result<Ok> SqliteStore::mark_delivered(const std::string& key) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("UPDATE notification SET delivered = 1 WHERE key = ?"));
  return st->bind(1, key).run();
}

namespace {

Result<std::vector<Notification>> read_notifications(Statement& s) {
  return collect<Notification>(s, [](Statement& row) -> Result<Notification> {
    Notification n;
    n.key = row.text(0);
    n.account_id = row.text(1);
    auto kind = parse_notification_kind(row.text(2));
    auto on = parse_date(row.text(3));
    if (!kind || !on) return corrupt("notification", n.key, "kind or date");
    n.kind = *kind;
    n.on = *on;
    n.subscription = row.text(4);
    n.date = optional_date(row, 5);
    n.invoice_id = row.text(6);
    n.delivered = row.integer(7) != 0;
    n.action_url = row.text(8);
    return n;
  });
}

}  // namespace

Result<std::vector<Notification>> SqliteStore::undelivered() {
  auto st = impl_->db.cached(
      "SELECT key, account_id, kind, raised_on, subscription_id, about_date, invoice_id, "
      "delivered, "
      "action_url FROM notification "
      "WHERE delivered = 0 ORDER BY rowid");
  if (!st) return unexpected(st.error());
  return read_notifications(**st);
}

Result<std::vector<Notification>> SqliteStore::notifications_of(const std::string& account_id) {
  auto st = impl_->db.cached(
      "SELECT key, account_id, kind, raised_on, subscription_id, about_date, invoice_id, "
      "delivered, "
      "action_url FROM notification "
      "WHERE account_id = ? ORDER BY rowid");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, account_id);
  return read_notifications(**st);
}

}  // namespace tollgate::sqlite

#undef INVOICE_COLUMNS
#undef ATTEMPT_COLUMNS
#undef PAYMENT_SELECT
