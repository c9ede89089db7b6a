#include "tollgate/account_controls.hpp"

namespace tollgate {

namespace {

// Kill Bill's ControlTagType names of the account controls, in its order.
struct Control {
  std::string_view name;
  bool AccountControls::*flag;
};
constexpr Control kControls[] = {
    {"AUTO_PAY_OFF", &AccountControls::auto_pay_off},
    {"AUTO_INVOICING_OFF", &AccountControls::auto_invoicing_off},
    {"OVERDUE_ENFORCEMENT_OFF", &AccountControls::overdue_enforcement_off},
    {"MANUAL_PAY", &AccountControls::manual_pay},
    {"TEST", &AccountControls::test},
};

}  // namespace

bool set_control(AccountControls& controls, std::string_view name, bool on) noexcept {
  for (const auto& c : kControls)
    if (c.name == name) {
      controls.*c.flag = on;
      return true;
    }
  return false;
}

std::string to_string(const AccountControls& controls) {
  std::string out;
  for (const auto& c : kControls)
    if (controls.*c.flag) out += (out.empty() ? "" : ",") + std::string(c.name);
  return out;
}

std::optional<AccountControls> parse_account_controls(std::string_view text) {
  AccountControls controls;
  if (text.empty()) return controls;
  for (;;) {  // every name between commas must be a control ("TEST," names "" last)
    auto comma = text.find(',');
    if (!set_control(controls, text.substr(0, comma), true)) return std::nullopt;
    if (comma == std::string_view::npos) return controls;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace tollgate
