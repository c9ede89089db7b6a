// Decimal::parse on arbitrary bytes; whatever parses must format and re-parse to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/decimal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = tollgate::Decimal::parse(text);
  if (!d) return 0;
  auto again = tollgate::Decimal::parse(d->to_string());
  if (!again || !(*again == *d)) std::abort();  // formatting must round-trip
  for (int digits : {0, 2, 3, 12})
    for (auto mode : {tollgate::RoundingMode::half_up, tollgate::RoundingMode::half_even})
      if (!d->round(digits, mode).is_valid()) std::abort();
  (void)(*d * *d / (d->is_zero() ? tollgate::Decimal(1) : *d));
  return 0;
}
