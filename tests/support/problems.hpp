#pragma once
// Test helpers for loaders that report Problems.

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "tollgate/problem.hpp"

namespace tollgate::test {

/// True when some problem is at exactly `path` and its reason contains `words`.
inline bool has_problem(const Problems& problems, const std::string& path, const std::string& words) {
  return std::any_of(problems.begin(), problems.end(), [&](const Problem& p) {
    return p.path == path && p.reason.find(words) != std::string::npos;
  });
}

inline std::string describe(const Problems& problems) {
  std::string s;
  for (const auto& p : problems) s += to_string(p) + "\n";
  return s;
}

/// Reads a test data file (relative to tests/data).
std::string data_file(const std::string& relative);

}  // namespace tollgate::test
