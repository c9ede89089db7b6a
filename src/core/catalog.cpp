#include "tollgate/catalog.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "enum_names.hpp"
#include "json_reader.hpp"
#include "tollgate/error_codes.hpp"

namespace tollgate {

using detail::EnumName;
using detail::ObjectReader;
using detail::path_index;
using detail::path_join;
namespace json = detail::json;

std::string_view to_string(ProductCategory c) noexcept {
  return detail::name_of(detail::kProductCategories, c);
}
std::string_view to_string(TimeUnit u) noexcept {
  return detail::name_of(detail::kTimeUnits, u);
}
std::string_view to_string(PhaseType t) noexcept {
  return detail::name_of(detail::kPhaseTypes, t);
}
std::string_view to_string(BillingMode m) noexcept {
  return detail::name_of(detail::kBillingModes, m);
}

Date add_duration(const Date& from, const Duration& d) {
  switch (d.unit) {
    case TimeUnit::days:
      return add_days(from, d.length);
    case TimeUnit::weeks:
      return add_days(from, 7L * d.length);
    case TimeUnit::months:
      return add_months(from, d.length);
    case TimeUnit::years:
      return add_months(from, 12 * d.length);
  }
  return from;
}

bool Product::included_in_base(std::string_view base_product) const {
  return std::find(included_in.begin(), included_in.end(), base_product) != included_in.end();
}

bool Product::available_for_base(std::string_view base_product) const {
  if (included_in_base(base_product)) return false;
  if (!available_for) return true;
  return std::find(available_for->begin(), available_for->end(), base_product) !=
         available_for->end();
}

bool complies_with_limits(const Product& product, const Phase& phase, std::string_view unit,
                          const Decimal& value) {
  auto within = [&](const std::vector<Limit>& limits) {
    return std::all_of(limits.begin(), limits.end(),
                       [&](const Limit& l) { return l.unit != unit || l.allows(value); });
  };
  return within(phase.limits) && within(product.limits);
}

namespace {

template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
  return it == items.end() ? nullptr : &*it;
}

constexpr EnumName<RoundingMode> kRoundingModes[] = {{"HALF_UP", RoundingMode::half_up},
                                                     {"HALF_EVEN", RoundingMode::half_even}};
constexpr EnumName<AfterTrial> kAfterTrial[] = {
    {"CONTINUE", AfterTrial::continue_billing},
    {"REQUIRE_PAYMENT_METHOD", AfterTrial::require_payment_method}};
constexpr EnumName<UsageModel> kUsageModels[] = {{"PER_UNIT", UsageModel::per_unit},
                                                 {"GRADUATED", UsageModel::graduated},
                                                 {"VOLUME", UsageModel::volume},
                                                 {"PACKAGE", UsageModel::package},
                                                 {"OVERAGE", UsageModel::overage}};
constexpr EnumName<Aggregation> kAggregations[] = {{"SUM", Aggregation::sum},
                                                   {"COUNT", Aggregation::count},
                                                   {"MAX", Aggregation::max},
                                                   {"UNIQUE_COUNT", Aggregation::unique_count},
                                                   {"LATEST", Aggregation::latest}};
constexpr EnumName<PackageRounding> kPackageRoundings[] = {{"UP", PackageRounding::up},
                                                           {"DOWN", PackageRounding::down}};

// Remembers names seen in one namespace and reports the second use of one.
class UniqueNames {
 public:
  explicit UniqueNames(std::string what) : what_(std::move(what)) {}
  void check(const std::string& name, const std::string& path, Problems& problems) {
    if (name.empty()) return;  // a missing name is reported by the reader
    auto [it, inserted] = first_path_.emplace(name, path);
    if (!inserted)
      problems.push_back(
          {path, "duplicate " + what_ + " name \"" + name + "\" (first at " + it->second + ")"});
  }

