#include "tollgate/time_zone.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {
Instant utc(Date d, std::chrono::seconds time_of_day) {
  return Instant{date::sys_days(d)} + time_of_day;
}
}  // namespace

TEST_CASE("local dates follow the account's zone") {
  auto seoul = *TimeZone::locate("Asia/Seoul");  // UTC+9, no DST
  CHECK(seoul.local_date(utc(2024_y / 1 / 31, 15h)) == 2024_y / 2 / 1);
  CHECK(seoul.local_date(utc(2024_y / 1 / 31, 14h + 59min)) == 2024_y / 1 / 31);
  CHECK(seoul.start_of_day(2024_y / 2 / 1) == utc(2024_y / 1 / 31, 15h));
  auto u = *TimeZone::locate("UTC");
  CHECK(u.local_date(utc(2024_y / 3 / 31, 22h + 30min)) == 2024_y / 3 / 31);
}

TEST_CASE("a DST spring-forward day has 23 hours (Europe/Paris)") {
  auto paris = *TimeZone::locate("Europe/Paris");
  // 2024-03-31: CET (+1) until 02:00, then CEST (+2).
  CHECK(paris.start_of_day(2024_y / 3 / 31) == utc(2024_y / 3 / 30, 23h));
  CHECK(paris.start_of_day(2024_y / 4 / 1) == utc(2024_y / 3 / 31, 22h));
  CHECK(paris.start_of_day(2024_y / 4 / 1) - paris.start_of_day(2024_y / 3 / 31) == 23h);
  CHECK(paris.local_date(utc(2024_y / 3 / 31, 22h + 30min)) == 2024_y / 4 / 1);
}

TEST_CASE("a DST fall-back day has 25 hours (America/New_York)") {
  auto ny = *TimeZone::locate("America/New_York");
  // 2024-11-03: EDT (-4) until 02:00, then EST (-5).
  CHECK(ny.start_of_day(2024_y / 11 / 3) == utc(2024_y / 11 / 3, 4h));
  CHECK(ny.start_of_day(2024_y / 11 / 4) == utc(2024_y / 11 / 4, 5h));
  CHECK(ny.start_of_day(2024_y / 11 / 4) - ny.start_of_day(2024_y / 11 / 3) == 25h);
}

TEST_CASE("a day whose midnight is skipped starts at the first instant after the gap") {
  // America/Sao_Paulo, 2018-11-04: clocks went from 00:00 (-3) straight to 01:00 (-2).
  auto sp = *TimeZone::locate("America/Sao_Paulo");
  CHECK(sp.start_of_day(2018_y / 11 / 4) == utc(2018_y / 11 / 4, 3h));
  CHECK(sp.local_date(utc(2018_y / 11 / 4, 3h)) == 2018_y / 11 / 4);
}

TEST_CASE("unknown zones are an error value, not an exception") {
  auto z = TimeZone::locate("Mars/Olympus_Mons");
  REQUIRE_FALSE(z.has_value());
  CHECK(z.error().code == "time_zone.unknown");
}

TEST_CASE("parse_instant reads ISO 8601 instants, with Z, an offset or fractional seconds") {
  using namespace std::chrono;
  Instant ten_utc = Instant{date::sys_days(Date(2024_y / 1 / 3))} + hours(10);
  CHECK(*parse_instant("2024-01-03T10:00:00Z") == ten_utc);
  CHECK(*parse_instant("2024-01-03T10:00:00.250Z") == ten_utc);
  CHECK(*parse_instant("2024-01-03T19:00:00+09:00") == ten_utc);  // Seoul
  CHECK(*parse_instant("2024-01-03T05:00:00-05:00") == ten_utc);
  CHECK(*parse_instant("2024-01-03T10:00:00") == ten_utc);  // no offset: UTC
  CHECK(parse_instant("2024-01-03").error().code == "date.syntax");
  CHECK(parse_instant("2024-01-03T25:00:00Z").error().code == "date.syntax");
  CHECK(parse_instant("2024-01-03T10:00:00+0900").error().code == "date.syntax");
  CHECK(parse_instant("2023-02-29T10:00:00Z").error().code == "date.invalid");
}
