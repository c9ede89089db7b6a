#pragma once
// Private helpers for the JSON loaders: read a document field by field,
// collecting every problem with its JSON path instead of stopping at the first.

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "tollgate/calendar.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::detail {

namespace json = boost::json;

/// "plans[0]" + "phases" -> "plans[0].phases"; the root "$" disappears.
std::string path_join(const std::string& path, std::string_view key);
/// "plans" + 3 -> "plans[3]".
std::string path_index(const std::string& path, std::size_t index);

/// Parses JSON text. Errors: one problem at "$" saying where the syntax breaks.
Result<json::value, Problems> parse_json(std::string_view text);

/// The kind of a JSON value in words, for messages ("a number", "an array").
std::string_view kind_of(const json::value& v);

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

/// Names an enum value, or nullopt and a problem "unknown value ..." listing the
/// allowed ones (and suggesting the upper-case spelling when that is allowed).
std::optional<std::size_t> find_enum_name(std::string_view text,
                                          std::span<const std::string_view> names,
                                          const std::string& path, Problems& problems);

/// Reads a decimal that must be a JSON string (a JSON number is refused: it
/// may already have passed through binary floating point).
std::optional<Decimal> read_decimal(const json::value& v, const std::string& path,
                                    Problems& problems, bool allow_negative = false);

class ObjectReader {
 public:
  /// Reports "must be an object" when `v` is not one; the readers then return nullopt.
  ObjectReader(const json::value& v, std::string path, Problems& problems);

  bool is_object() const { return object_ != nullptr; }
  /// The object itself. Precondition: is_object().
  const json::object* raw() const { return object_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return path_join(path_, key); }
  Problems& problems() { return problems_; }
  void problem(std::string_view key, std::string reason) {
    problems_.push_back({path_of(key), std::move(reason)});
  }

  /// The field, marked as known; nullptr when absent (a problem when required).
  const json::value* field(std::string_view key, bool required = false);
  bool has(std::string_view key) const { return object_ && object_->contains(key); }

  std::optional<std::string> string(std::string_view key, bool required = false);
  /// A free-text field as Kill Bill's JSON layer reads one (an external key, a
  /// name, a reference): a string, or a number or boolean taken as its text
  /// (1732681234567 -> "1732681234567", 2.5 -> "2.5", true -> "true"). Kill
  /// Bill's own clients send timestamps as external keys. Errors (problems):
  /// "must be text, not an object" (or an array), "must not be empty".
  std::optional<std::string> text(std::string_view key, bool required = false);
  std::optional<Decimal> decimal(std::string_view key, bool required = false,
                                 bool allow_negative = false);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, bool required, std::int64_t min,
                                      std::int64_t max);
  std::optional<Date> date(std::string_view key, bool required = false);
  const json::array* array(std::string_view key, bool required = false);

  template <class E, std::size_t N>
  std::optional<E> enumeration(std::string_view key, const EnumName<E> (&table)[N],
                               bool required = false) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    std::string_view names[N];
    for (std::size_t i = 0; i < N; ++i) names[i] = table[i].name;
    auto index = find_enum_name(*text, names, path_of(key), problems_);
    if (!index) return std::nullopt;
    return table[*index].value;
  }

  /// Reports every field that no reader asked for as "unknown field".
  void reject_unknown_fields();

 private:
  const json::object* object_ = nullptr;
  std::string path_;
  Problems& problems_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace tollgate::detail
TOLLGATE_API_END
