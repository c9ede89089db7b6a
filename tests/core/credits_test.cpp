#include "tollgate/credits.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;
using namespace date::literals;

namespace {
CreditPackage package(const char* credits) { return {"credits", *Decimal::parse(credits), {}, ""}; }
}  // namespace

TEST_CASE("a checkout session credits a package once") {
  CreditLedger ledger;
  CHECK(ledger.purchase(package("50"), "cs_test_a1", 2024_y / 5 / 2));
  CHECK_FALSE(ledger.purchase(package("50"), "cs_test_a1", 2024_y / 5 / 2));
  CHECK(ledger.balance(2024_y / 5 / 3) == Decimal(50));
  CHECK(ledger.entries().size() == 1);
}

TEST_CASE("consumption never takes more than the balance") {
  CreditLedger ledger;
  ledger.purchase(package("50"), "cs_1", 2024_y / 5 / 2);
  CHECK(ledger.consume(Decimal(30), 2024_y / 6 / 1, "May usage") == Decimal(30));
  CHECK(ledger.balance(2024_y / 6 / 1) == Decimal(20));
  CHECK(ledger.consume(Decimal(45), 2024_y / 7 / 1, "June usage") == Decimal(20));
  CHECK(ledger.balance(2024_y / 7 / 1) == Decimal(0));
  CHECK(ledger.consume(Decimal(5), 2024_y / 8 / 1, "July usage") == Decimal(0));
  // purchase, two consumptions; an empty consumption is not recorded.
  REQUIRE(ledger.entries().size() == 3);
  CHECK(ledger.entries()[2].credits == Decimal(-20));
  CHECK(ledger.entries()[2].reference == "June usage");
}

TEST_CASE("granted credits expire, and the expiry is a ledger entry") {
  CreditLedger ledger;
  CHECK(ledger.grant(Decimal(10), "welcome", 2024_y / 1 / 1, 2024_y / 2 / 1));
  CHECK_FALSE(ledger.grant(Decimal(10), "welcome", 2024_y / 1 / 1));
  CHECK(ledger.balance(2024_y / 1 / 31) == Decimal(10));
  CHECK(ledger.balance(2024_y / 2 / 1) == Decimal(0));  // usable before the expiry date only
  ledger.expire_through(2024_y / 2 / 1);
  REQUIRE(ledger.entries().size() == 2);
  CHECK(ledger.entries()[1].kind == CreditEntryKind::expiry);
  CHECK(ledger.entries()[1].credits == Decimal(-10));
  CHECK(ledger.entries()[1].date == 2024_y / 2 / 1);
}

TEST_CASE("credits about to expire are consumed first") {
  CreditLedger ledger;
  ledger.purchase(package("50"), "cs_1", 2024_y / 1 / 1);
  ledger.grant(Decimal(10), "promo", 2024_y / 1 / 1, 2024_y / 3 / 1);
  CHECK(ledger.consume(Decimal(15), 2024_y / 2 / 1, "usage") == Decimal(15));
  // The 10 promo credits went first; 45 purchased credits remain after the promo expires.
  CHECK(ledger.balance(2024_y / 3 / 1) == Decimal(45));
  CHECK(ledger.can_consume(Decimal(45), 2024_y / 3 / 1));
  CHECK_FALSE(ledger.can_consume(Decimal(46), 2024_y / 3 / 1));
}
