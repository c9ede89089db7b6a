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
#include <vector>

#include "tollgate/catalog.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

/// A usage price resolved for one currency, ready to rate many quantities.
///
/// Compile once, rate often: the per-currency amounts are looked up once, and
/// whole quantities under whole tier bounds are rated in exact fixed-point
/// integers (prices scaled by 10^12) instead of general fractions. Both paths
/// give the same exact result.
class Rater {
 public:
  /// Errors: "rating.currency" when the price has no amount in `currency`.
  static Result<Rater> compile(const UsagePrice& price, std::string_view currency);

  /// The exact amount for `quantity` (precondition: not negative).
  /// `included_fraction` scales an OVERAGE allowance with prorate_included.
  Decimal rate(const Decimal& quantity, const Decimal& included_fraction = Decimal(1)) const;

 private:
  struct Step {
    std::optional<Decimal> up_to;  // nullopt: unbounded
    Decimal unit, flat;
    int128_t up_to_whole = -1;                  // up_to when whole (-1: unbounded)
    int128_t unit_scaled = 0, flat_scaled = 0;  // x 10^12
  };
  Rater() = default;
  Decimal rate_fractions(const Decimal& q, const Decimal& included_fraction) const;
  std::optional<Decimal> rate_whole(int128_t q) const;

  UsageModel model_ = UsageModel::per_unit;
  std::vector<Step> steps_;  // tiers; one step for PER_UNIT, OVERAGE and PACKAGE prices
  Decimal included_, package_size_;
  bool prorate_included_ = false;
  PackageRounding package_rounding_ = PackageRounding::up;
  bool whole_ = false;  // every bound whole and every price a multiple of 10^-12
};

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
TOLLGATE_API_END
