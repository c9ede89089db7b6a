#pragma once
// A payment provider for tests that keeps its charges in a SQLite file, as a
// real provider keeps them on its side: a process killed mid-run leaves them
// there, and the same idempotency key always gets the first answer back.

#include <sqlite3.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "tollgate/payment_provider.hpp"

namespace tollgate::test {

class FakeProvider final : public PaymentProvider {
 public:
  /// `path` ":memory:" keeps the charges in memory.
  /// `latency` is how long each charge takes, as a network round trip would.
  explicit FakeProvider(const std::string& path, std::chrono::microseconds latency = {})
      : latency_(latency) {
    sqlite3_open(path.c_str(), &db_);
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode = WAL");  // several worker processes charge at once
    exec(
        "CREATE TABLE IF NOT EXISTS charge (key TEXT PRIMARY KEY, invoice_id TEXT, customer TEXT, "
        "amount TEXT, "
        "status TEXT)");
    exec("CREATE TABLE IF NOT EXISTS refund (key TEXT PRIMARY KEY, charge_id TEXT, amount TEXT)");
  }
  ~FakeProvider() override { sqlite3_close(db_); }
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  /// Every charge for this customer is declined (insufficient funds).
  void decline(const std::string& customer) { declined_.insert(customer); }
  void accept(const std::string& customer) { declined_.erase(customer); }
  /// Every charge for this customer needs 3-D Secure: it waits for the
  /// customer (requires_action) until confirm() or cancel_charge().
  void require_authentication(const std::string& customer) { authenticate_.insert(customer); }
  /// The customer confirms a charge waiting for them; false when it was not waiting.
  bool confirm(const std::string& charge_id) { return update_waiting(charge_id, "succeeded"); }
  int cancels = 0;  ///< cancel_charge calls