 private:
  std::string what_;
  std::map<std::string, std::string> first_path_;
};

class CatalogLoader {
 public:
  /// One catalog, or one version of a versioned catalog at `path`.
  Result<Catalog, Problems> load(const json::value& doc, std::string path) {
    ObjectReader root(doc, std::move(path), problems_);
    if (!root.is_object()) return unexpected(std::move(problems_));

    catalog_.name = root.string("name", true).value_or("");
    catalog_.effective_date = root.date("effective_date");
    read_currencies(root);
    if (auto mode = root.enumeration("rounding", kRoundingModes)) catalog_.rounding = *mode;
    if (root.field("credit_unit_price"))
      catalog_.credit_unit_price = read_price(root, "credit_unit_price");
    read_list(root, "products", true, [&](ObjectReader& r) { read_product(r); });
    check_base_names();
    read_list(root, "plans", true, [&](ObjectReader& r) { read_plan(r); });
    read_list(root, "credit_packages", false, [&](ObjectReader& r) { read_credit_package(r); });
    root.reject_unknown_fields();

    if (!problems_.empty()) return unexpected(std::move(problems_));
    return std::move(catalog_);
  }

 private:
  template <class F>
  void read_list(ObjectReader& parent, std::string_view key, bool required, F each) {
    const json::array* items = parent.array(key, required);
    if (!items) return;
    for (std::size_t i = 0; i < items->size(); ++i) {
      ObjectReader r((*items)[i], path_index(parent.path_of(key), i), problems_);
      if (!r.is_object()) continue;
      each(r);
      r.reject_unknown_fields();
    }
  }

  void read_currencies(ObjectReader& root) {
    const json::array* codes = root.array("currencies", true);
    if (!codes) return;
    if (codes->empty()) root.problem("currencies", "must list at least one currency");
    for (std::size_t i = 0; i < codes->size(); ++i) {
      std::string path = path_index(root.path_of("currencies"), i);
      const json::value& v = (*codes)[i];
      if (!v.is_string()) {
        problems_.push_back({path, "must be a currency code string"});
        continue;
      }
      std::string code(v.get_string());
      if (auto c = Currency::of(code); !c) {
        problems_.push_back({path, c.error().message});
      } else if (std::find(catalog_.currencies.begin(), catalog_.currencies.end(), code) !=
                 catalog_.currencies.end()) {
        problems_.push_back({path, "duplicate currency " + code});
      } else {
        catalog_.currencies.push_back(code);
      }
    }
  }

  // A price object {currency: "amount"} that must cover every catalog currency.
  PriceByCurrency read_price(ObjectReader& parent, std::string_view key) {
    PriceByCurrency price;
    const json::value* v = parent.field(key);
    if (!v) return price;
    std::string path = parent.path_of(key);
    if (!v->is_object()) {
      problems_.push_back({path, "must be an object of currency code to amount"});
      return price;
    }
    for (const auto& entry : v->get_object()) {
      std::string code(entry.key());
      std::string entry_path = path_join(path, code);
      if (std::find(catalog_.currencies.begin(), catalog_.currencies.end(), code) ==
          catalog_.currencies.end()) {
        problems_.push_back(
            {entry_path, "currency " + code + " is not in the catalog's currencies"});
        continue;
      }
      if (auto amount = detail::read_decimal(entry.value(), entry_path, problems_))
        price.emplace(code, *amount);
    }
    for (const auto& code : catalog_.currencies)
      if (!v->get_object().contains(code))
        problems_.push_back({path_join(path, code), "missing price for currency " + code});
    return price;
  }

  PriceByCurrency required_price(ObjectReader& r, std::string_view key) {
    if (!r.has(key)) {
      r.field(key, true);
      return {};
    }
    return read_price(r, key);
  }

  void read_product(ObjectReader& r) {
    Product p;
    p.name = r.string("name", true).value_or("");
    product_names_.check(p.name, r.path_of("name"), problems_);
    p.category =
        r.enumeration("category", detail::kProductCategories, true).value_or(ProductCategory::base);
    if (auto names = base_names(r, p, "available_for")) p.available_for = std::move(names);
    if (auto names = base_names(r, p, "included_in")) p.included_in = std::move(*names);
    p.limits = read_limits(r);
    catalog_.products.push_back(std::move(p));
  }

