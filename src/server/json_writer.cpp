// Kill Bill's JSON as the server writes it: amounts as exact decimal
// numbers, dates and instants as Kill Bill spells them, phase names.

#include <charconv>
#include <sstream>

#include <date/date.h>

#include "api.hpp"
#include "credentials.hpp"

namespace tollgate::server::detail {
namespace {

// Amounts are written from the exact decimal, never through a double: the
// value holds the decimal's text behind a tag drawn at random once a process,
// which no client can know and send, and write() puts the text out bare, as
// a JSON number (12345678901234567.89, where a double would say ...568).
const std::string& amount_tag() {
  static const std::string tag = "\x1f" + secret_hex(16) + ":";
  return tag;
}

void write(std::ostream& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: {
      std::string_view text = v.get_string();
      if (text.starts_with(amount_tag())) {
        out << text.substr(amount_tag().size());
      } else {
        out << json::serialize(v);
      }
      return;
    }
    case json::kind::double_: {
      char buf[32];
      auto [end, ec] =
          std::to_chars(buf, buf + sizeof buf, v.get_double(), std::chars_format::fixed);
      out.write(buf, ec == std::errc() ? end - buf : 0);
      return;
    }
    case json::kind::array: {
      out << '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out << ',';
        first = false;
        write(out, x);
      }
      out << ']';
      return;
    }
    case json::kind::object: {
      out << '{';
      bool first = true;
      for (const auto& [k, x] : v.get_object()) {
        if (!first) out << ',';
        first = false;
        out << json::serialize(json::string(k)) << ':';
        write(out, x);
      }
      out << '}';
      return;
    }
    default:
      out << json::serialize(v);
  }
}

}  // namespace

std::string to_text(const json::value& v) {
  std::ostringstream out;
  write(out, v);
  return out.str();
}

json::value amount_json(const Decimal& d) {
  if (!d.is_valid()) return nullptr;  // never on an invoice: the engine refuses such amounts
  // A value that does not terminate (a usage ratio) gets Decimal's 12 places, without "...".
  return json::string(amount_tag() +
                      (d.is_terminating()
                           ? d.to_string()
                           : d.to_fixed(Decimal::max_fractional_digits, RoundingMode::half_even)));
}

std::string phase_name(const std::string& plan, PhaseType phase) {
  std::string name = plan + "-";
  for (char c : to_string(phase))
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::value date_or_null(const std::optional<Date>& d) {
  return d ? json::value(to_string(*d)) : json::value(nullptr);
}

std::string iso_instant(Instant at) {
  return date::format("%FT%T.000Z", at);
}

}  // namespace tollgate::server::detail
