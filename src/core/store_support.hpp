#pragma once
// Private: what the SQLite and PostgreSQL adapters (and the billing run) share:
// random ids, and the error for a document that does not validate.

#include <random>
#include <string>
#include <vector>

#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"

namespace tollgate::detail {

inline std::string random_uuid() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<int> hex(0, 15);
  std::string id = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : id) {
    if (c == 'x') c = "0123456789abcdef"[hex(rng)];
    if (c == 'y') c = "89ab"[hex(rng) & 3];
  }
  return id;
}

/// `code` with "<what> is invalid: <path>: <reason>; ..." listing every problem.
inline Unexpected<Error> invalid_document(const std::string& code, const std::string& what,
                                          const std::vector<Problem>& problems) {
  std::string message = what + " is invalid:";
  for (const auto& p : problems) message += " " + to_string(p) + ";";
  return make_error(code, message);
}

}  // namespace tollgate::detail
