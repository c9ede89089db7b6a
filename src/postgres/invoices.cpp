// PostgresStore: invoices and their items, payment attempts, notifications.

#include "store_impl.hpp"

namespace tollgate::postgres {

// Connection::query() keys prepared statements by the address of a string
// literal: the column lists are spliced in as literals.
#define INVOICE_SELECT                                                                  \
  "SELECT id, account_id, invoice_date, currency, status, credit_adj, invoice_number, " \
  "written_off FROM invoice "
#define ATTEMPT_SELECT                                                                             \
  "SELECT invoice_id, attempt, status, scheduled_on, charge_id, failure, amount, action_url FROM " \
  "payment_attempt "
#define PAYMENT_SELECT                                                                            \
  "SELECT id, invoice_id, account_id, kind, amount, method, reference, payment_id, paid_on FROM " \
  "payment "

Result<Ok> PostgresStore::save_invoice(const StoredInvoice& inv) {
  Connection& db = impl_->db;
  return in_transaction(db, [&]() -> Result<Ok> {
    // The sequence row is locked until commit: numbers are gapless and in
    // commit order even with several workers.
    TOLLGATE_ASSIGN_OR_RETURN(
        auto next, db.query("UPDATE invoice_sequence SET last = last + 1 RETURNING last"));
    auto r = db.query(
        "INSERT INTO invoice (id, account_id, invoice_date, currency, total, status, credit_adj, "
        "invoice_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {inv.id, inv.account_id, text(inv.invoice.date), std::string(inv.invoice.currency.code()),
         inv.invoice.total().to_string(), std::string(to_string(inv.status)),
         inv.invoice.credit_adj.to_string(), next.text(0, 0)});
    if (!r) return unexpected(r.error());
    std::int64_t position = 0;
    for (const auto& item : inv.invoice.items) {
      auto i = db.query(
          "INSERT INTO invoice_item (invoice_id, position, type, subscription_id, plan, phase, "
          "usage_name, start_date, end_date, quantity, amount) VALUES ($1, $2, $3, $4, $5, $6, "
          "$7, $8, $9, $10, $11)",
          {inv.id, text(position++), std::string(to_string(item.type)), item.subscription,
           item.plan, item.phase ? Param(std::string(to_string(*item.phase))) : std::nullopt,
           item.usage, text(item.start), text(item.end),
           item.quantity ? Param(item.quantity->to_string()) : std::nullopt,
           item.amount.to_string()});
      if (!i) return unexpected(i.error());
    }
    return Ok{};
  });
}

Result<Ok> PostgresStore::set_invoice_status(const std::string& invoice_id, InvoiceStatus status) {
  auto r = impl_->db.query("UPDATE invoice SET status = $1 WHERE id = $2",
                           {std::string(to_string(status)), invoice_id});
  if (!r) return unexpected(r.error());
  if (r->affected() == 0) return make_error(errors::store_not_found, "no invoice " + invoice_id);
  return Ok{};
}

Result<Ok> PostgresStore::set_invoice_written_off(const std::string& invoice_id, bool written_off) {
  auto r = impl_->db.query("UPDATE invoice SET written_off = $1 WHERE id = $2",
                           {written_off ? "true" : "false", invoice_id});
  if (!r) return unexpected(r.error());
  if (r->affected() == 0) return make_error(errors::store_not_found, "no invoice " + invoice_id);
  return Ok{};
}

namespace {

Result<Ok> load_items(Connection& db, const std::string& invoice_id, Invoice& invoice) {
  auto items = collect<InvoiceItem>(
      db.query("SELECT type, subscription_id, plan, phase, usage_name, start_date, end_date, "
               "quantity, amount FROM invoice_item WHERE invoice_id = $1 ORDER BY position",
               {invoice_id}),
      [&](const Rows& r, int i) -> Result<InvoiceItem> {
        InvoiceItem item;
        auto type = parse_invoice_item_type(r.text(i, 0));
        auto start = parse_date(r.text(i, 5));
        auto amount = Decimal::parse(r.text(i, 8));
        if (!type || !start || !amount)
          return corrupt("invoice_item", invoice_id, "type, start or amount");
        item.type = *type;
        item.subscription = r.text(i, 1);
        item.plan = r.text(i, 2);
        if (!r.is_null(i, 3)) item.phase = parse_phase_type(r.text(i, 3));
        item.usage = r.text(i, 4);
        item.start = *start;
        item.end = optional_date(r, i, 6);
        if (!r.is_null(i, 7))
          if (auto q = Decimal::parse(r.text(i, 7))) item.quantity = *q;
        item.amount = *amount;
        return item;
      });
  if (!items) return unexpected(items.error());
  invoice.items = std::move(items).value();
  return Ok{};
}

// Reads the invoices a query selects (INVOICE_SELECT), then their items.
Result<std::vector<StoredInvoice>> read_invoices(Connection& db, const Result<Rows>& rows) {
  auto out = collect<StoredInvoice>(rows, [](const Rows& r, int i) -> Result<StoredInvoice> {
    StoredInvoice inv;
    inv.id = r.text(i, 0);
    inv.account_id = r.text(i, 1);
    auto on = parse_date(r.text(i, 2));
    auto status = parse_invoice_status(r.text(i, 4));
    if (!on || !status) return corrupt("invoice", inv.id, "date or status");
    auto credit_adj = Decimal::parse(r.text(i, 5));
    if (!credit_adj) return corrupt("invoice", inv.id, "credit_adj");
    inv.invoice.date = *on;
    inv.invoice.currency = r.text(i, 3);
    inv.status = *status;
    inv.invoice.credit_adj = *credit_adj;
    inv.number = r.integer(i, 6);
    inv.written_off = r.text(i, 7) == "t";
    return inv;
  });
  if (!out) return out;
  for (auto& inv : *out) TOLLGATE_RETURN_IF_ERROR(load_items(db, inv.id, inv.invoice));
  return out;
}

}  // namespace

