#include "tollgate/payments.hpp"

#include <utility>

namespace tollgate {
namespace {

constexpr std::pair<std::string_view, PaymentKind> kKinds[] = {
    {"PAYMENT", PaymentKind::payment},
    {"REFUND", PaymentKind::refund},
    {"CHARGEBACK", PaymentKind::chargeback},
    {"CHARGEBACK_REVERSAL", PaymentKind::chargeback_reversal},
};

// +1 when a movement lowers what is owed (money in), -1 when it raises it (money back out).
int direction(PaymentKind k) {
  return k == PaymentKind::payment || k == PaymentKind::chargeback_reversal ? 1 : -1;
}

}  // namespace

std::string_view to_string(PaymentKind k) noexcept {
  for (const auto& [name, kind] : kKinds)
    if (kind == k) return name;
  return "?";
}

std::optional<PaymentKind> parse_payment_kind(std::string_view text) noexcept {
  for (const auto& [name, kind] : kKinds)
    if (name == text) return kind;
  return std::nullopt;
}

Decimal invoice_balance(const std::string& invoice_id, const Invoice& invoice,
                        std::span<const Payment> movements) {
  Decimal balance = invoice.amount_due();
  for (const auto& m : movements)
    if (m.invoice_id == invoice_id) balance -= Decimal(direction(m.kind)) * m.amount;
  return balance;
}

Decimal refundable(const Payment& payment, std::span<const Payment> movements) {
  Decimal held = payment.amount;
  for (const auto& m : movements)
    if (m.kind != PaymentKind::payment && m.payment_id == payment.id)
      held += Decimal(direction(m.kind)) * m.amount;
  return held;
}

}  // namespace tollgate
