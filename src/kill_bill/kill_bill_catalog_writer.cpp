// A catalog and its rules written as a Kill Bill XML catalog: the inverse of
// the reader in kill_bill_catalog.cpp, for `tollgate export --xml` and for
// Kill Bill's clients, which read catalogs as XML.
//
// It writes only what the reader reads back to the same model; what Kill
// Bill's format cannot say is refused by the catalog JSON's path.

#include <pugixml.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "tollgate/kill_bill_catalog.hpp"

namespace tollgate {
namespace {

class Writer {
 public:
  Writer(const Catalog& catalog, const RuleSet& rules) : catalog_(catalog), rules_(rules) {}

  // Fills `root` (a <catalog>, or a <version> of <catalogs>) with the
  // catalog; answers what Kill Bill's format cannot say.
  Problems write_into(pugi::xml_node root) {
    if (catalog_.effective_date)
      text(root, "effectiveDate", to_string(*catalog_.effective_date) + "T00:00:00+00:00");
    text(root, "catalogName", catalog_.name);
    text(root, "recurringBillingMode", "IN_ADVANCE");
    auto currencies = root.append_child("currencies");
    for (const auto& c : catalog_.currencies) text(currencies, "currency", c);
    write_units(root);
    write_products(root);
    write_rules(root);
    write_plans(root);
    write_price_lists(root);
    if (!catalog_.credit_packages.empty())
      problem("credit_packages", "Kill Bill's catalog has no credit packages");
    if (catalog_.rounding != RoundingMode::half_up)
      problem("rounding", "Kill Bill's catalog has no rounding mode (it rounds HALF_UP)");
    return std::move(problems_);
  }

 private:
  static void text(pugi::xml_node parent, const char* name, std::string_view value) {
    parent.append_child(name).text().set(std::string(value).c_str());
  }

  void problem(std::string path, std::string reason) {
    problems_.push_back({std::move(path), std::move(reason)});
  }

  void write_price_lists(pugi::xml_node root) {
    auto lists = root.append_child("priceLists");
    for (const auto& name : catalog_.price_lists()) {
      bool is_default = name == kDefaultPriceList;
      auto list = lists.append_child(is_default ? "defaultPriceList" : "childPriceList");
      list.append_attribute("name") = name.c_str();
      auto plans = list.append_child("plans");
      for (const auto& plan : catalog_.plans)
        if (plan.price_list == name) text(plans, "plan", plan.name);
    }
  }

  void write_units(pugi::xml_node root) {
    std::set<std::string> units;
    for (const auto& plan : catalog_.plans)
      for (const auto& phase : plan.phases)
        for (const auto& usage : phase.usages) units.insert(usage.metric);
    for (const auto& plan : catalog_.plans)
      for (const auto& phase : plan.phases)
        for (const auto& limit : phase.limits) units.insert(limit.unit);
    for (const auto& product : catalog_.products)
      for (const auto& limit : product.limits) units.insert(limit.unit);
    if (units.empty()) return;
    auto node = root.append_child("units");
    for (const auto& u : units) node.append_child("unit").append_attribute("name") = u.c_str();
  }

  void write_products(pugi::xml_node root) {
    auto products = root.append_child("products");
    for (const auto& product : catalog_.products) {
      auto node = products.append_child("product");
      node.append_attribute("name") = product.name.c_str();
      text(node, "category", to_string(product.category));
      if (product.category == ProductCategory::base) write_addons(node, product);
      write_limits(node, product.limits);
    }
  }

  // Kill Bill lists on each base the add-ons it includes and takes.
  void write_addons(pugi::xml_node node, const Product& product) {
    pugi::xml_node included;
    for (const auto& addon : catalog_.products)
      if (addon.category == ProductCategory::add_on && addon.included_in_base(product.name)) {
        if (!included) included = node.append_child("included");
        text(included, "addonProduct", addon.name);
      }
    pugi::xml_node available;
    for (const auto& addon : catalog_.products)
      if (addon.category == ProductCategory::add_on && addon.available_for_base(product.name)) {
        if (!available) available = node.append_child("available");
        text(available, "addonProduct", addon.name);
      }
  }

  static void write_limits(pugi::xml_node node, const std::vector<Limit>& limits) {
    if (limits.empty()) return;
    auto list = node.append_child("limits");
    for (const auto& l : limits) {
      auto limit = list.append_child("limit");
      text(limit, "unit", l.unit);
      if (l.min) text(limit, "min", l.min->to_string());
      if (l.max) text(limit, "max", l.max->to_string());
    }
  }

