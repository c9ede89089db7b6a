#pragma once
// Currency: an ISO 4217 code and its minor unit (how many digits after the point).
//
// The table covers every active ISO 4217 currency, which includes every
// currency Stripe settles in. Rounding an amount "to the currency" means to its
// minor unit: 2 digits for USD and EUR, 0 for JPY and KRW, 3 for BHD, KWD, JOD,
// OMR and TND.

#include <string>
#include <string_view>

#include "tollgate/decimal.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

class Currency {
 public:
  /// Looks a code up (upper case, exactly three letters).
  /// Errors: code "currency.unknown".
  static Result<Currency> of(std::string_view code);

  std::string_view code() const noexcept { return {code_, 3}; }
  int minor_units() const noexcept { return minor_units_; }

  /// Rounds an amount to this currency's minor unit.
  Decimal round(const Decimal& amount, RoundingMode mode) const noexcept {
    return amount.round(minor_units_, mode);
  }
  /// "19.35" for USD, "387" for JPY, "3.871" for BHD (rounding with `mode`).
  std::string format(const Decimal& amount, RoundingMode mode = RoundingMode::half_up) const {
    return amount.to_fixed(minor_units_, mode);
  }

  friend bool operator==(const Currency& a, const Currency& b) noexcept {
    return a.code() == b.code();
  }

 private:
  Currency(std::string_view code, int minor_units) noexcept;
  char code_[3];
  int minor_units_;
};

}  // namespace tollgate
TOLLGATE_API_END