  // Kill Bill's limits: each names a unit and bounds it from below, above or both.
  std::vector<Limit> read_limits(ObjectReader& parent) {
    std::vector<Limit> limits;
    read_list(parent, "limits", false, [&](ObjectReader& r) {
      Limit l;
      l.unit = r.string("unit", true).value_or("");
      l.min = r.decimal("min", false, true);
      l.max = r.decimal("max", false, true);
      if (!l.min && !l.max) r.problem("max", "a limit needs a min, a max or both");
      if (l.min && l.max && *l.max < *l.min) r.problem("max", "is below min " + l.min->to_string());
      limits.push_back(std::move(l));
    });
    return limits;
  }

  // An ADD_ON's list of BASE products (`available_for`, `included_in`); each
  // name is checked once every product is read (check_base_names).
  std::optional<std::vector<std::string>> base_names(ObjectReader& r, const Product& p,
                                                     std::string_view key) {
    const json::array* bases = r.array(key);
    if (!bases) return std::nullopt;
    if (p.category != ProductCategory::add_on)
      r.problem(key, "only an ADD_ON product may list " + std::string(key));
    std::vector<std::string> names;
    for (std::size_t i = 0; i < bases->size(); ++i) {
      std::string path = path_index(r.path_of(key), i);
      if (!(*bases)[i].is_string()) {
        problems_.push_back({path, "must be a product name string"});
        continue;
      }
      names.emplace_back((*bases)[i].get_string());
      base_refs_.push_back({names.back(), path});
    }
    return names;
  }

  void check_base_names() {
    for (const auto& [base, path] : base_refs_) {
      const Product* target = catalog_.find_product(base);
      if (!target)
        problems_.push_back({path, "unknown product \"" + base + "\""});
      else if (target->category != ProductCategory::base)
        problems_.push_back({path, "product \"" + base + "\" is " +
                                       std::string(to_string(target->category)) +
                                       ", not BASE: an add-on can only join a BASE product"});
    }
  }

  void read_plan(ObjectReader& r) {
    Plan plan;
    plan.name = r.string("name", true).value_or("");
    plan_names_.check(plan.name, r.path_of("name"), problems_);
    if (auto product = r.string("product", true)) {
      plan.product = *product;
      if (!catalog_.find_product(*product))
        r.problem("product", "unknown product \"" + *product + "\"");
    }
    if (auto after = r.enumeration("after_trial", kAfterTrial)) plan.after_trial = *after;
    plan.effective_for_existing = r.date("effective_date_for_existing_subscriptions");
    if (plan.effective_for_existing) {
      // Kill Bill's rule: existing subscriptions cannot move before the
      // version that moves them is in force.
      if (!catalog_.effective_date)
        r.problem("effective_date_for_existing_subscriptions",
                  "needs the catalog's effective_date: it moves existing subscriptions to "
                  "this version, which must say when it starts");
      else if (*plan.effective_for_existing < *catalog_.effective_date)
        r.problem("effective_date_for_existing_subscriptions",
                  "is before the catalog's effective_date " + to_string(*catalog_.effective_date));
    }
    if (const json::value* list = r.field("price_list"); list && list->is_null())
      plan.price_list.clear();  // in no price list: sold by its name only
    else if (auto name = r.string("price_list"))
      plan.price_list = *name;
    const json::array* phases = r.array("phases", true);
    if (phases && phases->empty()) r.problem("phases", "a plan needs at least one phase");
    if (phases) {
      for (std::size_t i = 0; i < phases->size(); ++i) {
        ObjectReader pr((*phases)[i], path_index(r.path_of("phases"), i), problems_);
        if (!pr.is_object()) continue;
        plan.phases.push_back(read_phase(pr, i + 1 == phases->size()));
        pr.reject_unknown_fields();
      }
    }
    catalog_.plans.push_back(std::move(plan));
  }

