#include "tollgate/simple_plan.hpp"

#include <algorithm>

#include "json_reader.hpp"

namespace tollgate {

namespace json = detail::json;

namespace {

bool is_text(const json::value* v, std::string_view text) {
  return v && v->is_string() && v->get_string() == text;
}

// The element of `list` whose "name" is `name`, or nullptr.
json::object* named(json::array& list, std::string_view name) {
  for (auto& v : list)
    if (auto* o = v.if_object(); o && is_text(o->if_contains("name"), name)) return o;
  return nullptr;
}

json::array& array_at(json::object& o, std::string_view key) {
  if (!o[key].is_array()) o[key] = json::array{};
  return o[key].as_array();
}

json::object trial_phase(const Duration& trial) {
  return {{"type", "TRIAL"},
          {"duration", json::object{{"unit", to_string(trial.unit)}, {"length", trial.length}}}};
}

json::object evergreen_phase(const SimplePlan& p) {
  return {{"type", "EVERGREEN"},
          {"recurring", json::object{{"billing_period", to_string(p.billing_period)},
                                     {"price", json::object{{p.currency, p.amount.to_string()}}}}}};
}

// Whether an existing plan is this simple plan (its price aside): the same
// product, trial and billing period.
bool same_shape(const json::object& plan, const SimplePlan& p) {
  json::object expected{{"phases", json::array{}}};
  auto& phases = expected["phases"].as_array();
  if (p.trial) phases.push_back(trial_phase(*p.trial));
  phases.push_back(evergreen_phase(p));
  const json::value* have = plan.if_contains("phases");
  if (!have || !have->is_array() || have->as_array().size() != phases.size()) return false;
  if (!is_text(plan.if_contains("product"), p.product)) return false;
  for (std::size_t i = 0; i + 1 < phases.size(); ++i)
    if (have->as_array()[i] != phases[i]) return false;
  const json::value& last = have->as_array().back();
  if (!last.is_object()) return false;
  const json::value* recurring =
      last.is_object() ? last.as_object().if_contains("recurring") : nullptr;
  return is_text(last.as_object().if_contains("type"), "EVERGREEN") && recurring &&
         recurring->is_object() &&
         is_text(recurring->as_object().if_contains("billing_period"), to_string(p.billing_period));
}

// Adds the plan's price in its currency to an existing plan of the same shape.
Result<Ok, Problems> add_price(json::object& plan, const SimplePlan& p) {
  if (!same_shape(plan, p))
    return unexpected(Problems{{"planId", "plan " + p.plan +
                                              " exists with another product, trial or billing "
                                              "period: a simple plan cannot change it"}});
  json::value& prices =
      plan["phases"].as_array().back().as_object()["recurring"].as_object()["price"];
  if (!prices.is_object()) prices = json::object{};  // a phase priced in no currency yet
  auto& price = prices.as_object();
  if (const json::value* have = price.if_contains(p.currency)) {
    auto amount =
        have->is_string() ? Decimal::parse(have->as_string()) : Result<Decimal>(Decimal());
    if (!amount || *amount != p.amount)
      return unexpected(
          Problems{{"amount", "plan " + p.plan + " exists with another price in " + p.currency}});
    return Ok{};  // the same simple plan again
  }
  price[p.currency] = p.amount.to_string();
  return Ok{};
}

Result<Ok, Problems> add_product(json::object& version, const SimplePlan& p) {
  auto& products = array_at(version, "products");
  std::string category(to_string(p.category));
  if (json::object* product = named(products, p.product)) {
    if (!is_text(product->if_contains("category"), category))
      return unexpected(
          Problems{{"productCategory",
                    "product " + p.product + " exists in another category than " + category}});
    return Ok{};
  }
  json::object product{{"name", p.product}, {"category", category}};
  if (p.category == ProductCategory::add_on && !p.available_for.empty()) {
    json::array bases;
    for (const auto& b : p.available_for) bases.push_back(json::string(b));
    product["available_for"] = std::move(bases);
  }
  products.push_back(std::move(product));
  return Ok{};
}

}  // namespace

Result<std::string, Problems> add_simple_plan(std::string_view catalog_json, const SimplePlan& plan,
                                              const Date& today) {
  json::value doc = json::object{{"name", "simple"},
                                 {"effective_date", to_string(today)},
                                 {"currencies", json::array{}},
                                 {"products", json::array{}},
                                 {"plans", json::array{}}};
  if (!catalog_json.empty()) {
    TOLLGATE_ASSIGN_OR_RETURN(doc, detail::parse_json(catalog_json));
  }
  json::value* latest = &doc;
  if (doc.is_array() && !doc.as_array().empty()) latest = &doc.as_array().back();
  if (!latest->is_object()) {  // not a catalog: say why as the loader would
    if (auto loaded = load_catalog(catalog_json); !loaded) return unexpected(loaded.error());
    return unexpected(Problems{{"$", "not a catalog"}});
  }
  json::object& version = latest->as_object();
  auto& currencies = array_at(version, "currencies");
  if (std::find(currencies.begin(), currencies.end(), json::value(plan.currency)) ==
      currencies.end())
    currencies.push_back(json::string(plan.currency));
  if (auto added = add_product(version, plan); !added) return unexpected(added.error());
  auto& plans = array_at(version, "plans");
  if (json::object* existing = named(plans, plan.plan)) {
    if (auto priced = add_price(*existing, plan); !priced) return unexpected(priced.error());
  } else {
    json::array phases;
    if (plan.trial) phases.push_back(trial_phase(*plan.trial));
    phases.push_back(evergreen_phase(plan));
    plans.push_back(json::object{
        {"name", plan.plan}, {"product", plan.product}, {"phases", std::move(phases)}});
  }
  std::string text = json::serialize(doc);
  if (auto loaded = load_catalog(text); !loaded) return unexpected(loaded.error());
  return text;
}

}  // namespace tollgate
