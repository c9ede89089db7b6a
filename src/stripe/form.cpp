#include "tollgate/stripe/form.hpp"

#include <variant>

namespace tollgate::stripe {

struct Form::Node {
  // A scalar, a nested form, or an array of nodes.
  std::variant<std::string, Form, std::vector<std::shared_ptr<Node>>> value;
};

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

Form::Node& Form::node(std::string_view key) {
  for (auto& [k, n] : entries_)
    if (k == key) return *n;
  entries_.emplace_back(std::string(key), std::make_shared<Node>());
  return *entries_.back().second;
}

Form& Form::set(std::string_view key, std::string_view value) {
  node(key).value = std::string(value);
  return *this;
}

Form& Form::set(std::string_view key, Form nested) {
  node(key).value = std::move(nested);
  return *this;
}

Form& Form::append(std::string_view key, std::string_view value) {
  Node& n = node(key);
  if (!std::holds_alternative<std::vector<std::shared_ptr<Node>>>(n.value))
    n.value = std::vector<std::shared_ptr<Node>>{};
  std::get<std::vector<std::shared_ptr<Node>>>(n.value).push_back(
      std::make_shared<Node>(Node{std::string(value)}));
  return *this;
}

Form& Form::append(std::string_view key, Form nested) {
  Node& n = node(key);
  if (!std::holds_alternative<std::vector<std::shared_ptr<Node>>>(n.value))
    n.value = std::vector<std::shared_ptr<Node>>{};
  std::get<std::vector<std::shared_ptr<Node>>>(n.value).push_back(
      std::make_shared<Node>(Node{std::move(nested)}));
  return *this;
}

namespace {

// Percent-encodes a key or value but leaves brackets readable, as the SDK does
// after encoding ("metadata%5Bk%5D" -> "metadata[k]"; values too).
std::string encode_key(const std::string& key) {
  std::string encoded = percent_encode(key), out;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "%5B") == 0) {
      out.push_back('[');
      i += 2;
    } else if (encoded.compare(i, 3, "%5D") == 0) {
      out.push_back(']');
      i += 2;
    } else {
      out.push_back(encoded[i]);
    }
  }
  return out;
}

}  // namespace

void Form::encode_into(std::string& out, const std::string& prefix) const {
  auto full = [&](const std::string& k) { return prefix.empty() ? k : prefix + "[" + k + "]"; };
  struct Visitor {
    std::string& out;
    std::string key;
    void operator()(const std::string& scalar) const {
      if (!out.empty()) out.push_back('&');
      out += encode_key(key) + "=" + encode_key(scalar);
    }
    void operator()(const Form& nested) const { nested.encode_into(out, key); }
    void operator()(const std::vector<std::shared_ptr<Node>>& items) const {
      for (std::size_t i = 0; i < items.size(); ++i)
        std::visit(Visitor{out, key + "[" + std::to_string(i) + "]"}, items[i]->value);
    }
  };
  for (const auto& [k, n] : entries_) std::visit(Visitor{out, full(k)}, n->value);
}

std::string Form::encode() const {
  std::string out;
  encode_into(out, "");
  return out;
}

}  // namespace tollgate::stripe
