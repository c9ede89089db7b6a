#pragma once
// BillingEngine: one account's subscriptions, usage and credits, and the
// invoices they produce. Pure: no I/O, no clock; every operation carries the
// local date it was requested on, and dates never go backwards.
//
// Operations are judged by the account's rule set (or an explicit policy
// override) and are either applied or refused with a reason; a refused
// operation changes nothing. invoice(date) bills everything due up to that
// date that was not billed before: calling it twice for the same date adds
// nothing. preview(date) computes the same invoice without recording it.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tollgate/account.hpp"
#include "tollgate/account_credit.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/credits.hpp"
#include "tollgate/invoice.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rules.hpp"
#include "tollgate/subscription.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

/// One usage record. `id` is the idempotency key, unique per subscription.
struct UsageEvent {
  std::string subscription;
  std::string metric;
  Decimal quantity;
  Date occurred_on;
  std::string id;
  std::string value_key;  ///< for UNIQUE_COUNT
};

enum class Recorded { applied, duplicate };

class BillingEngine {
 public:
  /// Errors: "engine.currency" when the catalog does not sell in the account's
  /// currency; "engine.bill_cycle_day" for a BCD outside 1-31.
  static Result<BillingEngine> open(std::shared_ptr<const Catalog> catalog, RuleSet rules,
                                    Account account);

  BillingEngine(BillingEngine&&) noexcept;
  BillingEngine& operator=(BillingEngine&&) noexcept;
  ~BillingEngine();

  // Every operation below is refused with an Error whose code starts with
  // "refused." (the message says why) and then changes nothing; or with
  // "engine.date" when `on` is before the last operation's date.

  /// Creates a subscription to `plan`; an ADD_ON names its BASE subscription in `base`.
  Result<Ok> create_subscription(const std::string& id, const std::string& plan, const Date& on,
                                 const std::optional<std::string>& base = std::nullopt);
  /// A change or cancel requested on `on` for a later date `at` waits until
  /// then: decided (policy, end of term) as of `at`, and, until `at`, still
  /// undone by undo_change() or uncancel(), with other operations dated `on`
  /// and later taken meanwhile. Without `at`, it is requested for `on`.
  /// "engine.date" also when `at` is before `on`.
  Result<Ok> change_plan(const std::string& id, const std::string& plan, const Date& on,
                         std::optional<BillingActionPolicy> policy = std::nullopt,
                         std::optional<Date> at = std::nullopt);
  Result<Ok> cancel(const std::string& id, const Date& on,
                    std::optional<BillingActionPolicy> policy = std::nullopt,
                    std::optional<Date> at = std::nullopt);
  /// Undoes a pending END_OF_TERM cancel.
  Result<Ok> uncancel(const std::string& id, const Date& on);
  /// Undoes a plan change not yet in effect (an END_OF_TERM or START_OF_TERM
  /// change dated after `on`): the plan in force stays, and add-ons the change
  /// would have ended stay too.
  Result<Ok> undo_change(const std::string& id, const Date& on);
  /// Pauses a subscription (its add-ons with it) from `at`, or from `on`.
  /// Requested for a later date, the pause waits: until `at` the subscription
  /// is active, and resume() dated before `at` undoes it.
  Result<Ok> pause(const std::string& id, const Date& on, std::optional<Date> at = std::nullopt);
  /// Resumes a paused subscription from `at`, or from `on`. Dated before a
  /// pending pause's date, it undoes that pause instead.
  Result<Ok> resume(const std::string& id, const Date& on, std::optional<Date> at = std::nullopt);
  /// Changes the bill cycle day of one subscription, or of the account when `id`
  /// is empty, from the end of the period already billed. A subscription's can
  /// be requested for a later date `at`: it applies from the end of the period
  /// holding `at`. An account's cannot ("refused.bill_cycle_day"): subscriptions
  /// made meanwhile would follow it early.
  Result<Ok> change_bill_cycle_day(const std::optional<std::string>& id, int day, const Date& on,
                                   std::optional<Date> at = std::nullopt);
  /// A payment method is now on file (ends a REQUIRE_PAYMENT_METHOD block).
  Result<Ok> attach_payment_method(const std::string& payment_method_id, const Date& on);
  /// The payment method on file is gone and none is left (the customer
  /// removed their card). A REQUIRE_PAYMENT_METHOD subscription past its trial
  /// is blocked again from its next charge (the end of the term paid for, or
  /// of the period in progress) until a payment method is attached; one in
  /// its trial is blocked when the trial ends. Refused: an empty id
  /// ("refused.payment_method"), a date before the last operation
  /// ("engine.date").
  Result<Ok> detach_payment_method(const std::string& payment_method_id, const Date& on);

