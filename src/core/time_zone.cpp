#include "tollgate/time_zone.hpp"

#include <date/tz.h>

#include <charconv>
#include <optional>

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
    return make_error(errors::time_zone_unknown,
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

// By hand: date::parse trips GCC 12's -Wmaybe-uninitialized at -O3.
Result<Instant> parse_instant(std::string_view t) {
  auto syntax = [&] {
    return make_error(errors::date_syntax,
                      "\"" + std::string(t) + "\" is not an instant like 2024-01-03T10:00:00Z");
  };
  if (t.size() < 19 || (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':')
    return syntax();
  TOLLGATE_ASSIGN_OR_RETURN(auto day, parse_date(t.substr(0, 10)));
  auto number = [&](std::size_t at, int max) -> std::optional<int> {
    int out = 0;
    auto [end, ec] = std::from_chars(t.data() + at, t.data() + at + 2, out);
    if (ec != std::errc() || end != t.data() + at + 2 || out > max) return std::nullopt;
    return out;
  };
  auto h = number(11, 23), m = number(14, 59), s = number(17, 60);
  if (!h || !m || !s) return syntax();
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  }
  int offset_minutes = 0;
  if (i < t.size()) {
    if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == t.size()) {
      // UTC
    } else if ((t[i] == '+' || t[i] == '-') && t.size() == i + 6 && t[i + 3] == ':') {
      auto oh = number(i + 1, 23), om = number(i + 4, 59);
      if (!oh || !om) return syntax();
      offset_minutes = (t[i] == '-' ? -1 : 1) * (*oh * 60 + *om);
    } else {
      return syntax();
    }
  }
  return Instant{date::sys_days(day)} + std::chrono::hours(*h) + std::chrono::minutes(*m) +
         std::chrono::seconds(*s) - std::chrono::minutes(offset_minutes);
}

}  // namespace tollgate
