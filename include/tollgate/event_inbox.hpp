#pragma once
// EventInbox: apply each provider event once, however often it is delivered.
//
// Providers deliver webhooks more than once and out of order. An inbox records
// the ids of the events it applied; apply_once() runs an event's effect and
// records its id in one transaction, so an event is either applied and
// recorded, or neither. The SQLite and PostgreSQL stores implement it on a
// UNIQUE key; MemoryEventInbox serves tests and single-process hosts.

#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

enum class Delivery { applied, duplicate };

class EventInbox {
 public:
  virtual ~EventInbox() = default;
  /// Runs `effect` and records `event_id`, atomically. An id already recorded
  /// returns Delivery::duplicate without running `effect`. When `effect` fails,
  /// nothing is recorded (a later delivery tries again) and its error is returned.
  virtual Result<Delivery> apply_once(std::string_view event_id,
                                      const std::function<Result<Ok>()>& effect) = 0;
};

class MemoryEventInbox final : public EventInbox {
 public:
  Result<Delivery> apply_once(std::string_view event_id,
                              const std::function<Result<Ok>()>& effect) override {
    if (seen_.contains(std::string(event_id))) return Delivery::duplicate;
    TOLLGATE_RETURN_IF_ERROR(effect());
    seen_.emplace(event_id);
    return Delivery::applied;
  }

 private:
  std::set<std::string> seen_;
};

}  // namespace tollgate
TOLLGATE_API_END
