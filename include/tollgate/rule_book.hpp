#pragma once
// RuleBook: rule sets kept per organization and tenant, versioned by time.
//
// Mirrors the organization_billing_rule table: each registration has a
// registration time (reg_dt); from that instant on it replaces the older rule
// set of the same organization and tenant. An operation is judged by the rule
// set in force at the instant it was requested.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tollgate/rules.hpp"
#include "tollgate/time_zone.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct OrganizationKey {
  std::string organization_id;
  std::string tenant_id;
  // clang-tidy 14 sees a literal 0 inside the defaulted comparison it synthesizes.
  friend auto operator<=>(const OrganizationKey&,
                          const OrganizationKey&) = default;  // NOLINT(modernize-use-nullptr)
};

class RuleBook {
 public:
  /// Registers a rule set; a second registration at the same instant replaces the first.
  void register_rules(const OrganizationKey& org, Instant registered_at, RuleSet rules);

  /// The rule set in force at `at` (registered at or before it); the empty
  /// rule set, which answers with Kill Bill's defaults, when there is none.
  const RuleSet& in_force(const OrganizationKey& org, Instant at) const;

  /// How many versions an organization has registered.
  std::size_t version_count(const OrganizationKey& org) const;

 private:
  std::map<OrganizationKey, std::vector<std::pair<Instant, RuleSet>>> versions_;
};

}  // namespace tollgate
TOLLGATE_API_END
