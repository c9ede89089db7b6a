#pragma once
// Store interfaces: what the billing engine keeps between runs.
//
// A host may implement them on its own database; Tollgate ships SQLite
// (tollgate::sqlite) as the embedded default. Every multi-row change is one
// transaction: it happens whole or not at all. Errors are values whose code
// starts with "store." ("store.busy" is worth retrying).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tollgate/account_controls.hpp"
#include "tollgate/billing_engine.hpp"
#include "tollgate/card.hpp"
#include "tollgate/event_inbox.hpp"
#include "tollgate/operation.hpp"
#include "tollgate/payments.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rule_book.hpp"
#include "tollgate/time_zone.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

/// What a batch of usage did: new events counted, repeated ids ignored.
struct IngestResult {
  std::size_t inserted = 0;
  std::size_t duplicates = 0;
};

class UsageStore {
 public:
  virtual ~UsageStore() = default;
  /// Stores a batch in one transaction; an event whose (subscription, id) is
  /// already stored is a duplicate and is not stored again.
  virtual Result<IngestResult> record_usage(std::span<const UsageEvent> events) = 0;
  /// A subscription's usage events, in the order they were stored.
  virtual Result<std::vector<UsageEvent>> usage_of(const std::string& subscription) = 0;
  /// A subscription's usage events dated on or after `from` and before `to`
  /// (an absent end is open), by date and then in the order they were stored.
  /// The stores read an index range; the default filters usage_of().
  virtual Result<std::vector<UsageEvent>> usage_between(const std::string& subscription,
                                                        const std::optional<Date>& from,
                                                        const std::optional<Date>& to);
};

/// One row of the organization_billing_rule table.
struct StoredRuleSet {
  std::string id;
  OrganizationKey organization;
  std::string rule_json;
  Instant registered_at;  ///< reg_dt
};

class RuleStore {
 public:
  virtual ~RuleStore() = default;
  /// Validates and registers an organization's rule set, in force from `registered_at`.
  /// Errors: "store.rules" with every problem of the document (nothing is stored).
  virtual Result<std::string> register_rules(const OrganizationKey& organization,
                                             std::string_view rule_json, Instant registered_at) = 0;
  /// Every registration, oldest first.
  virtual Result<std::vector<StoredRuleSet>> rule_sets() = 0;
  /// A RuleBook holding every registration (built from rule_sets()).
  /// Errors: "store.rules" when a stored rule set no longer validates.
  virtual Result<RuleBook> rule_book();
  /// A number that grows with every registration (they are never changed or
  /// removed), cheap to read: a holder of a RuleBook compares it to know that
  /// another handle or process registered a newer rule set. The default counts
  /// rule_sets(); the stores answer from an index.
  virtual Result<std::int64_t> rules_revision();
};

// --- accounts, their journals, invoices, payments and notices ------------------

/// An account as stored: the engine's account and what the billing run needs.
struct StoredAccount {
  Account account;
  std::string catalog;            ///< the catalog version it is billed under
  OrganizationKey organization;   ///< whose rule set applies
  std::string customer_id;        ///< the provider's customer ("cus_..."), when known
  std::string payment_method_id;  ///< the provider's payment method on file ("pm_...")
  /// When the provider set that payment method up: an older event never replaces it.
  Instant payment_method_at{};
  std::optional<Date> next_run;  ///< the first local date the billing run must look at it again
  bool overdue = false;          ///< dunning ran out: a payment is still owed
  AccountControls controls;      ///< Kill Bill's control tags: what billing leaves alone
  /// The card of payment_method_id, once the provider described it (brand,
  /// last 4 digits, expiry): what the customer is shown, and what expires.
  std::optional<Card> card;
};

/// One entry of an account's journal: an operation, or an invoicing run on
/// `date` (no operation). Replaying the journal in `seq` order (with the usage
/// recorded between entries) rebuilds the account's engine exactly.
struct JournalEntry {
  std::int64_t seq = 0;
  Date date;
  std::optional<Operation> operation;
  Instant requested_at{};  ///< when it was requested: picks the rule set that judged it
};

/// A usage event with its place between journal entries: it was recorded
/// after journal entry `after_seq` (store-wide numbering) and before the next.
struct SequencedUsage {
  std::int64_t after_seq = 0;
  UsageEvent event;
};

