#pragma once
#include "tollgate/visibility.hpp"
// Error codes: every `Error::code` Tollgate itself returns, as named constants.
//
// A code is stable: scripts, the REST server's clients and the command line
// match on it; the message beside it is for people and may change. Compare
// with the constant, not a literal:
//
//   if (!account && account.error().code == tollgate::errors::store_not_found) ...
//
// Each header documents which codes its calls return. Codes outside this list:
// "provider.<code>" carries a payment provider's own code (Stripe's
// "card_declined"), as Collections reports a failed refund.

TOLLGATE_API_BEGIN
namespace tollgate::errors {

// --- Values: decimals, dates, money and currencies ---
/// "decimal.syntax": text that is not a decimal number.
inline constexpr char decimal_syntax[] = "decimal.syntax";
/// "decimal.range": a decimal too large to hold exactly.
inline constexpr char decimal_range[] = "decimal.range";
/// "decimal.precision": a decimal with more places than can be held exactly.
inline constexpr char decimal_precision[] = "decimal.precision";
/// "date.syntax": text that is not a YYYY-MM-DD date (or a date-time where one is read).
inline constexpr char date_syntax[] = "date.syntax";
/// "date.invalid": a well-formed date that does not exist (2024-02-30).
inline constexpr char date_invalid[] = "date.invalid";
/// "time_zone.unknown": a time zone name the tz database does not know.
inline constexpr char time_zone_unknown[] = "time_zone.unknown";
/// "currency.unknown": a currency code ISO 4217 does not list.
inline constexpr char currency_unknown[] = "currency.unknown";
/// "money.currency_mismatch": arithmetic on amounts of two currencies.
inline constexpr char money_currency_mismatch[] = "money.currency_mismatch";
/// "rating.currency": a usage price without the account's currency.
inline constexpr char rating_currency[] = "rating.currency";
/// "rating.quantity": a usage quantity that cannot be rated (negative, invalid).
inline constexpr char rating_quantity[] = "rating.quantity";

// --- The engine: what a catalog and a timeline allow ---
/// "unknown.plan": a plan the catalog does not have.
inline constexpr char unknown_plan[] = "unknown.plan";
/// "catalog.plan_not_found": no plan of a product and billing period in a price list or DEFAULT.
inline constexpr char catalog_plan_not_found[] = "catalog.plan_not_found";
/// "catalog.ambiguous_plan": several plans of a product and billing period in one price list.
inline constexpr char catalog_ambiguous_plan[] = "catalog.ambiguous_plan";
/// "engine.change_alignment": a change whose rules align it in a way Kill Bill does not
/// implement either (CHANGE_OF_PRICELIST).
inline constexpr char engine_change_alignment[] = "engine.change_alignment";
/// "unknown.package": a credit package the catalog does not have.
inline constexpr char unknown_package[] = "unknown.package";
/// "unknown.subscription": a subscription the account does not have.
inline constexpr char unknown_subscription[] = "unknown.subscription";
/// "engine.currency": an account currency the catalog does not price.
inline constexpr char engine_currency[] = "engine.currency";
/// "engine.date": an operation dated before one already applied.
inline constexpr char engine_date[] = "engine.date";
/// "engine.bill_cycle_day": a bill cycle day outside 1-31.
inline constexpr char engine_bill_cycle_day[] = "engine.bill_cycle_day";
/// "engine.amount": an amount the account's currency cannot hold.
inline constexpr char engine_amount[] = "engine.amount";
/// "engine.credit": an account credit the engine would not apply.
inline constexpr char engine_credit[] = "engine.credit";
/// "engine.snapshot": an engine snapshot of another format, or one that does not fit.
inline constexpr char engine_snapshot[] = "engine.snapshot";
/// "operation.type": an operation type Tollgate does not know.
inline constexpr char operation_type[] = "operation.type";
/// "usage.subscription": usage for a subscription no account has.
inline constexpr char usage_subscription[] = "usage.subscription";

// --- Refusals: a valid request the account's state or the rules do not allow ---
/// "refused.illegal": a change the rules or the subscription's state forbid.
inline constexpr char refused_illegal[] = "refused.illegal";
/// "refused.not_active": the subscription is not active on that date.
inline constexpr char refused_not_active[] = "refused.not_active";
/// "refused.not_entitled": usage on a day the subscription gives no access.
inline constexpr char refused_not_entitled[] = "refused.not_entitled";
/// "refused.not_available": a plan not available for the change asked.
inline constexpr char refused_not_available[] = "refused.not_available";
/// "refused.default_payment_method": the removal of an account's default payment method,
/// not asked for as such (Kill Bill's deleteDefaultPmWithAutoPayOff, forceDefaultPmDeletion).
inline constexpr char refused_default_payment_method[] = "refused.default_payment_method";
/// "refused.included": an add-on bought on a base product that already includes it.
inline constexpr char refused_included[] = "refused.included";
/// "refused.not_paused": a resume of a subscription that is not paused.
inline constexpr char refused_not_paused[] = "refused.not_paused";
/// "refused.not_base": a base-plan operation on an add-on.
inline constexpr char refused_not_base[] = "refused.not_base";
/// "refused.not_add_on": an add-on operation on a base plan.
inline constexpr char refused_not_add_on[] = "refused.not_add_on";
/// "refused.no_base": an add-on without an active base subscription.
inline constexpr char refused_no_base[] = "refused.no_base";
/// "refused.base_cancelled": an add-on whose base is cancelled.
inline constexpr char refused_base_cancelled[] = "refused.base_cancelled";
/// "refused.cancelled": an operation on a cancelled subscription.
inline constexpr char refused_cancelled[] = "refused.cancelled";
/// "refused.category": a plan of a product category that cannot be used there.
inline constexpr char refused_category[] = "refused.category";
/// "refused.no_pending_change": undoing a change that is not pending.
inline constexpr char refused_no_pending_change[] = "refused.no_pending_change";
/// "refused.no_pending_cancel": undoing a cancellation that is not pending.
inline constexpr char refused_no_pending_cancel[] = "refused.no_pending_cancel";
/// "refused.metric": usage for a metric the phase does not price.
inline constexpr char refused_metric[] = "refused.metric";
/// "refused.quantity": a negative usage quantity.
inline constexpr char refused_quantity[] = "refused.quantity";
/// "refused.usage_id": usage without its idempotency key.
inline constexpr char refused_usage_id[] = "refused.usage_id";
/// "refused.usage_unbillable": an operation that would leave accepted usage unbilled.
inline constexpr char refused_usage_unbillable[] = "refused.usage_unbillable";
/// "refused.bill_cycle_day": a bill cycle day change the account cannot take.
inline constexpr char refused_bill_cycle_day[] = "refused.bill_cycle_day";
/// "refused.payment_method": a payment method without an id.
inline constexpr char refused_payment_method[] = "refused.payment_method";
/// "refused.session": a credit purchase without its checkout session.
inline constexpr char refused_session[] = "refused.session";
/// "refused.credits": a credit grant that is not positive.
inline constexpr char refused_credits[] = "refused.credits";
/// "refused.grant_id": a credit grant without an id.
inline constexpr char refused_grant_id[] = "refused.grant_id";
/// "refused.expires": a credit grant expiring on or before its day.
inline constexpr char refused_expires[] = "refused.expires";
/// "refused.credit_id": an account credit without an id.
inline constexpr char refused_credit_id[] = "refused.credit_id";
/// "refused.amount": an amount that is not positive, or has too many decimals.
inline constexpr char refused_amount[] = "refused.amount";
/// "refused.duplicate": the same idempotency key with different content.
inline constexpr char refused_duplicate[] = "refused.duplicate";
/// "refused.reference": a payment without its reference.
inline constexpr char refused_reference[] = "refused.reference";
/// "refused.overpayment": a payment larger than what is due.
inline constexpr char refused_overpayment[] = "refused.overpayment";
/// "refused.refund": a refund larger than what was paid.
inline constexpr char refused_refund[] = "refused.refund";
/// "refused.provider": a refund the payment's provider cannot make.
inline constexpr char refused_provider[] = "refused.provider";

// --- Stores ---
/// "store.not_found": no such account, invoice, payment, tenant....
inline constexpr char store_not_found[] = "store.not_found";
/// "store.conflict": the id or external key is taken.
inline constexpr char store_conflict[] = "store.conflict";
/// "store.constraint": the database refused a write as breaking a constraint.
inline constexpr char store_constraint[] = "store.constraint";
/// "store.busy": another writer holds the database; retry.
inline constexpr char store_busy[] = "store.busy";
/// "store.unavailable": the database cannot be opened or reached.
inline constexpr char store_unavailable[] = "store.unavailable";
/// "store.full": the disk or the database is full.
inline constexpr char store_full[] = "store.full";
/// "store.readonly": the store was opened read-only, or the file is.
inline constexpr char store_readonly[] = "store.readonly";
/// "store.aborted": the enclosing transaction was rolled back after an earlier error.
inline constexpr char store_aborted[] = "store.aborted";
/// "store.corrupt": a row or a file that does not read back.
inline constexpr char store_corrupt[] = "store.corrupt";
/// "store.foreign": a database of another application.
inline constexpr char store_foreign[] = "store.foreign";
/// "store.unsupported": a host's store that does not implement an optional call.
inline constexpr char store_unsupported[] = "store.unsupported";
/// "store.newer": a database made by a newer Tollgate.
inline constexpr char store_newer[] = "store.newer";
/// "store.catalog": a stored catalog that no longer validates.
inline constexpr char store_catalog[] = "store.catalog";
/// "store.rules": a stored rule set that no longer validates.
inline constexpr char store_rules[] = "store.rules";
/// "store.replay": a journal entry that no longer applies.
inline constexpr char store_replay[] = "store.replay";
/// "store.sqlite": another SQLite failure.
inline constexpr char store_sqlite[] = "store.sqlite";
/// "store.postgres": another PostgreSQL failure.
inline constexpr char store_postgres[] = "store.postgres";

// --- The daily run, the REST server, Stripe and the command line ---
/// "run.provider": the payment provider failed a step of the run.
inline constexpr char run_provider[] = "run.provider";
/// "server.argument": a query parameter or path argument that does not read.
inline constexpr char server_argument[] = "server.argument";
/// "server.bad_request": a body that is not what the endpoint takes.
inline constexpr char server_bad_request[] = "server.bad_request";
/// "server.unauthorized": missing or wrong credentials.
inline constexpr char server_unauthorized[] = "server.unauthorized";
/// "server.method": a method the path does not take.
inline constexpr char server_method[] = "server.method";
/// "server.too_large": a body over the size limit.
inline constexpr char server_too_large[] = "server.too_large";
/// "server.too_many_attempts": failed logins from this client or for this user
/// are backing off (429, with Retry-After).
inline constexpr char server_too_many_attempts[] = "server.too_many_attempts";
/// "server.rollback": a request rolled back on purpose (a refusal inside a batch).
inline constexpr char server_rollback[] = "server.rollback";
/// "server.internal": an unexpected failure inside the server.
inline constexpr char server_internal[] = "server.internal";
/// "server.listen": the server cannot listen on the address.
inline constexpr char server_listen[] = "server.listen";
/// "server.tls": a certificate chain or private key that cannot be used, or
/// a plain-HTTP request sent to an HTTPS port (400).
inline constexpr char server_tls[] = "server.tls";
/// "stripe.config": a Stripe configuration that is not safe or complete.
inline constexpr char stripe_config[] = "stripe.config";
/// "stripe.amount": an amount Stripe cannot take in that currency.
inline constexpr char stripe_amount[] = "stripe.amount";
/// "stripe.response": a Stripe response that does not read.
inline constexpr char stripe_response[] = "stripe.response";
/// "stripe.event": a webhook event that does not read.
inline constexpr char stripe_event[] = "stripe.event";
/// "stripe.event_account": a webhook event for an account Tollgate does not have.
inline constexpr char stripe_event_account[] = "stripe.event_account";
/// "stripe.event_invoice": a webhook event for an invoice Tollgate does not have.
inline constexpr char stripe_event_invoice[] = "stripe.event_invoice";
/// "file.unreadable": a file the command line cannot read.
inline constexpr char file_unreadable[] = "file.unreadable";

/// Every code above, for a host's own mapping (to HTTP statuses, to messages).
inline constexpr const char* all[] = {decimal_syntax,
                                      decimal_range,
                                      decimal_precision,
                                      date_syntax,
                                      date_invalid,
                                      time_zone_unknown,
                                      currency_unknown,
                                      money_currency_mismatch,
                                      rating_currency,
                                      rating_quantity,
                                      unknown_plan,
                                      unknown_package,
                                      unknown_subscription,
                                      engine_currency,
                                      engine_date,
                                      engine_bill_cycle_day,
                                      engine_amount,
                                      engine_credit,
                                      engine_snapshot,
                                      operation_type,
                                      usage_subscription,
                                      refused_illegal,
                                      refused_not_active,
                                      refused_not_entitled,
                                      refused_not_available,
                                      refused_not_paused,
                                      refused_not_base,
                                      refused_not_add_on,
                                      refused_no_base,
                                      refused_base_cancelled,
                                      refused_cancelled,
                                      refused_category,
                                      refused_no_pending_change,
                                      refused_no_pending_cancel,
                                      refused_metric,
                                      refused_quantity,
                                      refused_usage_id,
                                      refused_usage_unbillable,
                                      refused_bill_cycle_day,
                                      refused_payment_method,
                                      refused_session,
                                      refused_credits,
                                      refused_grant_id,
                                      refused_expires,
                                      refused_credit_id,
                                      refused_amount,
                                      refused_duplicate,
                                      refused_reference,
                                      refused_overpayment,
                                      refused_refund,
                                      refused_provider,
                                      store_not_found,
                                      store_conflict,
                                      store_constraint,
                                      store_busy,
                                      store_unavailable,
                                      store_full,
                                      store_readonly,
                                      store_aborted,
                                      store_corrupt,
                                      store_foreign,
                                      store_newer,
                                      store_catalog,
                                      store_rules,
                                      store_replay,
                                      store_sqlite,
                                      store_postgres,
                                      run_provider,
                                      server_argument,
                                      server_bad_request,
                                      server_unauthorized,
                                      server_method,
                                      server_too_large,
                                      server_too_many_attempts,
                                      server_rollback,
                                      server_internal,
                                      server_listen,
                                      server_tls,
                                      stripe_config,
                                      stripe_amount,
                                      stripe_response,
                                      stripe_event,
                                      stripe_event_account,
                                      stripe_event_invoice,
                                      file_unreadable};

}  // namespace tollgate::errors
TOLLGATE_API_END
