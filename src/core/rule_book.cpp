#include "tollgate/rule_book.hpp"

#include <algorithm>

namespace tollgate {

void RuleBook::register_rules(const OrganizationKey& org, Instant registered_at, RuleSet rules) {
  auto& history = versions_[org];
  auto it = std::lower_bound(history.begin(), history.end(), registered_at,
                             [](const auto& version, Instant at) { return version.first < at; });
  if (it != history.end() && it->first == registered_at)
    it->second = std::move(rules);
  else
    history.insert(it, {registered_at, std::move(rules)});
}

const RuleSet& RuleBook::in_force(const OrganizationKey& org, Instant at) const {
  static const RuleSet kDefaults;
  auto found = versions_.find(org);
  if (found == versions_.end()) return kDefaults;
  const auto& history = found->second;
  // The last version registered at or before `at`.
  auto it = std::upper_bound(history.begin(), history.end(), at,
                             [](Instant t, const auto& version) { return t < version.first; });
  if (it == history.begin()) return kDefaults;
  return std::prev(it)->second;
}

std::size_t RuleBook::version_count(const OrganizationKey& org) const {
  auto found = versions_.find(org);
  return found == versions_.end() ? 0 : found->second.size();
}

}  // namespace tollgate
