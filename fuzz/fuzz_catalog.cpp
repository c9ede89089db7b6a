// The catalog loader on arbitrary bytes: it returns a catalog or problems, never crashes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto catalog = tollgate::load_catalog({reinterpret_cast<const char*>(data), size});
  if (!catalog && catalog.error().empty()) std::abort();  // a refusal always says why
  return 0;
}