/// balance.md: PAID once its balance is zero and something was due; SETTLED
/// when nothing was ever due (a zero or negative total, or one covered by
/// account credit); UNPAID while a balance remains; FAILED once dunning gave up
/// (a later payment still makes it PAID).
enum class InvoiceStatus { unpaid, paid, failed, settled };
/// "UNPAID", "PAID", "FAILED", "SETTLED".
std::string_view to_string(InvoiceStatus s) noexcept;
/// The status named `text` (as to_string writes it); nullopt for any other text.
std::optional<InvoiceStatus> parse_invoice_status(std::string_view text) noexcept;

/// The names stores write for an invoice item's type and phase, read back; nullopt for any other
/// text.
std::optional<InvoiceItemType> parse_invoice_item_type(std::string_view text) noexcept;
std::optional<PhaseType> parse_phase_type(std::string_view text) noexcept;

struct StoredInvoice {
  std::string id;
  std::string account_id;
  Invoice invoice;  ///< with its credit_adj, as settled when it was issued
  InvoiceStatus status = InvoiceStatus::unpaid;
  /// Kill Bill's invoiceNumber: 1, 2, 3... per store, in the order invoices
  /// were saved, without gaps and never reused. Assigned by save_invoice.
  std::int64_t number = 0;
  /// Written off (Kill Bill's WRITTEN_OFF): its balance no longer counts
  /// toward the account's, and it is never charged again while it is.
  bool written_off = false;
};

enum class AttemptStatus {
  scheduled,
  started,
  succeeded,
  pending,
  failed,
  cancelled,
  action_required
};
/// "SCHEDULED", "STARTED" (sent, outcome not recorded), "SUCCEEDED", "PENDING", "FAILED",
/// "CANCELLED" (never sent: the invoice was paid another way first), "ACTION_REQUIRED"
/// (the customer must confirm it: 3-D Secure).
std::string_view to_string(AttemptStatus s) noexcept;
std::optional<AttemptStatus> parse_attempt_status(std::string_view text) noexcept;

/// One try at collecting an invoice. (invoice_id, attempt) is unique and names
/// the provider's idempotency key: sending the same attempt again never charges twice.
struct PaymentAttempt {
  std::string invoice_id;
  int attempt = 1;
  AttemptStatus status = AttemptStatus::scheduled;
  /// The local date the run next acts on it: sends it (SCHEDULED), or gives
  /// it up unless the customer confirmed it by then (ACTION_REQUIRED).
  Date scheduled_on;
  Decimal amount;          ///< what it asks the provider for: the invoice's balance when sent
  std::string charge_id;   ///< the provider's id once known
  std::string failure;     ///< why it failed ("card_declined: insufficient_funds")
  std::string action_url;  ///< ACTION_REQUIRED: where the customer confirms it, when known
};

enum class NotificationKind {
  trial_ending,
  period_ending,
  payment_failed,
  payment_succeeded,
  credits_low,
  blocked,
  refunded,
  payment_action_required,
  card_expiring
};
/// "TRIAL_ENDING", "PERIOD_ENDING", "PAYMENT_FAILED", "PAYMENT_SUCCEEDED", "CREDITS_LOW",
/// "BLOCKED", "REFUNDED", "PAYMENT_ACTION_REQUIRED", "CARD_EXPIRING".
std::string_view to_string(NotificationKind k) noexcept;
std::optional<NotificationKind> parse_notification_kind(std::string_view text) noexcept;

struct Notification {
  std::string key;  ///< unique: the same fact is never notified twice
  std::string account_id;
  NotificationKind kind = NotificationKind::trial_ending;
  Date on;                   ///< the local date it was raised
  std::string subscription;  ///< when about one
  std::optional<Date> date;  ///< the date it is about (trial end, period end, the day
                             ///< an unconfirmed payment is given up, the first day a
                             ///< card no longer works, the first day blocked)
  std::string invoice_id;    ///< payments
  bool delivered = false;
  std::string action_url;  ///< PAYMENT_ACTION_REQUIRED: where the customer confirms the charge
};

/// A payment method on file for an account: the provider's ids only, never card data.
struct PaymentMethod {
  std::string id;  ///< Tollgate's id (Kill Bill's paymentMethodId)
  std::string account_id;
  std::string plugin;  ///< Kill Bill's pluginName: "__EXTERNAL_PAYMENT__", "killbill-stripe"...
  std::string external_key;
  std::string customer_id;  ///< the provider's customer ("cus_..."), when it has one
  std::string method_id;    ///< the provider's payment method ("pm_..."), when it has one
  bool is_default = false;
};

