#pragma once
// Calendar: local dates and the date arithmetic billing needs.
//
// Billing happens on local dates in the account's time zone (see
// time_zone.hpp); a date here is Howard Hinnant's `date::year_month_day`.
// Service periods are half-open: [start, end) covers start through the day
// before end, so Jan 20 to Feb 1 is 12 days of service.

#include <string>
#include <string_view>

#include <date/date.h>

#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

using Date = date::year_month_day;

/// Parses "YYYY-MM-DD" (exactly that shape, a real calendar date).
/// Errors: "date.syntax", "date.invalid" (2023-02-29).
Result<Date> parse_date(std::string_view text);

/// "2024-02-29".
std::string to_string(const Date& d);

/// to − from, in days (negative when `to` is earlier).
inline long days_between(const Date& from, const Date& to) {
  return (date::sys_days(to) - date::sys_days(from)).count();
}

inline Date add_days(const Date& d, long days) {
  return Date(date::sys_days(d) + date::days(days));
}

/// Day `day` of the month `months` after `ym`, clamped to that month's last
/// day: day 31 of February 2024 is Feb 29.
Date day_of_month_clamped(date::year_month ym, int day);

/// Adds calendar months, keeping the day of month where it exists and using
/// the month's last day otherwise (Jan 31 + 1 month = Feb 29 2024).
Date add_months(const Date& d, int months);

/// A half-open range of days [start, end).
struct ServicePeriod {
  Date start;
  Date end;

  long days() const { return days_between(start, end); }
  bool contains(const Date& d) const { return start <= d && d < end; }
  friend bool operator==(const ServicePeriod&, const ServicePeriod&) = default;
};

}  // namespace tollgate
TOLLGATE_API_END
