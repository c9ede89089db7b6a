#pragma once
// A list of Kill Bill object type names kept in one text column
// ("ACCOUNT,INVOICE"), as both stores keep a tag definition's applicable types.
// Object type names never hold a comma.

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::server {

inline std::string join_object_types(const std::vector<std::string>& types) {
  std::string out;
  for (const auto& t : types) out += (out.empty() ? "" : ",") + t;
  return out;
}

inline std::vector<std::string> split_object_types(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace tollgate::server
