#pragma once
// Catalog: what is for sale — products, phased plans, usage prices, credit packages.
//
// A catalog is loaded from the JSON format of docs/formats.md (catalog
// section) by load_catalog(), which validates it completely: every problem is
// reported with its JSON path, and an invalid catalog is never returned.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/billing_period.hpp"
#include "tollgate/calendar.hpp"
#include "tollgate/currency.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

/// Kill Bill's ProductCategory.
enum class ProductCategory { base, add_on, standalone };
/// Kill Bill's PhaseType.
enum class PhaseType { trial, discount, fixedterm, evergreen };
enum class BillingMode { in_advance, in_arrear };
enum class TimeUnit { days, weeks, months, years };
enum class AfterTrial { continue_billing, require_payment_method };
enum class UsageModel { per_unit, graduated, volume, package, overage };
enum class Aggregation { sum, count, max, unique_count, latest };
enum class PackageRounding { up, down };

std::string_view to_string(ProductCategory c) noexcept;  ///< "BASE", "ADD_ON", "STANDALONE"
std::string_view to_string(TimeUnit u) noexcept;         ///< "DAYS", "WEEKS", "MONTHS", "YEARS"
std::string_view to_string(PhaseType t) noexcept;        ///< "TRIAL", "EVERGREEN", ...
std::string_view to_string(BillingMode m) noexcept;      ///< "IN_ADVANCE", "IN_ARREAR"

/// A price in each of the catalog's currencies, by ISO code.
using PriceByCurrency = std::map<std::string, Decimal, std::less<>>;

struct Duration {
  TimeUnit unit = TimeUnit::days;
  int length = 0;
};
/// The date `length` units after `from` (months and years clamp to month end).
Date add_duration(const Date& from, const Duration& d);

struct RecurringPrice {
  BillingPeriod billing_period = BillingPeriod::monthly;
  BillingMode billing_mode = BillingMode::in_advance;
  PriceByCurrency price;
};

struct Tier {
  std::optional<Decimal> up_to;  ///< inclusive upper bound; nullopt = unbounded (last tier only)
  PriceByCurrency unit_price;    ///< absent currency = 0
  PriceByCurrency flat_price;    ///< absent currency = 0
};

struct UsagePrice {
  std::string name;
  std::string metric;
  BillingPeriod billing_period = BillingPeriod::monthly;
  Aggregation aggregation = Aggregation::sum;
  UsageModel model = UsageModel::per_unit;
  PriceByCurrency unit_price;  ///< PER_UNIT, OVERAGE
  std::vector<Tier> tiers;     ///< GRADUATED, VOLUME
  Decimal package_size;        ///< PACKAGE
  PriceByCurrency package_price;
  PackageRounding package_rounding = PackageRounding::up;
  Decimal included;  ///< OVERAGE
  bool prorate_included = false;
  bool pay_with_credits = false;
};

/// Kill Bill's <limit>: the least and most of a unit (targets, shells, seats)
/// a product or phase allows. Billing does not enforce limits, as Kill Bill's
/// does not; the host asks complies_with_limits() where it admits usage.
struct Limit {
  std::string unit;
  std::optional<Decimal> min;
  std::optional<Decimal> max;

  bool allows(const Decimal& value) const {
    return !(min && value < *min) && !(max && *max < value);
  }
};

struct Phase {
  PhaseType type = PhaseType::evergreen;
  std::vector<Limit> limits;         ///< Kill Bill's limits of the phase's usage sections
  std::optional<Duration> duration;  ///< nullopt: lasts until cancelled (last phase)
  PriceByCurrency fixed;             ///< one-time price when the phase starts; empty = none
  std::optional<RecurringPrice> recurring;
  std::vector<UsagePrice> usages;
};

/// The price list every plan is in unless it names another (Kill Bill's).
inline constexpr std::string_view kDefaultPriceList = "DEFAULT";

struct Plan {
  std::string name;
  std::string product;
  /// Kill Bill's price list: plans of one product and billing period sold at
  /// other prices (a promotion, a partner's). Each plan is in one at most:
  /// empty (JSON `"price_list": null`) for one in none, which Kill Bill sells
  /// by its name only (plan_for() never finds it).
  std::string price_list = std::string(kDefaultPriceList);
  /// Kill Bill's effectiveDateForExistingSubscriptions: in a later catalog
  /// version, the day this plan's prices reach the subscriptions made under an
  /// earlier version. Unset, they keep the prices they were made with.
  std::optional<Date> effective_for_existing;
  AfterTrial after_trial = AfterTrial::continue_billing;
  std::vector<Phase> phases;
};