/// A billing-run worker's claim on the accounts it works on. A claim lasts
/// `duration` unless renewed, so the accounts of a worker that died go to the
/// others once it runs out; a worker of the same name takes its own claims back
/// at once (a restarted single worker does not wait). Names must be unique
/// among the workers that run at the same time.
struct Lease {
  std::string worker;                  ///< a stable name for the worker ("billing-host-1")
  std::string run;                     ///< unique to one run of that worker
  std::chrono::seconds duration{300};  ///< how long a claim holds without renewal
};

/// An account a worker claimed, and whether it has payment attempts to send or re-send.
struct ClaimedAccount {
  std::string id;
  bool open_attempts = false;
};

/// Catalog versions and accounts.
class AccountStore {
 public:
  virtual ~AccountStore() = default;
  /// Stores a catalog document under a version name; the same version again must be the same text.
  /// Errors: "store.catalog" (invalid, every problem listed), "store.conflict" (a different text).
  virtual Result<Ok> put_catalog(const std::string& version, std::string_view catalog_json) = 0;
  /// Errors: "store.not_found".
  virtual Result<std::string> catalog_json(const std::string& version) = 0;
  /// Errors: "store.conflict" (the id exists), "store.not_found" (unknown catalog version).
  virtual Result<Ok> create_account(const StoredAccount& account) = 0;
  /// Errors: "store.not_found".
  virtual Result<StoredAccount> account(const std::string& id) = 0;
  virtual Result<Ok> update_account(const StoredAccount& account) = 0;
  /// Accounts whose next_run is on or before `through`, by id.
  virtual Result<std::vector<std::string>> accounts_due(const Date& through) = 0;
  /// The account a subscription belongs to. Errors: "store.not_found".
  virtual Result<std::string> account_of_subscription(const std::string& subscription) = 0;

  /// Adds a payment method (not default: see set_default_payment_method).
  /// Errors: "store.conflict" (the id exists).
  virtual Result<Ok> add_payment_method(const PaymentMethod& method) = 0;
  /// An account's payment methods, in the order they were added.
  virtual Result<std::vector<PaymentMethod>> payment_methods(const std::string& account_id) = 0;
  /// Errors: "store.not_found".
  virtual Result<PaymentMethod> payment_method(const std::string& id) = 0;
  /// Makes one of the account's methods its default, and no other.
  /// Errors: "store.not_found" (not a method of that account).
  virtual Result<Ok> set_default_payment_method(const std::string& account_id,
                                                const std::string& id) = 0;
  /// Removes a payment method: it is no longer one of its account's (Kill
  /// Bill's delete). The default one too: BillingService::remove_payment_method
  /// decides whether that may be. Not pure, so that a host's store still builds;
  /// this default answers "store.unsupported".
  /// Errors: "store.not_found" (no such method), "store.unsupported".
  virtual Result<Ok> remove_payment_method(const std::string& id);
  /// Moves every account billed under catalog `from` to catalog `to`, a later
  /// document holding the same versions and more (a Kill Bill catalog upload),
  /// and makes each due by `due_by` at the latest (one with nothing due too):
  /// a new version may move its subscriptions to new prices before the day
  /// their next run was set for, and the run then sets the right day again.
  /// Answers how many moved. Not pure, so that a host's store still builds;
  /// this default answers "store.unsupported".
  /// Errors: "store.not_found" (`to` is not stored), "store.unsupported".
  virtual Result<std::size_t> move_accounts_to_catalog(const std::string& from,
                                                       const std::string& to, const Date& due_by);

  // Cards on file, by the provider's payment method id ("pm_..."): kept
  // whenever the provider describes one, so that the description and the
  // card's becoming the account's (in either order) both find it.

