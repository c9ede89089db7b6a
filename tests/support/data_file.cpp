#include <fstream>
#include <sstream>

#include "problems.hpp"

namespace tollgate::test {

std::string data_file(const std::string& relative) {
  std::ifstream in(std::string(TOLLGATE_TEST_DATA) + "/" + relative, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace tollgate::test
