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
    {"CHANGE_OF_PLAN", PlanAlignmentChange::change_of_plan}};

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
  change_alignment
};

struct ListInfo {
  std::string_view name;
  ListKind kind;
  std::string_view action;
  std::vector<std::string_view> conditions;
};

const std::array<ListInfo, 5>& lists() {
  static const std::array<ListInfo, 5> kLists{{
      {"billingAlignment",
       ListKind::billing_alignment,
       "billingAlignment",
       {"product", "productCategory", "billingPeriod", "phaseType"}},
      {"createAlignment", ListKind::create_alignment, "planAlignmentCreate", {"product"}},
      {"cancelPolicy",
       ListKind::cancel_policy,
       "billingActionPolicy",
       {"product", "productCategory", "billingPeriod", "phaseType"}},
      {"changePolicy",
       ListKind::change_policy,
       "billingActionPolicy",
       {"phaseType", "fromProduct", "fromProductCategory", "fromBillingPeriod", "toProduct",
        "toProductCategory", "toBillingPeriod"}},
      {"changeAlignment",
       ListKind::change_alignment,
       "planAlignmentChange",
       {"phaseType", "fromProduct", "fromProductCategory", "fromBillingPeriod", "toProduct",
        "toProductCategory", "toBillingPeriod"}},
  }};
  return kLists;
}

bool is_condition_anywhere(std::string_view key) {
  for (const auto& l : lists())
    if (std::find(l.conditions.begin(), l.conditions.end(), key) != l.conditions.end()) return true;
  return false;
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
    for (const auto& list : lists()) {
      const json::array* rules = root.array(list.name);
      if (!rules) continue;
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
        if (r.has(list.action) && r.field(list.action)->is_string() &&
            r.field(list.action)->get_string() == "CHANGE_OF_PRICELIST") {
          r.problem(list.action,
                    "CHANGE_OF_PRICELIST is not supported: Tollgate has no price lists");
          break;
        }
        if (auto a = action(r, list, kChangeAlignments))
          rules_.change_alignment_rules.push_back({when, *a});
        break;
      }
    }
  }

  // Every property must be a condition of this list or its action.
  void check_properties(const ListInfo& list, ObjectReader& r) {
    for (const auto& entry : *r.raw()) {
      std::string_view key = entry.key();
      bool own_condition =
          std::find(list.conditions.begin(), list.conditions.end(), key) != list.conditions.end();
      if (own_condition || key == list.action) continue;
      r.field(key);  // reported here, not again as unknown
      if (key == "priceList" || key == "fromPriceList" || key == "toPriceList")
        r.problem(key, "price lists are not supported: Tollgate has no price lists");
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
            r.enumeration("phaseType", detail::kPhaseTypes), product_name(r, "product")};
  }

  ChangeConditions change_conditions(ObjectReader& r) {
    return {r.enumeration("phaseType", detail::kPhaseTypes),
            r.enumeration("fromProductCategory", detail::kProductCategories),
            r.enumeration("fromBillingPeriod", detail::kBillingPeriods),
            r.enumeration("toProductCategory", detail::kProductCategories),
            r.enumeration("toBillingPeriod", detail::kBillingPeriods),
            product_name(r, "fromProduct"),
            product_name(r, "toProduct")};
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
         tollgate::matches(phase_type, c.phase_type) && tollgate::matches(product, c.product);
}

bool ChangeConditions::matches(const ChangeCase& c) const {
  return tollgate::matches(phase_type, c.phase_type) &&
         tollgate::matches(from_product_category, c.from_product_category) &&
         tollgate::matches(from_billing_period, c.from_billing_period) &&
         tollgate::matches(to_product_category, c.to_product_category) &&
         tollgate::matches(to_billing_period, c.to_billing_period) &&
         tollgate::matches(from_product, c.from_product) &&
         tollgate::matches(to_product, c.to_product);
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

Result<RuleSet, Problems> load_rules(std::string_view json) {
  return RulesLoader().load(json);
}

}  // namespace tollgate