  /// Records usage. A repeated (subscription, id) is a duplicate and changes nothing.
  /// Refused: unknown subscription, metric not in its plan, negative quantity,
  /// subscription not entitled on that date.
  Result<Recorded> record_usage(const UsageEvent& event);
  /// Whether record_usage would take `event`, leaving the engine as it is
  /// (duplicates aside: only the store knows every id). The same refusals.
  Result<Ok> judge_usage(const UsageEvent& event) const;
  /// Credits a catalog credit package once per checkout session id.
  Result<Recorded> purchase_credits(const std::string& package, const std::string& session_id,
                                    const Date& on);
  Result<Recorded> grant_credits(const Decimal& credits, const std::string& grant_id,
                                 const Date& on, const std::optional<Date>& expires = std::nullopt);

  /// Gives the account `amount` of credit (goodwill, an SLA refund), once per
  /// `credit_id`: a CREDIT_ADJ item of -amount on the next invoice (that
  /// date's), which then adds to the account credit (account_credit.hpp).
  /// Refused: "refused.amount" (not > 0, or finer than the currency's minor
  /// unit), "refused.credit_id" (empty).
  Result<Recorded> credit_account(const Decimal& amount, const std::string& credit_id,
                                  const Date& on);

  /// Bills everything due on or before `on` not billed before, and records it.
  /// The invoice is settled against the account credit (its credit_adj).
  /// Errors: "engine.amount" if an amount overflows (never in practice).
  Result<Invoice> invoice(const Date& on);
  /// The invoice invoice(on) would produce, without recording anything.
  Result<Invoice> preview(const Date& on) const;

  std::vector<SubscriptionStatus> statuses(const Date& on) const;
  /// The subscription's events, past and scheduled, in date order (Kill
  /// Bill's subscription timeline); empty for an id the account lacks.
  std::vector<SubscriptionEvent> events(const std::string& subscription) const;

  /// The earliest date after `after` on which invoice() may bill something new
  /// if no operation comes first (a billing date, a phase or a segment
  /// boundary); nullopt when nothing will ever fall due. A scheduler invoices
  /// the account on that date; it may find nothing (the estimate errs early).
  std::optional<Date> next_billing_date(const Date& after) const;

  /// Whether `units` more of `metric` may be used on `on` by a subscription whose
  /// usage price is paid with credits: the credits left must cover the current
  /// period's usage so far plus these units. Prices not paid with credits always
  /// answer true while the subscription is entitled.
  /// Errors: "unknown.subscription"; "refused.metric" when the plan does not price it.
  Result<bool> can_consume(const std::string& subscription, const std::string& metric,
                           const Decimal& units, const Date& on) const;
  /// Judges the operations that follow by `rules` (a newer registration of the
  /// organization's rule set); what was already decided stays as it was.
  void use_rules(RuleSet rules);

  const CreditLedger& credits() const noexcept;
  /// The account credit (CBA) after the invoices recorded so far.
  const AccountCredit& account_credit() const noexcept;
  const Account& account() const noexcept;
  /// Every invoice this engine recorded, in date order (of an engine made by
  /// restore(): those recorded since).
  const std::vector<Invoice>& invoices() const noexcept;
  /// Whether invoice() keeps a copy of each invoice for invoices() (it does
  /// unless told otherwise). A host that stores invoices itself turns it off,
  /// as BillingService does: the copy costs about as much as generating the
  /// invoice, and a long-lived engine's memory would grow with its age.
  /// Invoices kept before stay.
  void keep_invoices(bool keep) noexcept;

  // Snapshots: an account's engine restored from its state at its last
  // invoice, plus what happened since, instead of a replay of its whole
  // history, so that what billing costs follows recent activity, not age.

  /// The engine's state as text. Billed periods and usage that end before
  /// `keep_from` are left out, so its size follows recent activity too; an
  /// engine restored from it reports needs_history() as soon as a call reaches
  /// back before `keep_from` (an operation dated before it, usage that late, a
  /// change that re-opens an older period). Also left out: invoices(), and the
  /// ids of usage recorded before it (stores keep usage idempotent themselves).
  std::string snapshot(const Date& keep_from) const;
  /// An engine from snapshot() text, for `account` (as stored) under `catalog`,
  /// judged by `rules` until use_rules().
  /// Errors: "engine.snapshot" when the text is not a snapshot of this format
  /// version (one written by another version of Tollgate is refused, never
  /// misread), is of another account or currency, or names a plan or product
  /// the catalog lacks. Nothing is partly restored: the caller replays instead.
  static Result<BillingEngine> restore(std::shared_ptr<const Catalog> catalog, RuleSet rules,
                                       Account account, std::string_view snapshot);
  /// Whether a call since restore() reached back before what the snapshot
  /// kept: what it answered since is not to be trusted, and the caller
  /// rebuilds the engine from the whole journal. False for an engine not restored.
  bool needs_history() const noexcept;

 private:
  struct State;
  explicit BillingEngine(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace tollgate
TOLLGATE_API_END
