#include "tollgate/billing_period.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;
using namespace date::literals;

TEST_CASE("BCD 31 is clamped to each short month, for that month only") {
  BillingCycle cycle(2024_y / 1 / 31, BillingPeriod::monthly, 31);
  CHECK(cycle.first_billing_date() == 2024_y / 1 / 31);
  CHECK(cycle.next_billing_date_after(2024_y / 1 / 31) == 2024_y / 2 / 29);
  CHECK(cycle.next_billing_date_after(2024_y / 2 / 29) == 2024_y / 3 / 31);
  CHECK(cycle.next_billing_date_after(2024_y / 3 / 31) == 2024_y / 4 / 30);
  CHECK(cycle.next_billing_date_after(2024_y / 4 / 30) == 2024_y / 5 / 31);
  CHECK(cycle.period_containing(2024_y / 3 / 1) == ServicePeriod{2024_y / 2 / 29, 2024_y / 3 / 31});
}

TEST_CASE("BCD 29 and 30 through a non-leap February") {
  BillingCycle bcd29(2023_y / 1 / 29, BillingPeriod::monthly, 29);
  CHECK(bcd29.next_billing_date_after(2023_y / 1 / 29) == 2023_y / 2 / 28);
  CHECK(bcd29.next_billing_date_after(2023_y / 2 / 28) == 2023_y / 3 / 29);
  BillingCycle bcd30(2023_y / 1 / 30, BillingPeriod::monthly, 30);
  CHECK(bcd30.period_containing(2023_y / 2 / 15) == ServicePeriod{2023_y / 1 / 30, 2023_y / 2 / 28});
  CHECK(bcd30.period_containing(2023_y / 3 / 1).days() == 30);  // Feb 28 -> Mar 30
}

TEST_CASE("month-based periods are anchored on the start month (Kill Bill's examples)") {
  // Start 2012-02-16 with BCD 14.
  CHECK(BillingCycle(2012_y / 2 / 16, BillingPeriod::monthly, 14).first_billing_date() == 2012_y / 3 / 14);
  CHECK(BillingCycle(2012_y / 2 / 16, BillingPeriod::quarterly, 14).first_billing_date() == 2012_y / 5 / 14);
  CHECK(BillingCycle(2012_y / 2 / 16, BillingPeriod::annual, 14).first_billing_date() == 2013_y / 2 / 14);
  // Start 2012-01-31 with BCD 30.
  CHECK(BillingCycle(2012_y / 1 / 31, BillingPeriod::monthly, 30).first_billing_date() == 2012_y / 2 / 29);
  CHECK(BillingCycle(2012_y / 1 / 31, BillingPeriod::annual, 30).first_billing_date() == 2013_y / 1 / 30);
  // A start on the BCD itself bills that day: no leading partial period.
  CHECK(BillingCycle(2024_y / 1 / 1, BillingPeriod::monthly, 1).first_billing_date() == 2024_y / 1 / 1);
}

TEST_CASE("a leading partial period is measured against the whole aligned period") {
  // Start Jan 3, BCD 15, monthly: [Jan 3, Jan 15) is 12 of the 31 days from Dec 15.
  BillingCycle monthly(2024_y / 1 / 3, BillingPeriod::monthly, 15);
  CHECK(monthly.first_billing_date() == 2024_y / 1 / 15);
  ServicePeriod whole = monthly.period_containing(2024_y / 1 / 3);
  CHECK(whole == ServicePeriod{2023_y / 12 / 15, 2024_y / 1 / 15});
  CHECK(whole.days() == 31);
  CHECK(days_between(2024_y / 1 / 3, monthly.first_billing_date()) == 12);

  // Annual, start 2011-01-31, BCD 15: 349 / 365.
  BillingCycle annual(2011_y / 1 / 31, BillingPeriod::annual, 15);
  CHECK(annual.first_billing_date() == 2012_y / 1 / 15);
  CHECK(annual.period_containing(2011_y / 1 / 31).days() == 365);
  CHECK(days_between(2011_y / 1 / 31, annual.first_billing_date()) == 349);

  // Quarterly, start 2011-02-01, BCD 13: 12 / 92.
  BillingCycle quarterly(2011_y / 2 / 1, BillingPeriod::quarterly, 13);
  CHECK(quarterly.first_billing_date() == 2011_y / 2 / 13);
  CHECK(quarterly.period_containing(2011_y / 2 / 1) == ServicePeriod{2010_y / 11 / 13, 2011_y / 2 / 13});
  CHECK(quarterly.period_containing(2011_y / 2 / 1).days() == 92);
}