Result<StoredInvoice> PostgresStore::invoice(const std::string& invoice_id) {
  auto found =
      read_invoices(impl_->db, impl_->db.query(INVOICE_SELECT "WHERE id = $1", {invoice_id}));
  if (!found) return unexpected(found.error());
  if (found->empty()) return make_error(errors::store_not_found, "no invoice " + invoice_id);
  return std::move(found->front());
}

Result<std::vector<StoredInvoice>> PostgresStore::invoices_of(const std::string& account_id) {
  return read_invoices(
      impl_->db,
      impl_->db.query(INVOICE_SELECT "WHERE account_id = $1 ORDER BY invoice_date, record_id",
                      {account_id}));
}

Result<Ok> PostgresStore::save_attempt(const PaymentAttempt& a) {
  return done(impl_->db.query(
      "INSERT INTO payment_attempt (invoice_id, attempt, status, scheduled_on, charge_id, failure, "
      "amount, action_url, account_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT account_id "
      "FROM invoice WHERE id = $1)) ON CONFLICT (invoice_id, attempt) DO UPDATE "
      "SET status = excluded.status, scheduled_on = excluded.scheduled_on, charge_id = "
      "excluded.charge_id, failure = excluded.failure, amount = excluded.amount, action_url = "
      "excluded.action_url, updated_at = CURRENT_TIMESTAMP",
      {a.invoice_id, text(std::int64_t{a.attempt}), std::string(to_string(a.status)),
       text(a.scheduled_on), a.charge_id, a.failure, a.amount.to_string(), a.action_url}));
}

namespace {

Result<std::vector<PaymentAttempt>> read_attempts(const Result<Rows>& rows) {
  return collect<PaymentAttempt>(rows, [](const Rows& r, int i) -> Result<PaymentAttempt> {
    PaymentAttempt a;
    a.invoice_id = r.text(i, 0);
    a.attempt = static_cast<int>(r.integer(i, 1));
    auto status = parse_attempt_status(r.text(i, 2));
    auto on = parse_date(r.text(i, 3));
    if (!status || !on) return corrupt("payment_attempt", a.invoice_id, "status or date");
    a.status = *status;
    a.scheduled_on = *on;
    auto amount = Decimal::parse(r.text(i, 6));
    if (!amount) return corrupt("payment_attempt", a.invoice_id, "amount");
    a.charge_id = r.text(i, 4);
    a.failure = r.text(i, 5);
    a.amount = *amount;
    a.action_url = r.text(i, 7);
    return a;
  });
}

}  // namespace

Result<std::vector<PaymentAttempt>> PostgresStore::attempts_of(const std::string& invoice_id) {
  return read_attempts(
      impl_->db.query(ATTEMPT_SELECT "WHERE invoice_id = $1 ORDER BY attempt", {invoice_id}));
}

Result<std::vector<PaymentAttempt>> PostgresStore::attempts_in(AttemptStatus status,
                                                               const std::optional<Date>& through) {
  return read_attempts(impl_->db.query(
      ATTEMPT_SELECT
      "WHERE status = $1 AND scheduled_on <= $2 ORDER BY scheduled_on, invoice_id COLLATE "
      "\"C\", attempt",
      {std::string(to_string(status)), through ? to_string(*through) : "9999-12-31"}));
}

Result<std::vector<PaymentAttempt>> PostgresStore::open_attempts(const std::string& account_id) {
  return read_attempts(impl_->db.query(
      ATTEMPT_SELECT
      "WHERE account_id = $1 AND status IN ('STARTED', 'SCHEDULED', 'ACTION_REQUIRED') "
      "ORDER BY invoice_id COLLATE \"C\", attempt",
      {account_id}));
}

Result<Decimal> PostgresStore::account_credit(const std::string& account_id) {
  auto rows = impl_->db.query(
      "SELECT id, credit_adj FROM invoice WHERE account_id = $1 AND credit_adj "
      "<> '0'",
      {account_id});  // an index of these only (schema version 8)
  if (!rows) return unexpected(rows.error());
  Decimal credit;
  for (int i = 0; i < rows->size(); ++i) {
    auto adj = Decimal::parse(rows->text(i, 1));
    if (!adj) return corrupt("invoice", rows->text(i, 0), "credit_adj");
    credit += *adj;
  }
  return credit;
}

