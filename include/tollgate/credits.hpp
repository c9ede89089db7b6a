#pragma once
// CreditLedger: an account's prepaid credits, as an immutable list of movements.
//
// Credits come from purchases of catalog credit packages (keyed by the payment
// provider's checkout session id, so a session delivered twice credits once)
// and from grants (optionally expiring). Usage prices marked pay_with_credits
// consume them. Every movement is an entry with a reason, so a balance can be
// explained line by line; the balance never goes negative.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tollgate/calendar.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

namespace detail {
struct CreditLedgerAccess;  // engine snapshots (src/core/engine/snapshot.cpp)
}

enum class CreditEntryKind { purchase, grant, consumption, expiry };
std::string_view to_string(CreditEntryKind k) noexcept;  ///< "purchase", "grant", ...

struct CreditEntry {
  Date date;
  CreditEntryKind kind;
  Decimal credits;        ///< positive for purchase and grant, negative for consumption and expiry
  std::string reference;  ///< checkout session id, grant id, or what consumed the credits
};

class CreditLedger {
 public:
  /// Adds a package's credits once per checkout session id.
  /// Returns false (and changes nothing) when the session was already credited.
  bool purchase(const CreditPackage& package, const std::string& session_id, const Date& on);
  /// Adds credits once per grant id, usable before `expires` (if any).
  /// Returns false when the id was already granted. Precondition: credits > 0.
  bool grant(const Decimal& credits, const std::string& grant_id, const Date& on,
             const std::optional<Date>& expires = std::nullopt);
  /// Consumes up to `wanted` credits (earliest-expiring first) and returns how
  /// many were consumed: never more than the balance.
  Decimal consume(const Decimal& wanted, const Date& on, const std::string& reason);
  /// Records the expiry of every grant whose expiry date is on or before `on`.
  void expire_through(const Date& on);

  /// Credits usable on `on` (grants expired by then do not count).
  Decimal balance(const Date& on) const;
  /// Whether `units` more credits can be consumed on `on`.
  bool can_consume(const Decimal& units, const Date& on) const { return !(balance(on) < units); }
  const std::vector<CreditEntry>& entries() const noexcept { return entries_; }

 private:
  friend struct detail::CreditLedgerAccess;
  struct Lot {
    std::string reference;
    Decimal remaining;
    std::optional<Date> expires;
  };
  bool usable(const Lot& lot, const Date& on) const { return !lot.expires || on < *lot.expires; }

  std::vector<Lot> lots_;
  std::vector<CreditEntry> entries_;
  std::set<std::string> references_;
};

}  // namespace tollgate
TOLLGATE_API_END
