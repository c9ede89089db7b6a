#include "tollgate/decimal.hpp"

#include <algorithm>
#include <utility>

namespace tollgate {
namespace {

int128_t abs128(int128_t v) {
  return v < 0 ? -v : v;
}

constexpr int128_t kMax64 = static_cast<int128_t>(UINT64_MAX);

// Binary GCD on 64 bits: no division at all (Stein's algorithm).
std::uint64_t gcd64(std::uint64_t a, std::uint64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  int shift = __builtin_ctzll(a | b);
  a >>= __builtin_ctzll(a);
  do {
    b >>= __builtin_ctzll(b);
    if (a > b) std::swap(a, b);
    b -= a;
  } while (b != 0);
  return a << shift;
}

// Euclid on 128 bits until both fit in 64, then the fast path: amounts and
// day fractions almost always fit in 64 bits from the start.
int128_t gcd128(int128_t a, int128_t b) {
  a = abs128(a);
  b = abs128(b);
  while (b != 0 && (a > kMax64 || b > kMax64)) {
    int128_t t = a % b;
    a = b;
    b = t;
  }
  if (b == 0) return a;
  return static_cast<int128_t>(gcd64(static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b)));
}

bool checked_mul(int128_t a, int128_t b, int128_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}
bool checked_add(int128_t a, int128_t b, int128_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

int128_t pow10(int k) {
  int128_t p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

// Floor division for a positive divisor.
int128_t floor_div(int128_t n, int128_t d) {
  int128_t q = n / d;
  if ((n % d != 0) && (n < 0)) --q;
  return q;
}

std::string int128_to_string(int128_t v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  std::string digits;
  while (v != 0) {
    int r = static_cast<int>(v % 10);
    digits.push_back(static_cast<char>('0' + (r < 0 ? -r : r)));
    v /= 10;
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// Compares n1/d1 with n2/d2 (positive denominators) without overflowing:
// compare the integer parts; when equal, the fractional parts r1/d1 and r2/d2
// compare the other way round from their inverses d1/r1 and d2/r2 (Euclid).
std::strong_ordering compare_fractions(int128_t n1, int128_t d1, int128_t n2, int128_t d2) {
  bool flipped = false;
  for (;;) {
    int128_t q1 = floor_div(n1, d1), q2 = floor_div(n2, d2);
    std::strong_ordering order = std::strong_ordering::equal;
    int128_t r1 = n1 - q1 * d1, r2 = n2 - q2 * d2;  // both in [0, d)
    if (q1 != q2) {
      order = q1 <=> q2;
    } else if (r1 == 0 || r2 == 0) {
      order = (r1 == 0 && r2 == 0) ? std::strong_ordering::equal
              : (r1 == 0)          ? std::strong_ordering::less
                                   : std::strong_ordering::greater;
    } else {
      n1 = d1;
      d1 = r1;
      n2 = d2;
      d2 = r2;
      flipped = !flipped;
      continue;
    }
    if (!flipped || order == std::strong_ordering::equal) return order;
    return order == std::strong_ordering::less ? std::strong_ordering::greater
                                               : std::strong_ordering::less;
  }
}

}  // namespace

Decimal Decimal::make(int128_t n, int128_t d) noexcept {
  if (d == 0) return invalid();
  if (d == 1) return Decimal(n, 1, 0);
  if (d < 0) {
    n = -n;
    d = -d;
  }
  int128_t g = gcd128(n, d);
  if (g > 1) {
    n /= g;
    d /= g;
  }
  return Decimal(n, d, 0);
}

Decimal Decimal::fraction(std::int64_t n, std::int64_t d) noexcept {
  return make(n, d);
}

Result<Decimal> Decimal::parse(std::string_view text) {
  auto syntax = [&] {
    return make_error(errors::decimal_syntax, "\"" + std::string(text) +
                                                  "\" is not a decimal number (digits, optionally "
                                                  "'-' first and one '.' between digits)");
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && text[i] == '-') {
    negative = true;
    ++i;
  }
  std::size_t int_begin = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::size_t int_end = i;
  if (int_end == int_begin) return syntax();
  std::size_t frac_begin = i, frac_end = i;
  if (i < text.size() && text[i] == '.') {
    frac_begin = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    frac_end = i;
    if (frac_end == frac_begin) return syntax();
  }
  if (i != text.size()) return syntax();

  std::size_t first_significant = int_begin;
  while (first_significant + 1 < int_end && text[first_significant] == '0') ++first_significant;
  if (int_end - first_significant > static_cast<std::size_t>(max_integral_digits))
    return make_error(errors::decimal_range, "\"" + std::string(text) + "\" has more than " +
                                                 std::to_string(max_integral_digits) +
                                                 " integral digits");
  if (frac_end - frac_begin > static_cast<std::size_t>(max_fractional_digits))
    return make_error(errors::decimal_precision, "\"" + std::string(text) + "\" has more than " +
                                                     std::to_string(max_fractional_digits) +
                                                     " digits after the point");
  int128_t n = 0;
  for (std::size_t k = first_significant; k < int_end; ++k) n = n * 10 + (text[k] - '0');
  for (std::size_t k = frac_begin; k < frac_end; ++k) n = n * 10 + (text[k] - '0');
  int128_t d = pow10(static_cast<int>(frac_end - frac_begin));
  return make(negative ? -n : n, d);
}

bool Decimal::is_terminating() const noexcept {
  if (!is_valid()) return false;
  int128_t d = den_;
  while (d % 2 == 0) d /= 2;
  while (d % 5 == 0) d /= 5;
  return d == 1;
}

Decimal Decimal::operator-() const noexcept {
  return is_valid() ? Decimal(-num_, den_, 0) : invalid();
}

Decimal operator+(const Decimal& a, const Decimal& b) noexcept {
  if (!a.is_valid() || !b.is_valid()) return Decimal::invalid();
  if (a.den_ == b.den_) {
    int128_t n;
    if (!checked_add(a.num_, b.num_, n)) return Decimal::invalid();
    return Decimal::make(n, a.den_);
  }
  if (a.num_ == 0) return b;
  if (b.num_ == 0) return a;
  int128_t g = gcd128(a.den_, b.den_);
  int128_t x, y, n, d;
  if (!checked_mul(a.num_, b.den_ / g, x) || !checked_mul(b.num_, a.den_ / g, y) ||
      !checked_add(x, y, n) || !checked_mul(a.den_, b.den_ / g, d))
    return Decimal::invalid();
  return Decimal::make(n, d);
}

Decimal operator-(const Decimal& a, const Decimal& b) noexcept {
  return a + (-b);
}

Decimal operator*(const Decimal& a, const Decimal& b) noexcept {
  if (!a.is_valid() || !b.is_valid()) return Decimal::invalid();
  if (a.num_ == 0 || b.num_ == 0) return Decimal();
  if (a.den_ == 1 && b.den_ == 1) {
    int128_t n;
    if (!checked_mul(a.num_, b.num_, n)) return Decimal::invalid();
    return Decimal(n, 1, 0);
  }
  int128_t g1 = gcd128(a.num_, b.den_), g2 = gcd128(b.num_, a.den_);
  if (g1 == 0) g1 = 1;
  if (g2 == 0) g2 = 1;
  int128_t n, d;
  if (!checked_mul(a.num_ / g1, b.num_ / g2, n) || !checked_mul(a.den_ / g2, b.den_ / g1, d))
    return Decimal::invalid();
  return Decimal::make(n, d);
}

Decimal operator/(const Decimal& a, const Decimal& b) noexcept {
  if (!a.is_valid() || !b.is_valid() || b.num_ == 0) return Decimal::invalid();
  return a * Decimal::make(b.den_, b.num_);
}

std::partial_ordering operator<=>(const Decimal& a, const Decimal& b) noexcept {
  if (!a.is_valid() || !b.is_valid()) return std::partial_ordering::unordered;
  if (a.den_ == b.den_) return a.num_ <=> b.num_;
  int128_t left, right;  // a/b < c/d  <=>  a*d < c*b, when neither product overflows
  if (checked_mul(a.num_, b.den_, left) && checked_mul(b.num_, a.den_, right))
    return left <=> right;
  return compare_fractions(a.num_, a.den_, b.num_, b.den_);
}

Decimal Decimal::round(int digits, RoundingMode mode) const noexcept {
  if (!is_valid() || digits < 0 || digits > 30) return invalid();
  int128_t scale = pow10(digits);
  // value = q + r/den, then the fractional part scaled: r*scale/den = fq + fr/den.
  int128_t q = num_ / den_, r = num_ % den_;
  int128_t scaled_r, m;
  if (!checked_mul(r, scale, scaled_r) || !checked_mul(q, scale, m)) return invalid();
  int128_t fq = scaled_r / den_, fr = abs128(scaled_r % den_);
  m += fq;
  bool away = false;
  if (fr != 0) {
    int128_t rest = den_ - fr;  // compare fr/den with 1/2 without doubling
    switch (mode) {
      case RoundingMode::half_up:
        away = fr >= rest;
        break;
      case RoundingMode::half_even:
        away = fr > rest || (fr == rest && (abs128(m) % 2 == 1));
        break;
      case RoundingMode::up:
        away = true;
        break;
      case RoundingMode::down:
        away = false;
        break;
    }
  }
  if (away) m += (num_ < 0 ? -1 : 1);
  return make(m, scale);
}

Decimal Decimal::floor() const noexcept {
  if (!is_valid()) return invalid();
  return Decimal(floor_div(num_, den_), 1, 0);
}

Decimal Decimal::ceil() const noexcept {
  if (!is_valid()) return invalid();
  return -(-*this).floor();
}

std::string Decimal::to_fixed(int digits, RoundingMode mode) const {
  Decimal r = round(digits, mode);
  if (!r.is_valid()) return "invalid";
  int128_t m = r.num_ * (pow10(digits) / r.den_);
  bool negative = m < 0;
  std::string s = int128_to_string(abs128(m));
  if (digits > 0) {
    if (s.size() <= static_cast<std::size_t>(digits))
      s.insert(0, static_cast<std::size_t>(digits) + 1 - s.size(), '0');
    s.insert(s.size() - static_cast<std::size_t>(digits), 1, '.');
  }
  return negative ? "-" + s : s;
}

std::string Decimal::to_string() const {
  if (!is_valid()) return "invalid";
  if (!is_terminating()) return to_fixed(max_fractional_digits, RoundingMode::half_even) + "...";
  int digits = 0;
  while (pow10(digits) % den_ != 0) ++digits;
  return to_fixed(digits);
}

Result<std::int64_t> Decimal::to_int64() const {
  if (!is_integer() || num_ > INT64_MAX || num_ < INT64_MIN)
    return make_error(errors::decimal_range, to_string() + " is not a 64-bit integer");
  return static_cast<std::int64_t>(num_);
}

}  // namespace tollgate
