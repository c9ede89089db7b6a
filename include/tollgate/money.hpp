#pragma once
// Money: an exact amount in one currency.
//
// Money never mixes currencies silently: adding EUR to USD is an error value
// ("money.currency_mismatch"), not a number.

#include <string>
#include <utility>

#include "tollgate/currency.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

class Money {
 public:
  Money(Decimal amount, Currency currency) noexcept
      : amount_(amount), currency_(std::move(currency)) {}

  /// Errors: "currency.unknown".
  static Result<Money> of(const Decimal& amount, std::string_view currency_code);
  /// Errors: "decimal.*" for the amount, "currency.unknown".
  static Result<Money> parse(std::string_view amount, std::string_view currency_code);

  const Decimal& amount() const noexcept { return amount_; }
  const Currency& currency() const noexcept { return currency_; }

  /// Errors: "money.currency_mismatch".
  Result<Money> plus(const Money& other) const;
  /// Errors: "money.currency_mismatch".
  Result<Money> minus(const Money& other) const;
  /// Exact product (a price times a quantity or a day fraction).
  Money times(const Decimal& factor) const noexcept { return {amount_ * factor, currency_}; }
  /// Rounded once to the currency's minor unit.
  Money rounded(RoundingMode mode) const noexcept {
    return {currency_.round(amount_, mode), currency_};
  }

  /// "19.35 USD".
  std::string to_string(RoundingMode mode = RoundingMode::half_up) const {
    return currency_.format(amount_, mode) + " " + std::string(currency_.code());
  }

  friend bool operator==(const Money&, const Money&) = default;

 private:
  Decimal amount_;
  Currency currency_;
};

}  // namespace tollgate
TOLLGATE_API_END
