#pragma once
// RuleSet: an organization's billing rules — when and how changes take effect.
//
// Five ordered rule lists with Kill Bill's names and values (see
// docs/formats.md, rules section), and a sixth, priceList, for rule sets
// written for catalogs with price lists (Kill Bill XML catalogs). Each question is answered by the
// first rule whose present conditions all equal the case at hand, or by Kill Bill's default when
// none matches. Every answer says which rule gave it, so that a refusal can name the rule ("ILLEGAL
// under changePolicy[2]").

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/billing_period.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

enum class BillingAlignment { account, bundle, subscription };
enum class PlanAlignmentCreate { start_of_bundle, start_of_subscription };
enum class BillingActionPolicy { start_of_term, end_of_term, immediate, illegal };
/// CHANGE_OF_PRICELIST loads only in a rule set with price lists; Kill Bill
/// refuses a change it applies to ("not implemented"), and so does Tollgate.
enum class PlanAlignmentChange {
  start_of_bundle,
  start_of_subscription,
  change_of_plan,
  change_of_pricelist
};

std::string_view to_string(BillingAlignment a) noexcept;  ///< "ACCOUNT", "BUNDLE", "SUBSCRIPTION"
std::string_view to_string(PlanAlignmentCreate a) noexcept;  ///< "START_OF_BUNDLE", ...
std::string_view to_string(BillingActionPolicy p) noexcept;  ///< "IMMEDIATE", "END_OF_TERM", ...
std::string_view to_string(PlanAlignmentChange a) noexcept;  ///< "CHANGE_OF_PLAN", ...
/// "START_OF_TERM", "END_OF_TERM", "IMMEDIATE" or "ILLEGAL"; nullopt otherwise.
std::optional<BillingActionPolicy> billing_action_policy_from_string(
    std::string_view name) noexcept;

/// A subscription as the billingAlignment and cancelPolicy rules see it.
struct SubscriptionCase {
  ProductCategory product_category = ProductCategory::base;
  BillingPeriod billing_period = BillingPeriod::no_billing_period;
  PhaseType phase_type = PhaseType::evergreen;
  std::string_view product;  ///< the product's name (a view into the catalog)
  std::string_view price_list = kDefaultPriceList;  ///< its plan's price list
};

/// A plan change as the changePolicy and changeAlignment rules see it;
/// `phase_type` is the phase the subscription is in when the change is requested.
struct ChangeCase {
  PhaseType phase_type = PhaseType::evergreen;
  ProductCategory from_product_category = ProductCategory::base;
  BillingPeriod from_billing_period = BillingPeriod::no_billing_period;
  ProductCategory to_product_category = ProductCategory::base;
  BillingPeriod to_billing_period = BillingPeriod::no_billing_period;
  std::string_view from_product;  ///< the products' names (views into the catalog)
  std::string_view to_product;
  std::string_view from_price_list = kDefaultPriceList;  ///< the plans' price lists
  std::string_view to_price_list = kDefaultPriceList;
};

struct SubscriptionConditions {
  std::optional<ProductCategory> product_category;
  std::optional<BillingPeriod> billing_period;
  std::optional<PhaseType> phase_type;
  /// A product's name: one the catalog lacks never matches.
  std::optional<std::string> product;
  std::optional<std::string> price_list;  ///< only in a rule set with price lists
  bool matches(const SubscriptionCase& c) const;
};

struct ChangeConditions {
  std::optional<PhaseType> phase_type;
  std::optional<ProductCategory> from_product_category;
  std::optional<BillingPeriod> from_billing_period;
  std::optional<ProductCategory> to_product_category;
  std::optional<BillingPeriod> to_billing_period;
  std::optional<std::string> from_product;
  std::optional<std::string> to_product;
  std::optional<std::string> from_price_list;  ///< only in a rule set with price lists
  std::optional<std::string> to_price_list;
  bool matches(const ChangeCase& c) const;
};

