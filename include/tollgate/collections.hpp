#pragma once
// Collections: the money side of stored billing (balance.md). What each
// account owes, and the payments, refunds and credits that change it, each
// recorded once and in the same transaction as its effect on the invoice's
// status and the account's notices.
//
// Amounts are in the invoice's currency and must be a whole number of its
// minor unit. Every refusal changes nothing.

#include <optional>
#include <string>
#include <vector>

#include "tollgate/billing_service.hpp"
#include "tollgate/payment_provider.hpp"
#include "tollgate/payments.hpp"
#include "tollgate/store.hpp"

namespace tollgate {

/// One invoice as it stands now.
struct InvoiceStanding {
  StoredInvoice invoice;
  Decimal balance;   ///< what it still asks (payments.hpp)
  Decimal paid;      ///< payments and chargeback reversals, summed
  Decimal refunded;  ///< refunds and chargebacks, summed
};

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

class Collections {
 public:
  explicit Collections(BillingService& billing) : billing_(billing) {}

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

 private:
  Result<Ok> settle_status(const StoredInvoice& invoice, const Date& on);

  BillingService& billing_;
};

}  // namespace tollgate
