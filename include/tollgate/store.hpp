#pragma once
// Store interfaces: what the billing engine keeps between runs.
//
// A host may implement them on its own database; Tollgate ships SQLite
// (tollgate::sqlite) as the embedded default. Every multi-row change is one
// transaction: it happens whole or not at all. Errors are values whose code
// starts with "store." ("store.busy" is worth retrying).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tollgate/billing_engine.hpp"
#include "tollgate/event_inbox.hpp"
#include "tollgate/operation.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rule_book.hpp"
#include "tollgate/time_zone.hpp"

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
  /// A RuleBook holding every registration.
  virtual Result<RuleBook> rule_book() = 0;
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
  std::optional<Date> next_run;   ///< the first local date the billing run must look at it again
  bool overdue = false;           ///< dunning ran out: a payment is still owed
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

enum class InvoiceStatus { unpaid, paid, failed, settled };
/// "UNPAID", "PAID", "FAILED", "SETTLED" (nothing to collect: zero or negative).
std::string_view to_string(InvoiceStatus s) noexcept;

struct StoredInvoice {
  std::string id;
  std::string account_id;
  Invoice invoice;
  InvoiceStatus status = InvoiceStatus::unpaid;
};

enum class AttemptStatus { scheduled, started, succeeded, pending, failed };
/// "SCHEDULED", "STARTED" (sent, outcome not recorded), "SUCCEEDED", "PENDING", "FAILED".
std::string_view to_string(AttemptStatus s) noexcept;

/// One try at collecting an invoice. (invoice_id, attempt) is unique and names
/// the provider's idempotency key: sending the same attempt again never charges twice.
struct PaymentAttempt {
  std::string invoice_id;
  int attempt = 1;
  AttemptStatus status = AttemptStatus::scheduled;
  Date scheduled_on;      ///< the local date it is due
  std::string charge_id;  ///< the provider's id once known
  std::string failure;    ///< why it failed ("card_declined: insufficient_funds")
};

enum class NotificationKind {
  trial_ending,
  period_ending,
  payment_failed,
  payment_succeeded,
  credits_low,
  blocked
};
/// "TRIAL_ENDING", "PERIOD_ENDING", "PAYMENT_FAILED", "PAYMENT_SUCCEEDED", "CREDITS_LOW",
/// "BLOCKED".
std::string_view to_string(NotificationKind k) noexcept;

struct Notification {
  std::string key;  ///< unique: the same fact is never notified twice
  std::string account_id;
  NotificationKind kind = NotificationKind::trial_ending;
  Date on;                   ///< the local date it was raised
  std::string subscription;  ///< when about one
  std::optional<Date> date;  ///< the date it is about (trial end, period end)
  std::string invoice_id;    ///< payments
  bool delivered = false;
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
};

class InvoiceStore {
 public:
  virtual ~InvoiceStore() = default;
  virtual Result<Ok> save_invoice(const StoredInvoice& invoice) = 0;
  virtual Result<Ok> set_invoice_status(const std::string& invoice_id, InvoiceStatus status) = 0;
  /// Errors: "store.not_found".
  virtual Result<StoredInvoice> invoice(const std::string& invoice_id) = 0;
  virtual Result<std::vector<StoredInvoice>> invoices_of(const std::string& account_id) = 0;
  /// Inserts or replaces the attempt (invoice_id, attempt).
  virtual Result<Ok> save_attempt(const PaymentAttempt& attempt) = 0;
  virtual Result<std::vector<PaymentAttempt>> attempts_of(const std::string& invoice_id) = 0;
  /// Attempts in `status`, optionally only those scheduled on or before `through`.
  virtual Result<std::vector<PaymentAttempt>> attempts_in(
      AttemptStatus status, const std::optional<Date>& through = std::nullopt) = 0;
};

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
