#pragma once
// Collections: the money side of stored billing (balance.md). What each
// account owes, and the payments, refunds and credits that change it, each
// recorded once and in the same transaction as its effect on the invoice's
// status and the account's notices.
//
// It is also the one place a charge's outcome is recorded, whoever reports it:
// the daily run with the provider's answer, or a provider's webhook. The
// dunning policy, the notices, the overdue state and so entitlement follow
// from record_charge() the same way either way; a provider adapter only maps
// its events to a ChargeReport.
//
// Amounts are in the invoice's currency and must be a whole number of its
// minor unit. Every refusal changes nothing.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tollgate/billing_service.hpp"
#include "tollgate/payment_provider.hpp"
#include "tollgate/payments.hpp"
#include "tollgate/store.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

/// One invoice as it stands now.
struct InvoiceStanding {
  StoredInvoice invoice;
  Decimal balance;   ///< what it still asks (payments.hpp)
  Decimal paid;      ///< payments and chargeback reversals, summed
  Decimal refunded;  ///< refunds and chargebacks, summed
};

/// What a stored invoice still asks, as statements show it: its balance
/// (invoice_balance, payments.hpp), or 0 while it is written off.
Decimal balance_shown(const StoredInvoice& invoice, std::span<const Payment> movements);

/// What an account owes: Kill Bill's accountBalance and accountCBA.
struct AccountStatement {
  std::string account_id;
  std::string currency;
  Decimal credit;   ///< account credit held (CBA)
  Decimal balance;  ///< the invoices' balances less the credit (negative: credit to spend)
  std::vector<InvoiceStanding> invoices;  ///< in date order
  std::vector<Payment> payments;          ///< every movement, in the order recorded
};

/// A payment made outside any provider: cash, a bank transfer, a cheque.
struct ExternalPayment {
  std::string invoice_id;
  Decimal amount;
  std::string reference;  ///< the operator's: the same invoice and reference is one payment
  Date on;
};

struct RefundOrder {
  std::string payment_id;
  Decimal amount;
  Date on;
  std::string reference;  ///< external payments: the operator's reference (optional)
};

struct DunningPolicy {
  /// Days after a failed attempt before the next one; when they run out the
  /// invoice is FAILED and the account overdue.
  std::vector<int> retry_after_days{1, 3, 7};
  /// Days an attempt waits for the customer to confirm it (3-D Secure) before
  /// the run voids it at the provider and counts it failed; dunning then goes
  /// on as after a decline.
  int action_wait_days = 3;
};

enum class ChargeResult {
  succeeded,        ///< the money is in
  declined,         ///< the customer's payment failed: dunning goes on
  requires_action,  ///< the customer must confirm it (3-D Secure)
  pending,          ///< the provider has not settled it yet
};

/// What a provider reported about one charge of an invoice.
struct ChargeReport {
  std::string invoice_id;
  int attempt = 0;        ///< the attempt, when the reporter knows it (0: found by charge_id)
  std::string charge_id;  ///< the provider's id ("pi_...")
  std::string provider;   ///< the provider's name(): the method of the payment recorded
  ChargeResult result = ChargeResult::pending;
  std::string failure;     ///< declined: why ("card_declined: insufficient_funds")
  Date on;                 ///< the account's local date of the report
  std::string action_url;  ///< requires_action: where the customer confirms it, when known
};

/// Money a provider reports moving on its own: a refund made in its
/// dashboard, a chargeback when a customer disputes a charge, its reversal
/// when the merchant wins the dispute.
struct ProviderMovement {
  std::string provider;           ///< the provider's name(): the payment's method
  std::string payment_reference;  ///< the provider's id of the charge it applies to ("pi_...")
  PaymentKind kind = PaymentKind::refund;  ///< refund, chargeback or chargeback_reversal
  std::string reference;  ///< the provider's id of the movement ("re_...", "du_...")
  Decimal amount;
  Date on;
};

class Collections {
 public:
  /// `recorded` is told of each notice recorded, after the store took it (the
  /// daily run hands them to the host once its transaction commits).
  explicit Collections(BillingService& billing,
                       std::function<void(const Notification&)> recorded = {})
      : billing_(billing), recorded_(std::move(recorded)) {}

  /// Records a charge's outcome against the invoice's attempt, once: a report
  /// repeated, or arriving after a later one settled the attempt, changes
  /// nothing. Succeeded: the attempt SUCCEEDED, a payment of what it asked
  /// for (reference: the charge id), the invoice PAID once its balance is zero
  /// (PAYMENT_SUCCEEDED). Declined: the attempt FAILED, PAYMENT_FAILED, and the
  /// next attempt scheduled after `dunning`'s delay, or, when the delays ran
  /// out, the invoice FAILED and the account overdue; a PAID invoice stays
  /// PAID. Requires action: the attempt ACTION_REQUIRED with the report's
  /// confirmation URL, due to be given up `dunning.action_wait_days` later
  /// (the daily run voids it then and records it declined), and a
  /// PAYMENT_ACTION_REQUIRED notice carrying the URL. Pending: the attempt PENDING.
  /// Errors: "store.not_found" (invoice), store errors.
  Result<Ok> record_charge(const ChargeReport& report, const DunningPolicy& dunning = {});

