#pragma once
// BillingService: accounts kept in a BillingStore, each rebuilt on demand by
// replaying its journal through a BillingEngine.
//
// An operation is judged by the engine first (with the rule set in force when
// it was requested) and journaled only when accepted, in one transaction: a
// refused operation leaves no trace. Usage is stored in batches and placed
// between journal entries, so a replay sees it exactly where it arrived.
// The rule book is reloaded whenever the store's rules_revision() moved, so a
// registration made through another handle is in force for the next request
// and every replay judges with the rules the request was judged by.
// Entitlement combines the subscription's state, blocks, pauses, the account's
// dunning state and its prepaid credits.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "tollgate/billing_engine.hpp"
#include "tollgate/operation.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rule_book.hpp"
#include "tollgate/store.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

/// What an overdue account (dunning ran out) may still use.
enum class OverdueAccess { keep, block };

/// What a rebuild of an account's engine replays: everything, or its timeline
/// only (operations and invoicing runs, without usage): enough for what
/// depends on the timeline alone (statuses, bill cycle day, whether usage is
/// accepted), at a cost that does not grow with the period's usage, but not
/// for amounts.
enum class Scope { everything, timeline };

/// How an account's engine is rebuilt: from its snapshot at its last invoice
/// and the journal since (the store's snapshots, kept by issue()), or always
/// from the whole journal (slower as accounts age; the reference to check
/// snapshots against).
enum class Replay { from_snapshot, whole_journal };

class BillingService {
 public:
  explicit BillingService(BillingStore& store, OverdueAccess overdue = OverdueAccess::block,
                          Replay replay = Replay::from_snapshot);

  /// Creates an account under a stored catalog version.
  /// Errors: "store.conflict" (the id exists), "store.not_found" (catalog),
  /// "engine.currency" (the catalog does not sell in its currency).
  Result<Ok> open_account(const StoredAccount& account);

  /// Applies an operation requested at `requested_at` and journals it.
  /// Errors: the engine's refusals ("refused.*", "unknown.*", "engine.date")
  /// and store errors; nothing is stored then.
  Result<Recorded> apply(const std::string& account_id, const Operation& op, Instant requested_at);

  /// Stores a batch of usage in one transaction; repeated ids are counted as
  /// duplicates. Each event is judged by its account's engine first, so that
  /// stored usage is always billed: usage on the day a subscription stops is
  /// kept for its last period, and the account's next run is brought forward
  /// to the date late usage falls due.
  /// Errors, naming the first event refused ("usage[3]: ..."), with nothing
  /// stored: "usage.subscription" (unknown subscription); the engine's
  /// refusals ("refused.not_entitled": not active that day, or dated after the
  /// subscription stopped; "refused.metric": the phase that day does not price
  /// it; "refused.quantity"; "refused.usage_id"); store errors.
  Result<IngestResult> record_usage(std::span<const UsageEvent> events);

  /// Issues an invoice the account's engine made on `on`, in one transaction:
  /// an invoicing entry in the journal (so a replay bills the same), and,
  /// unless it is empty, the invoice settled against the account credit its
  /// stored invoices left (balance.md), saved with the next invoice number,
  /// UNPAID with a first payment attempt for what it asks (`first`: STARTED
  /// when the caller sends it now, SCHEDULED for the next run; none when the
  /// account's charges are off, AccountControls::charges_off) or SETTLED
  /// when nothing is due. `account` is the account as the caller read it. Returns the stored
  /// invoice (nullopt when empty) and its attempt. Given `engine` (this service's, after its
  /// invoice(on)), its snapshot is kept, so the next rebuild of the account starts there. Errors:
  /// store errors; nothing is stored then.
  struct Issued {
    StoredInvoice invoice;
    std::optional<PaymentAttempt> attempt;
  };
  Result<std::optional<Issued>> issue(const StoredAccount& account, Invoice invoice, const Date& on,
                                      Instant now, AttemptStatus first = AttemptStatus::scheduled,
                                      const BillingEngine* engine = nullptr);

  /// Adds a payment method to an account on `on`, and makes it the default
  /// when `make_default` or when the account has none. The default is what the
  /// daily run charges: the account's customer_id and payment_method_id take
  /// its provider ids, and a payment_method operation is journaled (it lifts
  /// a REQUIRE_PAYMENT_METHOD block).
  /// Errors: "store.not_found" (account), "store.conflict" (the id exists),
  /// the engine's refusals, store errors; nothing is stored then.
  Result<Ok> add_payment_method(const PaymentMethod& method, bool make_default, const Date& on,
                                Instant now);
  /// What the provider says of a card of the account (Stripe's
  /// payment_method.attached), kept by its id: it becomes the account's card
  /// (StoredAccount::card) now if it is the one charged, or when it becomes
  /// that later, whichever comes first. The account's next run falls on
  /// `on` at the latest, so that the run plans its card-expiring notice.
  /// Errors: "store.not_found" (account), store errors.
  Result<Ok> describe_card(const std::string& account_id, const std::string& provider_method_id,
                           const Card& card, const Date& on);
  /// The account's local date of `at`, never before its latest journal entry:
  /// the day an event from outside (a provider's webhook) happened for it.
  /// Errors: "time_zone.unknown" (the account's zone), store errors.
  Result<Date> event_day(const StoredAccount& account, Instant at);
  /// The provider removed a payment method at `at` (payment_method.detached):
  /// its card is forgotten, and if it was the one charged the account has none
  /// (payment_method_id and card empty) until another is set up. Then a
  /// payment_method_removed operation is journaled, dated on the account's
  /// local day of `at` (never before its last operation): REQUIRE_PAYMENT_METHOD
  /// subscriptions are blocked again from their next charge
  /// (BillingEngine::detach_payment_method). It stays removed: a late
  /// description or set-up of it changes nothing. The account is the card's,
  /// else `account_id`.
  /// Errors: "time_zone.unknown" (the account's zone), store errors.
  Result<Ok> forget_card(const std::string& provider_method_id,
                         const std::optional<std::string>& account_id, Instant at);
  /// Removes one of the account's payment methods (Kill Bill's DELETE
  /// /paymentMethods/{id}). The default one only when `default_too` (Kill
  /// Bill's forceDefaultPmDeletion or deleteDefaultPmWithAutoPayOff); then the
  /// account has none to charge, as after forget_card: a payment_method_removed
  /// operation is journaled on the account's local day of `at`, and its card
  /// is forgotten for good.
  /// Errors: "store.not_found" (not a method of the account),
  /// "refused.default_payment_method" (the default, without `default_too`),
  /// "time_zone.unknown", store errors; nothing is changed then.
  Result<Ok> remove_payment_method(const std::string& account_id, const std::string& id,
                                   bool default_too, Instant at);
  /// Makes an account's payment method its default, as above.
  /// Errors: "store.not_found" (not a method of the account), store errors.
  Result<Ok> set_default_payment_method(const std::string& account_id, const std::string& id,
                                        const Date& on, Instant now);