  Phase read_phase(ObjectReader& r, bool last) {
    Phase phase;
    phase.type = r.enumeration("type", detail::kPhaseTypes, true).value_or(PhaseType::evergreen);
    if (const json::value* d = r.field("duration")) {
      ObjectReader dr(*d, r.path_of("duration"), problems_);
      Duration duration;
      duration.unit = dr.enumeration("unit", detail::kTimeUnits, true).value_or(TimeUnit::days);
      duration.length = static_cast<int>(dr.integer("length", true, 1, 10000).value_or(1));
      dr.reject_unknown_fields();
      phase.duration = duration;
      if (last && phase.type != PhaseType::fixedterm)
        r.problem(
            "duration",
            "the last phase lasts until cancelled and has no duration, unless it is FIXEDTERM");
    } else if (!last) {
      r.problem("duration", "required: a phase that is not the last must have a duration");
    } else if (phase.type == PhaseType::fixedterm) {
      r.problem("duration", "required: a FIXEDTERM phase must have a duration");
    }
    if (r.has("fixed")) phase.fixed = read_price(r, "fixed");
    if (const json::value* rec = r.field("recurring")) {
      ObjectReader rr(*rec, r.path_of("recurring"), problems_);
      if (rr.is_object()) {
        RecurringPrice price;
        price.billing_period = rr.enumeration("billing_period", detail::kBillingPeriods, true)
                                   .value_or(BillingPeriod::monthly);
        if (price.billing_period == BillingPeriod::no_billing_period)
          rr.problem("billing_period",
                     "NO_BILLING_PERIOD has no recurring charge: leave out \"recurring\"");
        price.billing_mode =
            rr.enumeration("billing_mode", detail::kBillingModes).value_or(BillingMode::in_advance);
        price.price = required_price(rr, "price");
        rr.reject_unknown_fields();
        phase.recurring = std::move(price);
      }
    }
    UniqueNames usage_names("usage");
    read_list(r, "usages", false, [&](ObjectReader& ur) {
      phase.usages.push_back(read_usage(ur));
      usage_names.check(phase.usages.back().name, ur.path_of("name"), problems_);
    });
    phase.limits = read_limits(r);
    return phase;
  }

  UsagePrice read_usage(ObjectReader& r) {
    UsagePrice u;
    u.name = r.string("name", true).value_or("");
    u.metric = r.string("metric", true).value_or("");
    u.billing_period = r.enumeration("billing_period", detail::kBillingPeriods, true)
                           .value_or(BillingPeriod::monthly);
    if (u.billing_period == BillingPeriod::no_billing_period)
      r.problem("billing_period",
                "usage is billed per period: NO_BILLING_PERIOD is not allowed here");
    u.aggregation = r.enumeration("aggregation", kAggregations).value_or(Aggregation::sum);
    auto model = r.enumeration("model", kUsageModels, true);
    u.model = model.value_or(UsageModel::per_unit);
    u.pay_with_credits = r.boolean("pay_with_credits").value_or(false);
    if (u.pay_with_credits && catalog_.credit_unit_price.empty())
      r.problem("pay_with_credits", "needs the catalog's credit_unit_price");

    // Which fields each model takes; any other model field is a mistake.
    auto uses = [&](std::string_view field) {
      switch (u.model) {
        case UsageModel::per_unit:
          return field == "unit_price";
        case UsageModel::graduated:
        case UsageModel::volume:
          return field == "tiers";
        case UsageModel::package:
          return field == "package_size" || field == "package_price" || field == "round";
        case UsageModel::overage:
          return field == "included" || field == "unit_price" || field == "prorate_included";
      }
      return false;
    };
    for (std::string_view field : {"unit_price", "tiers", "package_size", "package_price", "round",
                                   "included", "prorate_included"}) {
      if (!r.has(field) || (model && uses(field))) continue;
      r.field(field);  // with an unknown model, its fields are not reported again
      if (model)
        r.problem(field,
                  "not used by model " + std::string(detail::name_of(kUsageModels, u.model)));
    }
    if (!model) return u;
    if (uses("unit_price")) u.unit_price = required_price(r, "unit_price");
    if (uses("tiers")) read_tiers(r, u);
    if (uses("package_size")) {
      u.package_size = r.decimal("package_size", true).value_or(Decimal(1));
      if (u.package_size.is_zero()) r.problem("package_size", "must be greater than 0");
      u.package_price = required_price(r, "package_price");
      u.package_rounding = r.enumeration("round", kPackageRoundings).value_or(PackageRounding::up);
    }
    if (uses("included")) {
      u.included = r.decimal("included", true).value_or(Decimal(0));
      u.prorate_included = r.boolean("prorate_included").value_or(false);
    }
    return u;
  }

