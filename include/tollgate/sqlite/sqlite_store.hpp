#pragma once
// SqliteStore: the embedded default store, in one SQLite file.
//
// The schema is created and upgraded by numbered migrations recorded in the
// tollgate_migration table, each in its own transaction; the database runs in
// WAL mode; every multi-row change is one transaction; SQL only ever sees
// bound parameters; SQLITE_BUSY waits up to a timeout and then is reported as
// "store.busy" (worth retrying). <sqlite3.h> stays out of this header.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tollgate/event_inbox.hpp"
#include "tollgate/store.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::sqlite {

/// How hard a commit waits for the disk (SQLite's PRAGMA synchronous, in WAL mode).
enum class Synchronous {
  /// Survives a process crash; a power loss may roll back the last commits (the
  /// billing run then re-sends an attempt under the same idempotency key). Many times faster.
  normal,
  /// Every commit is on disk before it returns: survives a power loss.
  full,
};

struct SqliteOptions {
  Synchronous synchronous = Synchronous::full;
  /// SQLite's page cache for this connection, in MiB (SQLite's own default is 2).
  int cache_mib = 64;
  int busy_timeout_ms = 5000;
  bool create = true;      ///< create the file when missing
  bool read_only = false;  ///< open for reading only: every write fails with "store.readonly"
  /// Stop migrating at this schema version (0: the latest). For upgrade tests.
  int migrate_to = 0;
  /// Cap the database's size in pages (tests simulate a full disk with it).
  std::optional<std::int64_t> max_page_count = std::nullopt;
};

/// Process-wide SQLite settings for a program that owns its process, as the
/// `tollgate` tool does: SQLite's memory statistics off. They take a global
/// mutex on every allocation SQLite makes (`tollgate serve` records usage about
/// 6 % faster without them). SQLite takes such settings only before it is
/// first used in the process: call this first. Answers false, and changes
/// nothing, when it is too late. A library that links Tollgate leaves this to
/// its host, as SQLite's settings belong to the whole process.
bool tune_process();

class SqliteStore final : public BillingStore {
 public:
  static constexpr int latest_schema_version = 13;

  /// Opens or creates a store and brings its schema up to date. A database
  /// file it creates is readable and writable by its owner only (0600, whatever
  /// the umask), and SQLite gives its -wal and -shm files the same mode.
  /// Errors: "store.unavailable" (cannot open), "store.corrupt" (not a database),
  /// "store.foreign" (a SQLite database of another application), "store.newer"
  /// (made by a newer Tollgate), "store.readonly", or a migration's failure.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const SqliteOptions& options = {});
  ~SqliteStore() override;

  int schema_version() const;
  /// What opening noticed that the operator should hear of: a database file
  /// other local users may read or write (its mode is left as it is; Tollgate
  /// creates its own 0600). Empty when there is nothing to say.
  const std::vector<std::string>& warnings() const noexcept;

  Result<IngestResult> record_usage(std::span<const UsageEvent> events) override;
  Result<std::vector<UsageEvent>> usage_of(const std::string& subscription) override;
  Result<std::vector<UsageEvent>> usage_between(const std::string& subscription,
                                                const std::optional<Date>& from,
                                                const std::optional<Date>& to) override;

  Result<std::string> register_rules(const OrganizationKey& organization,
                                     std::string_view rule_json, Instant registered_at) override;
  Result<std::vector<StoredRuleSet>> rule_sets() override;
  Result<std::int64_t> rules_revision() override;

  /// Records the event id and runs `effect` in one transaction; store calls the
  /// effect makes on this store join that transaction.
  Result<Delivery> apply_once(std::string_view event_id,
                              const std::function<Result<Ok>()>& effect) override;
  Result<Ok> atomically(const std::function<Result<Ok>()>& f) override;

