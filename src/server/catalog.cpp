// Kill Bill's catalog resource: a tenant's catalog uploaded and read as Kill
// Bill's XML (POST/GET /1.0/kb/catalog/xml), read as Kill Bill's catalog JSON
// (GET /1.0/kb/catalog), and the plans a customer may choose
// (availableBasePlans, availableAddons).
//
// The store keeps the catalog JSON either way; XML is translated on the way
// in and written on the way out (tollgate::kill_bill). An XML catalog's
// <rules> are registered for the tenant's default organization, the one an
// account belongs to unless a header names another.

#include <functional>
#include <string>

#include "../core/enum_names.hpp"
#include "api.hpp"
#include "credentials.hpp"
#include "tollgate/simple_plan.hpp"
#ifdef TOLLGATE_SERVER_KILL_BILL_XML
#include "tollgate/kill_bill_catalog.hpp"
#endif

namespace tollgate::server::detail {
namespace {

// The tenant's catalog, as the service keeps it loaded. 404 when it has none.
Result<std::shared_ptr<const Catalog>, Response> tenant_catalog(Server& s, const Ctx& ctx) {
  if (ctx.tenant.catalog_version.empty())
    return unexpected(not_found("no catalog uploaded for this tenant"));
  auto catalog = s.service.catalog(ctx.tenant.catalog_version);
  if (!catalog) return unexpected(failure(catalog.error()));
  return std::move(catalog).value();
}

json::array prices_json(const PriceByCurrency& prices) {
  json::array out;
  for (const auto& [currency, value] : prices)
    out.push_back(json::object{{"currency", currency}, {"value", amount_json(value)}});
  return out;
}

json::object phase_json(const Plan& plan, const Phase& phase) {
  json::object duration;
  if (phase.duration) {
    duration = {{"unit", to_string(phase.duration->unit)}, {"number", phase.duration->length}};
  } else {
    duration = {{"unit", "UNLIMITED"}, {"number", -1}};
  }
  json::array usages;
  for (const auto& u : phase.usages)
    usages.push_back(
        json::object{{"billingPeriod", to_string(u.billing_period)}, {"tiers", json::array{}}});
  return {{"type", to_string(phase.type)},
          {"name", phase_name(plan.name, phase.type)},
          {"prices", phase.recurring ? prices_json(phase.recurring->price) : json::array{}},
          {"fixedPrices", prices_json(phase.fixed)},
          {"duration", std::move(duration)},
          {"usages", std::move(usages)}};
}

json::object plan_json(const Plan& plan) {
  json::array phases;
  BillingMode mode = BillingMode::in_advance;
  for (const auto& phase : plan.phases) {
    phases.push_back(phase_json(plan, phase));
    if (phase.recurring) mode = phase.recurring->billing_mode;
  }
  return {{"name", plan.name},
          {"prettyName", plan.name},
          {"recurringBillingMode", to_string(mode)},
          {"billingPeriod", to_string(billing_period_of(plan))},
          {"phases", std::move(phases)}};
}

json::object product_json(const Catalog& catalog, const Product& product) {
  json::array plans, included, available;
  for (const auto& plan : catalog.plans)
    if (plan.product == product.name) plans.push_back(plan_json(plan));
  if (product.category == ProductCategory::base)
    for (const auto& addon : catalog.products) {
      if (addon.category != ProductCategory::add_on) continue;
      if (addon.included_in_base(product.name)) included.push_back(json::string(addon.name));
      if (addon.available_for_base(product.name)) available.push_back(json::string(addon.name));
    }
  return {{"type", to_string(product.category)}, {"name", product.name},
          {"prettyName", product.name},          {"plans", std::move(plans)},
          {"included", std::move(included)},     {"available", std::move(available)}};
}

json::object price_list_json(const Catalog& catalog, std::string_view name) {
  json::array names;
  for (const auto& plan : catalog.plans)
    if (plan.price_list == name) names.push_back(json::string(plan.name));
  return {{"name", name}, {"plans", std::move(names)}};
}

// Kill Bill's CatalogJson: one version, products with their plans, the price lists.
json::object catalog_json(const Catalog& catalog) {
  json::array products;
  for (const auto& product : catalog.products) products.push_back(product_json(catalog, product));
  json::array currencies;
  for (const auto& c : catalog.currencies) currencies.push_back(json::string(c));
  return {{"name", catalog.name},
          {"effectiveDate", catalog.effective_date
                                ? json::value(to_string(*catalog.effective_date) + "T00:00:00.000Z")
                                : json::value(nullptr)},
          {"currencies", std::move(currencies)},
          {"units", json::array{}},
          {"products", std::move(products)},
          {"priceLists", [&] {
             json::array lists;
             for (const auto& name : catalog.price_lists())
               lists.push_back(price_list_json(catalog, name));
             return lists;
           }()}};
}

// Kill Bill's PlanDetailJson: what availableBasePlans and availableAddons list.
json::object plan_detail(const Plan& plan) {
  const Phase& last = plan.phases.back();
  return {{"product", plan.product},
          {"plan", plan.name},
          {"priceList", price_list_or_null(plan)},
          {"finalPhaseBillingPeriod", to_string(billing_period_of(plan))},
          {"finalPhaseRecurringPrice",
           last.recurring ? prices_json(last.recurring->price) : json::array{}}};
}

json::array plans_of(const Catalog& catalog, const std::function<bool(const Product&)>& keep) {
  json::array out;
  for (const auto& plan : catalog.plans)
    if (keep(catalog.product_of(plan))) out.push_back(plan_detail(plan));
  return out;
}

// The plan (and phase) of a subscription on `requestedDate` (default: today):
// what Kill Bill's …/plan, …/phase, …/product and …/priceList answer.
struct InForce {
  std::shared_ptr<const Catalog> catalogs;  ///< every version: keeps `catalog` alive
  const Catalog* catalog = nullptr;         ///< the version that prices it on the day
  const Plan* plan = nullptr;
  const Phase* phase = nullptr;  ///< nullptr when it is in none (not yet started, ended)
};

Result<InForce, Response> in_force(Server& s, const Ctx& ctx) {
  auto id = ctx.query.get("subscriptionId");
  if (!id || id->empty())
    return unexpected(bad_request("subscriptionId: required query parameter is missing"));
  auto sub = owned(s, ctx, ObjectType::subscription, *id);
  if (!sub) return unexpected(std::move(sub).error());
  auto view = account_view(s, ctx, sub->account_id);
  if (!view) return unexpected(std::move(view).error());
  auto day = requested(ctx, "requestedDate", *view);
  if (!day) return unexpected(std::move(day).error());
  for (const auto& status : view->engine.statuses(*day)) {
    if (status.id != *id) continue;
    InForce out{view->catalog, view->catalog.get(), nullptr, nullptr};
    if (status.catalog_version)
      for (const Catalog* version : view->catalog->versions())
        if (version->effective_date == status.catalog_version) out.catalog = version;
    out.plan = out.catalog->find_plan(status.plan);
    if (!out.plan) break;
    for (const auto& phase : out.plan->phases)
      if (status.phase == phase.type) {
        out.phase = &phase;
        break;
      }
    return out;
  }
  return unexpected(not_found("subscription " + *id + " has no plan on " + to_string(*day)));
}

// What the subscription is on, answered by `respond`; the lookup's error as it is.
template <class Respond>
Response answer_in_force(Server& s, const Ctx& ctx, Respond respond) {
  auto f = in_force(s, ctx);
  if (!f) return std::move(f).error();
  return respond(*f);
}

}  // namespace

Response plan_for_subscription(Server& s, Ctx& ctx) {
  return answer_in_force(s, ctx,
                         [](const InForce& f) { return json_response(200, plan_json(*f.plan)); });
}

Response phase_for_subscription(Server& s, Ctx& ctx) {
  return answer_in_force(s, ctx, [](const InForce& f) {
    if (!f.phase) return not_found("the subscription is in no phase on that date");
    return json_response(200, phase_json(*f.plan, *f.phase));
  });
}

Response product_for_subscription(Server& s, Ctx& ctx) {
  return answer_in_force(s, ctx, [](const InForce& f) {
    return json_response(200, product_json(*f.catalog, f.catalog->product_of(*f.plan)));
  });
}

Response price_list_for_subscription(Server& s, Ctx& ctx) {
  return answer_in_force(s, ctx, [](const InForce& f) {
    if (f.plan->price_list.empty()) return not_found("the subscription's plan is in no price list");
    return json_response(200, price_list_json(*f.catalog, f.plan->price_list));
  });
}

// Kill Bill's "delete all versions of the tenant's catalog": from now on the
// tenant has none, and new accounts wait for one as before the first upload.
// Accounts already bound go on billing from the version they were bound to
// (their invoices were made from it), and the organization's rules stay
// registered: Tollgate keeps them per organization, not in the catalog.
Response delete_catalog(Server& s, Ctx& ctx) {
  if (auto cleared = s.tenants.set_catalog_version(ctx.tenant.id, ""); !cleared)
    return failure(cleared.error());
  return no_content();
}

namespace {

// Makes `document` the tenant's catalog. Its accounts move with it (a version
// added, or a plan added to the latest one, leaves what they were billed by
// as it was) and are looked at again by the next run. Everything is validated
// before this; the tenant's pointer moves last, so a failed write leaves the
// tenant as it was.
Result<std::string, Response> install_catalog(Server& s, const Ctx& ctx,
                                              const std::string& document) {
  std::string version = ctx.tenant.id + "/" + sha256_hex(document).substr(0, 16);
  if (auto stored = s.billing.put_catalog(version, document); !stored)
    return unexpected(failure(stored.error()));
  if (!ctx.tenant.catalog_version.empty() && ctx.tenant.catalog_version != version) {
    Date today(date::floor<date::days>(ctx.now));
    if (auto moved = s.billing.move_accounts_to_catalog(ctx.tenant.catalog_version, version, today);
        !moved)
      return unexpected(failure(moved.error()));
  }
  return version;
}

Result<Ok, Response> point_tenant_at(Server& s, const Ctx& ctx, const std::string& version) {
  if (auto set = s.tenants.set_catalog_version(ctx.tenant.id, version); !set)
    return unexpected(failure(set.error()));
  return Ok{};
}

// Kill Bill's SimplePlanJson, every field by name.
Result<SimplePlan, Response> read_simple_plan(const Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return unexpected(std::move(body).error());
  Problems problems;
  ObjectReader r(*body, "$", problems);
  SimplePlan p;
  p.plan = r.string("planId", true).value_or("");
  p.product = r.string("productName", true).value_or("");
  p.category = r.enumeration("productCategory", tollgate::detail::kProductCategories)
                   .value_or(ProductCategory::base);
  p.currency = r.string("currency", true).value_or("");
  if (const json::value* amount = r.field("amount", true))
    p.amount = read_amount(*amount, "amount", problems).value_or(Decimal());
  p.billing_period = r.enumeration("billingPeriod", tollgate::detail::kBillingPeriods, true)
                         .value_or(BillingPeriod::monthly);
  static constexpr tollgate::detail::EnumName<std::optional<TimeUnit>> kTrialUnits[] = {
      {"DAYS", TimeUnit::days},
      {"WEEKS", TimeUnit::weeks},
      {"MONTHS", TimeUnit::months},
      {"YEARS", TimeUnit::years},
      {"UNLIMITED", std::nullopt}};
  auto length = r.integer("trialLength", false, 0, 10000).value_or(0);
  auto unit = r.enumeration("trialTimeUnit", kTrialUnits).value_or(TimeUnit::days);
  if (length > 0) {
    if (!unit)
      r.problem("trialTimeUnit", "a trial of " + std::to_string(length) + " cannot be UNLIMITED");
    else
      p.trial = Duration{*unit, static_cast<int>(length)};
  }
  if (const json::array* bases = r.array("availableBaseProducts"))
    for (std::size_t i = 0; i < bases->size(); ++i) {
      if ((*bases)[i].is_string())
        p.available_for.emplace_back((*bases)[i].as_string());
      else
        problems.push_back(
            {tollgate::detail::path_index("availableBaseProducts", i), "must be a product name"});
    }
  r.reject_unknown_fields();
  if (auto bad = problems_response(problems)) return unexpected(std::move(*bad));
  return p;
}

}  // namespace

// Kill Bill's POST /1.0/kb/catalog/simplePlan: the plan added to the latest
// version of the tenant's catalog (a first catalog made for it).
Response post_simple_plan(Server& s, Ctx& ctx) {
  auto plan = read_simple_plan(ctx);
  if (!plan) return std::move(plan).error();
  std::string current;
  if (!ctx.tenant.catalog_version.empty()) {
    auto text = s.billing.catalog_json(ctx.tenant.catalog_version);
    if (!text) return failure(text.error());
    current = std::move(text).value();
  }
  auto document = tollgate::add_simple_plan(current, *plan, Date(date::floor<date::days>(ctx.now)));
  if (!document)
    return bad_request("the plan cannot be added to the tenant's catalog", document.error());
  auto version = install_catalog(s, ctx, *document);
  if (!version) return std::move(version).error();
  if (auto set = point_tenant_at(s, ctx, *version); !set) return std::move(set).error();
  return created(ctx, "/1.0/kb/catalog");
}

namespace {

// The version a catalog read asks for: the one in force on `requestedDate`
// (UTC, as Kill Bill's catalog dates are), or nullptr for every version.
Result<const Catalog*, Response> requested_version(const Ctx& ctx, const Catalog& catalog) {
  auto text = ctx.query.get("requestedDate");
  if (!text || text->empty()) return static_cast<const Catalog*>(nullptr);
  auto utc = TimeZone::locate("UTC");
  if (!utc) return unexpected(failure(utc.error()));
  auto day = parse_kb_date(*text, "requestedDate", *utc);
  if (!day) return unexpected(std::move(day).error());
  return &catalog.version_at(*day);
}

}  // namespace

// Kill Bill's catalog JSON: one entry a version, oldest first; the one in
// force on requestedDate when it is given.
Response get_kill_bill_catalog(Server& s, Ctx& ctx) {
  auto catalog = tenant_catalog(s, ctx);
  if (!catalog) return std::move(catalog).error();
  auto one = requested_version(ctx, **catalog);
  if (!one) return std::move(one).error();
  json::array versions;
  for (const Catalog* version : (*catalog)->versions())
    if (!*one || *one == version) versions.push_back(catalog_json(*version));
  return json_response(200, std::move(versions));
}

// Kill Bill's GET /1.0/kb/catalog/versions: the versions' effective dates.
Response catalog_versions(Server& s, Ctx& ctx) {
  auto catalog = tenant_catalog(s, ctx);
  if (!catalog) return std::move(catalog).error();
  json::array dates;
  for (const Catalog* version : (*catalog)->versions())
    dates.push_back(version->effective_date
                        ? json::value(to_string(*version->effective_date) + "T00:00:00.000Z")
                        : json::value(nullptr));
  return json_response(200, std::move(dates));
}

Response available_base_plans(Server& s, Ctx& ctx) {
  auto catalog = tenant_catalog(s, ctx);
  if (!catalog) return std::move(catalog).error();
  return json_response(200, plans_of(**catalog, [](const Product& p) {
                         return p.category == ProductCategory::base;
                       }));
}

Response available_addons(Server& s, Ctx& ctx) {
  auto base = ctx.query.get("baseProductName");
  if (!base || base->empty())
    return bad_request("baseProductName: required query parameter is missing");
  auto catalog = tenant_catalog(s, ctx);
  if (!catalog) return std::move(catalog).error();
  const Product* product = (*catalog)->find_product(*base);
  if (!product || product->category != ProductCategory::base)
    return bad_request("baseProductName: \"" + *base + "\" is not a BASE product of the catalog");
  return json_response(200, plans_of(**catalog, [&](const Product& p) {
                         return p.category == ProductCategory::add_on &&
                                p.available_for_base(*base);
                       }));
}

#ifdef TOLLGATE_SERVER_KILL_BILL_XML

Response upload_catalog_xml(Server& s, Ctx& ctx) {
  auto read = load_kill_bill_catalog(ctx.request.body);
  if (!read) return bad_request("the catalog is not one Tollgate can bill from", read.error());
  // Each upload is a version of the tenant's catalog, as in Kill Bill: the
  // document stored holds every version so far, and the tenant's accounts
  // move to it (their subscriptions keep the versions they were priced by).
  std::string document = read->catalog_json;
  if (!ctx.tenant.catalog_version.empty()) {
    auto current = s.billing.catalog_json(ctx.tenant.catalog_version);
    if (!current) return failure(current.error());
    auto versions = add_catalog_version(*current, read->catalog_json);
    if (!versions)
      return bad_request("the catalog cannot be added as a version of the tenant's catalog",
                         versions.error());
    document = std::move(versions).value();
  }
  auto version = install_catalog(s, ctx, document);
  if (!version) return std::move(version).error();
  if (read->rules_json != "{}") {
    OrganizationKey org{kDefaultOrganization, ctx.tenant.id};
    if (auto id = s.billing.register_rules(org, read->rules_json, ctx.now); !id)
      return failure(id.error());
  }
  if (auto set = point_tenant_at(s, ctx, *version); !set) return std::move(set).error();
  return created(ctx, "/1.0/kb/catalog/xml");
}

// Kill Bill's CatalogValidation: 200 either way, the problems listed (none:
// the catalog would be taken). Nothing is stored.
Response validate_catalog_xml(Server&, Ctx& ctx) {
  json::array errors;
  if (auto read = load_kill_bill_catalog(ctx.request.body); !read)
    for (const auto& p : read.error())
      errors.push_back(json::object{{"errorDescription", to_string(p)}});
  return json_response(200, json::object{{"catalogValidationErrors", std::move(errors)}});
}

Response get_catalog_xml(Server& s, Ctx& ctx) {
  auto catalog = tenant_catalog(s, ctx);
  if (!catalog) return std::move(catalog).error();
  auto book = s.billing.rule_book();
  if (!book) return failure(book.error());
  const RuleSet& rules = book->in_force({kDefaultOrganization, ctx.tenant.id}, ctx.now);
  // Kill Bill's versioned catalog (<catalogs>): every version, or with
  // requestedDate the one in force that day, alone in it.
  auto one = requested_version(ctx, **catalog);
  if (!one) return std::move(one).error();
  Catalog alone;
  if (*one) {
    alone = **one;
    alone.earlier_versions.clear();
  }
  auto xml = to_kill_bill_versions_xml(*one ? alone : **catalog, rules);
  if (!xml)
    return failure(409, "catalog.not_kill_bill",
                   "the tenant's catalog has what Kill Bill's XML cannot say (read it as JSON: "
                   "GET /1.0/tollgate/catalog)",
                   xml.error());
  return Response{200, {{"Content-Type", "text/xml"}}, *xml};
}

#else

Response upload_catalog_xml(Server&, Ctx&) {
  return failure(501, "server.not_built", "this server was built without Kill Bill XML catalogs");
}
Response get_catalog_xml(Server&, Ctx&) {
  return failure(501, "server.not_built", "this server was built without Kill Bill XML catalogs");
}
Response validate_catalog_xml(Server&, Ctx&) {
  return failure(501, "server.not_built", "this server was built without Kill Bill XML catalogs");
}

#endif

}  // namespace tollgate::server::detail
