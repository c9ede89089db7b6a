// Kill Bill's XML catalog reader on arbitrary bytes: it returns a catalog or
// problems, never crashes, and a catalog it returns loads again from its JSON.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/kill_bill_catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto read = tollgate::load_kill_bill_catalog({reinterpret_cast<const char*>(data), size});
  if (!read && read.error().empty()) std::abort();  // a refusal always says why
  if (read && !tollgate::load_catalog(read->catalog_json)) std::abort();
  return 0;
}