  void write_plans(pugi::xml_node root) {
    auto plans = root.append_child("plans");
    for (std::size_t i = 0; i < catalog_.plans.size(); ++i) {
      const Plan& plan = catalog_.plans[i];
      std::string path = "plans[" + std::to_string(i) + "]";
      if (plan.after_trial != AfterTrial::continue_billing)
        problem(path + ".after_trial",
                "Kill Bill's catalog cannot require a payment method after a trial");
      auto node = plans.append_child("plan");
      node.append_attribute("name") = plan.name.c_str();
      if (plan.effective_for_existing)
        text(node, "effectiveDateForExistingSubscriptions",
             to_string(*plan.effective_for_existing) + "T00:00:00+00:00");
      text(node, "product", plan.product);
      std::optional<BillingMode> mode;
      for (const auto& phase : plan.phases)
        if (phase.recurring) {
          if (mode && *mode != phase.recurring->billing_mode)
            problem(path, "its phases bill in different modes: Kill Bill's plan has one");
          mode = phase.recurring->billing_mode;
        }
      if (mode == BillingMode::in_arrear) text(node, "recurringBillingMode", "IN_ARREAR");
      pugi::xml_node initial;
      for (std::size_t k = 0; k < plan.phases.size(); ++k) {
        bool last = k + 1 == plan.phases.size();
        if (!last && !initial) initial = node.append_child("initialPhases");
        auto phase = last ? node.append_child("finalPhase") : initial.append_child("phase");
        write_phase(phase, plan.phases[k], path + ".phases[" + std::to_string(k) + "]");
      }
    }
  }

  void write_phase(pugi::xml_node node, const Phase& phase, const std::string& path) {
    node.append_attribute("type") = std::string(to_string(phase.type)).c_str();
    auto duration = node.append_child("duration");
    if (phase.duration) {
      text(duration, "unit", to_string(phase.duration->unit));
      text(duration, "number", std::to_string(phase.duration->length));
    } else {
      text(duration, "unit", "UNLIMITED");
    }
    if (!phase.fixed.empty())
      prices(node.append_child("fixed").append_child("fixedPrice"), phase.fixed);
    if (phase.recurring) {
      auto recurring = node.append_child("recurring");
      text(recurring, "billingPeriod", to_string(phase.recurring->billing_period));
      prices(recurring.append_child("recurringPrice"), phase.recurring->price);
    }
    if (phase.usages.empty() && phase.limits.empty()) return;
    auto usages = node.append_child("usages");
    for (std::size_t u = 0; u < phase.usages.size(); ++u)
      write_usage(usages, phase.usages[u], path + ".usages[" + std::to_string(u) + "]");
    if (!phase.limits.empty()) {  // the phase's limits, in a usage section that prices nothing
      auto limits_only = usages.append_child("usage");
      text(limits_only, "billingPeriod", "NO_BILLING_PERIOD");
      write_limits(limits_only, phase.limits);
    }
  }

  static void prices(pugi::xml_node node, const PriceByCurrency& by_currency) {
    for (const auto& [currency, amount] : by_currency) {
      auto price = node.append_child("price");
      text(price, "currency", currency);
      text(price, "value", amount.to_string());
    }
  }

  // One tier of one block, as the reader maps it back.
  static void tier(pugi::xml_node tiers, const std::string& unit, const Decimal& size,
                   const PriceByCurrency& price, const std::string& max) {
    auto block = tiers.append_child("tier").append_child("blocks").append_child("tieredBlock");
    text(block, "unit", unit);
    text(block, "size", size.to_string());
    prices(block.append_child("prices"), price);
    text(block, "max", max);
  }

  // Kill Bill's CAPACITY: the period's highest value picks the first tier
  // whose limit holds it, billed at that tier's price. That is VOLUME over
  // the MAX, with flat tier prices and no unit price.
  static bool is_capacity(const UsagePrice& usage) {
    if (usage.model != UsageModel::volume || usage.aggregation != Aggregation::max) return false;
    for (const auto& t : usage.tiers)
      for (const auto& [currency, amount] : t.unit_price)
        if (amount.sign() != 0) return false;
    return true;
  }

  void write_capacity(pugi::xml_node node, const UsagePrice& usage) {
    auto tiers = node.append_child("tiers");
    for (const auto& t : usage.tiers) {
      auto tier = tiers.append_child("tier");
      auto limit = tier.append_child("limits").append_child("limit");
      text(limit, "unit", usage.metric);
      text(limit, "max", t.up_to ? t.up_to->to_string() : "-1");
      prices(tier.append_child("recurringPrice"), t.flat_price.empty() ? free() : t.flat_price);
    }
  }

