#pragma once
// Form: Stripe request parameters, encoded as Stripe's SDKs encode them.
//
// application/x-www-form-urlencoded with nested keys (`metadata[k]=v`) and
// indexed arrays (`items[0][price]=p`, `expand[0]=x`). Keys and values are
// percent-encoded per RFC 3986 (only A-Z a-z 0-9 - . _ ~ stay as they are),
// and the brackets of nested keys are left readable, byte for byte what the
// official Node SDK sends for the same parameters.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::stripe {

class Form {
 public:
  Form() = default;

  /// Sets a scalar. Parameters keep the order they were first set in.
  Form& set(std::string_view key, std::string_view value);
  Form& set(std::string_view key, const char* value) { return set(key, std::string_view(value)); }
  Form& set(std::string_view key, std::int64_t value) { return set(key, std::to_string(value)); }
  Form& set(std::string_view key, int value) { return set(key, std::to_string(value)); }
  Form& set(std::string_view key, bool value) { return set(key, value ? "true" : "false"); }
  /// Sets a nested object: key[sub]=...
  Form& set(std::string_view key, Form nested);
  /// Appends to an indexed array: key[0], key[1], ...
  Form& append(std::string_view key, std::string_view value);
  Form& append(std::string_view key, Form nested);

  bool empty() const noexcept { return entries_.empty(); }
  /// "a=1&metadata[k]=v&items[0][price]=p".
  std::string encode() const;

 private:
  struct Node;
  Node& node(std::string_view key);
  void encode_into(std::string& out, const std::string& prefix) const;

  std::vector<std::pair<std::string, std::shared_ptr<Node>>> entries_;
};

/// RFC 3986 percent-encoding of one key or value.
std::string percent_encode(std::string_view text);

}  // namespace tollgate::stripe
TOLLGATE_API_END