struct Product {
  std::string name;
  ProductCategory category = ProductCategory::base;
  std::optional<std::vector<std::string>> available_for;  ///< ADD_ON only; nullopt = any base
  /// ADD_ON only: the bases that include it (Kill Bill's `included`). It
  /// comes with them at no charge, so it is not sold on them.
  std::vector<std::string> included_in;
  std::vector<Limit> limits;  ///< Kill Bill's product limits

  /// Whether the add-on may be bought on a subscription to `base_product`:
  /// listed in (or no) `available_for`, and not included in it.
  bool available_for_base(std::string_view base_product) const;
  bool included_in_base(std::string_view base_product) const;
};

struct CreditPackage {
  std::string name;
  Decimal credits;
  PriceByCurrency price;
  std::string description;  ///< optional: shown to the customer on the payment form
};

struct Catalog {
  std::string name;
  std::optional<Date> effective_date;
  std::vector<std::string> currencies;
  RoundingMode rounding = RoundingMode::half_up;
  PriceByCurrency credit_unit_price;
  std::vector<Product> products;
  std::vector<Plan> plans;
  std::vector<CreditPackage> credit_packages;
  /// Kill Bill's versioned catalog: the versions this one follows, oldest
  /// first, each a whole catalog with an earlier effective_date. Empty for a
  /// catalog of one version. What this catalog says itself is the latest
  /// version, in force from its effective_date on.
  std::vector<std::shared_ptr<const Catalog>> earlier_versions;

  /// Every version, oldest first, this one last.
  std::vector<const Catalog*> versions() const;
  /// The version in force on `d`: the latest whose effective_date is on or
  /// before it; the oldest when `d` is before them all.
  const Catalog& version_at(const Date& d) const;

  const Product* find_product(std::string_view name) const;
  const Plan* find_plan(std::string_view name) const;
  const CreditPackage* find_credit_package(std::string_view name) const;
  /// The product a plan belongs to. Precondition: the plan is in this catalog.
  const Product& product_of(const Plan& plan) const;
  /// The price lists the plans are in, DEFAULT first, then by first use.
  std::vector<std::string> price_lists() const;
  /// Kill Bill's plan lookup: the plan of `product` billed every `period` in
  /// `price_list`, or in DEFAULT when that list has none.
  /// Errors: "catalog.plan_not_found" when neither has one;
  /// "catalog.ambiguous_plan" when the list searched has several.
  Result<const Plan*> plan_for(std::string_view product, BillingPeriod period,
                               std::string_view price_list = kDefaultPriceList) const;
};

/// Kill Bill's compliesWithLimits: whether `value` of `unit` is within the
/// limits of `phase`, then of its plan's `product` (no limit on the unit: true).
bool complies_with_limits(const Product& product, const Phase& phase, std::string_view unit,
                          const Decimal& value);

/// The billing period a plan is known by (in the rules, in Kill Bill's API):
/// its first recurring price's; NO_BILLING_PERIOD when it has none.
BillingPeriod billing_period_of(const Plan& plan);

/// Loads and validates a catalog from JSON text: one catalog object, or an
/// array of them, the versions of a versioned catalog, oldest first (each
/// with an effective_date later than the one before).
/// Errors: every problem found, by JSON path ("$: malformed JSON ..." when the
/// text is not JSON at all; "[1].effective_date: ..." in a version).
Result<Catalog, Problems> load_catalog(std::string_view json);

/// Kill Bill's catalog upload: `catalog_json` (one catalog, or the versions of
/// one) with `version_json` (one catalog) added as a version, in effective-date
/// order, as the JSON text load_catalog() reads.
/// Errors: the problems of the result, by JSON path; "effective_date: a
/// version starting on ... exists already" when one starts on the same day.
Result<std::string, Problems> add_catalog_version(std::string_view catalog_json,
                                                  std::string_view version_json);

}  // namespace tollgate
TOLLGATE_API_END