  /// Keeps (or replaces) what the provider says of a payment method of the
  /// account; a removed one stays removed (a late description changes nothing).
  virtual Result<Ok> save_card(const std::string& account_id, const std::string& provider_method_id,
                               const Card& card) = 0;
  /// nullopt: the provider never described it, or it was removed.
  virtual Result<std::optional<Card>> card_of(const std::string& provider_method_id) = 0;
  /// Marks the payment method removed for good, described or not (a
  /// provider never brings a removed one back), and forgets its card. Answers
  /// the account it was kept for, else `account_id`.
  virtual Result<std::optional<std::string>> remove_card(
      const std::string& provider_method_id, const std::optional<std::string>& account_id) = 0;
  /// Whether remove_card was told of it.
  virtual Result<bool> card_removed(const std::string& provider_method_id) = 0;
  /// The account whose provider customer is `customer_id` ("cus_..."); nullopt: none.
  virtual Result<std::optional<std::string>> account_of_customer(
      const std::string& customer_id) = 0;

  // Claims, for billing runs shared by several workers. Lease times are the
  // database's clock, so workers on machines whose clocks differ agree.

  /// Claims up to `limit` accounts, in id order after `after` ("" for the
  /// first), that have work through `through` (next_run on or before it, a
  /// STARTED attempt, or a SCHEDULED one due by then) and that no other
  /// worker's live lease holds. Concurrent claims never return the same account.
  virtual Result<std::vector<ClaimedAccount>> claim_due(const Date& through,
                                                        const std::string& after, std::size_t limit,
                                                        const Lease& lease) = 0;
  /// Extends this run's claim on an account; false (nothing changed) when the
  /// claim is no longer this run's: it ran out and another worker took it.
  virtual Result<bool> renew(const std::string& account_id, const Lease& lease) = 0;
  /// renew() for several accounts at once (a batch's, at the start of each of
  /// its transactions): for each id, in the order given, whether its claim is
  /// still this run's. The PostgreSQL store does it in one statement (one
  /// round trip, not one a claim), locking the rows in id order as renew()
  /// locks one; the default, which the in-process SQLite store keeps, asks
  /// renew() for each.
  virtual Result<std::vector<bool>> renew_each(std::span<const std::string> account_ids,
                                               const Lease& lease);
  /// Gives up every claim of this run.
  virtual Result<Ok> release(const Lease& lease) = 0;
  /// The workers holding claims now, whether or not their leases ran out.
  virtual Result<std::vector<std::string>> lease_holders() = 0;
  /// Gives up every claim of a worker known to be dead (its process is gone).
  virtual Result<Ok> release_worker(const std::string& worker) = 0;
  /// How many accounts with work through `through` other workers' live leases hold.
  virtual Result<std::size_t> held_elsewhere(const Date& through, const Lease& lease) = 0;
};

/// An account's engine as it stood after journal entry `seq` (an invoicing
/// run): BillingEngine::snapshot() text, and when the operation journaled last
/// before it was requested (which picks the rule set its engine judges by).
struct EngineSnapshot {
  std::int64_t seq = 0;
  std::optional<Instant> rules_at;
  std::string body;
};

/// Each account's journal; usage events are placed between its entries.
class JournalStore {
 public:
  virtual ~JournalStore() = default;
  /// Appends an entry (a create also links the subscription to the account); returns its seq.
  virtual Result<std::int64_t> append(const std::string& account_id, const JournalEntry& entry) = 0;
  virtual Result<std::vector<JournalEntry>> journal(const std::string& account_id) = 0;
  /// The usage of the account's subscriptions, in the order it was recorded.
  virtual Result<std::vector<SequencedUsage>> account_usage(const std::string& account_id) = 0;

  // Snapshots let BillingService rebuild an account from its last invoice on,
  // at a cost that follows recent activity. A store that keeps none (these
  // defaults) is correct, only slower as accounts age.

  /// Keeps an account's latest snapshot (replacing the one before).
  virtual Result<Ok> save_snapshot(const std::string& account_id, const EngineSnapshot& snapshot);
  /// The account's latest snapshot, if any.
  virtual Result<std::optional<EngineSnapshot>> snapshot(const std::string& account_id);
  /// The journal entries after `seq`, in order (the default filters journal()).
  virtual Result<std::vector<JournalEntry>> journal_after(const std::string& account_id,
                                                          std::int64_t seq);
  /// The usage recorded after journal entry `seq` (after_seq >= seq), in the
  /// order it was recorded (the default filters account_usage()).
  virtual Result<std::vector<SequencedUsage>> account_usage_after(const std::string& account_id,
                                                                  std::int64_t seq);
  /// The latest date of the account's journal entries (operations and
  /// invoices), nullopt when it has none: what an event from outside (a
  /// provider's webhook) is dated no earlier than. The default reads journal().
  virtual Result<std::optional<Date>> last_entry_date(const std::string& account_id);
  /// The seq of the account's latest journal entry (0: none): it changes with
  /// every entry, so what was computed from the journal up to it still holds
  /// while it stays the same. The default reads journal().
  virtual Result<std::int64_t> last_journal_seq(const std::string& account_id);
};

