#include "tollgate/rating.hpp"

#include <set>

namespace tollgate {
namespace {

Decimal price_in(const PriceByCurrency& price, std::string_view currency) {
  auto it = price.find(currency);
  return it == price.end() ? Decimal(0) : it->second;
}

bool has_currency(const UsagePrice& p, std::string_view currency) {
  switch (p.model) {
    case UsageModel::per_unit:
    case UsageModel::overage: return p.unit_price.contains(currency);
    case UsageModel::package: return p.package_price.contains(currency);
    case UsageModel::graduated:
    case UsageModel::volume:
      for (const auto& t : p.tiers)
        if (!t.unit_price.contains(currency) && !t.flat_price.contains(currency)) return false;
      return true;
  }
  return false;
}

Decimal graduated(const std::vector<Tier>& tiers, std::string_view currency, const Decimal& q) {
  Decimal amount, lower;
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const Tier& t = tiers[i];
    if (i > 0 && !(q > lower)) break;  // the quantity does not reach this tier
    Decimal upper = t.up_to ? min(q, *t.up_to) : q;
    if (upper > lower) amount += (upper - lower) * price_in(t.unit_price, currency);
    amount += price_in(t.flat_price, currency);
    if (!t.up_to) break;
    lower = *t.up_to;
  }
  return amount;
}

Decimal volume(const std::vector<Tier>& tiers, std::string_view currency, const Decimal& q) {
  for (const Tier& t : tiers)
    if (!t.up_to || q <= *t.up_to) return q * price_in(t.unit_price, currency) + price_in(t.flat_price, currency);
  return Decimal(0);  // unreachable for a validated catalog: the last tier is unbounded
}

}  // namespace

Result<Decimal> rate(const UsagePrice& price, std::string_view currency, const Decimal& quantity,
                     const Decimal& included_fraction) {
  if (quantity.sign() < 0) return make_error("rating.quantity", "a quantity cannot be negative");
  if (!has_currency(price, currency))
    return make_error("rating.currency", "usage price \"" + price.name + "\" has no price in " + std::string(currency));
  switch (price.model) {
    case UsageModel::per_unit: return quantity * price_in(price.unit_price, currency);
    case UsageModel::graduated: return graduated(price.tiers, currency, quantity);
    case UsageModel::volume: return volume(price.tiers, currency, quantity);
    case UsageModel::package: {
      Decimal packages = quantity / price.package_size;
      packages = price.package_rounding == PackageRounding::up ? packages.ceil() : packages.floor();
      return packages * price_in(price.package_price, currency);
    }
    case UsageModel::overage: {
      Decimal included = price.prorate_included ? price.included * included_fraction : price.included;
      Decimal over = quantity - included;
      return over.sign() > 0 ? over * price_in(price.unit_price, currency) : Decimal(0);
    }
  }
  return Decimal(0);
}

Decimal aggregate(Aggregation aggregation, std::span<const UsageSample> samples) {
  switch (aggregation) {
    case Aggregation::sum: {
      Decimal total;
      for (const auto& s : samples) total += s.quantity;
      return total;
    }
    case Aggregation::count: return Decimal(static_cast<std::int64_t>(samples.size()));
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
    case Aggregation::latest: return samples.empty() ? Decimal(0) : samples.back().quantity;
  }
  return Decimal(0);
}

}  // namespace tollgate