  Result<Ok> put_catalog(const std::string& version, std::string_view catalog_json) override;
  Result<std::string> catalog_json(const std::string& version) override;
  Result<Ok> create_account(const StoredAccount& account) override;
  Result<StoredAccount> account(const std::string& id) override;
  Result<Ok> update_account(const StoredAccount& account) override;
  Result<std::vector<std::string>> accounts_due(const Date& through) override;
  Result<std::string> account_of_subscription(const std::string& subscription) override;
  Result<Ok> add_payment_method(const PaymentMethod& method) override;
  Result<std::vector<PaymentMethod>> payment_methods(const std::string& account_id) override;
  Result<PaymentMethod> payment_method(const std::string& id) override;
  Result<Ok> set_default_payment_method(const std::string& account_id,
                                        const std::string& id) override;
  Result<Ok> remove_payment_method(const std::string& id) override;
  Result<std::size_t> move_accounts_to_catalog(const std::string& from, const std::string& to,
                                               const Date& due_by) override;
  Result<Ok> save_card(const std::string& account_id, const std::string& provider_method_id,
                       const Card& card) override;
  Result<std::optional<Card>> card_of(const std::string& provider_method_id) override;
  Result<std::optional<std::string>> remove_card(
      const std::string& provider_method_id, const std::optional<std::string>& account_id) override;
  Result<bool> card_removed(const std::string& provider_method_id) override;
  Result<std::optional<std::string>> account_of_customer(const std::string& customer_id) override;
  Result<std::vector<ClaimedAccount>> claim_due(const Date& through, const std::string& after,
                                                std::size_t limit, const Lease& lease) override;
  Result<bool> renew(const std::string& account_id, const Lease& lease) override;
  Result<Ok> release(const Lease& lease) override;
  Result<std::vector<std::string>> lease_holders() override;
  Result<Ok> release_worker(const std::string& worker) override;
  Result<std::size_t> held_elsewhere(const Date& through, const Lease& lease) override;

  Result<std::int64_t> append(const std::string& account_id, const JournalEntry& entry) override;
  Result<std::vector<JournalEntry>> journal(const std::string& account_id) override;
  Result<std::vector<SequencedUsage>> account_usage(const std::string& account_id) override;
  Result<Ok> save_snapshot(const std::string& account_id, const EngineSnapshot& snapshot) override;
  Result<std::optional<EngineSnapshot>> snapshot(const std::string& account_id) override;
  Result<std::optional<Date>> last_entry_date(const std::string& account_id) override;
  Result<std::int64_t> last_journal_seq(const std::string& account_id) override;
  Result<std::vector<JournalEntry>> journal_after(const std::string& account_id,
                                                  std::int64_t seq) override;
  Result<std::vector<SequencedUsage>> account_usage_after(const std::string& account_id,
                                                          std::int64_t seq) override;

  Result<Ok> save_invoice(const StoredInvoice& invoice) override;
  Result<Ok> set_invoice_status(const std::string& invoice_id, InvoiceStatus status) override;
  Result<Ok> set_invoice_written_off(const std::string& invoice_id, bool written_off) override;
  Result<StoredInvoice> invoice(const std::string& invoice_id) override;
  Result<std::vector<StoredInvoice>> invoices_of(const std::string& account_id) override;
  Result<Ok> save_attempt(const PaymentAttempt& attempt) override;
  Result<std::vector<PaymentAttempt>> attempts_of(const std::string& invoice_id) override;
  Result<std::vector<PaymentAttempt>> attempts_in(AttemptStatus status,
                                                  const std::optional<Date>& through) override;
  Result<std::vector<PaymentAttempt>> open_attempts(const std::string& account_id) override;
  Result<Decimal> account_credit(const std::string& account_id) override;
  Result<bool> record_payment(const Payment& payment) override;
  Result<Payment> payment(const std::string& payment_id) override;
  Result<std::optional<Payment>> payment_by_reference(PaymentKind kind, const std::string& method,
                                                      const std::string& reference) override;
  Result<std::vector<Payment>> payments_of(const std::string& invoice_id) override;
  Result<std::vector<Payment>> account_payments(const std::string& account_id) override;

  Result<bool> record_notification(const Notification& n) override;
  Result<Ok> mark_delivered(const std::string& key) override;
  Result<std::vector<Notification>> undelivered() override;
  Result<std::vector<Notification>> notifications_of(const std::string& account_id) override;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  friend struct StoreAccess;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::sqlite
TOLLGATE_API_END
