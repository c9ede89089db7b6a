#pragma once
// Runs the tollgate command in-process and captures its exit code and output.

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"

namespace tollgate::test {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

inline CliRun tollgate_cli(std::vector<std::string_view> args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  int code = tollgate::cli::run(args, {in, out, err});
  return {code, out.str(), err.str()};
}

inline std::string data(const std::string& relative) { return std::string(TOLLGATE_TEST_DATA) + "/" + relative; }

}  // namespace tollgate::test
