#include "tollgate/decimal.hpp"

#include <catch2/catch.hpp>

using tollgate::Decimal;
using tollgate::RoundingMode;

namespace {
Decimal d(const char* s) {
  auto r = Decimal::parse(s);
  REQUIRE(r.has_value());
  return *r;
}
}  // namespace

TEST_CASE("0.1 + 0.2 is exactly 0.3") { CHECK(d("0.1") + d("0.2") == d("0.3")); }

TEST_CASE("parse accepts the decimal grammar") {
  CHECK(d("0.0005").to_string() == "0.0005");
  CHECK(d("-5.17").to_string() == "-5.17");
  CHECK(d("80").to_string() == "80");
  CHECK(d("007.50").to_string() == "7.5");
  CHECK(d("-0").is_zero());
  // 18 integral and 12 fractional digits is the documented capacity.
  CHECK(d("999999999999999999.999999999999").to_string() == "999999999999999999.999999999999");
}

TEST_CASE("parse refuses malformed strings with a clear error") {
  for (const char* bad : {"3O.00", "1e5", "", "-", "1.", ".5", "+1", " 1", "1 ", "1,000", "0x10", "1.2.3", "NaN"}) {
    INFO(bad);
    auto r = Decimal::parse(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "decimal.syntax");
  }
}

TEST_CASE("parse refuses too many digits") {
  auto precise = Decimal::parse("12.3456789012345");
  REQUIRE_FALSE(precise.has_value());
  CHECK(precise.error().code == "decimal.precision");
  auto big = Decimal::parse("1234567890123456789");
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().code == "decimal.range");
  CHECK(big.error().message.find("18 integral digits") != std::string::npos);
}

TEST_CASE("proration fractions are exact until rounded once") {
  // 50.00 x 12/31 = 19.354838709677... (proration.md)
  Decimal prorated = d("50.00") * Decimal(12) / Decimal(31);
  CHECK_FALSE(prorated.is_terminating());
  CHECK(prorated.round(2, RoundingMode::half_up) == d("19.35"));
  // The pieces of one period add back up to the whole price exactly.
  CHECK(d("100") * Decimal::fraction(12, 31) + d("100") * Decimal::fraction(19, 31) == Decimal(100));
  // Included units 100 x 12/31; overage (80 - 38.709677...) x 2.25 = 92.903225... -> 92.90
  Decimal included = Decimal(100) * Decimal::fraction(12, 31);
  CHECK((Decimal(80) - included) * d("2.25") == Decimal::fraction(2880, 31));
  CHECK(((Decimal(80) - included) * d("2.25")).round(2, RoundingMode::half_up) == d("92.90"));
}

TEST_CASE("rounding modes at the tie") {
  CHECK(d("0.125").round(2, RoundingMode::half_up) == d("0.13"));
  CHECK(d("0.125").round(2, RoundingMode::half_even) == d("0.12"));
  CHECK(d("0.135").round(2, RoundingMode::half_even) == d("0.14"));
  CHECK(d("-0.125").round(2, RoundingMode::half_up) == d("-0.13"));
  CHECK(d("-0.125").round(2, RoundingMode::half_even) == d("-0.12"));
  CHECK(d("0.1249").round(2, RoundingMode::half_up) == d("0.12"));
  CHECK(d("2.5").round(0, RoundingMode::half_even) == Decimal(2));
  CHECK(d("3.5").round(0, RoundingMode::half_even) == Decimal(4));
  CHECK(d("1.001").round(2, RoundingMode::up) == d("1.01"));
  CHECK(d("1.009").round(2, RoundingMode::down) == d("1.00"));
  CHECK(d("-0.001").round(2, RoundingMode::up) == d("-0.01"));
}

TEST_CASE("formatting") {
  CHECK(Decimal(50).to_fixed(2) == "50.00");
  CHECK(d("-0.5").to_fixed(2) == "-0.50");
  CHECK(d("0.005").to_fixed(2) == "0.01");
  CHECK(d("-0.004").to_fixed(2) == "0.00");
  CHECK(d("387.09").to_fixed(0) == "387");
  CHECK(Decimal::fraction(1, 3).to_string() == "0.333333333333...");
  CHECK(Decimal::fraction(1, 8).to_string() == "0.125");
}

TEST_CASE("comparison is exact, also for fractions whose cross products overflow") {
  CHECK(Decimal::fraction(1, 3) < d("0.333333333334"));
  CHECK(Decimal::fraction(1, 3) > d("0.333333333333"));
  Decimal huge = d("999999999999999999.999999999999");
  Decimal a = huge / Decimal(7), b = huge / Decimal(11);
  CHECK(a > b);
  CHECK(b < a);
  CHECK(Decimal::fraction(-1, 3) < Decimal::fraction(-1, 4));
  CHECK(Decimal(INT64_MAX) / Decimal(INT64_MAX - 1) > Decimal(1));
}

TEST_CASE("floor and ceil") {
  CHECK(d("-2.5").floor() == Decimal(-3));
  CHECK(d("-2.5").ceil() == Decimal(-2));
  CHECK(d("2.5").floor() == Decimal(2));
  CHECK(d("2.5").ceil() == Decimal(3));
  CHECK(Decimal(4).ceil() == Decimal(4));
}

TEST_CASE("overflow and division by zero give an invalid value that propagates") {
  Decimal huge = d("999999999999999999.999999999999");
  Decimal product = huge * huge * huge;
  CHECK_FALSE(product.is_valid());
  CHECK_FALSE((product + Decimal(1)).is_valid());
  CHECK(product.to_string() == "invalid");
  CHECK_FALSE((Decimal(1) / Decimal(0)).is_valid());
  CHECK_FALSE(product == product);
  CHECK_FALSE(product < Decimal(0));
  CHECK_FALSE(product > Decimal(0));
}

TEST_CASE("to_int64") {
  CHECK(*Decimal(42).to_int64() == 42);
  CHECK_FALSE(d("4.2").to_int64().has_value());
}
