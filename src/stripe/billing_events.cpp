#include "tollgate/stripe/billing_events.hpp"

#include <boost/json.hpp>

namespace tollgate::stripe {
namespace {

namespace json = boost::json;

std::string meta(const Metadata& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

// The day an event happened for an account, never before its last operation.
Result<Date> event_date(BillingStore& store, const StoredAccount& account, std::int64_t created) {
  auto zone = TimeZone::locate(account.account.time_zone);
  if (!zone) return unexpected(zone.error());
  Date on = zone->local_date(Instant{std::chrono::seconds{created}});
  auto journal = store.journal(account.account.id);
  if (!journal) return unexpected(journal.error());
  for (const auto& entry : *journal)
    if (on < entry.date) on = entry.date;
  return on;
}

Result<Ok> apply_operation(BillingService& service, const Event& event,
                           const std::string& account_id, Operation op) {
  auto account = service.store().account(account_id);
  if (!account)
    return make_error("stripe.event_account", event.id + ": no account \"" + account_id + "\"");
  auto on = event_date(service.store(), *account, event.created);
  if (!on) return unexpected(on.error());
  op.date = *on;
  auto r = service.apply(account_id, op, Instant{std::chrono::seconds{event.created}});
  if (!r) return unexpected(r.error());
  return Ok{};
}

Result<Ok> invoice_outcome(BillingService& service, const Event& event,
                           const std::string& invoice_id, bool paid, const std::string& charge_id,
                           const std::string& failure) {
  BillingStore& store = service.store();
  auto invoice = store.invoice(invoice_id);
  if (!invoice)
    return make_error("stripe.event_invoice", event.id + ": no invoice \"" + invoice_id + "\"");
  if (invoice->status == InvoiceStatus::paid) return Ok{};  // a late failure never undoes a payment
  auto attempts = store.attempts_of(invoice_id);
  if (!attempts) return unexpected(attempts.error());
  if (paid) {
    auto balance = balance_of(store, invoice_id);
    if (!balance) return unexpected(balance.error());
    for (auto a : *attempts)
      if (a.charge_id == charge_id || a.status == AttemptStatus::pending) {
        a.status = AttemptStatus::succeeded;
        if (auto r = store.save_attempt(a); !r) return r;
        // The money is in: what the attempt asked for, recorded once per charge.
        Payment p;
        p.id = "pay-" + invoice_id + "-" + std::to_string(a.attempt);
        p.invoice_id = invoice_id;
        p.account_id = invoice->account_id;
        p.amount = a.amount.sign() > 0 ? a.amount : *balance;
        p.method = "stripe";
        p.reference = a.charge_id.empty() ? event.id : a.charge_id;
        p.on = invoice->invoice.date;
        if (auto r = store.record_payment(p); !r) return unexpected(r.error());
      }
    balance = balance_of(store, invoice_id);
    if (!balance) return unexpected(balance.error());
    if (balance->sign() <= 0)
      if (auto r = store.set_invoice_status(invoice_id, InvoiceStatus::paid); !r) return r;
    return Ok{};
  }
  for (auto a : *attempts)
    if (a.status == AttemptStatus::pending && (charge_id.empty() || a.charge_id == charge_id)) {
      a.status = AttemptStatus::failed;
      a.failure = failure;
      if (auto r = store.save_attempt(a); !r) return r;
      // The next run retries it, under a new attempt number (a new idempotency key).
      PaymentAttempt retry;
      retry.invoice_id = invoice_id;
      retry.attempt = a.attempt + 1;
      retry.status = AttemptStatus::scheduled;
      retry.scheduled_on = a.scheduled_on;
      if (auto r = store.save_attempt(retry); !r) return r;
    }
  return Ok{};
}

// payment_intent.* events come untyped: read what they carry from the raw object.
Result<Ok> payment_intent(BillingService& service, const Event& event, const UnknownEvent& raw) {
  std::error_code ec;
  json::value object = json::parse(raw.object_json, ec);
  if (ec || !object.is_object())
    return make_error("stripe.event", event.id + ": data.object is not an object");
  const json::object& o = object.get_object();
  std::string invoice_id, failure;
  if (const auto* m = o.if_contains("metadata"); m && m->is_object())
    if (const auto* i = m->get_object().if_contains("tollgate_invoice"); i && i->is_string())
      invoice_id = std::string(i->get_string());
  if (invoice_id.empty()) return Ok{};  // not one of ours
  std::string id =
      o.contains("id") && o.at("id").is_string() ? std::string(o.at("id").get_string()) : "";
  if (const auto* e = o.if_contains("last_payment_error"); e && e->is_object())
    if (const auto* c = e->get_object().if_contains("code"); c && c->is_string())
      failure = std::string(c->get_string());
  return invoice_outcome(service, event, invoice_id, event.type == "payment_intent.succeeded", id,
                         failure.empty() ? "payment_failed" : failure);
}

}  // namespace

Result<Ok> apply_billing_event(BillingService& service, const Event& event) {
  if (const auto* session = std::get_if<CheckoutSessionEvent>(&event.data)) {
    bool purchase = event.type == "checkout.session.completed" ||
                    event.type == "checkout.session.async_payment_succeeded";
    if (!purchase || session->mode != "payment" || session->payment_status != "paid") return Ok{};
    std::string account = meta(session->metadata, "tollgate_account");
    std::string package = meta(session->metadata, "tollgate_package");
    if (account.empty() || package.empty()) return Ok{};  // not a credit purchase of ours
    Operation op;
    op.type = OperationType::credit_purchase;
    op.package = package;
    op.id = session->id;
    return apply_operation(service, event, account, op);
  }
  if (const auto* setup = std::get_if<SetupIntentSucceeded>(&event.data)) {
    std::string account = meta(setup->metadata, "tollgate_account");
    if (account.empty() || setup->payment_method.empty()) return Ok{};
    Instant created{std::chrono::seconds{event.created}};
    auto stored = service.store().account(account);
    if (!stored)
      return make_error("stripe.event_account", event.id + ": no account \"" + account + "\"");
    if (created < stored->payment_method_at) return Ok{};  // a newer card is already on file
    Operation op;
    op.type = OperationType::payment_method;
    op.id = setup->payment_method;
    if (auto r = apply_operation(service, event, account, op); !r) return r;
    auto updated = service.store().account(account);
    if (!updated) return unexpected(updated.error());
    updated->payment_method_at = created;
    return service.store().update_account(*updated);
  }
  if (const auto* invoice = std::get_if<InvoiceEvent>(&event.data)) {
    std::string ours = meta(invoice->metadata, "tollgate_invoice");
    if (ours.empty()) return Ok{};
    return invoice_outcome(service, event, ours, event.type == "invoice.paid", "",
                           "invoice.payment_failed");
  }
  if (const auto* raw = std::get_if<UnknownEvent>(&event.data))
    if (event.type == "payment_intent.succeeded" || event.type == "payment_intent.payment_failed")
      return payment_intent(service, event, *raw);
  return Ok{};
}

}  // namespace tollgate::stripe
