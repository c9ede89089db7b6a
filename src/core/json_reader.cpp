#include "json_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tollgate::detail {

std::string path_join(const std::string& path, std::string_view key) {
  if (path.empty() || path == "$") return std::string(key);
  return path + "." + std::string(key);
}

std::string path_index(const std::string& path, std::size_t index) {
  return (path == "$" ? std::string() : path) + "[" + std::to_string(index) + "]";
}

Result<json::value, Problems> parse_json(std::string_view text) {
  json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < consumed && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return unexpected(
        Problems{{"$", "malformed JSON at line " + std::to_string(line) + ", column " +
                           std::to_string(column) + ": " + ec.message()}});
  }
  return parser.release();
}

std::string_view kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

std::optional<std::size_t> find_enum_name(std::string_view text,
                                          std::span<const std::string_view> names,
                                          const std::string& path, Problems& problems) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == text) return i;
  std::string reason = "unknown value \"" + std::string(text) + "\" (expected one of ";
  for (std::size_t i = 0; i < names.size(); ++i) reason += (i ? ", " : "") + std::string(names[i]);
  reason += ")";
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (upper != text && std::find(names.begin(), names.end(), upper) != names.end())
    reason += "; did you mean \"" + upper + "\"?";
  problems.push_back({path, std::move(reason)});
  return std::nullopt;
}

std::optional<Decimal> read_decimal(const json::value& v, const std::string& path,
                                    Problems& problems, bool allow_negative) {
  if (!v.is_string()) {
    problems.push_back({path, v.is_number()
                                  ? "must be a decimal string such as \"2.25\", not a JSON number"
                                  : "must be a decimal string, not " + std::string(kind_of(v))});
    return std::nullopt;
  }
  auto parsed = Decimal::parse(v.get_string());
  if (!parsed) {
    problems.push_back({path, parsed.error().message});
    return std::nullopt;
  }
  if (!allow_negative && parsed->sign() < 0) {
    problems.push_back({path, "must not be negative"});
    return std::nullopt;
  }
  return *parsed;
}

ObjectReader::ObjectReader(const json::value& v, std::string path, Problems& problems)
    : path_(std::move(path)), problems_(problems) {
  if (v.is_object()) {
    object_ = &v.get_object();
  } else {
    problems_.push_back({path_, "must be an object, not " + std::string(kind_of(v))});
  }
}

const json::value* ObjectReader::field(std::string_view key, bool required) {
  if (!object_) return nullptr;
  seen_.emplace(key);
  const json::value* v = object_->if_contains(key);
  if (!v && required) problems_.push_back({path_of(key), "required field is missing"});
  return v;
}

std::optional<std::string> ObjectReader::string(std::string_view key, bool required) {
  const json::value* v = field(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    problem(key, "must be a string, not " + std::string(kind_of(*v)));
    return std::nullopt;
  }
  if (v->get_string().empty()) {
    problem(key, "must not be empty");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<std::string> ObjectReader::text(std::string_view key, bool required) {
  const json::value* v = field(key, required);
  if (!v) return std::nullopt;
  switch (v->kind()) {
    case json::kind::string:
      if (v->get_string().empty()) break;
      return std::string(v->get_string());
    case json::kind::int64:
      return std::to_string(v->get_int64());
    case json::kind::uint64:
      return std::to_string(v->get_uint64());
    case json::kind::double_: {
      char buffer[32];  // the shortest text that reads back as the same double
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v->get_double());
      if (ec == std::errc()) return std::string(buffer, end);
      break;
    }
    case json::kind::bool_:
      return v->get_bool() ? "true" : "false";
    default:
      problem(key, "must be text, not " + std::string(kind_of(*v)));
      return std::nullopt;
  }
  problem(key, "must not be empty");
  return std::nullopt;
}

std::optional<Decimal> ObjectReader::decimal(std::string_view key, bool required,
                                             bool allow_negative) {
  const json::value* v = field(key, required);
  if (!v) return std::nullopt;
  return read_decimal(*v, path_of(key), problems_, allow_negative);
}

std::optional<bool> ObjectReader::boolean(std::string_view key) {
  const json::value* v = field(key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    problem(key, "must be true or false, not " + std::string(kind_of(*v)));
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::int64_t> ObjectReader::integer(std::string_view key, bool required,
                                                  std::int64_t min, std::int64_t max) {
  const json::value* v = field(key, required);
  if (!v) return std::nullopt;
  std::optional<std::int64_t> n;
  if (v->is_int64()) n = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    n = static_cast<std::int64_t>(v->get_uint64());
  if (!n || *n < min || *n > max) {
    problem(key,
            "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<Date> ObjectReader::date(std::string_view key, bool required) {
  auto text = string(key, required);
  if (!text) return std::nullopt;
  auto d = parse_date(*text);
  if (!d) {
    problem(key, d.error().message);
    return std::nullopt;
  }
  return *d;
}

const json::array* ObjectReader::array(std::string_view key, bool required) {
  const json::value* v = field(key, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    problem(key, "must be an array, not " + std::string(kind_of(*v)));
    return nullptr;
  }
  return &v->get_array();
}

void ObjectReader::reject_unknown_fields() {
  if (!object_) return;
  for (const auto& entry : *object_)
    if (!seen_.contains(std::string_view(entry.key()))) problem(entry.key(), "unknown field");
}

}  // namespace tollgate::detail
