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

#include "tollgate/billing_service.hpp"
#include "tollgate/result.hpp"
#include "tollgate/stripe/events.hpp"

namespace tollgate::stripe {

/// What it does, by event type (metadata keys are the ones StripeProvider sets):
/// - checkout.session.completed / .async_payment_succeeded in payment mode and
///   paid: buys the credit package `tollgate_package` for `tollgate_account`;
/// - setup_intent.succeeded: the payment method is on file for `tollgate_account`
///   (unless a card set up later is already there: events may come out of order);
/// - payment_intent.succeeded / invoice.paid with `tollgate_invoice`: the invoice is PAID;
/// - payment_intent.payment_failed / invoice.payment_failed: the attempt failed
///   (the next run retries it), unless the invoice is already PAID;
/// - anything else: nothing.
/// The operation is dated on the event's creation day in the account's time
/// zone, or on the account's last operation day when the event is older.
/// Errors: "stripe.event_account" (no such account), "stripe.event_invoice"
/// (no such invoice), the engine's refusals, store errors.
Result<Ok> apply_billing_event(BillingService& service, const Event& event);

}  // namespace tollgate::stripe
