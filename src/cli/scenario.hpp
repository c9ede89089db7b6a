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
#include "tollgate/operation.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rules.hpp"

namespace tollgate::cli {

/// One event of a scenario: an operation and its place in the file.
struct ScenarioEvent : Operation {
  std::size_t index = 0;
};

struct Scenario {
  std::shared_ptr<const Catalog> catalog;
  std::string catalog_json;  ///< the catalog as JSON (an XML catalog translated)
  RuleSet rules;
  Account account;
  std::vector<ScenarioEvent> events;
  Date until;
};

/// Loads a scenario; `catalog` and `rules` may be paths relative to `base_dir`
/// or inline objects. A `catalog` path may name a Kill Bill XML catalog; its
/// <rules> apply when the scenario has no `rules`. Errors: every problem, by JSON path within the
/// scenario (a referenced file's problems are prefixed with "catalog." or "rules."). `read` fetches
/// a referenced file (read_file by default; fuzzing passes one that reads nothing).
Result<Scenario, Problems> load_scenario(
    std::string_view json, const std::filesystem::path& base_dir,
    const std::function<Result<std::string>(const std::string&)>& read = {});

}  // namespace tollgate::cli
