#pragma once
// Problem: one thing wrong with a JSON document, named by its JSON path.
//
// Loaders (catalog, rules, scenario) do not stop at the first problem: they
// collect every one, so that an operator fixes a document in one pass.

#include <string>
#include <vector>
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct Problem {
  std::string path;  ///< e.g. "plans[0].phases[1].recurring.price.EUR"; "$" is the document itself
  std::string reason;  ///< e.g. "missing price for currency EUR"

  friend bool operator==(const Problem&, const Problem&) = default;
};

using Problems = std::vector<Problem>;

/// "path: reason", the form the command-line tool prints, one a line.
inline std::string to_string(const Problem& p) {
  return p.path + ": " + p.reason;
}

}  // namespace tollgate
TOLLGATE_API_END
