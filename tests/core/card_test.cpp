// Card: the description of a card on file, its text form and its expiry.

#include "tollgate/card.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;
using namespace date::literals;

TEST_CASE("a card works through its expiry month and stops on the first of the next") {
  CHECK(Card{"visa", "4242", 12, 2027}.expires_on() == 2028_y / 1 / 1);
  CHECK(Card{"visa", "4242", 2, 2024}.expires_on() == 2024_y / 3 / 1);
  CHECK(Card{"amex", "0005", 1, 2030}.expires_on() == 2030_y / 2 / 1);
}

TEST_CASE("a card's text reads back as the same card, and nothing else reads as one") {
  Card card{"mastercard", "4444", 3, 2029};
  CHECK(to_string(card) == "mastercard 4444 03/2029");
  CHECK(parse_card("mastercard 4444 03/2029") == std::optional(card));
  CHECK(parse_card("eftpos_au 1234 11/2031") == std::optional(Card{"eftpos_au", "1234", 11, 2031}));
  for (const char* bad :
       {"", "visa", "visa 4242", "visa 424 12/2027", "visa 42424 12/2027", "visa 4242 13/2027",
        "visa 4242 00/2027", "visa 4242 1/2027", "visa 4242 12/27", "vi sa 4242 12/2027",
        " 4242 12/2027", "visa 42a2 12/2027", "visa 4242 12-2027"})
    CHECK_FALSE(parse_card(bad).has_value());
}

TEST_CASE("a card is ok only with every part a provider always gives") {
  CHECK(Card{"visa", "4242", 12, 2027}.ok());
  CHECK_FALSE(Card{"", "4242", 12, 2027}.ok());
  CHECK_FALSE(Card{"visa", "", 12, 2027}.ok());
  CHECK_FALSE(Card{"visa", "4242", 0, 2027}.ok());
  CHECK_FALSE(Card{"visa", "4242", 12, 0}.ok());
  CHECK_FALSE(Card{"visa card", "4242", 12, 2027}.ok());
}

TEST_CASE("a masked card shows the brand, the last four digits and the expiry, nothing more") {
  CHECK(masked(Card{"visa", "4242", 7, 2028}) == "visa **** 4242, expires 07/2028");
}
