#pragma once
// Private: what the SQLite and PostgreSQL adapters (and the billing run) share:
// random ids (random_id.hpp), and the error for a document that does not validate.

#include <string>
#include <vector>

#include "random_id.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"

namespace tollgate::detail {

/// `code` with "<what> is invalid: <path>: <reason>; ..." listing every problem.
inline Unexpected<Error> invalid_document(const std::string& code, const std::string& what,
                                          const std::vector<Problem>& problems) {
  std::string message = what + " is invalid:";
  for (const auto& p : problems) message += " " + to_string(p) + ";";
  return make_error(code, message);
}

}  // namespace tollgate::detail
