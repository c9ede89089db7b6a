#include "tollgate/money.hpp"

#include "tollgate/account.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;

TEST_CASE("currencies carry their ISO 4217 minor unit") {
  for (auto [code, digits] : {std::pair{"USD", 2},
                              {"EUR", 2},
                              {"JPY", 0},
                              {"KRW", 0},
                              {"BHD", 3},
                              {"KWD", 3},
                              {"JOD", 3},
                              {"OMR", 3},
                              {"TND", 3},
                              {"CLP", 0},
                              {"VND", 0},
                              {"XOF", 0}}) {
    INFO(code);
    auto c = Currency::of(code);
    REQUIRE(c.has_value());
    CHECK(c->minor_units() == digits);
    CHECK(c->code() == code);
  }
}

TEST_CASE("unknown currency codes are refused") {
  for (const char* bad : {"ZZZ", "usd", "US", "USDD", ""}) {
    INFO(bad);
    auto c = Currency::of(bad);
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code == "currency.unknown");
  }
}

TEST_CASE("a currency held as a value is looked up once and tells whether it is known") {
  Account acme{"acme", "BHD", "UTC", 1};
  CHECK(acme.currency.ok());
  CHECK(acme.currency.minor_units() == 3);  // the Bahraini dinar has fils: 3 digits
  CHECK(acme.currency == "BHD");
  CHECK(acme.currency.format(*Decimal::parse("3.8715")) == "3.872");
  std::string from_a_row = "usd";  // as a store or a request might hold it
  Currency lower = from_a_row;
  CHECK_FALSE(lower.ok());
  CHECK(lower.code() == "usd");  // kept as given, for the error that names it
  auto checked = lower.checked();
  REQUIRE_FALSE(checked.has_value());
  CHECK(checked.error().code == "currency.unknown");
  CHECK(checked.error().message == "\"usd\" is not an ISO 4217 currency code");
  CHECK_FALSE(Currency().ok());
  CHECK(Account{}.currency.checked()->code() == "USD");  // an account's default
}

TEST_CASE("rounding to the currency's minor unit") {
  auto jpy = *Money::parse("387.09", "JPY");
  CHECK(jpy.rounded(RoundingMode::half_up).amount() == Decimal(387));
  CHECK(jpy.to_string() == "387 JPY");
  auto bhd = *Money::parse("3.8709", "BHD");
  CHECK(bhd.rounded(RoundingMode::half_up).amount() == *Decimal::parse("3.871"));
  CHECK(bhd.to_string() == "3.871 BHD");
  auto usd = *Money::parse("0.125", "USD");
  CHECK(usd.rounded(RoundingMode::half_up).to_string() == "0.13 USD");
  CHECK(usd.rounded(RoundingMode::half_even).to_string() == "0.12 USD");
}

TEST_CASE("money never mixes currencies") {
  auto usd = *Money::parse("10.00", "USD");
  auto eur = *Money::parse("10.00", "EUR");
  auto sum = usd.plus(eur);
  REQUIRE_FALSE(sum.has_value());
  CHECK(sum.error().code == "money.currency_mismatch");
  CHECK_FALSE(usd.minus(eur).has_value());
  auto twice = usd.plus(usd);
  REQUIRE(twice.has_value());
  CHECK(twice->to_string() == "20.00 USD");
  CHECK(usd.times(Decimal::fraction(12, 31)).rounded(RoundingMode::half_up).to_string() ==
        "3.87 USD");
}

TEST_CASE("Money::parse reports a bad amount and a bad currency") {
  CHECK(Money::parse("1e5", "USD").error().code == "decimal.syntax");
  CHECK(Money::parse("1.00", "XYZ").error().code == "currency.unknown");
}
