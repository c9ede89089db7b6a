#pragma once
// Account: who is billed, in which currency and time zone, on which day.

#include <optional>
#include <string>

#include "tollgate/calendar.hpp"
#include "tollgate/currency.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct Account {
  std::string id;
  Currency currency = "USD";      ///< ISO 4217; every invoice of the account is in it
  std::string time_zone = "UTC";  ///< IANA name; event and invoice dates are local dates there
  /// The account's bill cycle day (1-31). When absent, the first ACCOUNT-aligned
  /// subscription sets it to the day of its first billable date (Kill Bill's behaviour).
  std::optional<int> bill_cycle_day;
};

}  // namespace tollgate
TOLLGATE_API_END
