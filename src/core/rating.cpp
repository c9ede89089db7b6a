#include "tollgate/rating.hpp"

#include <set>

namespace tollgate {
namespace {

constexpr std::int64_t kScale = 1'000'000'000'000;  // 10^12: the finest price the catalog takes

std::optional<Decimal> price_in(const PriceByCurrency& price, std::string_view currency) {
  auto it = price.find(currency);
  if (it == price.end()) return std::nullopt;
  return it->second;
}

// v x 10^12 as an integer, when that is exact.
std::optional<int128_t> scaled(const Decimal& v) {
  Decimal s = v * Decimal(kScale);
  if (!s.is_valid() || !s.is_integer()) return std::nullopt;
  return s.numerator();
}

bool mul(int128_t a, int128_t b, int128_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}
bool add(int128_t a, int128_t b, int128_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

}  // namespace

Result<Rater> Rater::compile(const UsagePrice& price, std::string_view currency) {
  auto missing = [&] {
    return make_error(errors::rating_currency, "usage price \"" + price.name +
                                                   "\" has no price in " + std::string(currency));
  };
  Rater r;
  r.model_ = price.model;
  r.included_ = price.included;
  r.prorate_included_ = price.prorate_included;
  r.package_size_ = price.package_size;
  r.package_rounding_ = price.package_rounding;
  switch (price.model) {
    case UsageModel::per_unit:
    case UsageModel::overage: {
      auto unit = price_in(price.unit_price, currency);
      if (!unit) return missing();
      r.steps_.push_back({std::nullopt, *unit, Decimal(0)});
      break;
    }
    case UsageModel::package: {
      auto unit = price_in(price.package_price, currency);
      if (!unit) return missing();
      r.steps_.push_back({std::nullopt, *unit, Decimal(0)});
      break;
    }
    case UsageModel::graduated:
    case UsageModel::volume:
      for (const auto& t : price.tiers) {
        auto unit = price_in(t.unit_price, currency), flat = price_in(t.flat_price, currency);
        if (!unit && !flat) return missing();
        r.steps_.push_back({t.up_to, unit.value_or(Decimal(0)), flat.value_or(Decimal(0))});
      }
      break;
  }
  // The fixed-point path needs whole bounds and prices on the 10^-12 grid.
  r.whole_ = price.model == UsageModel::graduated || price.model == UsageModel::volume ||
             price.model == UsageModel::per_unit;
  for (auto& step : r.steps_) {
    auto unit = scaled(step.unit), flat = scaled(step.flat);
    if (!unit || !flat || (step.up_to && !step.up_to->is_integer())) {
      r.whole_ = false;
      continue;
    }
    step.unit_scaled = *unit;
    step.flat_scaled = *flat;
    if (step.up_to) step.up_to_whole = step.up_to->numerator();
  }
  return r;
}

Decimal Rater::rate(const Decimal& quantity, const Decimal& included_fraction) const {
  if (whole_ && quantity.is_integer())
    if (auto amount = rate_whole(quantity.numerator())) return *amount;
  return rate_fractions(quantity, included_fraction);
}

// Exact integer arithmetic in units of 10^-12; nullopt on overflow (then the
// general path answers).
std::optional<Decimal> Rater::rate_whole(int128_t q) const {
  int128_t amount = 0;
  if (model_ == UsageModel::per_unit) {
    if (!mul(q, steps_[0].unit_scaled, amount)) return std::nullopt;
  } else if (model_ == UsageModel::volume) {
    for (const auto& s : steps_) {
      if (s.up_to_whole >= 0 && q > s.up_to_whole) continue;
      if (!mul(q, s.unit_scaled, amount) || !add(amount, s.flat_scaled, amount))
        return std::nullopt;
      break;
    }
  } else {  // graduated
    int128_t lower = 0;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      const Step& s = steps_[i];
      if (i > 0 && q <= lower) break;  // the quantity does not reach this tier
      int128_t upper = (s.up_to_whole >= 0 && s.up_to_whole < q) ? s.up_to_whole : q;
      int128_t part = 0;
      if (upper > lower && !mul(upper - lower, s.unit_scaled, part)) return std::nullopt;
      if (!add(amount, part, amount) || !add(amount, s.flat_scaled, amount)) return std::nullopt;
      if (s.up_to_whole < 0) break;
      lower = s.up_to_whole;
    }
  }
  // Beyond 64 bits (over 9.2 million currency units) the general path answers.
  if (amount > static_cast<int128_t>(INT64_MAX)) return std::nullopt;
  return Decimal::fraction(static_cast<std::int64_t>(amount), kScale);
}

Decimal Rater::rate_fractions(const Decimal& q, const Decimal& included_fraction) const {
  switch (model_) {
    case UsageModel::per_unit:
      return q * steps_[0].unit;
    case UsageModel::graduated: {
      Decimal amount, lower;
      for (std::size_t i = 0; i < steps_.size(); ++i) {
        const Step& t = steps_[i];
        if (i > 0 && !(q > lower)) break;  // the quantity does not reach this tier
        Decimal upper = t.up_to ? min(q, *t.up_to) : q;
        if (upper > lower) amount += (upper - lower) * t.unit;
        amount += t.flat;
        if (!t.up_to) break;
        lower = *t.up_to;
      }
      return amount;
    }
    case UsageModel::volume:
      for (const Step& t : steps_)
        if (!t.up_to || q <= *t.up_to) return q * t.unit + t.flat;
      return Decimal(0);  // unreachable for a validated catalog: the last tier is unbounded
    case UsageModel::package: {
      Decimal packages = q / package_size_;
      packages = package_rounding_ == PackageRounding::up ? packages.ceil() : packages.floor();
      return packages * steps_[0].unit;
    }
    case UsageModel::overage: {
      Decimal included = prorate_included_ ? included_ * included_fraction : included_;
      Decimal over = q - included;
      return over.sign() > 0 ? over * steps_[0].unit : Decimal(0);
    }
  }
  return Decimal(0);
}

Result<Decimal> rate(const UsagePrice& price, std::string_view currency, const Decimal& quantity,
                     const Decimal& included_fraction) {
  if (quantity.sign() < 0)
    return make_error(errors::rating_quantity, "a quantity cannot be negative");
  TOLLGATE_ASSIGN_OR_RETURN(auto rater, Rater::compile(price, currency));
  return rater.rate(quantity, included_fraction);
}

Decimal aggregate(Aggregation aggregation, std::span<const UsageSample> samples) {
  switch (aggregation) {
    case Aggregation::sum: {
      Decimal total;
      for (const auto& s : samples) total += s.quantity;
      return total;
    }
    case Aggregation::count:
      return Decimal(static_cast<std::int64_t>(samples.size()));
    case Aggregation::max: {
      if (samples.empty()) return Decimal(0);
      Decimal m = samples.front().quantity;
      for (const auto& s : samples) m = max(m, s.quantity);
      return m;
    }
    case Aggregation::unique_count: {
      std::set<std::string_view> keys;
      for (const auto& s : samples) keys.insert(s.value_key);
      return Decimal(static_cast<std::int64_t>(keys.size()));
    }
    case Aggregation::latest:
      return samples.empty() ? Decimal(0) : samples.back().quantity;
  }
  return Decimal(0);
}

}  // namespace tollgate
