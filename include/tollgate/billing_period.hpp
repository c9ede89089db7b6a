#pragma once
// BillingPeriod and BillingCycle: when recurring and usage charges fall due.
//
// Kill Bill's billing periods. Month-based periods (MONTHLY ... TRIENNIAL) fall
// on the bill cycle day (BCD), clamped to the last day of short months for that
// month only (BCD 31: Jan 31, Feb 29 2024, Mar 31, Apr 30). Day-based periods
// (DAILY ... NINETY_DAYS) ignore the BCD and step a fixed number of days from
// the day billing starts.

#include <optional>
#include <string_view>

#include "tollgate/calendar.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

enum class BillingPeriod {
  daily,
  weekly,
  biweekly,
  thirty_days,
  thirty_one_days,
  sixty_days,
  ninety_days,
  monthly,
  bimestrial,
  quarterly,
  triannual,
  biannual,
  annual,
  sesquiennial,
  biennial,
  triennial,
  no_billing_period,
};

/// Kill Bill's name: "MONTHLY", "THIRTY_DAYS", "NO_BILLING_PERIOD".
std::string_view to_string(BillingPeriod p) noexcept;
/// The inverse of to_string; nullopt for an unknown name.
std::optional<BillingPeriod> billing_period_from_string(std::string_view name) noexcept;

/// The length of one period: a number of months or a number of days (one is 0).
struct PeriodLength {
  int months = 0;
  int days = 0;
};
/// Precondition: p != no_billing_period.
PeriodLength length_of(BillingPeriod p) noexcept;

/// The billing dates of one billing period and BCD, anchored where billing
/// starts, as in Kill Bill: for month-based periods the first candidate is the
/// BCD in the start month, moved on one period at a time while it is before
/// the start (start 2012-02-16, BCD 14: MONTHLY 2012-03-14, QUARTERLY
/// 2012-05-14, ANNUAL 2013-02-14).
class BillingCycle {
 public:
  /// Preconditions: period != no_billing_period; 1 <= bcd <= 31 (ignored for
  /// day-based periods).
  BillingCycle(const Date& billing_start, BillingPeriod period, int bcd) noexcept;

  /// The first billing date on or after the billing start.
  Date first_billing_date() const noexcept { return billing_date(first_index_); }
  /// The smallest billing date strictly after `d`.
  Date next_billing_date_after(const Date& d) const noexcept;
  /// The whole aligned billing period that contains `d`: [ps, pe) with
  /// ps <= d < pe. For a day before the first billing date this is the period
  /// that ends on it, which measures a leading partial period (start Jan 3, BCD
  /// 15, MONTHLY: [Dec 15, Jan 15), 31 days).
  ServicePeriod period_containing(const Date& d) const noexcept;

  BillingPeriod period() const noexcept { return period_; }
  int bill_cycle_day() const noexcept { return bcd_; }

 private:
  Date billing_date(long k) const noexcept;
  long index_at_or_before(const Date& d) const noexcept;  // largest k with billing_date(k) <= d

  BillingPeriod period_;
  PeriodLength length_;
  int bcd_;
  Date anchor_;  // month-based: the start month (day ignored); day-based: the start
  long first_index_ = 0;
};

}  // namespace tollgate
TOLLGATE_API_END
