#include "tollgate/calendar.hpp"

#include <catch2/catch.hpp>

#include "tollgate/catalog.hpp"

using namespace tollgate;
using namespace date::literals;

TEST_CASE("parse_date and to_string") {
  CHECK(*parse_date("2024-02-29") == 2024_y / 2 / 29);
  CHECK(to_string(2024_y / 2 / 29) == "2024-02-29");
  CHECK(to_string(Date{date::year(987), date::month(1), date::day(2)}) == "0987-01-02");
  CHECK(parse_date("2023-02-29").error().code == "date.invalid");
  for (const char* bad : {"2024-2-29", "2024/02/29", "20240229", "", "2024-02-29T00:00", "abcd-ef-gh"}) {
    INFO(bad);
    CHECK(parse_date(bad).error().code == "date.syntax");
  }
}

TEST_CASE("service periods are half-open") {
  ServicePeriod p{2024_y / 1 / 20, 2024_y / 2 / 1};
  CHECK(p.days() == 12);
  CHECK(p.contains(2024_y / 1 / 20));
  CHECK(p.contains(2024_y / 1 / 31));
  CHECK_FALSE(p.contains(2024_y / 2 / 1));
  CHECK(days_between(2024_y / 2 / 1, 2024_y / 3 / 1) == 29);
  CHECK(days_between(2023_y / 2 / 1, 2023_y / 3 / 1) == 28);
}

TEST_CASE("month arithmetic clamps to the end of short months") {
  CHECK(add_months(2024_y / 1 / 31, 1) == 2024_y / 2 / 29);
  CHECK(add_months(2023_y / 1 / 31, 1) == 2023_y / 2 / 28);
  CHECK(add_months(2024_y / 1 / 31, 3) == 2024_y / 4 / 30);
  CHECK(add_months(2024_y / 2 / 29, 12) == 2025_y / 2 / 28);
  CHECK(add_months(2024_y / 3 / 31, -1) == 2024_y / 2 / 29);
  CHECK(day_of_month_clamped(2024_y / 4, 31) == 2024_y / 4 / 30);
}

TEST_CASE("phase durations") {
  CHECK(add_duration(2024_y / 1 / 1, {TimeUnit::days, 14}) == 2024_y / 1 / 15);
  CHECK(add_duration(2024_y / 1 / 3, {TimeUnit::days, 15}) == 2024_y / 1 / 18);
  CHECK(add_duration(2024_y / 1 / 3, {TimeUnit::weeks, 2}) == 2024_y / 1 / 17);
  CHECK(add_duration(2024_y / 1 / 31, {TimeUnit::months, 1}) == 2024_y / 2 / 29);
  CHECK(add_duration(2024_y / 2 / 29, {TimeUnit::years, 1}) == 2025_y / 2 / 28);
}
