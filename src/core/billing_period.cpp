#include "tollgate/billing_period.hpp"

#include <array>
#include <cassert>
#include <utility>

namespace tollgate {
namespace {

struct PeriodInfo {
  BillingPeriod period;
  std::string_view name;
  PeriodLength length;
};

constexpr std::array<PeriodInfo, 17> kPeriods{{
    {BillingPeriod::daily, "DAILY", {0, 1}},
    {BillingPeriod::weekly, "WEEKLY", {0, 7}},
    {BillingPeriod::biweekly, "BIWEEKLY", {0, 14}},
    {BillingPeriod::thirty_days, "THIRTY_DAYS", {0, 30}},
    {BillingPeriod::thirty_one_days, "THIRTY_ONE_DAYS", {0, 31}},
    {BillingPeriod::sixty_days, "SIXTY_DAYS", {0, 60}},
    {BillingPeriod::ninety_days, "NINETY_DAYS", {0, 90}},
    {BillingPeriod::monthly, "MONTHLY", {1, 0}},
    {BillingPeriod::bimestrial, "BIMESTRIAL", {2, 0}},
    {BillingPeriod::quarterly, "QUARTERLY", {3, 0}},
    {BillingPeriod::triannual, "TRIANNUAL", {4, 0}},
    {BillingPeriod::biannual, "BIANNUAL", {6, 0}},
    {BillingPeriod::annual, "ANNUAL", {12, 0}},
    {BillingPeriod::sesquiennial, "SESQUIENNIAL", {18, 0}},
    {BillingPeriod::biennial, "BIENNIAL", {24, 0}},
    {BillingPeriod::triennial, "TRIENNIAL", {36, 0}},
    {BillingPeriod::no_billing_period, "NO_BILLING_PERIOD", {0, 0}},
}};

long months_between(date::year_month from, date::year_month to) {
  return (to - from).count();
}

long floor_div(long a, long b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::string_view to_string(BillingPeriod p) noexcept {
  return kPeriods[static_cast<std::size_t>(p)].name;
}

std::optional<BillingPeriod> billing_period_from_string(std::string_view name) noexcept {
  for (const auto& info : kPeriods)
    if (info.name == name) return info.period;
  return std::nullopt;
}

PeriodLength length_of(BillingPeriod p) noexcept {
  return kPeriods[static_cast<std::size_t>(p)].length;
}

BillingCycle::BillingCycle(const Date& billing_start, BillingPeriod period, int bcd) noexcept
    : period_(period), length_(length_of(period)), bcd_(bcd), anchor_(billing_start) {
  assert(period != BillingPeriod::no_billing_period);
  assert(bcd >= 1 && bcd <= 31);
  // Month-based: candidate 0 is the BCD in the start month; step while before the start.
  while (billing_date(first_index_) < billing_start) ++first_index_;
}

Date BillingCycle::billing_date(long k) const noexcept {
  if (length_.months == 0) return add_days(anchor_, k * length_.days);
  date::year_month ym =
      date::year_month(anchor_.year(), anchor_.month()) + date::months(k * length_.months);
  return day_of_month_clamped(ym, bcd_);
}

long BillingCycle::index_at_or_before(const Date& d) const noexcept {
  long k;
  if (length_.months == 0) {
    k = floor_div(days_between(anchor_, d), length_.days);
  } else {
    long months = months_between(date::year_month(anchor_.year(), anchor_.month()),
                                 date::year_month(d.year(), d.month()));
    k = floor_div(months, length_.months) + 1;
  }
  // The estimate is off by at most one period either way: settle it exactly.
  while (billing_date(k) > d) --k;
  while (billing_date(k + 1) <= d) ++k;
  return k;
}

Date BillingCycle::next_billing_date_after(const Date& d) const noexcept {
  return billing_date(index_at_or_before(d) + 1);
}

ServicePeriod BillingCycle::period_containing(const Date& d) const noexcept {
  long k = index_at_or_before(d);
  return {billing_date(k), billing_date(k + 1)};
}

}  // namespace tollgate