Result<bool> PostgresStore::record_payment(const Payment& p) {
  auto r = impl_->db.query(
      "INSERT INTO payment (id, invoice_id, account_id, kind, amount, method, reference, "
      "payment_id, paid_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
      {p.id, p.invoice_id, p.account_id, std::string(to_string(p.kind)), p.amount.to_string(),
       p.method, p.reference, p.payment_id, text(p.on)});
  if (!r) return unexpected(r.error());
  return r->affected() == 1;
}

namespace {

Result<std::vector<Payment>> read_payments(const Result<Rows>& rows) {
  return collect<Payment>(rows, [](const Rows& r, int i) -> Result<Payment> {
    Payment p;
    p.id = r.text(i, 0);
    auto kind = parse_payment_kind(r.text(i, 3));
    auto amount = Decimal::parse(r.text(i, 4));
    auto on = parse_date(r.text(i, 8));
    if (!kind || !amount || !on) return corrupt("payment", p.id, "kind, amount or date");
    p.invoice_id = r.text(i, 1);
    p.account_id = r.text(i, 2);
    p.kind = *kind;
    p.amount = *amount;
    p.method = r.text(i, 5);
    p.reference = r.text(i, 6);
    p.payment_id = r.text(i, 7);
    p.on = *on;
    return p;
  });
}

}  // namespace

Result<Payment> PostgresStore::payment(const std::string& payment_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto found, read_payments(impl_->db.query(PAYMENT_SELECT "WHERE id = $1", {payment_id})));
  if (found.empty()) return make_error(errors::store_not_found, "no payment " + payment_id);
  return std::move(found.front());
}

Result<std::optional<Payment>> PostgresStore::payment_by_reference(PaymentKind kind,
                                                                   const std::string& method,
                                                                   const std::string& reference) {
  auto found = read_payments(impl_->db.query(
      PAYMENT_SELECT
      "WHERE method = $1 AND reference = $2 AND kind = $3 ORDER BY record_id LIMIT 1",
      {method, reference, std::string(to_string(kind))}));
  if (!found) return unexpected(found.error());
  if (found->empty()) return std::optional<Payment>();
  return std::optional<Payment>(std::move(found->front()));
}

Result<std::vector<Payment>> PostgresStore::payments_of(const std::string& invoice_id) {
  return read_payments(
      impl_->db.query(PAYMENT_SELECT "WHERE invoice_id = $1 ORDER BY record_id", {invoice_id}));
}

Result<std::vector<Payment>> PostgresStore::account_payments(const std::string& account_id) {
  return read_payments(
      impl_->db.query(PAYMENT_SELECT "WHERE account_id = $1 ORDER BY record_id", {account_id}));
}

Result<bool> PostgresStore::record_notification(const Notification& n) {
  auto r = impl_->db.query(
      "INSERT INTO notification (key, account_id, kind, raised_on, subscription_id, about_date, "
      "invoice_id, delivered, action_url) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT "
      "DO "
      "NOTHING",
      {n.key, n.account_id, std::string(to_string(n.kind)), text(n.on), n.subscription,
       text(n.date), n.invoice_id, n.delivered ? "true" : "false", n.action_url});
  if (!r) return unexpected(r.error());
  return r->affected() == 1;
}

Result<Ok> PostgresStore::mark_delivered(const std::string& key) {
  return done(impl_->db.query("UPDATE notification SET delivered = TRUE WHERE key = $1", {key}));
}

namespace {

Result<std::vector<Notification>> read_notifications(const Result<Rows>& rows) {
  return collect<Notification>(rows, [](const Rows& r, int i) -> Result<Notification> {
    Notification n;
    n.key = r.text(i, 0);
    n.account_id = r.text(i, 1);
    auto kind = parse_notification_kind(r.text(i, 2));
    auto on = parse_date(r.text(i, 3));
    if (!kind || !on) return corrupt("notification", n.key, "kind or date");
    n.kind = *kind;
    n.on = *on;
    n.subscription = r.text(i, 4);
    n.date = optional_date(r, i, 5);
    n.invoice_id = r.text(i, 6);
    n.delivered = r.text(i, 7) == "t";
    n.action_url = r.text(i, 8);
    return n;
  });
}

}  // namespace

Result<std::vector<Notification>> PostgresStore::undelivered() {
  return read_notifications(impl_->db.query(
      "SELECT key, account_id, kind, raised_on, subscription_id, about_date, invoice_id, "
      "delivered, action_url FROM notification WHERE NOT delivered ORDER BY record_id"));
}

Result<std::vector<Notification>> PostgresStore::notifications_of(const std::string& account_id) {
  return read_notifications(impl_->db.query(
      "SELECT key, account_id, kind, raised_on, subscription_id, about_date, invoice_id, "
      "delivered, action_url FROM notification WHERE account_id = $1 ORDER BY record_id",
      {account_id}));
}

}  // namespace tollgate::postgres

#undef INVOICE_SELECT
#undef ATTEMPT_SELECT
#undef PAYMENT_SELECT
