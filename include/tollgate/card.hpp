#pragma once
// Card: a card on file as the payment provider describes it. Never its
// number: only what lets a customer recognize it and tells when it expires.

#include <optional>
#include <string>
#include <string_view>

#include "tollgate/calendar.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct Card {
  std::string brand;  ///< as the provider names it: "visa", "mastercard", "amex"...
  std::string last4;  ///< the last four digits
  int exp_month = 0;  ///< 1 to 12
  int exp_year = 0;   ///< four digits

  /// A brand of letters, digits and '_' ('-'), four digits, a month 1-12 and a
  /// four-digit year: what a provider's card always has.
  bool ok() const noexcept;
  /// The first day it no longer works: the first of the month after its expiry month.
  Date expires_on() const;

  bool operator==(const Card&) const = default;
};

/// "visa 4242 12/2027": how stores keep it, read back by parse_card.
std::string to_string(const Card& card);
/// nullopt unless `text` is what to_string writes for a card that is ok().
std::optional<Card> parse_card(std::string_view text);
/// "visa **** 4242, expires 12/2027": what a customer or an operator is shown.
std::string masked(const Card& card);

}  // namespace tollgate
TOLLGATE_API_END
