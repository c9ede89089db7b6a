#include "tollgate/store.hpp"

namespace tollgate {

std::string_view to_string(InvoiceStatus s) noexcept {
  switch (s) {
    case InvoiceStatus::unpaid:
      return "UNPAID";
    case InvoiceStatus::paid:
      return "PAID";
    case InvoiceStatus::failed:
      return "FAILED";
    case InvoiceStatus::settled:
      return "SETTLED";
  }
  return "?";
}

std::string_view to_string(AttemptStatus s) noexcept {
  switch (s) {
    case AttemptStatus::scheduled:
      return "SCHEDULED";
    case AttemptStatus::started:
      return "STARTED";
    case AttemptStatus::succeeded:
      return "SUCCEEDED";
    case AttemptStatus::pending:
      return "PENDING";
    case AttemptStatus::failed:
      return "FAILED";
  }
  return "?";
}

std::string_view to_string(NotificationKind k) noexcept {
  switch (k) {
    case NotificationKind::trial_ending:
      return "TRIAL_ENDING";
    case NotificationKind::period_ending:
      return "PERIOD_ENDING";
    case NotificationKind::payment_failed:
      return "PAYMENT_FAILED";
    case NotificationKind::payment_succeeded:
      return "PAYMENT_SUCCEEDED";
    case NotificationKind::credits_low:
      return "CREDITS_LOW";
    case NotificationKind::blocked:
      return "BLOCKED";
  }
  return "?";
}

}  // namespace tollgate
