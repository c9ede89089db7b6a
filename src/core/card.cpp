#include "tollgate/card.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace tollgate {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool brand_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::string expiry(const Card& card) {
  char out[16];
  std::snprintf(out, sizeof out, "%02d/%04d", card.exp_month, card.exp_year);
  return out;
}

}  // namespace

bool Card::ok() const noexcept {
  return !brand.empty() && brand.size() <= 32 &&
         std::all_of(brand.begin(), brand.end(), brand_char) && last4.size() == 4 &&
         all_digits(last4) && exp_month >= 1 && exp_month <= 12 && exp_year >= 1000 &&
         exp_year <= 9999;
}

Date Card::expires_on() const {
  auto month = date::year(exp_year) / date::month(static_cast<unsigned>(exp_month)) / 1;
  return Date(month + date::months(1));
}

std::string to_string(const Card& card) {
  return card.brand + " " + card.last4 + " " + expiry(card);
}

std::optional<Card> parse_card(std::string_view text) {
  // "<brand> <last4> <MM>/<YYYY>"
  auto first = text.find(' ');
  auto second = first == std::string_view::npos ? first : text.find(' ', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string_view when = text.substr(second + 1);
  if (when.size() != 7 || when[2] != '/' || !all_digits(when.substr(0, 2)) ||
      !all_digits(when.substr(3)))
    return std::nullopt;
  Card card;
  card.brand = std::string(text.substr(0, first));
  card.last4 = std::string(text.substr(first + 1, second - first - 1));
  std::from_chars(when.data(), when.data() + 2, card.exp_month);
  std::from_chars(when.data() + 3, when.data() + 7, card.exp_year);
  if (!card.ok()) return std::nullopt;
  return card;
}

std::string masked(const Card& card) {
  return card.brand + " **** " + card.last4 + ", expires " + expiry(card);
}

}  // namespace tollgate
