#pragma once
// Decimal: an exact number for amounts, prices, quantities and ratios.
//
// Billing must never round by accident, so a Decimal is an exact rational
// number (a reduced fraction of two 128-bit integers). Sums, differences,
// products and quotients are exact: `price * days / days_in_period` is the
// true value, and rounding happens only where the caller asks for it, once,
// with `round(digits, mode)`.
//
// Parsing is strict: an optional '-', at most 18 integral digits, and
// optionally a '.' followed by 1 to 12 fractional digits. No exponent, no '+',
// no spaces, no thousands separators. Binary floating point is never accepted
// nor produced.
//
// Overflow: an operation whose exact result does not fit (far beyond any real
// amount) or a division by zero yields an *invalid* Decimal. Invalid values
// propagate through arithmetic, compare unordered, and format as "invalid", so
// a wrong amount can never pass silently; the engine checks `is_valid()` on
// every invoice item and reports an error value.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

__extension__ typedef __int128 int128_t;

enum class RoundingMode {
  half_up,    ///< ties away from zero: 0.125 -> 0.13, -0.125 -> -0.13
  half_even,  ///< ties to the even neighbour (banker's rounding): 0.125 -> 0.12
  up,         ///< away from zero (ceiling of the magnitude)
  down,       ///< towards zero (truncation)
};

class Decimal {
 public:
  static constexpr int max_integral_digits = 18;
  static constexpr int max_fractional_digits = 12;

  /// Zero.
  constexpr Decimal() noexcept = default;
  /// An integer.
  constexpr Decimal(std::int64_t n) noexcept : num_(n) {}  // NOLINT: implicit by design

  /// The exact fraction n / d, reduced. d == 0 gives an invalid Decimal.
  static Decimal fraction(std::int64_t n, std::int64_t d) noexcept;

  /// Parses a decimal string (see the grammar above).
  /// Errors: code "decimal.syntax" (empty, stray characters, exponent, "1.",
  /// ".5"), "decimal.precision" (more than 12 fractional digits),
  /// "decimal.range" (more than 18 integral digits).
  static Result<Decimal> parse(std::string_view text);

  bool is_valid() const noexcept { return den_ != 0; }
  bool is_zero() const noexcept { return is_valid() && num_ == 0; }
  bool is_integer() const noexcept { return den_ == 1; }
  /// -1, 0 or 1 (0 for an invalid value).
  int sign() const noexcept { return num_ > 0 ? 1 : (num_ < 0 ? -1 : 0); }
  /// True when the value has a finite decimal expansion (denominator 2^a 5^b).
  bool is_terminating() const noexcept;

  /// Rounds to `digits` places after the point (digits may be 0).
  Decimal round(int digits, RoundingMode mode) const noexcept;
  Decimal floor() const noexcept;
  Decimal ceil() const noexcept;
  Decimal abs() const noexcept { return sign() < 0 ? -*this : *this; }

  /// Shortest exact form ("80", "0.0045", "-5.17") for a terminating value;
  /// otherwise the value rounded half-even to 12 places followed by "...".
  /// "invalid" for an invalid value.
  std::string to_string() const;
  /// Exactly `digits` places after the point, rounding with `mode` if needed:
  /// to_fixed(2) of 50 is "50.00".
  std::string to_fixed(int digits, RoundingMode mode = RoundingMode::half_up) const;

  /// Integer part when it fits in 64 bits and the value is an integer.
  Result<std::int64_t> to_int64() const;

  Decimal operator-() const noexcept;
  TOLLGATE_API friend Decimal operator+(const Decimal& a, const Decimal& b) noexcept;
  TOLLGATE_API friend Decimal operator-(const Decimal& a, const Decimal& b) noexcept;
  TOLLGATE_API friend Decimal operator*(const Decimal& a, const Decimal& b) noexcept;
  /// Exact quotient; invalid when b is zero.
  TOLLGATE_API friend Decimal operator/(const Decimal& a, const Decimal& b) noexcept;
  Decimal& operator+=(const Decimal& b) noexcept { return *this = *this + b; }
  Decimal& operator-=(const Decimal& b) noexcept { return *this = *this - b; }
  Decimal& operator*=(const Decimal& b) noexcept { return *this = *this * b; }
  Decimal& operator/=(const Decimal& b) noexcept { return *this = *this / b; }

  friend bool operator==(const Decimal& a, const Decimal& b) noexcept {
    return a.is_valid() && b.is_valid() && a.num_ == b.num_ && a.den_ == b.den_;
  }
  TOLLGATE_API friend std::partial_ordering operator<=>(const Decimal& a,
                                                        const Decimal& b) noexcept;

  /// The reduced fraction, for adapters that need minor units.
  int128_t numerator() const noexcept { return num_; }
  int128_t denominator() const noexcept { return den_; }

 private:
  constexpr Decimal(int128_t n, int128_t d, int) noexcept : num_(n), den_(d) {}
  static Decimal make(int128_t n, int128_t d) noexcept;  // reduces, normalises the sign
  static Decimal invalid() noexcept { return Decimal(0, 0, 0); }

  int128_t num_ = 0;
  int128_t den_ = 1;  // 0 marks an invalid value
};

inline Decimal min(const Decimal& a, const Decimal& b) {
  return b < a ? b : a;
}
inline Decimal max(const Decimal& a, const Decimal& b) {
  return a < b ? b : a;
}

}  // namespace tollgate
TOLLGATE_API_END
