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
  /// The first day of the block it is in (BLOCKED), or of the next one already
  /// known: REQUIRE_PAYMENT_METHOD without a card, from the trial's end or
  /// from the next charge after the card was removed.
  std::optional<Date> blocked_from;
  /// Under a versioned catalog, the effective date of the version whose plan
  /// prices it on the day: the one it was made or changed under, or a later
  /// one that moved it (effective_for_existing). Unset for a catalog of one version.
  std::optional<Date> catalog_version;
  /// The day it began: entitlement and billing start together (Kill Bill's startDate).
  Date start_date{};
  /// An add-on's BASE subscription; nullopt for the others.
  std::optional<std::string> base;
  /// The day it ends, once that is decided: by a cancel (its own or its
  /// base's), or, for an add-on, by its base's change to a product that does
  /// not take it. Past or ahead; while ahead it is also pending_cancel. Unset
  /// for an end no cancel decided (a FIXEDTERM phase that ran out).
  std::optional<Date> cancelled_date;
};

/// What happened to a subscription, in Kill Bill's vocabulary. Entitlement
/// and billing start, pause, resume and stop together in Tollgate, so each of
/// those comes as a pair (the entitlement's first).
enum class SubscriptionEventType {
  start_entitlement,
  start_billing,
  phase,   ///< a later phase of the plan begins (a trial ends)
  change,  ///< another plan from here on
  pause_entitlement,
  pause_billing,
  resume_entitlement,
  resume_billing,
  stop_entitlement,  ///< cancelled, or the last (FIXEDTERM) phase ran out
  stop_billing,
};
/// "START_ENTITLEMENT", "START_BILLING", "PHASE", "CHANGE", "PAUSE_ENTITLEMENT", ...
std::string_view to_string(SubscriptionEventType t) noexcept;

struct SubscriptionEvent {
  SubscriptionEventType type = SubscriptionEventType::start_entitlement;
  Date effective;
  /// The plan in force from then on; for a pause or a stop, the one that ends.
  std::string plan;
  /// Its phase then (the one that ends, for a pause or a stop); nullopt in
  /// none (a trial over without a payment method).
  std::optional<PhaseType> phase;

  friend bool operator==(const SubscriptionEvent&, const SubscriptionEvent&) = default;
};

}  // namespace tollgate
TOLLGATE_API_END
