#include "tollgate/http_transport.hpp"

#include <algorithm>
#include <cctype>

namespace tollgate {

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  auto same = [&](const HttpHeader& h) {
    return h.name.size() == name.size() &&
           std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  };
  auto it = std::find_if(headers.begin(), headers.end(), same);
  if (it == headers.end()) return std::nullopt;
  return it->value;
}

}  // namespace tollgate