  /// How many charges (distinct keys) with this status the provider holds for an invoice.
  int charges(const std::string& invoice_id, const std::string& status = "succeeded") {
    return count("SELECT count(*) FROM charge WHERE invoice_id = ?1 AND status = ?2", invoice_id,
                 status);
  }
  /// The amounts of an invoice's succeeded charges, as the provider was asked for them.
  std::vector<Decimal> amounts(const std::string& invoice_id) {
    std::vector<Decimal> out;
    sqlite3_stmt* st = statement(
        "SELECT amount FROM charge WHERE invoice_id = ?1 AND status = 'succeeded' ORDER BY rowid",
        {invoice_id});
    while (sqlite3_step(st) == SQLITE_ROW)
      out.push_back(*Decimal::parse(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))));
    sqlite3_finalize(st);
    return out;
  }
  int all_charges(const std::string& status = "succeeded") {
    return count("SELECT count(*) FROM charge WHERE status = ?1", status, "");
  }

  /// Its name(), the method of the payments recorded for its charges: a test
  /// of Stripe's webhooks names it "stripe".
  std::string provider_name = "fake";
  std::string_view name() const override { return provider_name; }
  /// While set, every charge fails with it before reaching the provider (an outage, a TLS error).
  std::optional<ProviderError> outage;
  /// While set, a charge is made and its answer lost (a crash, a cut connection).
  bool lose_answers = false;
  /// While set, a charge is made and stays processing: its outcome comes later (a webhook).
  bool pending = false;

  /// Forgets every idempotency key, as Stripe does after 24 hours: the same
  /// key then makes a new charge. The charges themselves stay.
  void forget_keys() { exec("UPDATE charge SET key = key || '-forgotten-' || rowid"); }

  /// The charge made for the request's invoice and attempt, under its key
  /// whether remembered or forgotten.
  ProviderResult<std::optional<ChargeOutcome>> find_charge(const ChargeRequest& r) override {
    ++lookups;
    std::string key = charge_idempotency_key(r);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_,
                       "SELECT status FROM charge WHERE key = ?1 OR key LIKE ?1 || '-forgotten-%' "
                       "ORDER BY rowid LIMIT 1",
                       -1, &st, nullptr);
    sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    std::optional<ChargeOutcome> found;
    if (sqlite3_step(st) == SQLITE_ROW) {
      std::string status = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      found = outcome(key, status);
    }
    sqlite3_finalize(st);
    return found;
  }
  int lookups = 0;

  /// Voids a charge still waiting for the customer; answers how it ended.
  ProviderResult<ChargeOutcome> cancel_charge(const std::string& charge_id) override {
    ++cancels;
    update_waiting(charge_id, "canceled");
    sqlite3_stmt* st =
        statement("SELECT key, status FROM charge WHERE 'pi_' || key = ?1", {charge_id});
    std::optional<ChargeOutcome> found;
    if (sqlite3_step(st) == SQLITE_ROW)
      found = outcome(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                      reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
    sqlite3_finalize(st);
    if (!found)
      return unexpected(ProviderError{404, "invalid_request_error", "resource_missing", "",
                                      "no such charge", "", false});
    return *found;
  }

  ProviderResult<ChargeOutcome> charge(const ChargeRequest& r) override {
    if (outage) return unexpected(*outage);
    if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
    std::string key = charge_idempotency_key(r);
    std::string status = declined_.contains(r.customer_id)       ? "failed"
                         : authenticate_.contains(r.customer_id) ? "requires_action"
                                                                 : "succeeded";
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        db_,
        "INSERT INTO charge VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO UPDATE SET key = key "
        "RETURNING status",
        -1, &st, nullptr);
    sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, r.invoice_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, r.customer_id.c_str(), -1, SQLITE_TRANSIENT);
    std::string amount = r.amount.amount().to_string();
    sqlite3_bind_text(st, 4, amount.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, status.c_str(), -1, SQLITE_TRANSIENT);
    bool answered = sqlite3_step(st) == SQLITE_ROW;
    if (answered) status = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (!answered)  // as a network timeout: the outcome is unknown, ask again with the same key
      return unexpected(ProviderError{0, "api_connection_error", "", "", "busy", "", true});
    if (pending && status != "failed")
      return ChargeOutcome{"pi_" + key, ChargeStatus::pending, "", ""};
    if (lose_answers)  // made, but the answer never arrives: ask again later
      return unexpected(ProviderError{0, "transport", "timeout", "", "lost", "", true});
    if (status == "requires_action")
      return ChargeOutcome{"pi_" + key, ChargeStatus::requires_action, "authentication_required",
                           "https://pay.example/confirm/pi_" + key};
    if (status == "failed")
      return unexpected(ProviderError{402, "card_error", "card_declined", "insufficient_funds",
                                      "declined", "", false});
    return ChargeOutcome{"pi_" + key, ChargeStatus::succeeded, "", ""};
  }

  ProviderResult<ProviderCustomer> create_customer(const CustomerInfo&) override {
    return unsupported();
  }
  ProviderResult<ProviderCustomer> update_customer(const std::string&,
                                                   const CustomerInfo&) override {
    return unsupported();
  }
  ProviderResult<SetupSession> start_payment_method_setup(const SetupRequest&) override {
    return unsupported();
  }
  ProviderResult<SetupOutcome> payment_method_setup_result(const std::string&) override {
    return unsupported();
  }
  ProviderResult<CheckoutSession> start_credit_purchase(const CreditPurchaseRequest&) override {
    return unsupported();
  }
  /// Refunds once per idempotency key, as Stripe does: the same key returns the same refund.
  ProviderResult<RefundOutcome> refund(const RefundRequest& r) override {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_,
                       "INSERT INTO refund VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET key "
                       "= key RETURNING rowid",
                       -1, &st, nullptr);
    sqlite3_bind_text(st, 1, r.idempotency_key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, r.charge_id.c_str(), -1, SQLITE_TRANSIENT);
    std::string amount = r.amount ? r.amount->amount().to_string() : "all";
    sqlite3_bind_text(st, 3, amount.c_str(), -1, SQLITE_TRANSIENT);
    bool answered = sqlite3_step(st) == SQLITE_ROW;
    std::string id = answered ? "re_" + std::to_string(sqlite3_column_int64(st, 0)) : "";
    sqlite3_finalize(st);
    if (!answered)
      return unexpected(ProviderError{0, "api_connection_error", "", "", "busy", "", true});
    return RefundOutcome{id, "succeeded"};
  }
  /// How many refunds (distinct keys) the provider made.
  int refunds() { return count("SELECT count(*) FROM refund WHERE ?1 = ?1", "x", ""); }
  ProviderResult<CatalogMapping> publish_catalog(const Catalog&, std::string_view) override {
    return unsupported();
  }
  ProviderResult<Ok> report_usage(const UsageReport&) override { return unsupported(); }

 private:
  static ChargeOutcome outcome(const std::string& key, const std::string& status) {
    if (status == "succeeded") return ChargeOutcome{"pi_" + key, ChargeStatus::succeeded, "", ""};
    if (status == "requires_action")
      return ChargeOutcome{"pi_" + key, ChargeStatus::requires_action, "authentication_required",
                           "https://pay.example/confirm/pi_" + key};
    if (status == "canceled")
      return ChargeOutcome{"pi_" + key, ChargeStatus::failed, "authentication_required", ""};
    return ChargeOutcome{"pi_" + key, ChargeStatus::failed, "card_declined: insufficient_funds",
                         ""};
  }
  // A prepared statement with its texts bound in order (?1, ?2...); the caller finalizes it.
  sqlite3_stmt* statement(const char* sql, std::initializer_list<std::string> texts) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, sql, -1, &st, nullptr);
    int at = 0;
    for (const auto& t : texts) sqlite3_bind_text(st, ++at, t.c_str(), -1, SQLITE_TRANSIENT);
    return st;
  }
  bool update_waiting(const std::string& charge_id, const char* status) {
    sqlite3_stmt* st = statement(
        "UPDATE charge SET status = ?2 WHERE 'pi_' || key = ?1 AND status = 'requires_action'",
        {charge_id, status});
    sqlite3_step(st);
    sqlite3_finalize(st);
    return sqlite3_changes(db_) == 1;
  }
  static Unexpected<ProviderError> unsupported() {
    return unexpected(
        ProviderError{0, "invalid_request_error", "unsupported", "", "not in the fake", "", false});
  }
  void exec(const char* sql) { sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
  int count(const char* sql, const std::string& a, const std::string& b) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, sql, -1, &st, nullptr);
    sqlite3_bind_text(st, 1, a.c_str(), -1, SQLITE_TRANSIENT);
    if (!b.empty()) sqlite3_bind_text(st, 2, b.c_str(), -1, SQLITE_TRANSIENT);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  }

  sqlite3* db_ = nullptr;
  std::chrono::microseconds latency_;
  std::set<std::string> declined_;
  std::set<std::string> authenticate_;
};

}  // namespace tollgate::test
