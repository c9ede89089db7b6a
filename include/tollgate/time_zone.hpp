#pragma once
// TimeZone: an account's IANA time zone, mapping instants to local billing dates.
//
// Everything the engine bills is dated in the account's local calendar: an
// invoice due "on Feb 1" in Asia/Seoul is due from 00:00 Seoul time. The
// system tz database is used (Debian package tzdata), through Howard Hinnant's
// `date/tz.h`, which stays out of this header.

#include <chrono>
#include <string>
#include <string_view>

#include "tollgate/calendar.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

using Instant = std::chrono::sys_seconds;

/// Parses an ISO 8601 instant: "2024-01-03T10:00:00Z", with optional
/// fractional seconds (dropped) and a "+09:00" offset instead of "Z"; no
/// offset reads as UTC. Errors: "date.syntax", "date.invalid".
Result<Instant> parse_instant(std::string_view text);

class TimeZone {
 public:
  /// Looks up an IANA name ("Europe/Paris", "UTC").
  /// Errors: "time_zone.unknown" (also when the tz database is missing).
  static Result<TimeZone> locate(std::string_view name);

  const std::string& name() const noexcept { return name_; }
  /// The local date at an instant.
  Date local_date(Instant at) const;
  /// The instant local midnight begins on `d` (the first instant of that day
  /// when a DST change skips midnight).
  Instant start_of_day(const Date& d) const;

 private:
  TimeZone(std::string name, const void* zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  const void* zone_;  // const date::time_zone*, owned by the tz database
};

}  // namespace tollgate
TOLLGATE_API_END
