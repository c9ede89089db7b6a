#include "tollgate/money.hpp"

namespace tollgate {
namespace {

Unexpected<Error> mismatch(const Money& a, const Money& b) {
  return make_error(errors::money_currency_mismatch,
                    "cannot combine " + std::string(a.currency().code()) + " with " +
                        std::string(b.currency().code()));
}

}  // namespace

Result<Money> Money::of(const Decimal& amount, std::string_view currency_code) {
  TOLLGATE_ASSIGN_OR_RETURN(auto currency, Currency::of(currency_code));
  return Money(amount, currency);
}

Result<Money> Money::parse(std::string_view amount, std::string_view currency_code) {
  TOLLGATE_ASSIGN_OR_RETURN(auto value, Decimal::parse(amount));
  return of(value, currency_code);
}

Result<Money> Money::plus(const Money& other) const {
  if (!(currency_ == other.currency_)) return mismatch(*this, other);
  return Money(amount_ + other.amount_, currency_);
}

Result<Money> Money::minus(const Money& other) const {
  if (!(currency_ == other.currency_)) return mismatch(*this, other);
  return Money(amount_ - other.amount_, currency_);
}

}  // namespace tollgate
