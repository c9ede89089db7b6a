#pragma once
// Subscription states and the status a host reads back.

#include <optional>
#include <string>
#include <string_view>

#include "tollgate/calendar.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

enum class SubscriptionState {
  pending,    ///< requested to start later
  active,     ///< in a phase (a trial counts): entitled
  blocked,    ///< trial over and no payment method on file (REQUIRE_PAYMENT_METHOD): not entitled,
              ///< not billed
  paused,     ///< paused by request: not entitled, not billed
  cancelled,  ///< ended (cancelled, or a FIXEDTERM phase ran out)
};
/// "PENDING", "ACTIVE", "BLOCKED", "PAUSED", "CANCELLED".
std::string_view to_string(SubscriptionState s) noexcept;

struct SubscriptionStatus {
  std::string id;
  std::string plan;                ///< the plan in force (the last one after a cancel)
  std::optional<PhaseType> phase;  ///< the phase in force, when active
  SubscriptionState state = SubscriptionState::pending;
  std::optional<Date> charged_through;  ///< end of the last billed recurring period, after repairs
  std::optional<Date> pending_cancel;   ///< an END_OF_TERM cancel not yet effective
  std::optional<Date>
      trial_ends;  ///< the end of the trial it is in (exclusive: the first paid day)
  std::optional<Date> period_ends;  ///< the end of the billing period it is in (exclusive)
  bool entitled = false;
};

}  // namespace tollgate
TOLLGATE_API_END
