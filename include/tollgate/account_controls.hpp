#pragma once
// Kill Bill's control tags on an account, as billing reads them: what the daily
// run leaves alone, and whether dunning may block access. The REST server keeps
// them in step with the account's tags; a host without it sets them on
// StoredAccount itself.

#include <optional>
#include <string>
#include <string_view>

#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct AccountControls {
  bool auto_invoicing_off = false;       ///< AUTO_INVOICING_OFF: the run does not invoice it
  bool auto_pay_off = false;             ///< AUTO_PAY_OFF: its invoices are not charged
  bool manual_pay = false;               ///< MANUAL_PAY: external payments only, never charged
  bool overdue_enforcement_off = false;  ///< OVERDUE_ENFORCEMENT_OFF: dunning never blocks it
  bool test = false;                     ///< TEST: counted apart from the run's totals

  /// Whether its invoices wait for external payments instead of being charged.
  bool charges_off() const noexcept { return auto_pay_off || manual_pay; }
  friend bool operator==(const AccountControls&, const AccountControls&) = default;
};

/// Sets the control Kill Bill's tag `name` stands for ("AUTO_PAY_OFF") to `on`;
/// false (nothing set) for a name that is no account control.
bool set_control(AccountControls& controls, std::string_view name, bool on) noexcept;

/// The names of the controls that are on, comma-separated, in Kill Bill's
/// order ("AUTO_PAY_OFF,TEST"); "" for none.
std::string to_string(const AccountControls& controls);

/// The controls `text` names, as to_string() writes them; nullopt when it
/// names anything else.
std::optional<AccountControls> parse_account_controls(std::string_view text);

}  // namespace tollgate
TOLLGATE_API_END
