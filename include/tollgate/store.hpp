#pragma once
// Store interfaces: what the billing engine keeps between runs.
//
// A host may implement them on its own database; Tollgate ships SQLite
// (tollgate::sqlite) as the embedded default. Every multi-row change is one
// transaction: it happens whole or not at all. Errors are values whose code
// starts with "store." ("store.busy" is worth retrying).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tollgate/billing_engine.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rule_book.hpp"
#include "tollgate/time_zone.hpp"

namespace tollgate {

/// What a batch of usage did: new events counted, repeated ids ignored.
struct IngestResult {
  std::size_t inserted = 0;
  std::size_t duplicates = 0;
};

class UsageStore {
 public:
  virtual ~UsageStore() = default;
  /// Stores a batch in one transaction; an event whose (subscription, id) is
  /// already stored is a duplicate and is not stored again.
  virtual Result<IngestResult> record_usage(std::span<const UsageEvent> events) = 0;
  /// A subscription's usage events, in the order they were stored.
  virtual Result<std::vector<UsageEvent>> usage_of(const std::string& subscription) = 0;
};

/// One row of the organization_billing_rule table.
struct StoredRuleSet {
  std::string id;
  OrganizationKey organization;
  std::string rule_json;
  Instant registered_at;  ///< reg_dt
};

class RuleStore {
 public:
  virtual ~RuleStore() = default;
  /// Validates and registers an organization's rule set, in force from `registered_at`.
  /// Errors: "store.rules" with every problem of the document (nothing is stored).
  virtual Result<std::string> register_rules(const OrganizationKey& organization, std::string_view rule_json,
                                             Instant registered_at) = 0;
  /// Every registration, oldest first.
  virtual Result<std::vector<StoredRuleSet>> rule_sets() = 0;
  /// A RuleBook holding every registration.
  virtual Result<RuleBook> rule_book() = 0;
};

}  // namespace tollgate
