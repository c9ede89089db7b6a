#include "tollgate/rules.hpp"

#include <algorithm>
#include <array>

#include "enum_names.hpp"
#include "json_reader.hpp"

namespace tollgate {

using detail::EnumName;
using detail::ObjectReader;
using detail::path_index;
namespace json = detail::json;

namespace {

constexpr char kNoPriceLists[] =
    "this rules format has no price lists (a rule set made for a catalog with price lists "
    "says \"with_price_lists\": true)";

constexpr EnumName<BillingAlignment> kBillingAlignments[] = {
    {"ACCOUNT", BillingAlignment::account},
    {"BUNDLE", BillingAlignment::bundle},
    {"SUBSCRIPTION", BillingAlignment::subscription}};
constexpr EnumName<PlanAlignmentCreate> kCreateAlignments[] = {
    {"START_OF_BUNDLE", PlanAlignmentCreate::start_of_bundle},
    {"START_OF_SUBSCRIPTION", PlanAlignmentCreate::start_of_subscription}};
constexpr EnumName<BillingActionPolicy> kPolicies[] = {
    {"START_OF_TERM", BillingActionPolicy::start_of_term},
    {"END_OF_TERM", BillingActionPolicy::end_of_term},
    {"IMMEDIATE", BillingActionPolicy::immediate},
    {"ILLEGAL", BillingActionPolicy::illegal}};
constexpr EnumName<BillingActionPolicy> kCancelPolicies[] = {
    {"START_OF_TERM", BillingActionPolicy::start_of_term},
    {"END_OF_TERM", BillingActionPolicy::end_of_term},
    {"IMMEDIATE", BillingActionPolicy::immediate}};
constexpr EnumName<PlanAlignmentChange> kChangeAlignments[] = {
    {"START_OF_BUNDLE", PlanAlignmentChange::start_of_bundle},
    {"START_OF_SUBSCRIPTION", PlanAlignmentChange::start_of_subscription},
    {"CHANGE_OF_PLAN", PlanAlignmentChange::change_of_plan},
    {"CHANGE_OF_PRICELIST", PlanAlignmentChange::change_of_pricelist}};

template <class T>
bool matches(const std::optional<T>& condition, const T& actual) {
  return !condition || *condition == actual;
}

bool matches(const std::optional<std::string>& product, std::string_view actual) {
  return !product || *product == actual;
}

// The first rule of `rules` whose conditions match, as a Decision.
template <class Rule, class Case, class Value>
Decision<Value> first_match(const std::vector<Rule>& rules, const Case& c, std::string_view list,
                            Value fallback, Value Rule::*action) {
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (rules[i].when.matches(c))
      return {rules[i].*action, std::string(list) + "[" + std::to_string(i) + "]"};
  return {fallback, "default"};
}

// --- Loading -------------------------------------------------------------

enum class ListKind {
  billing_alignment,
  create_alignment,
  cancel_policy,
  change_policy,
  change_alignment,
  price_list
};

struct ListInfo {
  std::string_view name;
  ListKind kind;
  std::string_view action;
  std::vector<std::string_view> conditions;
  /// Conditions only a rule set with price lists may use.
  std::vector<std::string_view> price_list_conditions = {};
};

const std::array<ListInfo, 6>& lists() {
  static const std::array<ListInfo, 6> kLists{{
      {"billingAlignment",
       ListKind::billing_alignment,
       "billingAlignment",
       {"product", "productCategory", "billingPeriod", "phaseType"},
       {"priceList"}},
      {"createAlignment", ListKind::create_alignment, "planAlignmentCreate", {"product"}},
      {"cancelPolicy",
       ListKind::cancel_policy,
       "billingActionPolicy",
       {"product", "productCategory", "billingPeriod", "phaseType"},
       {"priceList"}},
      {"changePolicy",
       ListKind::change_policy,
       "billingActionPolicy",
       {"phaseType", "fromProduct", "fromProductCategory", "fromBillingPeriod", "toProduct",
        "toProductCategory", "toBillingPeriod"},
       {"fromPriceList", "toPriceList"}},
      {"changeAlignment",
       ListKind::change_alignment,
       "planAlignmentChange",
       {"phaseType", "fromProduct", "fromProductCategory", "fromBillingPeriod", "toProduct",
        "toProductCategory", "toBillingPeriod"},
       {"fromPriceList", "toPriceList"}},
      // Only in a rule set with price lists: all of its conditions are theirs.
      {"priceList",
       ListKind::price_list,
       "toPriceList",
       {},
       {"fromProduct", "fromProductCategory", "fromBillingPeriod", "fromPriceList"}},
  }};
  return kLists;
}

bool contains(const std::vector<std::string_view>& names, std::string_view key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

bool is_condition_anywhere(std::string_view key) {
  for (const auto& l : lists())
    if (contains(l.conditions, key) || contains(l.price_list_conditions, key)) return true;
  return false;
}

bool is_price_list_key(std::string_view key) {
  return key == "priceList" || key == "fromPriceList" || key == "toPriceList";
}

bool is_action_anywhere(std::string_view key) {
  return std::any_of(lists().begin(), lists().end(),
                     [&](const ListInfo& l) { return l.action == key; });
}

class RulesLoader {
 public:
  Result<RuleSet, Problems> load(std::string_view text) {
    TOLLGATE_ASSIGN_OR_RETURN(auto doc, detail::parse_json(text));
    ObjectReader root(doc, "$", problems_);
    if (!root.is_object()) return unexpected(std::move(problems_));
    rules_.with_price_lists = root.boolean("with_price_lists").value_or(false);
    for (const auto& list : lists()) {
      const json::array* rules = root.array(list.name);
      if (!rules) continue;
      if (list.kind == ListKind::price_list && !rules_.with_price_lists) {
        root.problem(list.name, kNoPriceLists);
        continue;
      }
      for (std::size_t i = 0; i < rules->size(); ++i) {
        ObjectReader r((*rules)[i], path_index(std::string(list.name), i), problems_);
        if (r.is_object()) read_rule(list, r);
      }
    }
    root.reject_unknown_fields();
    for (auto& p : problems_)
      if (p.reason == "unknown field")
        p.reason =
            "unknown rule list (expected billingAlignment, createAlignment, "
            "cancelPolicy, changePolicy or changeAlignment)";
    if (!problems_.empty()) return unexpected(std::move(problems_));
    return std::move(rules_);
  }

 private:
  void read_rule(const ListInfo& list, ObjectReader& r) {
    check_properties(list, r);
    switch (list.kind) {
      case ListKind::billing_alignment: {
        auto when = subscription_conditions(r);
        if (auto a = action(r, list, kBillingAlignments)) {
          if (*a == BillingAlignment::bundle && when.product_category != ProductCategory::add_on)
            r.problem(
                list.action,
                "BUNDLE alignment is only for add-ons: the rule must have productCategory ADD_ON");
          rules_.billing_alignment_rules.push_back({when, *a});
        }
        break;
      }
      case ListKind::create_alignment:
        if (auto product = product_name(r, "product"); auto a = action(r, list, kCreateAlignments))
          rules_.create_alignment_rules.push_back({std::move(product), *a});
        break;
      case ListKind::cancel_policy: {
        auto when = subscription_conditions(r);
        if (r.has(list.action) && r.field(list.action)->is_string() &&
            r.field(list.action)->get_string() == "ILLEGAL") {
          r.problem(
              list.action,
              "a cancel can never be ILLEGAL (expected START_OF_TERM, END_OF_TERM or IMMEDIATE)");
          break;
        }
        if (auto p = action(r, list, kCancelPolicies))
          rules_.cancel_policy_rules.push_back({when, *p});
        break;
      }
      case ListKind::change_policy: {
        auto when = change_conditions(r);
        if (auto p = action(r, list, kPolicies)) rules_.change_policy_rules.push_back({when, *p});
        break;
      }
      case ListKind::change_alignment: {
        auto when = change_conditions(r);
        if (!rules_.with_price_lists && r.has(list.action) && r.field(list.action)->is_string() &&
            r.field(list.action)->get_string() == "CHANGE_OF_PRICELIST") {
          r.problem(list.action, std::string("CHANGE_OF_PRICELIST: ") + kNoPriceLists);
          break;
        }
        if (auto a = action(r, list, kChangeAlignments))
          rules_.change_alignment_rules.push_back({when, *a});
        break;
      }
      case ListKind::price_list: {
        PriceListConditions when{product_name(r, "fromProduct"),
                                 r.enumeration("fromProductCategory", detail::kProductCategories),
                                 r.enumeration("fromBillingPeriod", detail::kBillingPeriods),
                                 product_name(r, "fromPriceList")};
        if (!r.has(list.action))
          r.problem(list.action, "the rule has no action (toPriceList)");
        else if (auto to = r.string(list.action))
          rules_.price_list_rules.push_back({when, *to});
        break;
      }
    }
  }

  // Every property must be a condition of this list or its action.
  void check_properties(const ListInfo& list, ObjectReader& r) {
    for (const auto& entry : *r.raw()) {
      std::string_view key = entry.key();
      bool own_condition = contains(list.conditions, key) ||
                           (rules_.with_price_lists && contains(list.price_list_conditions, key));
      if (own_condition || key == list.action) continue;
      r.field(key);  // reported here, not again as unknown
      if (is_price_list_key(key) && !rules_.with_price_lists)
        r.problem(key, kNoPriceLists);
      else if (is_action_anywhere(key))
        r.problem(key, "is not the action of " + std::string(list.name) + " (its action is " +
                           std::string(list.action) + "): a rule has exactly one action");
      else if (is_condition_anywhere(key))
        r.problem(key, "condition not allowed in " + std::string(list.name) + allowed(list));
      else
        r.problem(key, "unknown property" + allowed(list));
    }
  }

  static std::string allowed(const ListInfo& list) {
    if (list.conditions.empty()) return " (" + std::string(list.name) + " takes no conditions)";
    std::string s = " (allowed conditions: ";
    for (std::size_t i = 0; i < list.conditions.size(); ++i)
      s += (i ? ", " : "") + std::string(list.conditions[i]);
    return s + ")";
  }

  template <class E, std::size_t N>
  std::optional<E> action(ObjectReader& r, const ListInfo& list, const EnumName<E> (&table)[N]) {
    if (!r.has(list.action)) {
      r.problem(list.action, "the rule has no action (" + std::string(list.action) + ")");
      return std::nullopt;
    }
    return r.enumeration(list.action, table);
  }

  SubscriptionConditions subscription_conditions(ObjectReader& r) {
    return {r.enumeration("productCategory", detail::kProductCategories),
            r.enumeration("billingPeriod", detail::kBillingPeriods),
            r.enumeration("phaseType", detail::kPhaseTypes), product_name(r, "product"),
            price_list_name(r, "priceList")};
  }

  ChangeConditions change_conditions(ObjectReader& r) {
    return {r.enumeration("phaseType", detail::kPhaseTypes),
            r.enumeration("fromProductCategory", detail::kProductCategories),
            r.enumeration("fromBillingPeriod", detail::kBillingPeriods),
            r.enumeration("toProductCategory", detail::kProductCategories),
            r.enumeration("toBillingPeriod", detail::kBillingPeriods),
            product_name(r, "fromProduct"),
            product_name(r, "toProduct"),
            price_list_name(r, "fromPriceList"),
            price_list_name(r, "toPriceList")};
  }

  // Read only where allowed (check_properties reported it otherwise).
  std::optional<std::string> price_list_name(ObjectReader& r, std::string_view key) const {
    return rules_.with_price_lists ? r.string(key, false) : std::nullopt;
  }

  // A product-name condition: any non-empty string. It is not checked against
  // a catalog: a rule set serves many catalogs, and a name one lacks never matches.
  static std::optional<std::string> product_name(ObjectReader& r, std::string_view key) {
    return r.string(key, false);
  }

  Problems problems_;
  RuleSet rules_;
};

}  // namespace

std::string_view to_string(BillingAlignment a) noexcept {
  return detail::name_of(kBillingAlignments, a);
}
std::string_view to_string(PlanAlignmentCreate a) noexcept {
  return detail::name_of(kCreateAlignments, a);
}
std::string_view to_string(BillingActionPolicy p) noexcept {
  return detail::name_of(kPolicies, p);
}
std::string_view to_string(PlanAlignmentChange a) noexcept {
  return detail::name_of(kChangeAlignments, a);
}

std::optional<BillingActionPolicy> billing_action_policy_from_string(
    std::string_view name) noexcept {
  for (const auto& p : kPolicies)
    if (p.name == name) return p.value;
  return std::nullopt;
}

bool SubscriptionConditions::matches(const SubscriptionCase& c) const {
  return tollgate::matches(product_category, c.product_category) &&
         tollgate::matches(billing_period, c.billing_period) &&
         tollgate::matches(phase_type, c.phase_type) && tollgate::matches(product, c.product) &&
         tollgate::matches(price_list, c.price_list);
}

bool PriceListConditions::matches(const SubscriptionCase& from) const {
  return tollgate::matches(from_product, from.product) &&
         tollgate::matches(from_product_category, from.product_category) &&
         tollgate::matches(from_billing_period, from.billing_period) &&
         tollgate::matches(from_price_list, from.price_list);
}

bool ChangeConditions::matches(const ChangeCase& c) const {
  return tollgate::matches(phase_type, c.phase_type) &&
         tollgate::matches(from_product_category, c.from_product_category) &&
         tollgate::matches(from_billing_period, c.from_billing_period) &&
         tollgate::matches(to_product_category, c.to_product_category) &&
         tollgate::matches(to_billing_period, c.to_billing_period) &&
         tollgate::matches(from_product, c.from_product) &&
         tollgate::matches(to_product, c.to_product) &&
         tollgate::matches(from_price_list, c.from_price_list) &&
         tollgate::matches(to_price_list, c.to_price_list);
}

Decision<BillingAlignment> RuleSet::billing_alignment(const SubscriptionCase& c) const {
  return first_match(billing_alignment_rules, c, "billingAlignment", BillingAlignment::account,
                     &BillingAlignmentRule::alignment);
}

Decision<PlanAlignmentCreate> RuleSet::create_alignment(std::string_view add_on_product) const {
  for (std::size_t i = 0; i < create_alignment_rules.size(); ++i)
    if (tollgate::matches(create_alignment_rules[i].product, add_on_product))
      return {create_alignment_rules[i].alignment, "createAlignment[" + std::to_string(i) + "]"};
  return {PlanAlignmentCreate::start_of_bundle, "default"};
}

Decision<BillingActionPolicy> RuleSet::cancel_policy(
    const SubscriptionCase& c, std::optional<BillingActionPolicy> override) const {
  if (override && *override != BillingActionPolicy::illegal) return {*override, "override"};
  return first_match(cancel_policy_rules, c, "cancelPolicy", BillingActionPolicy::end_of_term,
                     &CancelPolicyRule::policy);
}

Decision<BillingActionPolicy> RuleSet::change_policy(
    const ChangeCase& c, std::optional<BillingActionPolicy> override) const {
  auto ruled = first_match(change_policy_rules, c, "changePolicy", BillingActionPolicy::end_of_term,
                           &ChangePolicyRule::policy);
  if (ruled.value == BillingActionPolicy::illegal || !override) return ruled;
  return {*override, "override"};
}

Decision<PlanAlignmentChange> RuleSet::change_alignment(const ChangeCase& c) const {
  return first_match(change_alignment_rules, c, "changeAlignment",
                     PlanAlignmentChange::start_of_bundle, &ChangeAlignmentRule::alignment);
}

Decision<std::string> RuleSet::price_list_for_change(const SubscriptionCase& from) const {
  return first_match(price_list_rules, from, "priceList", std::string(from.price_list),
                     &PriceListRule::to_price_list);
}

Result<const Plan*> plan_for_change(const Catalog& catalog, const RuleSet& rules, const Plan& from,
                                    std::string_view product, BillingPeriod period,
                                    std::optional<std::string_view> price_list) {
  if (price_list) return catalog.plan_for(product, period, *price_list);
  const Product* from_product = catalog.find_product(from.product);
  SubscriptionCase leaving{from_product ? from_product->category : ProductCategory::base,
                           billing_period_of(from), PhaseType::evergreen, from.product,
                           from.price_list};
  return catalog.plan_for(product, period, rules.price_list_for_change(leaving).value);
}

Result<RuleSet, Problems> load_rules(std::string_view json) {
  return RulesLoader().load(json);
}

}  // namespace tollgate
