#include "tollgate/credits.hpp"

#include <algorithm>

namespace tollgate {

std::string_view to_string(CreditEntryKind k) noexcept {
  switch (k) {
    case CreditEntryKind::purchase:
      return "purchase";
    case CreditEntryKind::grant:
      return "grant";
    case CreditEntryKind::consumption:
      return "consumption";
    case CreditEntryKind::expiry:
      return "expiry";
  }
  return "?";
}

bool CreditLedger::purchase(const CreditPackage& package, const std::string& session_id,
                            const Date& on) {
  if (!references_.insert("purchase:" + session_id).second) return false;
  lots_.push_back({session_id, package.credits, std::nullopt});
  entries_.push_back({on, CreditEntryKind::purchase, package.credits, session_id});
  return true;
}

bool CreditLedger::grant(const Decimal& credits, const std::string& grant_id, const Date& on,
                         const std::optional<Date>& expires) {
  if (!references_.insert("grant:" + grant_id).second) return false;
  lots_.push_back({grant_id, credits, expires});
  entries_.push_back({on, CreditEntryKind::grant, credits, grant_id});
  return true;
}

Decimal CreditLedger::consume(const Decimal& wanted, const Date& on, const std::string& reason) {
  expire_through(on);
  // Earliest-expiring first, so that credits about to lapse are used before those that never do.
  std::vector<Lot*> order;
  for (auto& lot : lots_)
    if (lot.remaining.sign() > 0 && usable(lot, on)) order.push_back(&lot);
  std::stable_sort(order.begin(), order.end(), [](const Lot* a, const Lot* b) {
    if (a->expires && b->expires) return *a->expires < *b->expires;
    return a->expires.has_value() && !b->expires.has_value();
  });
  Decimal consumed;
  for (Lot* lot : order) {
    if (!(consumed < wanted)) break;
    Decimal take = min(lot->remaining, wanted - consumed);
    lot->remaining -= take;
    consumed += take;
  }
  if (consumed.sign() > 0)
    entries_.push_back({on, CreditEntryKind::consumption, -consumed, reason});
  return consumed;
}

void CreditLedger::expire_through(const Date& on) {
  for (auto& lot : lots_) {
    if (usable(lot, on) || lot.remaining.is_zero()) continue;
    entries_.push_back({*lot.expires, CreditEntryKind::expiry, -lot.remaining, lot.reference});
    lot.remaining = Decimal(0);
  }
}

Decimal CreditLedger::balance(const Date& on) const {
  Decimal total;
  for (const auto& lot : lots_)
    if (usable(lot, on)) total += lot.remaining;
  return total;
}

}  // namespace tollgate
