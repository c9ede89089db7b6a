#include "tollgate/stripe/events.hpp"

#include <boost/json.hpp>

namespace tollgate::stripe {
namespace {

namespace json = boost::json;

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  // Expandable fields arrive as an id or as the expanded object.
  if (v->is_object())
    if (const json::value* id = v->get_object().if_contains("id"); id && id->is_string())
      return std::string(id->get_string());
  return {};
}

std::optional<std::int64_t> integer(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

Metadata metadata(const json::object& o) {
  Metadata m;
  if (const json::value* v = o.if_contains("metadata"); v && v->is_object())
    for (const auto& [key, value] : v->get_object())
      if (value.is_string()) m.emplace(std::string(key), std::string(value.get_string()));
  return m;
}

// A payment method's card: nullopt unless every part is there and well formed.
std::optional<Card> card_of(const json::object& method) {
  const json::value* c = method.if_contains("card");
  if (!c || !c->is_object()) return std::nullopt;
  const json::object& o = c->get_object();
  Card card{text(o, "brand"), text(o, "last4"),
            static_cast<int>(integer(o, "exp_month").value_or(0)),
            static_cast<int>(integer(o, "exp_year").value_or(0))};
  if (!card.ok()) return std::nullopt;
  return card;
}

// The card of an expandable payment method field, when it came expanded.
std::optional<Card> expanded_card(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_object()) return std::nullopt;
  return card_of(v->get_object());
}

EventData typed(std::string_view type, const json::object& o) {
  if (type == "checkout.session.completed" || type == "checkout.session.async_payment_succeeded") {
    CheckoutSessionEvent session{text(o, "id"),
                                 text(o, "mode"),
                                 text(o, "payment_status"),
                                 text(o, "customer"),
                                 text(o, "client_reference_id"),
                                 text(o, "setup_intent"),
                                 text(o, "payment_intent"),
                                 integer(o, "amount_total"),
                                 text(o, "currency"),
                                 metadata(o),
                                 "",
                                 std::nullopt};
    if (const json::value* setup = o.if_contains("setup_intent"); setup && setup->is_object()) {
      session.setup_payment_method = text(setup->get_object(), "payment_method");
      session.card = expanded_card(setup->get_object(), "payment_method");
    }
    return session;
  }
  if (type == "setup_intent.succeeded")
    return SetupIntentSucceeded{text(o, "id"), text(o, "customer"), text(o, "payment_method"),
                                metadata(o), expanded_card(o, "payment_method")};
  if (type == "payment_method.attached")
    return PaymentMethodAttached{text(o, "id"), text(o, "customer"), text(o, "type"), card_of(o)};
  if (type == "invoice.paid" || type == "invoice.payment_failed")
    return InvoiceEvent{text(o, "id"),
                        text(o, "customer"),
                        text(o, "status"),
                        integer(o, "amount_due").value_or(0),
                        integer(o, "amount_paid").value_or(0),
                        text(o, "currency"),
                        metadata(o)};
  if (type == "customer.subscription.updated" || type == "customer.subscription.deleted" ||
      type == "customer.subscription.trial_will_end")
    return SubscriptionEvent{text(o, "id"),           text(o, "customer"),     text(o, "status"),
                             integer(o, "trial_end"), integer(o, "cancel_at"), metadata(o)};
  return UnknownEvent{json::serialize(o)};
}

}  // namespace

Result<Event> parse_event(std::string_view payload) {
  boost::system::error_code ec;
  json::value doc = json::parse(payload, ec);
  if (ec) return make_error(errors::stripe_event, "the event body is not JSON: " + ec.message());
  const json::object* event = doc.if_object();
  const json::value* data = event ? event->if_contains("data") : nullptr;
  const json::value* object =
      data && data->is_object() ? data->get_object().if_contains("object") : nullptr;
  if (!event || text(*event, "id").empty() || text(*event, "type").empty() || !object ||
      !object->is_object())
    return make_error(errors::stripe_event,
                      "the body is not a Stripe event (id, type and data.object are required)");
  Event e;
  e.id = text(*event, "id");
  e.type = text(*event, "type");
  e.created = integer(*event, "created").value_or(0);
  if (const json::value* live = event->if_contains("livemode"); live && live->is_bool())
    e.livemode = live->get_bool();
  e.api_version = text(*event, "api_version");
  e.data = typed(e.type, object->get_object());
  return e;
}

}  // namespace tollgate::stripe
