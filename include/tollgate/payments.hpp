#pragma once
// Payments: the money movements recorded against invoices, and what an
// invoice and an account owe once they are counted (balance.md).
//
// A movement is recorded once and never changed: a payment (a provider's
// charge, or an external payment such as a bank transfer or a cheque), a
// refund of part or all of a payment, a chargeback (a dispute the customer
// won: money taken back), and the reversal of a chargeback (a dispute the
// merchant won). Balances are computed from the movements, never stored
// beside them, so they cannot drift apart.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tollgate/calendar.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/invoice.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

enum class PaymentKind { payment, refund, chargeback, chargeback_reversal };
/// "PAYMENT", "REFUND", "CHARGEBACK", "CHARGEBACK_REVERSAL".
std::string_view to_string(PaymentKind k) noexcept;
std::optional<PaymentKind> parse_payment_kind(std::string_view text) noexcept;

/// How an external payment was made: Kill Bill's external payment method.
inline constexpr std::string_view kExternalPayment = "EXTERNAL";

struct Payment {
  std::string id;  ///< unique in the store
  std::string invoice_id;
  std::string account_id;
  PaymentKind kind = PaymentKind::payment;
  Decimal amount;          ///< positive, in the invoice's currency
  std::string method;      ///< kExternalPayment, or the provider's name ("stripe", "manual")
  std::string reference;   ///< the operator's reference (a cheque number), or the provider's id
  std::string payment_id;  ///< refunds, chargebacks and reversals: the payment they apply to
  Date on;                 ///< the local date it happened
};

/// What an invoice still asks to be paid: amount_due() less payments, plus
/// refunds and chargebacks, less chargeback reversals. `movements` may hold
/// other invoices' movements; only this invoice's count.
Decimal invoice_balance(const std::string& invoice_id, const Invoice& invoice,
                        std::span<const Payment> movements);

/// What a payment still holds and may be refunded: its amount less its
/// refunds and chargebacks, plus reversals of those chargebacks.
Decimal refundable(const Payment& payment, std::span<const Payment> movements);

}  // namespace tollgate
TOLLGATE_API_END