  void read_tiers(ObjectReader& r, UsagePrice& u) {
    const json::array* tiers = r.array("tiers", true);
    if (!tiers) return;
    if (tiers->empty()) r.problem("tiers", "must list at least one tier");
    std::optional<Decimal> previous;
    for (std::size_t i = 0; i < tiers->size(); ++i) {
      ObjectReader tr((*tiers)[i], path_index(r.path_of("tiers"), i), problems_);
      if (!tr.is_object()) continue;
      Tier tier;
      const json::value* up_to = tr.field("up_to", true);
      bool last = i + 1 == tiers->size();
      if (up_to && up_to->is_null()) {
        if (!last) tr.problem("up_to", "only the last tier may be unbounded (null)");
      } else if (up_to) {
        tier.up_to = detail::read_decimal(*up_to, tr.path_of("up_to"), problems_);
        if (tier.up_to && previous && !(*previous < *tier.up_to))
          tr.problem("up_to", "tiers must be strictly increasing: " + tier.up_to->to_string() +
                                  " is not above " + previous->to_string());
        if (tier.up_to) previous = tier.up_to;
        if (last)
          tr.problem(
              "up_to",
              "the last tier must be unbounded (null), or quantities above it have no price");
      }
      if (!tr.has("unit_price") && !tr.has("flat_price"))
        tr.problem("unit_price", "a tier needs a unit_price, a flat_price or both");
      if (tr.has("unit_price")) tier.unit_price = read_price(tr, "unit_price");
      if (tr.has("flat_price")) tier.flat_price = read_price(tr, "flat_price");
      tr.reject_unknown_fields();
      u.tiers.push_back(std::move(tier));
    }
  }

  void read_credit_package(ObjectReader& r) {
    CreditPackage p;
    p.name = r.string("name", true).value_or("");
    package_names_.check(p.name, r.path_of("name"), problems_);
    p.credits = r.decimal("credits", true).value_or(Decimal(0));
    if (r.has("credits") && p.credits.is_zero()) r.problem("credits", "must be greater than 0");
    p.price = required_price(r, "price");
    p.description = r.string("description").value_or("");
    catalog_.credit_packages.push_back(std::move(p));
  }

  struct BaseRef {
    std::string base;
    std::string path;
  };

  Problems problems_;
  Catalog catalog_;
  UniqueNames product_names_{"product"}, plan_names_{"plan"}, package_names_{"credit package"};
  std::vector<BaseRef> base_refs_;
};

}  // namespace

const Product* Catalog::find_product(std::string_view n) const {
  return find_named(products, n);
}
const Plan* Catalog::find_plan(std::string_view n) const {
  return find_named(plans, n);
}
const CreditPackage* Catalog::find_credit_package(std::string_view n) const {
  return find_named(credit_packages, n);
}
const Product& Catalog::product_of(const Plan& plan) const {
  return *find_product(plan.product);
}

std::vector<std::string> Catalog::price_lists() const {
  std::vector<std::string> out{std::string(kDefaultPriceList)};
  for (const auto& plan : plans)
    if (!plan.price_list.empty() && std::find(out.begin(), out.end(), plan.price_list) == out.end())
      out.push_back(plan.price_list);
  return out;
}

Result<const Plan*> Catalog::plan_for(std::string_view product, BillingPeriod period,
                                      std::string_view price_list) const {
  for (std::string_view list : {price_list, kDefaultPriceList}) {
    if (list.empty()) continue;  // a plan in no price list is found by its name only
    const Plan* found = nullptr;
    for (const auto& plan : plans) {
      if (plan.product != product || plan.price_list != list || billing_period_of(plan) != period)
        continue;
      if (found)
        return make_error(errors::catalog_ambiguous_plan,
                          "price list \"" + std::string(list) +
                              "\" has several plans of product \"" + std::string(product) +
                              "\" billed " + std::string(to_string(period)) + ": name the plan");
      found = &plan;
    }
    if (found) return found;
  }
  return make_error(errors::catalog_plan_not_found,
                    "no plan of product \"" + std::string(product) + "\" bills " +
                        std::string(to_string(period)) + " in price list \"" +
                        std::string(price_list) + "\" or DEFAULT");
}

