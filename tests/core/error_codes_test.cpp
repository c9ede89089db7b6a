// Error codes: stable strings, one constant each.

#include "tollgate/error_codes.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>

#include "tollgate/decimal.hpp"

using namespace tollgate;

TEST_CASE("each code is family.name, and no two constants share one") {
  const std::regex shape("[a-z_]+\\.[a-z_]+");
  std::set<std::string> seen;
  for (const char* code : errors::all) {
    INFO(code);
    CHECK(std::regex_match(code, shape));
    CHECK(seen.insert(code).second);
  }
  CHECK(seen.size() == std::size(errors::all));
}

TEST_CASE("the constants are the strings clients already match on") {
  // The codes scripts and REST clients saw before the constants existed.
  CHECK(std::string(errors::store_not_found) == "store.not_found");
  CHECK(std::string(errors::store_conflict) == "store.conflict");
  CHECK(std::string(errors::store_busy) == "store.busy");
  CHECK(std::string(errors::refused_illegal) == "refused.illegal");
  CHECK(std::string(errors::decimal_syntax) == "decimal.syntax");
  CHECK(std::string(errors::money_currency_mismatch) == "money.currency_mismatch");
}

TEST_CASE("calls return the constant their header documents") {
  auto bad = Decimal::parse("12,5");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errors::decimal_syntax);
}
