#include "tollgate/time_zone.hpp"

#include <date/tz.h>

namespace tollgate {
namespace {

const date::time_zone* zone_of(const void* p) {
  return static_cast<const date::time_zone*>(p);
}

}  // namespace

Result<TimeZone> TimeZone::locate(std::string_view name) {
  try {
    const date::time_zone* zone = date::locate_zone(name);
    return TimeZone(std::string(name), zone);
  } catch (const std::exception&) {
    // date::locate_zone throws for an unknown name or a missing database; no
    // exception leaves the library.
    return make_error("time_zone.unknown",
                      "\"" + std::string(name) + "\" is not a known IANA time zone");
  }
}

Date TimeZone::local_date(Instant at) const {
  auto local = zone_of(zone_)->to_local(at);
  return Date(date::floor<date::days>(local));
}

Instant TimeZone::start_of_day(const Date& d) const {
  date::local_seconds midnight{date::local_days(d)};
  auto info = zone_of(zone_)->get_info(midnight);
  if (info.result == date::local_info::nonexistent) return info.second.begin;  // midnight skipped
  // Unique, or ambiguous (midnight happens twice): the earlier one starts the day.
  return Instant{midnight.time_since_epoch() - info.first.offset};
}

}  // namespace tollgate