TEST_CASE("the period before a clamped first billing date is the customer's actual previous billing date") {
  // BCD 30, first billing 2012-02-29: the previous billing date is Jan 30, 30 days before.
  BillingCycle cycle(2012_y / 2 / 10, BillingPeriod::monthly, 30);
  CHECK(cycle.first_billing_date() == 2012_y / 2 / 29);
  CHECK(cycle.period_containing(2012_y / 2 / 10) == ServicePeriod{2012_y / 1 / 30, 2012_y / 2 / 29});
  CHECK(cycle.period_containing(2012_y / 2 / 10).days() == 30);
}

TEST_CASE("annual periods across a leap day") {
  BillingCycle cycle(2024_y / 2 / 29, BillingPeriod::annual, 29);
  CHECK(cycle.next_billing_date_after(2024_y / 2 / 29) == 2025_y / 2 / 28);
  CHECK(cycle.next_billing_date_after(2025_y / 2 / 28) == 2026_y / 2 / 28);
  CHECK(cycle.next_billing_date_after(2027_y / 3 / 1) == 2028_y / 2 / 29);
  CHECK(cycle.period_containing(2024_y / 6 / 1).days() == 365);  // 2024-02-29 -> 2025-02-28
  CHECK(BillingCycle(2023_y / 3 / 1, BillingPeriod::annual, 1).period_containing(2023_y / 3 / 1).days() == 366);
}

TEST_CASE("day-based periods ignore the BCD") {
  BillingCycle thirty(2011_y / 9 / 1, BillingPeriod::thirty_days, 15);
  CHECK(thirty.first_billing_date() == 2011_y / 9 / 1);
  CHECK(thirty.next_billing_date_after(2011_y / 9 / 1) == 2011_y / 10 / 1);
  CHECK(thirty.next_billing_date_after(2011_y / 10 / 1) == 2011_y / 10 / 31);
  CHECK(thirty.period_containing(2011_y / 10 / 15) == ServicePeriod{2011_y / 10 / 1, 2011_y / 10 / 31});
  BillingCycle weekly(2024_y / 1 / 3, BillingPeriod::weekly, 1);
  CHECK(weekly.next_billing_date_after(2024_y / 1 / 9) == 2024_y / 1 / 10);
  BillingCycle ninety(2024_y / 1 / 1, BillingPeriod::ninety_days, 1);
  CHECK(ninety.next_billing_date_after(2024_y / 1 / 1) == 2024_y / 3 / 31);
}

TEST_CASE("every multi-month period steps by its length") {
  struct Case {
    BillingPeriod period;
    Date next;
  };
  for (auto [period, next] : {Case{BillingPeriod::bimestrial, 2024_y / 3 / 10}, Case{BillingPeriod::triannual, 2024_y / 5 / 10},
                              Case{BillingPeriod::biannual, 2024_y / 7 / 10}, Case{BillingPeriod::sesquiennial, 2025_y / 7 / 10},
                              Case{BillingPeriod::biennial, 2026_y / 1 / 10}, Case{BillingPeriod::triennial, 2027_y / 1 / 10}}) {
    INFO(to_string(period));
    CHECK(BillingCycle(2024_y / 1 / 10, period, 10).next_billing_date_after(2024_y / 1 / 10) == next);
  }
}

TEST_CASE("billing period names are Kill Bill's") {
  CHECK(to_string(BillingPeriod::thirty_one_days) == "THIRTY_ONE_DAYS");
  CHECK(billing_period_from_string("SESQUIENNIAL") == BillingPeriod::sesquiennial);
  CHECK_FALSE(billing_period_from_string("monthly").has_value());
  CHECK(length_of(BillingPeriod::triennial).months == 36);
  CHECK(length_of(BillingPeriod::sixty_days).days == 60);
}
