#pragma once
// PostgresStore: the store on a PostgreSQL server, for hosts that run several
// instances (or billing-run workers) against one database.
//
// The same interfaces, schema versions and behaviour as SqliteStore: numbered
// migrations recorded in tollgate_migration (applied under an advisory lock, so
// workers starting together migrate once); every multi-row change one
// transaction; SQL only ever with bound parameters. Billing-run claims use row
// locks and leases judged by the server's clock. One PostgresStore is one
// connection: use one per thread or process. <libpq-fe.h> stays out of this header.

#include <memory>
#include <string>

#include "tollgate/store.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::postgres {

struct PostgresOptions {
  /// Stop migrating at this schema version (0: the latest). For upgrade tests.
  int migrate_to = 0;
};

class PostgresStore final : public BillingStore {
 public:
  static constexpr int latest_schema_version = 13;

  /// Connects with a libpq connection string ("host=127.0.0.1 port=5432
  /// dbname=billing user=tollgate", or a postgresql:// URI; a password is best
  /// left to PGPASSWORD or ~/.pgpass) and brings the schema up to date.
  /// Errors: "store.unavailable" (cannot connect), "store.newer" (made by a
  /// newer Tollgate), or a migration's failure.
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& conninfo,
                                                     const PostgresOptions& options = {});
  ~PostgresStore() override;

  int schema_version() const;

  Result<IngestResult> record_usage(std::span<const UsageEvent> events) override;
  Result<std::vector<UsageEvent>> usage_of(const std::string& subscription) override;
  Result<std::vector<UsageEvent>> usage_between(const std::string& subscription,
                                                const std::optional<Date>& from,
                                                const std::optional<Date>& to) override;

  Result<std::string> register_rules(const OrganizationKey& organization,
                                     std::string_view rule_json, Instant registered_at) override;
  Result<std::vector<StoredRuleSet>> rule_sets() override;
  Result<std::int64_t> rules_revision() override;

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
  Result<std::vector<bool>> renew_each(std::span<const std::string> account_ids,
                                       const Lease& lease) override;
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
  friend struct StoreAccess;  // PostgresTenantStore shares the connection
  struct Impl;
  explicit PostgresStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::postgres
TOLLGATE_API_END
