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

  /// A code as it is given, looked up once: construction never fails, ok()
  /// tells (as date's year_month_day does for a day that does not exist).
  /// This is what Account, Invoice and SetupRequest hold, so that
  /// `Account{"acme", "USD", "UTC", 1}` reads as the code it is, and what
  /// reads them asks ok() or checked() instead of looking the code up again.
  Currency() noexcept : minor_units_(-1) {}  ///< no code: !ok()
  Currency(std::string_view code);
  Currency(const char* code) : Currency(std::string_view(code)) {}
  Currency(const std::string& code) : Currency(std::string_view(code)) {}

  /// Whether the code is an ISO 4217 currency (Currency::of would accept it).
  bool ok() const noexcept { return minor_units_ >= 0; }
  /// This currency, or the error Currency::of gives for its code.
  /// Errors: code "currency.unknown".
  Result<Currency> checked() const;

  /// The code as given ("USD"; whatever was given when !ok()).
  std::string_view code() const noexcept { return code_; }
  operator std::string_view() const noexcept { return code_; }
  /// Digits after the point; 0 when !ok().
  int minor_units() const noexcept { return ok() ? minor_units_ : 0; }

  /// Rounds an amount to this currency's minor unit.
  Decimal round(const Decimal& amount, RoundingMode mode) const noexcept {
    return amount.round(minor_units(), mode);
  }
  /// "19.35" for USD, "387" for JPY, "3.871" for BHD (rounding with `mode`).
  std::string format(const Decimal& amount, RoundingMode mode = RoundingMode::half_up) const {
    return amount.to_fixed(minor_units(), mode);
  }

  friend bool operator==(const Currency& a, const Currency& b) noexcept {
    return a.code() == b.code();
  }
  friend bool operator==(const Currency& a, std::string_view code) noexcept {
    return a.code() == code;
  }
  friend bool operator==(const Currency& a, const char* code) noexcept {
    return a.code() == std::string_view(code);
  }
  friend bool operator==(const Currency& a, const std::string& code) noexcept {
    return a.code() == code;
  }

 private:
  std::string code_;
  int minor_units_;  ///< -1: not an ISO 4217 code
};

}  // namespace tollgate
TOLLGATE_API_END