  /// The account's engine as of now, rebuilt from its snapshot and journal
  /// (with its usage unless `scope` is Scope::timeline).
  /// Errors: "store.not_found", "store.replay" (a journaled operation no longer
  /// applies: the journal was edited by hand), store errors.
  Result<BillingEngine> engine(const std::string& account_id);
  /// The account's bill cycle day as its journal sets it (the one it was
  /// opened with, else its first ACCOUNT-aligned billable day; a BCD change
  /// moves it), nullopt while nothing has set it. Answered by the timeline
  /// engine kept for judging usage while nothing was journaled since, so a
  /// read costs the same at any age.
  /// Errors: "store.not_found" (account), store errors.
  Result<std::optional<int>> bill_cycle_day(const std::string& account_id);
  Result<BillingEngine> engine(const StoredAccount& account, Scope scope = Scope::everything);
  /// The account's engine after `then` ran on it. An engine restored from a
  /// snapshot that `then` found lacking history (it reached back before what
  /// the snapshot kept: BillingEngine::needs_history) is rebuilt from the whole
  /// journal and `then` runs again on that one, so `then` must only call the
  /// engine. The engine keeps no copy of the invoices it replays
  /// (BillingEngine::keep_invoices): the store holds them.
  /// Errors: as engine(), and what `then` returns.
  Result<BillingEngine> engine(const StoredAccount& account,
                               const std::function<Result<Ok>(BillingEngine&)>& then);

  /// Whether the account may use `subject` (a subscription id, or a product
  /// name: any of its subscriptions) on `at`: the subscription is active (not
  /// pending, blocked, paused or cancelled), the account is not overdue (unless
  /// OverdueAccess::keep), and usage paid with credits still has credits left.
  /// Errors: "store.not_found" and store errors (an unknown subject is false).
  Result<bool> is_entitled(const std::string& account_id, const std::string& subject,
                           const Date& at);

  /// The catalog of a stored version (loaded once). Errors: "store.not_found", "store.catalog".
  Result<std::shared_ptr<const Catalog>> catalog(const std::string& version);

  BillingStore& store() noexcept { return store_; }
  /// What an overdue account may still use, as this service judges it.
  OverdueAccess overdue_access() const noexcept { return overdue_; }

 private:
  Result<const RuleBook*> rule_book();
  /// Whether a rebuilt engine keeps a copy of each invoice it replays: only
  /// the engines engine(account) hands out do (their invoices() is the
  /// account's); the service's own work needs none, and the copies cost
  /// about as much as generating the invoices.
  enum class History { kept, dropped };
  Result<BillingEngine> replay(const StoredAccount& account, const RuleBook& book, Scope scope,
                               History history);
  Result<BillingEngine> replay_whole(const StoredAccount& account, const RuleBook& book,
                                     Scope scope, History history);
  Result<std::optional<BillingEngine>> restore(const StoredAccount& account, const RuleBook& book,
                                               Scope scope, History history);
  Result<BillingEngine> with_engine(const StoredAccount& account, const RuleBook& book,
                                    const std::function<Result<Ok>(BillingEngine&)>& then);

  BillingStore& store_;
  OverdueAccess overdue_;
  Replay replay_;
  /// What the last rebuild of an account replayed: when its last operation
  /// was requested (the rule set a snapshot of that engine is restored with),
  /// and how many entries and usage events it replayed after a snapshot (or
  /// in all): a snapshot is worth keeping only when that is many.
  struct Replayed {
    std::optional<Instant> rules_at;
    std::size_t replayed = 0;
  };
  std::map<std::string, Replayed> replayed_;  ///< bounded; see remember_replay
  void remember_replay(const std::string& account_id, Replayed replayed);
  /// Engines that judged usage (the timeline only), kept while the account's
  /// journal, settings and the rules stay as they were: judging a POST of
  /// usage then costs two lookups, not a rebuild from the snapshot. Bounded.
  struct Judge {
    std::int64_t journal_seq = 0;
    std::int64_t rules_revision = 0;
    StoredAccount account;
    BillingEngine engine;
  };
  std::map<std::string, Judge> judges_;
  /// The account's judge, its account as read now (in the caller's transaction).
  Result<Judge*> judge_for(const std::string& account_id);
  std::map<std::string, std::shared_ptr<const Catalog>> catalogs_;
  std::optional<RuleBook> rules_;
  std::int64_t rules_revision_ = -1;  ///< of the store when rules_ was loaded
};

}  // namespace tollgate
TOLLGATE_API_END
