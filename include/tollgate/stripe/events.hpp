#pragma once
// Stripe events as typed values.
//
// Parse only after verify_webhook() accepted the raw bytes. The types a billing
// system acts on are typed; any other type passes through as an UnknownEvent
// with its raw JSON, untouched. Fields Stripe may leave null (a customer on a
// guest checkout) are empty strings or nullopt; unknown fields are ignored.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "tollgate/card.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::stripe {

using Metadata = std::map<std::string, std::string>;

/// checkout.session.completed and checkout.session.async_payment_succeeded.
struct CheckoutSessionEvent {
  std::string id;              ///< cs_...: the idempotency key of a credit purchase
  std::string mode;            ///< "payment", "setup", "subscription"
  std::string payment_status;  ///< "paid", "unpaid", "no_payment_required"
  std::string customer;
  std::string client_reference_id;
  std::string setup_intent;
  std::string payment_intent;
  std::optional<std::int64_t> amount_total;  ///< minor units
  std::string currency;
  Metadata metadata;
  /// Setup mode, when setup_intent came expanded: the payment method it set
  /// up, and its card when that came expanded too.
  std::string setup_payment_method;
  std::optional<Card> card;
};

/// setup_intent.succeeded.
struct SetupIntentSucceeded {
  std::string id;
  std::string customer;
  std::string payment_method;
  Metadata metadata;
  std::optional<Card> card;  ///< when payment_method came expanded, with a whole card
};

/// payment_method.attached.
struct PaymentMethodAttached {
  std::string id;
  std::string customer;
  std::string type;          ///< "card", "sepa_debit", ...
  std::optional<Card> card;  ///< brand, last4, exp_month and exp_year; nullopt if any is missing
};

/// invoice.paid and invoice.payment_failed.
struct InvoiceEvent {
  std::string id;
  std::string customer;
  std::string status;
  std::int64_t amount_due = 0;
  std::int64_t amount_paid = 0;
  std::string currency;
  Metadata metadata;
};

/// customer.subscription.updated, .deleted and .trial_will_end.
struct SubscriptionEvent {
  std::string id;
  std::string customer;
  std::string status;
  std::optional<std::int64_t> trial_end;
  std::optional<std::int64_t> cancel_at;
  Metadata metadata;
};

struct UnknownEvent {
  std::string object_json;  ///< data.object as received
};

using EventData = std::variant<CheckoutSessionEvent, SetupIntentSucceeded, PaymentMethodAttached,
                               InvoiceEvent, SubscriptionEvent, UnknownEvent>;

struct Event {
  std::string id;    ///< evt_...: the key a store records to apply an event once
  std::string type;  ///< "checkout.session.completed"
  std::int64_t created = 0;
  bool livemode = false;
  std::string api_version;
  EventData data;
};

/// Parses an event body. Errors: "stripe.event" when it is not JSON or not an
/// event object (no id, type or data.object).
Result<Event> parse_event(std::string_view payload);

}  // namespace tollgate::stripe
TOLLGATE_API_END
