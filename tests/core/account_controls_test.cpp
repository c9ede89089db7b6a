#include "tollgate/account_controls.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;

TEST_CASE("account controls are written by Kill Bill's tag names, in its order, and read back") {
  AccountControls c;
  CHECK(to_string(c).empty());
  CHECK(set_control(c, "TEST", true));
  CHECK(set_control(c, "AUTO_PAY_OFF", true));
  CHECK(to_string(c) == "AUTO_PAY_OFF,TEST");
  CHECK(c.charges_off());
  CHECK(parse_account_controls("AUTO_PAY_OFF,TEST") == c);
  CHECK(parse_account_controls("") == AccountControls{});

  // Tags that are no account control set nothing.
  CHECK_FALSE(set_control(c, "PARTNER", true));
  CHECK_FALSE(set_control(c, "WRITTEN_OFF", true));  // an invoice's, not an account's
  CHECK(to_string(c) == "AUTO_PAY_OFF,TEST");
  CHECK(set_control(c, "AUTO_PAY_OFF", false));
  CHECK_FALSE(c.charges_off());
  CHECK(set_control(c, "MANUAL_PAY", true));
  CHECK(c.charges_off());  // external payments only

  // A stored value naming anything else is refused, not half read.
  CHECK_FALSE(parse_account_controls("TEST,PARTNER"));
  CHECK_FALSE(parse_account_controls("test"));
  CHECK_FALSE(parse_account_controls("TEST,"));
}
