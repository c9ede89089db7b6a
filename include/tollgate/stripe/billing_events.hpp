#pragma once
// Applying verified Stripe events to stored billing.
//
// Pass apply_billing_event as the `apply` of handle_webhook with the store as
// its inbox: the event id and the effect then commit together, so a retried
// or duplicated delivery changes nothing. Two events carrying the same fact
// (checkout.session.completed, then checkout.session.async_payment_succeeded
// for the same session) credit once, because a purchase is keyed by its
// checkout session id; a paid invoice never goes back to unpaid when a late
// payment_failed arrives.

#include <functional>
#include <string_view>

#include "tollgate/billing_service.hpp"
#include "tollgate/collections.hpp"
#include "tollgate/result.hpp"
#include "tollgate/stripe/events.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::stripe {

/// What it does, by event type (metadata keys are the ones StripeProvider sets):
/// - checkout.session.completed / .async_payment_succeeded in payment mode and
///   paid: buys the credit package `tollgate_package` for `tollgate_account`;
/// - setup_intent.succeeded, and checkout.session.completed in setup mode when
///   its setup_intent came expanded: the payment method is on file for
///   `tollgate_account` (unless a card set up later, or its removal, is already
///   there: events may come out of order), with its card when expanded;
/// - payment_method.attached: the card of a customer of ours described
///   (BillingService::describe_card); customer.updated: its
///   invoice_settings.default_payment_method charged from now;
///   payment_method.detached: the card removed (BillingService::forget_card);
/// - payment_intent.succeeded / invoice.paid with `tollgate_invoice`, and
///   payment_intent.payment_failed / invoice.payment_failed /
///   payment_intent.requires_action: the charge's outcome, recorded through
///   Collections::record_charge with `dunning`, as the daily run records its
///   own (a payment and PAID; a failure, PAYMENT_FAILED and the next attempt or
///   overdue; PAYMENT_ACTION_REQUIRED and a wait for the customer). A failure
///   whose code is authentication_required asks for 3-D Secure like
///   requires_action; it is no decline. A PAID invoice stays PAID;
/// - charge.refunded: each refund of a charge of ours, once by its id (by the
///   charge's refunded total when the list is not expanded);
/// - charge.dispute.created (not an inquiry): a chargeback; charge.dispute.closed
///   won: its reversal (and the chargeback, when that arrives later or never);
///   lost: the chargeback. Refunds and disputes are dated on the event's UTC day;
///   those of charges Tollgate did not make are ignored;
/// - anything else: nothing.
/// The operation is dated on the event's creation day in the account's time
/// zone, or on the account's last operation day when the event is older.
/// Errors: "stripe.event_account" (no such account), "stripe.event_invoice"
/// (no such invoice), the engine's refusals, store errors.
/// Told of an event left alone because it is not for this system or lacks
/// what it needs (a card of another system's customer, a card without its
/// expiry), with why: for the host's log, by event id. Such an event is
/// answered 200 and changes nothing.
using IgnoredEvent = std::function<void(const Event& event, std::string_view why)>;

Result<Ok> apply_billing_event(BillingService& service, const Event& event,
                               const DunningPolicy& dunning = {}, const IgnoredEvent& ignored = {});

}  // namespace tollgate::stripe
TOLLGATE_API_END