class InvoiceStore {
 public:
  virtual ~InvoiceStore() = default;
  /// Saves a new invoice with its items, giving it the next invoice number.
  virtual Result<Ok> save_invoice(const StoredInvoice& invoice) = 0;
  virtual Result<Ok> set_invoice_status(const std::string& invoice_id, InvoiceStatus status) = 0;
  /// Marks an invoice written off, or not (Kill Bill's WRITTEN_OFF tag).
  /// Errors: "store.not_found".
  virtual Result<Ok> set_invoice_written_off(const std::string& invoice_id, bool written_off) = 0;
  /// Errors: "store.not_found".
  virtual Result<StoredInvoice> invoice(const std::string& invoice_id) = 0;
  virtual Result<std::vector<StoredInvoice>> invoices_of(const std::string& account_id) = 0;
  /// Inserts or replaces the attempt (invoice_id, attempt).
  virtual Result<Ok> save_attempt(const PaymentAttempt& attempt) = 0;
  virtual Result<std::vector<PaymentAttempt>> attempts_of(const std::string& invoice_id) = 0;
  /// Attempts in `status`, optionally only those scheduled on or before `through`.
  virtual Result<std::vector<PaymentAttempt>> attempts_in(
      AttemptStatus status, const std::optional<Date>& through = std::nullopt) = 0;
  /// The STARTED and SCHEDULED attempts of an account's invoices, by invoice and attempt.
  virtual Result<std::vector<PaymentAttempt>> open_attempts(const std::string& account_id) = 0;

  /// The account credit an account's invoices left (balance.md): the sum of
  /// their credit_adj. Reads no items.
  virtual Result<Decimal> account_credit(const std::string& account_id) = 0;

  /// Records a payment, refund, chargeback or reversal once: false (nothing
  /// stored) when the invoice already has a movement of that kind, method and
  /// non-empty reference (a webhook delivered twice, a command run twice).
  /// The caller checks amounts (payments.hpp); the store only keeps them.
  virtual Result<bool> record_payment(const Payment& payment) = 0;
  /// Errors: "store.not_found".
  virtual Result<Payment> payment(const std::string& payment_id) = 0;
  /// The first movement of `kind` a provider's id names ("pi_..." for a payment).
  virtual Result<std::optional<Payment>> payment_by_reference(PaymentKind kind,
                                                              const std::string& method,
                                                              const std::string& reference) = 0;
  /// An invoice's movements, in the order they were recorded.
  virtual Result<std::vector<Payment>> payments_of(const std::string& invoice_id) = 0;
  /// All movements of an account's invoices, in the order they were recorded.
  virtual Result<std::vector<Payment>> account_payments(const std::string& account_id) = 0;
};

/// A stored invoice's balance now: what it asks (amount_due) less its
/// payments, plus refunds and chargebacks (payments.hpp).
/// Errors: "store.not_found", store errors.
Result<Decimal> balance_of(InvoiceStore& store, const std::string& invoice_id);
/// The same for an invoice read in this transaction: reads only its payments.
/// Errors: store errors.
Result<Decimal> balance_of(InvoiceStore& store, const StoredInvoice& invoice);

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;
  /// Records a notification; false (and nothing stored) when its key exists.
  virtual Result<bool> record_notification(const Notification& n) = 0;
  virtual Result<Ok> mark_delivered(const std::string& key) = 0;
  virtual Result<std::vector<Notification>> undelivered() = 0;
  virtual Result<std::vector<Notification>> notifications_of(const std::string& account_id) = 0;
};

/// Everything the billing service and the daily run keep, with transactions:
/// `atomically(f)` runs f in one transaction (committed when f succeeds);
/// store calls inside it join it.
class BillingStore : public UsageStore,
                     public RuleStore,
                     public EventInbox,
                     public AccountStore,
                     public JournalStore,
                     public InvoiceStore,
                     public NotificationStore {
 public:
  virtual Result<Ok> atomically(const std::function<Result<Ok>()>& f) = 0;
};

}  // namespace tollgate
TOLLGATE_API_END
