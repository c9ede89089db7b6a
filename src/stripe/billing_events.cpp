#include "tollgate/stripe/billing_events.hpp"

#include <boost/json.hpp>

#include "tollgate/collections.hpp"
#include "tollgate/stripe/stripe_provider.hpp"

namespace tollgate::stripe {
namespace {

namespace json = boost::json;

std::string meta(const Metadata& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

// When Stripe says the event happened.
Instant created_at(const Event& event) {
  return Instant{std::chrono::seconds{event.created}};
}

Result<Ok> apply_operation(BillingService& service, const Event& event,
                           const std::string& account_id, Operation op) {
  auto account = service.store().account(account_id);
  if (!account)
    return make_error(errors::stripe_event_account,
                      event.id + ": no account \"" + account_id + "\"");
  TOLLGATE_ASSIGN_OR_RETURN(auto on, service.event_day(*account, created_at(event)));
  op.date = on;
  TOLLGATE_RETURN_IF_ERROR(service.apply(account_id, op, created_at(event)));
  return Ok{};
}

// The account's local date of an event, for an outcome recorded on an invoice.
Result<Date> outcome_date(BillingStore& store, const std::string& invoice_id,
                          std::int64_t created) {
  TOLLGATE_ASSIGN_OR_RETURN(auto invoice, store.invoice(invoice_id));
  TOLLGATE_ASSIGN_OR_RETURN(auto account, store.account(invoice.account_id));
  TOLLGATE_ASSIGN_OR_RETURN(auto zone, TimeZone::locate(account.account.time_zone));
  return zone.local_date(Instant{std::chrono::seconds{created}});
}

// Every charge outcome goes through the core's one path: dunning, notices and
// the overdue state follow as they do for the daily run's own answers.
Result<Ok> charge_outcome(BillingService& service, const Event& event,
                          const std::string& invoice_id, ChargeResult result,
                          const std::string& charge_id, const std::string& failure,
                          const DunningPolicy& dunning, const std::string& action_url = {}) {
  auto on = outcome_date(service.store(), invoice_id, event.created);
  if (!on) {
    if (on.error().code == errors::store_not_found)
      return make_error(errors::stripe_event_invoice,
                        event.id + ": no invoice \"" + invoice_id + "\"");
    return unexpected(on.error());
  }
  ChargeReport report;
  report.invoice_id = invoice_id;
  report.charge_id = charge_id;
  report.provider = "stripe";
  report.result = result;
  report.failure = failure;
  report.on = *on;
  report.action_url = action_url;
  return Collections(service).record_charge(report, dunning);
}

const json::object* object_of(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::string string_of(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t integer_of(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : 0;
}

Result<json::object> raw_object(const Event& event, const UnknownEvent& raw) {
  std::error_code ec;
  json::value object = json::parse(raw.object_json, ec);
  if (ec || !object.is_object())
    return make_error(errors::stripe_event, event.id + ": data.object is not an object");
  return std::move(object.get_object());
}

// payment_intent.* events come untyped: read what they carry from the raw object.
Result<Ok> payment_intent(BillingService& service, const Event& event, const UnknownEvent& raw,
                          const DunningPolicy& dunning) {
  TOLLGATE_ASSIGN_OR_RETURN(auto o, raw_object(event, raw));
  std::string invoice_id;
  if (const auto* m = object_of(o, "metadata")) invoice_id = string_of(*m, "tollgate_invoice");
  if (invoice_id.empty()) return Ok{};  // not one of ours
  std::string failure, code;
  if (const auto* e = object_of(o, "last_payment_error")) {
    failure = code = string_of(*e, "code");
    if (std::string decline = string_of(*e, "decline_code"); !decline.empty())
      failure += ": " + decline;
  }
  // Declined off-session for want of 3-D Secure is a request to confirm it, not
  // a decline, whatever the decline code says.
  ChargeResult result =
      event.type == "payment_intent.succeeded" ? ChargeResult::succeeded
      : event.type == "payment_intent.requires_action" || code == "authentication_required"
          ? ChargeResult::requires_action
          : ChargeResult::declined;
  std::string action_url;
  if (const auto* next = object_of(o, "next_action"))
    if (const auto* redirect = object_of(*next, "redirect_to_url"))
      action_url = string_of(*redirect, "url");
  return charge_outcome(service, event, invoice_id, result, string_of(o, "id"),
                        failure.empty() ? "payment_failed" : failure, dunning, action_url);
}

Date utc_date(std::int64_t created) {
  return Date(date::floor<date::days>(Instant{std::chrono::seconds{created}}));
}

// A movement on a charge of ours; a charge Tollgate did not make is not ours.
Result<Ok> movement(BillingService& service, const ProviderMovement& m) {
  auto r = Collections(service).record_movement(m);
  if (!r && r.error().code == errors::store_not_found) return Ok{};
  return r;
}

// charge.refunded: each refund the charge lists, once by its id; a charge
// without the list (Stripe leaves it out unless expanded) by its running total.
Result<Ok> charge_refunded(BillingService& service, const Event& event, const UnknownEvent& raw) {
  TOLLGATE_ASSIGN_OR_RETURN(auto o, raw_object(event, raw));
  std::string currency = string_of(o, "currency");
  ProviderMovement m;
  m.provider = "stripe";
  m.payment_reference = string_of(o, "payment_intent");
  if (m.payment_reference.empty()) m.payment_reference = string_of(o, "id");
  m.kind = PaymentKind::refund;
  m.on = utc_date(event.created);
  const json::object* refunds = object_of(o, "refunds");
  const json::value* data = refunds ? refunds->if_contains("data") : nullptr;
  if (data && data->is_array() && !data->get_array().empty()) {
    for (const auto& r : data->get_array()) {
      if (!r.is_object() || string_of(r.get_object(), "status") == "failed") continue;
      m.reference = string_of(r.get_object(), "id");
      m.amount = from_minor_units(integer_of(r.get_object(), "amount"), currency);
      if (auto done = movement(service, m); !done) return done;
    }
    return Ok{};
  }
  auto payment =
      service.store().payment_by_reference(PaymentKind::payment, "stripe", m.payment_reference);
  if (!payment) return unexpected(payment.error());
  if (!*payment) return Ok{};
  TOLLGATE_ASSIGN_OR_RETURN(auto movements, service.store().payments_of((*payment)->invoice_id));
  Decimal recorded;
  for (const auto& x : movements)
    if (x.kind == PaymentKind::refund && x.payment_id == (*payment)->id) recorded += x.amount;
  std::int64_t total = integer_of(o, "amount_refunded");
  Decimal refunded = from_minor_units(total, currency);
  if (!(recorded < refunded)) return Ok{};
  m.reference = string_of(o, "id") + ":refunded:" + std::to_string(total);
  m.amount = refunded - recorded;
  return movement(service, m);
}

// charge.dispute.*: funds leave when a dispute opens (not for an inquiry,
// status warning_*) and come back when it is won.
Result<Ok> dispute(BillingService& service, const Event& event, const UnknownEvent& raw) {
  TOLLGATE_ASSIGN_OR_RETURN(auto o, raw_object(event, raw));
  std::string status = string_of(o, "status");
  if (status.rfind("warning_", 0) == 0) return Ok{};
  ProviderMovement m;
  m.provider = "stripe";
  m.payment_reference = string_of(o, "payment_intent");
  if (m.payment_reference.empty()) m.payment_reference = string_of(o, "charge");
  m.reference = string_of(o, "id");
  m.amount = from_minor_units(integer_of(o, "amount"), string_of(o, "currency"));
  m.on = utc_date(event.created);
  if (event.type == "charge.dispute.closed" && status == "won")
    m.kind = PaymentKind::chargeback_reversal;
  else if (event.type == "charge.dispute.created" || status == "lost")
    m.kind = PaymentKind::chargeback;
  else
    return Ok{};
  return movement(service, m);
}

// The card the account is charged on from now: a payment_method operation
// (it lifts a REQUIRE_PAYMENT_METHOD block). An event older than the card on
// file changes nothing: events arrive out of order.
Result<Ok> charge_this_card(BillingService& service, const Event& event, const std::string& account,
                            const std::string& payment_method) {
  Instant created = created_at(event);
  auto stored = service.store().account(account);
  if (!stored)
    return make_error(errors::stripe_event_account, event.id + ": no account \"" + account + "\"");
  if (created < stored->payment_method_at) return Ok{};  // a newer card is already on file
  TOLLGATE_ASSIGN_OR_RETURN(auto removed, service.store().card_removed(payment_method));
  if (removed) return Ok{};  // detached already (events arrive out of order)
  Operation op;
  op.type = OperationType::payment_method;
  op.id = payment_method;
  if (auto r = apply_operation(service, event, account, op); !r) return r;
  TOLLGATE_ASSIGN_OR_RETURN(auto updated, service.store().account(account));
  updated.payment_method_at = created;
  return service.store().update_account(updated);
}

// What the provider says of a card of the account, dated on the event's day there.
Result<Ok> describe(BillingService& service, const Event& event, const std::string& account,
                    const std::string& payment_method, const Card& card) {
  auto stored = service.store().account(account);
  if (!stored)
    return make_error(errors::stripe_event_account, event.id + ": no account \"" + account + "\"");
  TOLLGATE_ASSIGN_OR_RETURN(auto on, service.event_day(*stored, created_at(event)));
  return service.describe_card(account, payment_method, card, on);
}

// An event left alone: the host hears why, by its id.
Result<Ok> skip(const IgnoredEvent& ignored, const Event& event, const std::string& why) {
  if (ignored) ignored(event, why);
  return Ok{};
}

// payment_method.detached: the card is no longer the customer's. Stripe has
// already cleared its customer, so the account is the one its card was kept for.
Result<Ok> detached(BillingService& service, const Event& event, const UnknownEvent& raw,
                    const IgnoredEvent& ignored) {
  TOLLGATE_ASSIGN_OR_RETURN(auto o, raw_object(event, raw));
  std::string id = string_of(o, "id");
  if (id.empty()) return skip(ignored, event, "a payment method without an id");
  TOLLGATE_ASSIGN_OR_RETURN(auto owner,
                            service.store().account_of_customer(string_of(o, "customer")));
  return service.forget_card(id, owner, created_at(event));
}

// customer.updated: the customer chose another default card (the customer
// portal, the dashboard): it is the one charged from now.
Result<Ok> customer_updated(BillingService& service, const Event& event, const UnknownEvent& raw,
                            const IgnoredEvent& ignored) {
  TOLLGATE_ASSIGN_OR_RETURN(auto o, raw_object(event, raw));
  const auto* settings = object_of(o, "invoice_settings");
  if (!settings) return Ok{};
  std::string card = string_of(*settings, "default_payment_method");
  if (const auto* expanded = object_of(*settings, "default_payment_method"))
    card = string_of(*expanded, "id");
  if (card.empty()) return Ok{};
  TOLLGATE_ASSIGN_OR_RETURN(auto account, service.store().account_of_customer(string_of(o, "id")));
  if (!account)
    return skip(ignored, event, "no account has customer \"" + string_of(o, "id") + "\"");
  TOLLGATE_ASSIGN_OR_RETURN(auto stored, service.store().account(*account));
  if (stored.payment_method_id == card) return Ok{};
  return charge_this_card(service, event, *account, card);
}

}  // namespace

Result<Ok> apply_billing_event(BillingService& service, const Event& event,
                               const DunningPolicy& dunning, const IgnoredEvent& ignored) {
  if (const auto* session = std::get_if<CheckoutSessionEvent>(&event.data)) {
    if (session->mode == "setup" && event.type == "checkout.session.completed") {
      // A card set up through Checkout: its SetupIntent names the payment
      // method only when it came expanded; otherwise setup_intent.succeeded,
      // which Stripe sends as well, brings it.
      std::string account = meta(session->metadata, "tollgate_account");
      if (account.empty()) account = session->client_reference_id;
      if (account.empty()) return skip(ignored, event, "a set-up session of no account of ours");
      if (session->setup_payment_method.empty())
        return skip(ignored, event,
                    "setup_intent not expanded: setup_intent.succeeded brings its card");
      if (session->card)
        TOLLGATE_RETURN_IF_ERROR(
            describe(service, event, account, session->setup_payment_method, *session->card));
      return charge_this_card(service, event, account, session->setup_payment_method);
    }
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
    if (setup->card)
      TOLLGATE_RETURN_IF_ERROR(
          describe(service, event, account, setup->payment_method, *setup->card));
    return charge_this_card(service, event, account, setup->payment_method);
  }
  if (const auto* attached = std::get_if<PaymentMethodAttached>(&event.data)) {
    if (!attached->card)  // not a card, or one missing a part: nothing to show
      return skip(ignored, event,
                  "payment method " + attached->id +
                      " has no card with a brand, last 4 digits and expiry month and year");
    TOLLGATE_ASSIGN_OR_RETURN(auto account,
                              service.store().account_of_customer(attached->customer));
    if (!account)
      return skip(ignored, event, "no account has customer \"" + attached->customer + "\"");
    return describe(service, event, *account, attached->id, *attached->card);
  }
  if (const auto* invoice = std::get_if<InvoiceEvent>(&event.data)) {
    std::string ours = meta(invoice->metadata, "tollgate_invoice");
    if (ours.empty()) return Ok{};
    bool paid = event.type == "invoice.paid";
    if (!paid && event.type != "invoice.payment_failed") return Ok{};
    return charge_outcome(service, event, ours,
                          paid ? ChargeResult::succeeded : ChargeResult::declined, "",
                          "invoice.payment_failed", dunning);
  }
  if (const auto* raw = std::get_if<UnknownEvent>(&event.data)) {
    if (event.type == "payment_intent.succeeded" || event.type == "payment_intent.payment_failed" ||
        event.type == "payment_intent.requires_action")
      return payment_intent(service, event, *raw, dunning);
    if (event.type == "charge.refunded") return charge_refunded(service, event, *raw);
    if (event.type == "payment_method.detached") return detached(service, event, *raw, ignored);
    if (event.type == "customer.updated") return customer_updated(service, event, *raw, ignored);
    if (event.type == "charge.dispute.created" || event.type == "charge.dispute.closed")
      return dispute(service, event, *raw);
  }
  return Ok{};
}

}  // namespace tollgate::stripe
