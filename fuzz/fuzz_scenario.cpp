// The scenario loader of `tollgate simulate` on arbitrary bytes (referenced files read as missing).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto no_files = [](const std::string& path) -> tollgate::Result<std::string> {
    return tollgate::make_error("file.unreadable", path + ": not read while fuzzing");
  };
  auto scenario = tollgate::cli::load_scenario({reinterpret_cast<const char*>(data), size}, "/nonexistent", no_files);
  if (!scenario && scenario.error().empty()) std::abort();
  return 0;
}
