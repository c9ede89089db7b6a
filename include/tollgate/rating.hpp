#pragma once
// Rating: the price of an aggregated usage quantity under one usage price.
//
// Usable on its own: a host that only wants "what does this quantity cost
// under this price?" needs no subscription. Tier semantics are Stripe's:
// `up_to` is inclusive, a quantity of 0 falls in the first tier (so its flat
// price is charged even with no usage), GRADUATED prices each unit in its own
// tier, VOLUME prices every unit at the tier that contains the quantity.

#include <optional>
#include <span>
#include <string_view>

#include "tollgate/catalog.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/result.hpp"

namespace tollgate {

/// The exact (unrounded) amount for `quantity` under `price` in `currency`.
/// `included_fraction` scales an OVERAGE allowance when the price has
/// `prorate_included` (a partial first period: 12/31); it is ignored otherwise.
/// Errors: "rating.currency" when the price has no amount in `currency`,
/// "rating.quantity" for a negative quantity.
Result<Decimal> rate(const UsagePrice& price, std::string_view currency, const Decimal& quantity,
                     const Decimal& included_fraction = Decimal(1));

/// One recorded usage value, as aggregation sees it.
struct UsageSample {
  Decimal quantity;
  std::string_view value_key;  ///< for UNIQUE_COUNT
};

/// Aggregates samples in the order they occurred: SUM, COUNT, MAX,
/// UNIQUE_COUNT (distinct value keys; an empty key counts as one), LATEST.
Decimal aggregate(Aggregation aggregation, std::span<const UsageSample> samples);

}  // namespace tollgate