/// Kill Bill's priceList rule: the price list a change moves to when the
/// request names a product and billing period but no price list.
struct PriceListConditions {
  std::optional<std::string> from_product;
  std::optional<ProductCategory> from_product_category;
  std::optional<BillingPeriod> from_billing_period;
  std::optional<std::string> from_price_list;
  bool matches(const SubscriptionCase& from) const;
};

struct BillingAlignmentRule {
  SubscriptionConditions when;
  BillingAlignment alignment;
};
struct CreateAlignmentRule {
  std::optional<std::string> product;  ///< the add-on's product
  PlanAlignmentCreate alignment;
};
struct CancelPolicyRule {
  SubscriptionConditions when;
  BillingActionPolicy policy;
};
struct ChangePolicyRule {
  ChangeConditions when;
  BillingActionPolicy policy;
};
struct ChangeAlignmentRule {
  ChangeConditions when;
  PlanAlignmentChange alignment;
};
struct PriceListRule {
  PriceListConditions when;
  std::string to_price_list;
};

/// An answer and where it came from: "changePolicy[2]", "default" or "override".
template <class T>
struct Decision {
  T value;
  std::string source;
};

struct RuleSet {
  std::vector<BillingAlignmentRule> billing_alignment_rules;
  std::vector<CreateAlignmentRule> create_alignment_rules;
  std::vector<CancelPolicyRule> cancel_policy_rules;
  std::vector<ChangePolicyRule> change_policy_rules;
  std::vector<ChangeAlignmentRule> change_alignment_rules;
  std::vector<PriceListRule> price_list_rules;
  /// The JSON said "with_price_lists": true (see load_rules).
  bool with_price_lists = false;

  /// Default: ACCOUNT.
  Decision<BillingAlignment> billing_alignment(const SubscriptionCase& c) const;
  /// For an add-on of product `add_on_product`: the first rule naming it or
  /// naming no product. Default: START_OF_BUNDLE.
  Decision<PlanAlignmentCreate> create_alignment(std::string_view add_on_product = {}) const;
  /// Default: END_OF_TERM. An explicit `override` wins (a cancel is never ILLEGAL).
  Decision<BillingActionPolicy> cancel_policy(
      const SubscriptionCase& c, std::optional<BillingActionPolicy> override = {}) const;
  /// Default: END_OF_TERM. An explicit `override` wins, except over ILLEGAL.
  Decision<BillingActionPolicy> change_policy(
      const ChangeCase& c, std::optional<BillingActionPolicy> override = {}) const;
  /// Default: START_OF_BUNDLE.
  Decision<PlanAlignmentChange> change_alignment(const ChangeCase& c) const;
  /// The price list a change from `from` moves to when it names none.
  /// Default: the one it is on (Kill Bill's).
  Decision<std::string> price_list_for_change(const SubscriptionCase& from) const;
};

/// The plan a change moves to when the request names a product and billing
/// period rather than a plan: in `price_list` when the request names one,
/// else in the list the priceList rules pick for the plan it leaves (by
/// default the list that plan is in), falling back to DEFAULT (Kill Bill's).
/// Errors: "catalog.plan_not_found", "catalog.ambiguous_plan" (Catalog::plan_for).
Result<const Plan*> plan_for_change(const Catalog& catalog, const RuleSet& rules, const Plan& from,
                                    std::string_view product, BillingPeriod period,
                                    std::optional<std::string_view> price_list = std::nullopt);

/// Loads and validates a rule set from JSON text.
///
/// The rules format of ../shared/spec/rules.md has no price lists: price-list
/// conditions, a `priceList` list and CHANGE_OF_PRICELIST are refused. A rule
/// set made for catalogs with price lists (one read from a Kill Bill XML
/// catalog) says so with `"with_price_lists": true`, and may use all three.
/// Errors: every problem found, by JSON path.
Result<RuleSet, Problems> load_rules(std::string_view json);

}  // namespace tollgate
TOLLGATE_API_END