BillingPeriod billing_period_of(const Plan& plan) {
  for (const auto& phase : plan.phases)
    if (phase.recurring) return phase.recurring->billing_period;
  return BillingPeriod::no_billing_period;
}

namespace {

// The versions of a versioned catalog, oldest first: each must load alone and
// start after the one before it.
Result<Catalog, Problems> load_versions(const json::array& versions) {
  if (versions.empty()) return unexpected(Problems{{"$", "lists no catalog version"}});
  Problems problems;
  std::vector<std::shared_ptr<const Catalog>> loaded;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    std::string path = path_index("$", i);
    auto version = CatalogLoader().load(versions[i], path);
    if (!version) {
      problems.insert(problems.end(), version.error().begin(), version.error().end());
      continue;
    }
    if (!version->effective_date)
      problems.push_back({path_join(path, "effective_date"),
                          "required: a version of a versioned catalog says when it starts"});
    else if (!loaded.empty() && loaded.back()->effective_date &&
             !(*loaded.back()->effective_date < *version->effective_date))
      problems.push_back(
          {path_join(path, "effective_date"), "must be after the version before it (" +
                                                  to_string(*loaded.back()->effective_date) + ")"});
    loaded.push_back(std::make_shared<const Catalog>(std::move(version).value()));
  }
  if (!problems.empty()) return unexpected(std::move(problems));
  Catalog latest = *loaded.back();
  loaded.pop_back();
  latest.earlier_versions = std::move(loaded);
  return latest;
}

}  // namespace

std::vector<const Catalog*> Catalog::versions() const {
  std::vector<const Catalog*> out;
  out.reserve(earlier_versions.size() + 1);
  for (const auto& v : earlier_versions) out.push_back(v.get());
  out.push_back(this);
  return out;
}

const Catalog& Catalog::version_at(const Date& d) const {
  if (!effective_date || !(d < *effective_date)) return *this;
  for (auto it = earlier_versions.rbegin(); it != earlier_versions.rend(); ++it)
    if ((*it)->effective_date && !(d < *(*it)->effective_date)) return **it;
  return earlier_versions.empty() ? *this : *earlier_versions.front();
}

Result<std::string, Problems> add_catalog_version(std::string_view catalog_json,
                                                  std::string_view version_json) {
  TOLLGATE_ASSIGN_OR_RETURN(auto doc, detail::parse_json(catalog_json));
  TOLLGATE_ASSIGN_OR_RETURN(auto added, detail::parse_json(version_json));
  json::array versions = doc.is_array() ? doc.as_array() : json::array{doc};
  auto starts = [](const json::value& v) -> std::string {
    const json::value* d = v.is_object() ? v.as_object().if_contains("effective_date") : nullptr;
    return d && d->is_string() ? std::string(d->as_string()) : std::string();
  };
  std::string day = starts(added);
  auto at = versions.begin();
  while (at != versions.end() && !day.empty() && starts(*at) < day) ++at;
  if (!day.empty() && at != versions.end() && starts(*at) == day)
    return unexpected(
        Problems{{"effective_date", "a version starting on " + day + " exists already"}});
  versions.insert(at, added);
  std::string text = json::serialize(versions);
  if (auto loaded = load_catalog(text); !loaded) return unexpected(std::move(loaded).error());
  return text;
}

Result<Catalog, Problems> load_catalog(std::string_view json) {
  TOLLGATE_ASSIGN_OR_RETURN(auto doc, detail::parse_json(json));
  if (const auto* versions = doc.if_array()) return load_versions(*versions);
  return CatalogLoader().load(doc, "$");
}

}  // namespace tollgate
