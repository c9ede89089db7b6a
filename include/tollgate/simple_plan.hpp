#pragma once
// Kill Bill's simple plan (POST /1.0/kb/catalog/simplePlan, Kaui's "add a
// plan"): one plan of one product, an optional free trial, then one recurring
// price, added to the latest version of a catalog without writing the catalog.
//
//   SimplePlan p{.plan = "basic-monthly", .product = "Basic", .currency = "USD",
//                .amount = Decimal(10), .trial = Duration{TimeUnit::days, 14}};
//   auto json = add_simple_plan(stored_json, p, today);

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/billing_period.hpp"
#include "tollgate/calendar.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct SimplePlan {
  std::string plan;     ///< Kill Bill's planId
  std::string product;  ///< made when the catalog lacks it
  ProductCategory category = ProductCategory::base;
  std::string currency;  ///< ISO 4217; added to the catalog's currencies when missing
  Decimal amount;        ///< the recurring price, every billing_period, in advance
  BillingPeriod billing_period = BillingPeriod::monthly;
  std::optional<Duration> trial;           ///< a free TRIAL phase first
  std::vector<std::string> available_for;  ///< ADD_ON: the BASE products it is sold on (none: any)
};

/// `catalog_json` (one catalog or its versions, as load_catalog() reads; empty
/// when there is none yet) with `plan` added to its latest version, as Kill
/// Bill adds a simple plan: in place (the version keeps its effective date, so
/// nothing already priced by it changes), the currency, the product and the
/// plan made when missing. The same simple plan again changes nothing; one in
/// a currency the plan has no price in adds that price. A first catalog is
/// named "simple" and starts on `today`.
/// Errors (by the field of Kill Bill's SimplePlanJson): "planId: ... exists
/// with another ..." when the plan differs in its product, period, trial or
/// price; "productCategory: ..." when the product exists in another category;
/// and the problems of the catalog that would result, by its JSON path.
Result<std::string, Problems> add_simple_plan(std::string_view catalog_json, const SimplePlan& plan,
                                              const Date& today);

}  // namespace tollgate
TOLLGATE_API_END