  void write_usage(pugi::xml_node usages, const UsagePrice& usage, const std::string& path) {
    auto node = usages.append_child("usage");
    node.append_attribute("name") = usage.name.c_str();
    node.append_attribute("billingMode") = "IN_ARREAR";
    if (is_capacity(usage)) {
      node.append_attribute("usageType") = "CAPACITY";
      text(node, "billingPeriod", to_string(usage.billing_period));
      if (usage.pay_with_credits)
        problem(path + ".pay_with_credits", "Kill Bill's catalog has no prepaid credits");
      write_capacity(node, usage);
      return;
    }
    node.append_attribute("usageType") = "CONSUMABLE";
    // VOLUME prices every unit at the tier the quantity reaches: Kill Bill's TOP_TIER.
    node.append_attribute("tierBlockPolicy") =
        usage.model == UsageModel::volume ? "TOP_TIER" : "ALL_TIERS";
    text(node, "billingPeriod", to_string(usage.billing_period));
    if (usage.aggregation != Aggregation::sum)
      problem(path + ".aggregation",
              "Kill Bill's consumable usage is summed (its CAPACITY usage is VOLUME over MAX with "
              "flat tier prices only)");
    if (usage.pay_with_credits)
      problem(path + ".pay_with_credits", "Kill Bill's catalog has no prepaid credits");
    auto tiers = node.append_child("tiers");
    switch (usage.model) {
      case UsageModel::per_unit:
        tier(tiers, usage.metric, Decimal(1), usage.unit_price, "-1");
        return;
      case UsageModel::package:
        if (usage.package_rounding != PackageRounding::up)
          problem(path + ".round", "Kill Bill bills a started block whole (UP)");
        tier(tiers, usage.metric, usage.package_size, usage.package_price, "-1");
        return;
      case UsageModel::overage:
        // An allowance is a free first tier, unless it is prorated.
        if (usage.prorate_included)
          problem(path + ".prorate_included", "Kill Bill's tiers are not prorated");
        whole(usage.included, path + ".included");
        tier(tiers, usage.metric, Decimal(1), free(), usage.included.to_string());
        tier(tiers, usage.metric, Decimal(1), usage.unit_price, "-1");
        return;
      case UsageModel::graduated:
      case UsageModel::volume:
        write_tiers(tiers, usage, path);
        return;
    }
  }

  // Kill Bill counts tiers in whole blocks.
  void whole(const Decimal& count, const std::string& path) {
    if (count.to_string().find('.') != std::string::npos)
      problem(path, "Kill Bill counts a tier in whole blocks, not " + count.to_string());
  }

  // A price of 0 in every currency: Kill Bill's tiers name one in each.
  PriceByCurrency free() const {
    PriceByCurrency zero;
    for (const auto& c : catalog_.currencies) zero.emplace(c, Decimal(0));
    return zero;
  }

  // GRADUATED (ALL_TIERS) and VOLUME (TOP_TIER) tiers as blocks of size 1:
  // each `max` is the count of units in that tier, the difference of the
  // running bounds.
  void write_tiers(pugi::xml_node tiers, const UsagePrice& usage, const std::string& path) {
    Decimal below(0);
    for (std::size_t t = 0; t < usage.tiers.size(); ++t) {
      const Tier& tr = usage.tiers[t];
      std::string tp = path + ".tiers[" + std::to_string(t) + "]";
      if (!tr.flat_price.empty())
        problem(tp + ".flat_price", "Kill Bill's tiers have no flat price");
      std::string max = "-1";
      if (tr.up_to) {
        Decimal count = *tr.up_to - below;
        whole(count, tp + ".up_to");
        max = count.to_string();
        below = *tr.up_to;
      }
      tier(tiers, usage.metric, Decimal(1), tr.unit_price, max);
    }
  }

  // --- Rules ---------------------------------------------------------------

  template <class T>
  static void condition(pugi::xml_node node, const char* name, const std::optional<T>& value) {
    if (value) text(node, name, to_string(*value));
  }
  static void condition(pugi::xml_node node, const char* name,
                        const std::optional<std::string>& value) {
    if (value) text(node, name, *value);
  }

