#pragma once
// The scenario file of `tollgate simulate` (docs/cli.md): a catalog, optional
// rules, an account and a dated list of events, validated as a whole.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tollgate/account.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rules.hpp"

namespace tollgate::cli {

enum class EventType {
  create, change, cancel, uncancel, pause, resume, bill_cycle_day, payment_method, usage, credit_purchase, credit_grant
};

struct ScenarioEvent {
  std::size_t index = 0;
  Date date;
  EventType type = EventType::create;
  std::string subscription;  ///< empty: account-wide (bill_cycle_day)
  std::string plan;
  std::optional<std::string> base;
  std::optional<BillingActionPolicy> policy;
  int day = 0;
  std::string id;  ///< payment method, usage, credit purchase (session) or grant id
  std::string metric;
  Decimal quantity;
  std::string value_key;
  std::string package;
  Decimal credits;
  std::optional<Date> expires;
};

struct Scenario {
  std::shared_ptr<const Catalog> catalog;
  RuleSet rules;
  Account account;
  std::vector<ScenarioEvent> events;
  Date until;
};

/// Loads a scenario; `catalog` and `rules` may be paths relative to `base_dir`
/// or inline objects. Errors: every problem, by JSON path within the scenario
/// (a referenced file's problems are prefixed with "catalog." or "rules.").
/// `read` fetches a referenced file (read_file by default; fuzzing passes one that reads nothing).
Result<Scenario, Problems> load_scenario(std::string_view json, const std::filesystem::path& base_dir,
                                         const std::function<Result<std::string>(const std::string&)>& read = {});

}  // namespace tollgate::cli