  /// Records a movement the provider reports, once by its reference, whatever
  /// the order reports arrive in: a reversal whose chargeback was not reported
  /// yet records the chargeback too, so the balance ends the same. The
  /// invoice's status follows (a REFUNDED notice for money given back).
  /// Errors: "store.not_found" (no payment of ours has that reference yet: a
  /// webhook is retried later), store errors.
  Result<Ok> record_movement(const ProviderMovement& movement);

  /// Errors: "store.not_found" (account), store errors.
  Result<AccountStatement> statement(const std::string& account_id);

  /// Records an external payment against an invoice; the invoice is PAID once
  /// its balance reaches zero (a PAYMENT_SUCCEEDED notice; an overdue account
  /// with nothing left failed is overdue no more). The same invoice and
  /// reference again returns the payment already recorded.
  /// Errors: "store.not_found" (invoice); "refused.amount" (not > 0, or finer
  /// than the currency); "refused.reference" (empty); "refused.overpayment"
  /// (more than the balance); store errors.
  Result<Payment> pay(const ExternalPayment& payment);

  /// Refunds part or all of a payment, up to what it still holds (its amount
  /// less earlier refunds and chargebacks). A provider's payment is refunded
  /// through `provider` first, under the idempotency key
  /// "tollgate-refund-<payment>-<n>" (n counts its refunds), so a refund
  /// retried after a crash is made once. The invoice's balance rises by the
  /// amount; a PAID invoice with a balance again is UNPAID. A REFUNDED notice.
  /// Errors: "store.not_found" (payment); "refused.amount" (not > 0, finer
  /// than the currency); "refused.refund" (more than the payment holds, or
  /// not a payment); "refused.provider" (a provider's payment and no such
  /// provider given); "provider.<code>" (the provider refused); store errors.
  Result<Payment> refund(const RefundOrder& order, PaymentProvider* provider = nullptr);

  /// Gives the account `amount` of credit (goodwill, an SLA refund): an
  /// account_credit operation journaled on `on`, and that date's invoice
  /// issued at once with its CREDIT_ADJ item, so the credit is held now.
  /// `credit_id` makes it idempotent (empty: a new id).
  /// Errors: the engine's ("refused.amount"...), store errors.
  Result<StoredInvoice> credit(const std::string& account_id, const Decimal& amount,
                               const std::string& reason, const Date& on, Instant now,
                               std::string credit_id = "");

  /// Sets the account's controls (Kill Bill's control tags, account_controls.hpp).
  /// When its charges were off (AUTO_PAY_OFF, MANUAL_PAY) and no longer are,
  /// each UNPAID invoice with a balance and no attempt open gets one, SCHEDULED
  /// on `on`, for the next daily run to send: what waited is collected, as
  /// Kill Bill pays it when the tag is removed.
  /// Errors: "store.not_found" (account), store errors; nothing changes then.
  Result<Ok> set_controls(const std::string& account_id, const AccountControls& controls,
                          const Date& on);

  /// Writes an invoice off (Kill Bill's WRITTEN_OFF tag), or takes that back.
  /// Written off, its balance no longer counts toward the account's
  /// (statement() shows it as 0), its scheduled attempts are cancelled and no
  /// retry is made for it, and an account overdue for it alone is overdue no
  /// more. Taken back, it is owed again: a FAILED one makes the account
  /// overdue again, and an UNPAID one with a balance gets an attempt SCHEDULED
  /// on `on` unless the account's charges are off. Payments and refunds are
  /// still recorded against it either way.
  /// Errors: "store.not_found" (invoice), store errors; nothing changes then.
  Result<Ok> write_off(const std::string& invoice_id, bool written_off, const Date& on);

 private:
  Result<Ok> settle_status(const StoredInvoice& invoice, const Date& on);
  Result<Ok> clear_overdue_unless_failed(const std::string& account_id,
                                         const std::string& settled_invoice);
  Result<Ok> schedule_collection(const StoredInvoice& invoice, const Date& on);
  Result<Ok> notify(const Notification& n);
  Result<Ok> action_required(const StoredInvoice& invoice, PaymentAttempt attempt,
                             const ChargeReport& report, const DunningPolicy& dunning);
  Result<Ok> declined(const StoredInvoice& invoice, PaymentAttempt attempt,
                      const ChargeReport& report, const DunningPolicy& dunning);

  BillingService& billing_;
  std::function<void(const Notification&)> recorded_;
};

}  // namespace tollgate
TOLLGATE_API_END