  void write_rules(pugi::xml_node root) {
    const RuleSet& r = rules_;
    if (r.billing_alignment_rules.empty() && r.create_alignment_rules.empty() &&
        r.cancel_policy_rules.empty() && r.change_policy_rules.empty() &&
        r.change_alignment_rules.empty() && r.price_list_rules.empty())
      return;
    auto rules = root.append_child("rules");
    rule_list(rules, "changePolicy", r.change_policy_rules,
              [](pugi::xml_node c, const ChangePolicyRule& rule) {
                change_conditions(c, rule.when);
                text(c, "policy", to_string(rule.policy));
              });
    rule_list(rules, "changeAlignment", r.change_alignment_rules,
              [](pugi::xml_node c, const ChangeAlignmentRule& rule) {
                change_conditions(c, rule.when);
                text(c, "alignment", to_string(rule.alignment));
              });
    rule_list(rules, "cancelPolicy", r.cancel_policy_rules,
              [](pugi::xml_node c, const CancelPolicyRule& rule) {
                subscription_conditions(c, rule.when);
                text(c, "policy", to_string(rule.policy));
              });
    rule_list(rules, "createAlignment", r.create_alignment_rules,
              [](pugi::xml_node c, const CreateAlignmentRule& rule) {
                condition(c, "product", rule.product);
                text(c, "alignment", to_string(rule.alignment));
              });
    rule_list(rules, "billingAlignment", r.billing_alignment_rules,
              [](pugi::xml_node c, const BillingAlignmentRule& rule) {
                subscription_conditions(c, rule.when);
                text(c, "alignment", to_string(rule.alignment));
              });
    rule_list(rules, "priceList", r.price_list_rules,
              [](pugi::xml_node c, const PriceListRule& rule) {
                condition(c, "fromProduct", rule.when.from_product);
                condition(c, "fromProductCategory", rule.when.from_product_category);
                condition(c, "fromBillingPeriod", rule.when.from_billing_period);
                condition(c, "fromPriceList", rule.when.from_price_list);
                text(c, "toPriceList", rule.to_price_list);
              });
  }

  // One of Kill Bill's rule lists, <name> of <nameCase>s, when it has any.
  template <class Rule, class WriteCase>
  static void rule_list(pugi::xml_node rules, const char* name, const std::vector<Rule>& list,
                        WriteCase write_case) {
    if (list.empty()) return;
    auto node = rules.append_child(name);
    std::string case_name = std::string(name) + "Case";
    for (const auto& rule : list) write_case(node.append_child(case_name.c_str()), rule);
  }

  static void subscription_conditions(pugi::xml_node c, const SubscriptionConditions& when) {
    condition(c, "product", when.product);
    condition(c, "productCategory", when.product_category);
    condition(c, "billingPeriod", when.billing_period);
    condition(c, "priceList", when.price_list);
    condition(c, "phaseType", when.phase_type);
  }

  static void change_conditions(pugi::xml_node c, const ChangeConditions& when) {
    condition(c, "phaseType", when.phase_type);
    condition(c, "fromProduct", when.from_product);
    condition(c, "fromProductCategory", when.from_product_category);
    condition(c, "fromBillingPeriod", when.from_billing_period);
    condition(c, "fromPriceList", when.from_price_list);
    condition(c, "toProduct", when.to_product);
    condition(c, "toProductCategory", when.to_product_category);
    condition(c, "toBillingPeriod", when.to_billing_period);
    condition(c, "toPriceList", when.to_price_list);
  }

  const Catalog& catalog_;
  const RuleSet& rules_;
  Problems problems_;
};

// An XML document with its declaration, and its text once written.
pugi::xml_document declared() {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  return doc;
}

std::string text_of(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "    ");
  return out.str();
}

}  // namespace

Result<std::string, Problems> to_kill_bill_xml(const Catalog& catalog, const RuleSet& rules) {
  pugi::xml_document doc = declared();
  Problems problems = Writer(catalog, rules).write_into(doc.append_child("catalog"));
  if (!problems.empty()) return unexpected(std::move(problems));
  return text_of(doc);
}

Result<std::string, Problems> to_kill_bill_versions_xml(const Catalog& catalog,
                                                        const RuleSet& rules) {
  pugi::xml_document doc = declared();
  pugi::xml_node root = doc.append_child("catalogs");
  pugi::xml_node versions = root.append_child("versions");
  std::vector<const Catalog*> all = catalog.versions();
  Problems problems;
  for (std::size_t i = 0; i < all.size(); ++i) {
    // Paths as the JSON document of several versions spells them: "[1].plans[0]".
    std::string prefix = all.size() > 1 ? "[" + std::to_string(i) + "]." : "";
    for (auto& p : Writer(*all[i], rules).write_into(versions.append_child("version")))
      problems.push_back({prefix + p.path, std::move(p.reason)});
  }
  root.append_child("catalogName").text().set(catalog.name.c_str());
  if (!problems.empty()) return unexpected(std::move(problems));
  return text_of(doc);
}

}  // namespace tollgate
