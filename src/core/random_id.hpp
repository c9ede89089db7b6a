#pragma once
// Private: random version-4 UUIDs for the stores' row ids (organization_billing_rule.id),
// shared by the SQLite and PostgreSQL adapters.

#include <random>
#include <string>

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

}  // namespace tollgate::detail
