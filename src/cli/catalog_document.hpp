#pragma once
// A catalog file in either format the command line reads: the catalog JSON
// of docs/formats.md, or a Kill Bill XML catalog (its first character '<').

#include <optional>
#include <string>
#include <string_view>

#include "tollgate/catalog.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rules.hpp"

namespace tollgate::cli {

struct CatalogDocument {
  Catalog catalog;
  std::string json;  ///< the catalog as JSON: what a store keeps
  /// An XML catalog's <rules>, when it has any rule: Kill Bill keeps rules in
  /// the catalog, Tollgate per organization, so the caller decides where they go.
  std::optional<RuleSet> rules;
  std::string rules_json;
  bool from_xml = false;
};

/// Loads either format. Errors: the problems of load_catalog() (JSON paths) or
/// of load_kill_bill_catalog() (XML paths).
Result<CatalogDocument, Problems> load_catalog_document(std::string_view text);

/// How many rules a rule set has, over its five lists.
std::size_t rule_count(const RuleSet& rules);

}  // namespace tollgate::cli
