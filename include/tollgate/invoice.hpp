#pragma once
// Invoice and InvoiceItem: what is billed on one date, and why.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/calendar.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/currency.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

enum class InvoiceItemType {
  fixed,       ///< a phase's one-time price
  recurring,   ///< a recurring price for a service period
  usage,       ///< rated usage for a usage period
  repair_adj,  ///< negative: service paid in advance and not used (immediate or start-of-term
               ///< change)
  credit,      ///< negative: prepaid credits applied
  credit_adj,  ///< negative: credit given to the account by an operator (no subscription)
};
/// "FIXED", "RECURRING", "USAGE", "REPAIR_ADJ", "CREDIT", "CREDIT_ADJ".
std::string_view to_string(InvoiceItemType t) noexcept;

struct InvoiceItem {
  InvoiceItemType type = InvoiceItemType::recurring;
  std::string subscription;         ///< empty for CREDIT and CREDIT_ADJ items
  std::string plan;                 ///< empty for CREDIT and CREDIT_ADJ items
  std::optional<PhaseType> phase;   ///< FIXED and RECURRING
  std::string usage;                ///< USAGE: the usage price name
  Date start;                       ///< service period start (FIXED: the day it is charged)
  std::optional<Date> end;          ///< service period end, exclusive (absent for FIXED)
  std::optional<Decimal> quantity;  ///< USAGE: the aggregated quantity billed
  Decimal amount;                   ///< rounded to the currency's minor unit
};

struct Invoice {
  Date date;
  Currency currency;  ///< the account's
  std::vector<InvoiceItem> items;
  /// Account credit this invoice moved (account_credit.hpp): positive when it
  /// added credit (a negative total), negative when it used credit, else 0.
  Decimal credit_adj;

  /// The sum of the (already rounded) items; may be negative.
  Decimal total() const {
    Decimal sum;
    for (const auto& item : items) sum += item.amount;
    return sum;
  }
  /// What the invoice asks to be paid before any payment: total + credit_adj, never negative.
  Decimal amount_due() const { return total() + credit_adj; }
  bool empty() const noexcept { return items.empty(); }
};

}  // namespace tollgate
TOLLGATE_API_END
