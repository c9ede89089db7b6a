// Bundles and subscriptions: Kill Bill's entitlement API on the billing engine.
//
// A bundle is a BASE subscription with its add-ons (or one STANDALONE
// subscription); the engine knows the add-ons by their base, the server keeps
// the bundle's id and external key.

#include <algorithm>

#include "api.hpp"
#include "credentials.hpp"

namespace tollgate::server::detail {
namespace {

struct SubscriptionFields {
  std::string path;
  std::optional<std::string> account_id, bundle_id, bundle_external_key, external_key;
  std::optional<std::string> plan_name, product_name, billing_period, price_list;
  std::optional<std::int64_t> bill_cycle_day;
};

// Kill Bill's Subscription fields that describe state: accepted in a body (a
// client may send back what it read) and ignored.
constexpr std::string_view kStateFields[] = {"subscriptionId",
                                             "startDate",
                                             "productCategory",
                                             "phaseType",
                                             "state",
                                             "sourceType",
                                             "cancelledDate",
                                             "chargedThroughDate",
                                             "billingStartDate",
                                             "billingEndDate",
                                             "quantity",
                                             "events",
                                             "prices",
                                             "auditLogs"};

SubscriptionFields read_subscription(const json::value& v, const std::string& path,
                                     Problems& problems) {
  ObjectReader r(v, path, problems);
  SubscriptionFields f;
  f.path = path;
  f.account_id = r.string("accountId");
  f.bundle_id = r.string("bundleId");
  f.bundle_external_key = r.text("bundleExternalKey");
  f.external_key = r.text("externalKey");
  f.plan_name = r.string("planName");
  f.product_name = r.string("productName");
  f.billing_period = r.string("billingPeriod");
  f.price_list = r.string("priceList");
  f.bill_cycle_day = r.integer("billCycleDayLocal", false, 0, 31);
  if (const auto* overrides = r.field("priceOverrides");
      overrides && !(overrides->is_array() && overrides->get_array().empty()))
    r.problem("priceOverrides", "price overrides are not supported: put the price in the catalog");
  for (auto name : kStateFields) r.field(name);
  r.reject_unknown_fields();
  return f;
}

/// The plan a body names: planName, or productName and billingPeriod in its
/// priceList (Kill Bill's lookup: DEFAULT's plan when that list has none).
/// For a change (`from` and `rules` given), a body that names no priceList
/// moves to the list the catalog's priceList rules pick for the plan it leaves.
const Plan* resolve_plan(const Catalog& catalog, const SubscriptionFields& f, Problems& problems,
                         const Plan* from = nullptr, const RuleSet* rules = nullptr) {
  auto at = [&](std::string_view key) { return tollgate::detail::path_join(f.path, key); };
  if (f.plan_name) {
    // A plan a later version retired is still taken by name, from the latest
    // version that sells it, as Kill Bill's lookup walks back to it.
    if (const Plan* p = find_plan_in_versions(catalog, *f.plan_name).plan) return p;
    problems.push_back({at("planName"), "unknown plan \"" + *f.plan_name + "\""});
    return nullptr;
  }
  if (!f.product_name || !f.billing_period) {
    problems.push_back({at("planName"), "name a plan, or a productName and a billingPeriod"});
    return nullptr;
  }
  auto period = billing_period_from_string(*f.billing_period);
  if (!period) {
    problems.push_back({at("billingPeriod"), "unknown value \"" + *f.billing_period + "\""});
    return nullptr;
  }
  if (f.price_list) {
    auto lists = catalog.price_lists();
    if (std::find(lists.begin(), lists.end(), *f.price_list) == lists.end()) {
      problems.push_back({at("priceList"), "unknown price list \"" + *f.price_list + "\""});
      return nullptr;
    }
  }
  auto plan = from && rules
                  ? plan_for_change(catalog, *rules, *from, *f.product_name, *period,
                                    f.price_list ? std::optional<std::string_view>(*f.price_list)
                                                 : std::nullopt)
                  : catalog.plan_for(*f.product_name, *period,
                                     f.price_list.value_or(std::string(kDefaultPriceList)));
  if (plan) return *plan;
  problems.push_back({at("productName"), plan.error().message});
  return nullptr;
}

/// A plan's product category, read in the version that sells the plan: a
/// product a later version retired with its plan is only there.
ProductCategory category_of(const Catalog& catalog, const Plan& plan) {
  auto [version, found] = find_plan_in_versions(catalog, plan.name);
  return (found == &plan ? *version : catalog).product_of(plan).category;
}

const char* state_name(SubscriptionState s) {
  switch (s) {
    case SubscriptionState::pending:
      return "PENDING";
    case SubscriptionState::active:
      return "ACTIVE";
    case SubscriptionState::blocked:
    case SubscriptionState::paused:
      return "BLOCKED";
    case SubscriptionState::cancelled:
      return "CANCELLED";
  }
  return "ACTIVE";
}

Result<std::optional<Date>, Response> entitlement_date(const Ctx& ctx, const TimeZone& zone) {
  auto ent = ctx.query.get("entitlementDate");
  auto bill = ctx.query.get("billingDate");
  if (ent && bill && *ent != *bill)
    return unexpected(bad_request(
        "billingDate: must equal entitlementDate (Tollgate starts entitlement and billing "
        "together)"));
  auto text = ent ? ent : bill;
  if (!text || text->empty()) return std::optional<Date>{};
  TOLLGATE_ASSIGN_OR_RETURN(auto d,
                            parse_kb_date(*text, ent ? "entitlementDate" : "billingDate", zone));
  return std::optional(d);
}

std::string midnight(const Date& d) {
  return to_string(d) + "T00:00:00.000Z";
}

Result<OwnedObject, Response> owned_bundle_for(Server& s, const Ctx& ctx,
                                               const SubscriptionFields& f) {
  if (f.bundle_id) return owned(s, ctx, ObjectType::bundle, *f.bundle_id);
  auto b = s.tenants.object_by_key(ctx.tenant.id, ObjectType::bundle, *f.bundle_external_key);
  if (!b) return unexpected(not_found("Bundle does not exist for key " + *f.bundle_external_key));
  return std::move(b).value();
}

/// Creates one subscription of a request (in its transaction), under the
/// account's catalog. `bundle` is the bundle an add-on joins; when empty, a
/// BASE or STANDALONE subscription makes a new one and leaves it there. A
/// taken external key is the store's conflict (409), which rolls the request back.
Result<OwnedObject, Response> create_one(Server& s, Ctx& ctx, const SubscriptionFields& f,
                                         const OwnedObject& account, const Catalog& catalog,
                                         std::optional<OwnedObject>& bundle, const Date& on) {
  Problems problems;
  const Plan* plan = resolve_plan(catalog, f, problems);
  if (auto bad = problems_response(problems)) return unexpected(*bad);
  ProductCategory category = category_of(catalog, *plan);

  Operation op;
  op.date = on;
  op.type = OperationType::create;
  op.subscription = uuid4();
  op.plan = plan->name;
  if (category == ProductCategory::add_on) {
    if (!bundle)
      return unexpected(bad_request(f.path + ": an ADD_ON subscription names its bundle "
                                             "(bundleId or bundleExternalKey)"));
    if (bundle->name.empty())
      return unexpected(
          bad_request(f.path + ": bundle " + bundle->id + " has no BASE subscription"));
    op.base = bundle->name;
  } else {
    if (bundle)
      return unexpected(bad_request(f.path + ": a " + std::string(to_string(category)) +
                                    " subscription starts its own bundle; bundle " + bundle->id +
                                    " already has one"));
    std::string key = f.bundle_external_key.value_or(f.external_key.value_or(""));
    bundle = OwnedObject{.id = uuid4(),
                         .tenant_id = ctx.tenant.id,
                         .type = ObjectType::bundle,
                         .account_id = account.id,
                         .bundle_id = "",
                         .external_key = key,
                         .name = category == ProductCategory::base ? op.subscription : "",
                         .email = "",
                         .created_at = ctx.now};
    if (auto p = s.tenants.put_object(*bundle); !p) return unexpected(failure(p.error()));
    if (auto a = s.tenants.append_audit(ctx.tenant.id,
                                        ctx.audit(ObjectType::bundle, bundle->id, "INSERT"));
        !a)
      return unexpected(failure(a.error()));
  }
  if (auto a = apply(s, ctx, account.id, op, ObjectType::subscription, op.subscription, "INSERT");
      !a)
    return unexpected(std::move(a).error());
  OwnedObject sub{op.subscription,
                  ctx.tenant.id,
                  ObjectType::subscription,
                  account.id,
                  bundle->id,
                  f.external_key.value_or(""),
                  "",
                  "",
                  ctx.now};
  if (auto p = s.tenants.put_object(sub); !p) return unexpected(failure(p.error()));
  return sub;
}

/// The account a subscription body is for: its bundle's, or accountId's.
Result<OwnedObject, Response> account_for(Server& s, Ctx& ctx, const SubscriptionFields& f,
                                          std::optional<OwnedObject>& bundle) {
  if (f.bundle_id || f.bundle_external_key) {
    auto b = owned_bundle_for(s, ctx, f);
    // A new bundle's external key: only an ADD_ON must find an existing bundle.
    if (b)
      bundle = std::move(b).value();
    else if (f.bundle_id)
      return unexpected(std::move(b).error());
  }
  std::string account_id = bundle ? bundle->account_id : f.account_id.value_or("");
  if (account_id.empty())
    return unexpected(bad_request(
        f.path + ": accountId is required",
        {{tollgate::detail::path_join(f.path, "accountId"), "required field is missing"}}));
  return owned(s, ctx, ObjectType::account, account_id);
}

Result<OwnedObject, Response> owned_subscription(Server& s, const Ctx& ctx) {
  return owned(s, ctx, ObjectType::subscription, ctx.param("subscriptionId"));
}

/// Whether a blocking state in force on the subscription or its bundle blocks changes.
Result<bool, Response> change_blocked(Server& s, const Ctx& ctx, const OwnedObject& sub) {
  for (const auto& id : {sub.id, sub.bundle_id}) {
    auto states = s.tenants.blocking_states_of(ctx.tenant.id, id);
    if (!states) return unexpected(failure(states.error()));
    if (!states->empty() && states->back().block_change) return true;
  }
  return false;
}

/// An operation asked for a date after `today` is journaled today, effective
/// on its date (Operation::effective).
void dated_later(Operation& op, const Date& today) {
  if (!(today < op.date)) return;
  op.effective = op.date;
  op.date = today;
}

/// One operation on an existing subscription, dated by `date_name` (or today).
Response operate(
    Server& s, Ctx& ctx, OperationType type, std::string_view date_name,
    const std::function<std::optional<Response>(Operation&, const AccountView&)>& fill) {
  auto sub = owned_subscription(s, ctx);
  if (!sub) return std::move(sub).error();
  auto view = account_view(s, ctx, sub->account_id);
  if (!view) return std::move(view).error();
  auto on = requested(ctx, date_name, *view);
  if (!on) return std::move(on).error();
  Operation op;
  op.date = *on;
  op.type = type;
  op.subscription = sub->id;
  // A change, cancel or BCD change requested for a later date is made today
  // and waits for its date: until then it can be undone, and today's other
  // operations go on.
  if (type == OperationType::change || type == OperationType::cancel ||
      type == OperationType::bill_cycle_day)
    dated_later(op, today_for(*view));
  if (auto bad = fill(op, *view)) return *bad;
  if (auto a = apply(s, ctx, sub->account_id, op, ObjectType::subscription, sub->id, "UPDATE"); !a)
    return std::move(a).error();
  return no_content();
}

/// Pauses or resumes a bundle: its BASE subscription (the add-ons follow) or its STANDALONE one.
struct BundleFields {
  std::optional<std::string> account_id, external_key;
};

/// A Bundle body: the fields a transfer or a rename reads (the rest is state, ignored).
Result<BundleFields, Response> read_bundle(const Ctx& ctx, bool need_account, bool need_key) {
  TOLLGATE_ASSIGN_OR_RETURN(auto body, parse_body(ctx));
  Problems problems;
  ObjectReader r(body, "$", problems);
  BundleFields f{r.string("accountId", need_account), r.text("externalKey", need_key)};
  accept_fields(r, {"bundleId", "subscriptions", "timeline", "auditLogs"});
  r.reject_unknown_fields();
  if (auto bad = problems_response(problems)) return unexpected(*bad);
  return f;
}

/// What acts for a bundle in the engine: its BASE subscription (the add-ons
/// follow it), or the STANDALONE one.
Result<std::string, Response> bundle_subject(Server& s, const Ctx& ctx, const OwnedObject& bundle) {
  if (!bundle.name.empty()) return bundle.name;
  auto subs = s.tenants.objects(ctx.tenant.id, ObjectType::subscription,
                                TenantStore::Query::of_bundle(bundle.id));
  if (!subs) return unexpected(failure(subs.error()));
  if (subs->empty()) return unexpected(bad_request("bundle " + bundle.id + " has no subscription"));
  return subs->front().id;
}

Result<Ok, Response> pause_or_resume(Server& s, Ctx& ctx, const OwnedObject& bundle,
                                     OperationType type, const Date& on, const Date& today) {
  TOLLGATE_ASSIGN_OR_RETURN(auto subject, bundle_subject(s, ctx, bundle));
  Operation op;
  op.date = on;
  op.type = type;
  op.subscription = subject;
  dated_later(op, today);
  return apply(s, ctx, bundle.account_id, op, ObjectType::bundle, bundle.id, "UPDATE");
}

Response bundle_response(Server& s, Ctx& ctx, const OwnedObject& b) {
  auto j = bundle_json(s, ctx, b);
  if (!j) return std::move(j).error();
  return json_response(200, *j);
}

// A page of the tenant's bundles, or of those `search` finds.
Response bundle_list(Server& s, Ctx& ctx, const std::optional<std::string>& search) {
  AccountViews views;  // one replay per account, however many of its bundles are listed
  return object_list(s, ctx, ObjectType::bundle, search,
                     [&](const OwnedObject& b) -> Result<json::value, Response> {
                       TOLLGATE_ASSIGN_OR_RETURN(auto j, bundle_json(s, ctx, b, &views));
                       return json::value(std::move(j));
                     });
}

/// Blocks or unblocks a bundle or a subscription: a state that blocks
/// entitlement or billing pauses it, one that blocks neither resumes it.
Response block(Server& s, Ctx& ctx, const OwnedObject& target, const OwnedObject& bundle) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  BlockingState b;
  b.object_id = target.id;
  b.object_type = target.type;
  b.state_name = r.string("stateName", true).value_or("");
  b.service = r.string("service").value_or("tollgate");
  b.block_change = r.boolean("isBlockChange").value_or(false);
  b.block_entitlement = r.boolean("isBlockEntitlement").value_or(false);
  b.block_billing = r.boolean("isBlockBilling").value_or(false);
  accept_fields(r, {"blockedId", "effectiveDate", "type", "auditLogs"});
  r.reject_unknown_fields();
  if (auto bad = problems_response(problems)) return *bad;
  auto view = account_view(s, ctx, target.account_id);
  if (!view) return std::move(view).error();
  auto on = requested(ctx, "requestedDate", *view);
  if (!on) return std::move(on).error();
  b.effective = *on;

  std::string subject = target.id;
  if (target.type == ObjectType::bundle) {
    auto chosen = bundle_subject(s, ctx, bundle);
    if (!chosen) return std::move(chosen).error();
    subject = *chosen;
  }
  bool paused = false;
  for (const auto& st : view->engine.statuses(*on))
    if (st.id == subject) paused = st.state == SubscriptionState::paused;
  bool block_service = b.block_entitlement || b.block_billing;
  if (block_service != paused) {
    Operation op;
    op.date = *on;
    op.type = block_service ? OperationType::pause : OperationType::resume;
    op.subscription = subject;
    dated_later(op, today_for(*view));
    if (auto a = apply(s, ctx, target.account_id, op, target.type, target.id, "UPDATE"); !a)
      return std::move(a).error();
  }
  if (auto a = s.tenants.add_blocking_state(ctx.tenant.id, b); !a) return failure(a.error());
  return created(ctx, "/1.0/kb/accounts/" + target.account_id + "/block");
}

// A stable id for an event (Kill Bill's clients read eventId as a UUID): the
// same subscription, event and date always get the same one.
std::string event_id(const std::string& subscription, std::size_t index,
                     const SubscriptionEvent& e) {
  std::string h = sha256_hex(subscription + "/" + std::to_string(index) + "/" +
                             std::string(to_string(e.type)) + "/" + to_string(e.effective));
  h[12] = '5';  // name-based, as a version-5 UUID is
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

// Kill Bill's service and state names for each kind of event.
std::pair<std::string_view, std::string_view> service_of(SubscriptionEventType t) {
  using T = SubscriptionEventType;
  switch (t) {
    case T::start_entitlement:
      return {"entitlement-service", "ENT_STARTED"};
    case T::start_billing:
      return {"billing-service", "START_BILLING"};
    case T::phase:
      return {"entitlement+billing-service", "PHASE"};
    case T::change:
      return {"entitlement+billing-service", "CHANGE"};
    case T::pause_entitlement:
      return {"entitlement-service", "ENT_BLOCKED"};
    case T::pause_billing:
      return {"billing-service", "BLOCK_BILLING"};
    case T::resume_entitlement:
      return {"entitlement-service", "ENT_CLEAR"};
    case T::resume_billing:
      return {"billing-service", "UNBLOCK_BILLING"};
    case T::stop_entitlement:
      return {"entitlement-service", "ENT_CANCELLED"};
    case T::stop_billing:
      return {"billing-service", "STOP_BILLING"};
  }
  return {"", ""};
}

}  // namespace

namespace {

// Kill Bill's catalogEffectiveDate of an event: the catalog version that
// prices the subscription on the event's day (the plan's own version, or the
// catalog's only one, when the engine names none).
json::value catalog_effective_date(const AccountView& view, const std::string& subscription,
                                   const Date& on, const Catalog* version) {
  std::optional<Date> effective;
  for (const auto& st : view.engine.statuses(on))
    if (st.id == subscription) effective = st.catalog_version;
  if (!effective && version) effective = version->effective_date;
  return effective ? json::value(to_string(*effective) + "T00:00:00.000Z") : json::value(nullptr);
}

}  // namespace

json::array events_json(const AccountView& view, const std::string& subscription) {
  using T = SubscriptionEventType;
  json::array out;
  auto events = view.engine.events(subscription);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    auto [version, plan] = find_plan_in_versions(*view.catalog, e.plan);
    auto [service, state] = service_of(e.type);
    out.push_back(json::object{
        {"eventId", event_id(subscription, i, e)},
        {"billingPeriod", plan ? json::value(to_string(billing_period_of(*plan))) : nullptr},
        {"effectiveDate", to_string(e.effective)},
        {"catalogEffectiveDate", catalog_effective_date(view, subscription, e.effective, version)},
        {"plan", e.plan},
        {"product", plan ? json::value(version->product_of(*plan).name) : nullptr},
        {"priceList", plan ? price_list_or_null(*plan) : nullptr},
        {"eventType", to_string(e.type)},
        {"isBlockedBilling", e.type == T::pause_billing},
        {"isBlockedEntitlement", e.type == T::pause_entitlement},
        {"serviceName", service},
        {"serviceStateName", state},
        {"phase", e.phase ? json::value(phase_name(e.plan, *e.phase)) : nullptr},
        {"auditLogs", json::array{}}});
  }
  return out;
}

json::object subscription_json(const AccountView& view, const OwnedObject& sub) {
  json::object j{{"accountId", sub.account_id},
                 {"bundleId", sub.bundle_id},
                 {"subscriptionId", sub.id},
                 {"externalKey", text_or_null(sub.external_key)},
                 {"priceList", "DEFAULT"},
                 {"sourceType", "NATIVE"},
                 {"quantity", 1},
                 {"events", events_json(view, sub.id)},
                 {"priceOverrides", nullptr},
                 {"prices", json::array{}},
                 {"auditLogs", json::array{}}};
  for (const auto& st : view.engine.statuses(view.today)) {
    if (st.id != sub.id) continue;
    auto [version, plan] = find_plan_in_versions(*view.catalog, st.plan);
    if (plan) {
      const Product& product = version->product_of(*plan);
      j["productName"] = product.name;
      j["productCategory"] = to_string(product.category);
      j["billingPeriod"] = to_string(billing_period_of(*plan));
      j["priceList"] = price_list_or_null(*plan);
    }
    j["planName"] = st.plan;
    j["phaseType"] = st.phase ? json::value(to_string(*st.phase)) : json::value(nullptr);
    j["state"] = state_name(st.state);
    j["startDate"] = midnight(st.start_date);
    j["billingStartDate"] = j["startDate"];
    j["cancelledDate"] =
        st.cancelled_date ? json::value(midnight(*st.cancelled_date)) : json::value(nullptr);
    j["billingEndDate"] = j["cancelledDate"];
    j["chargedThroughDate"] = date_or_null(st.charged_through);
    j["billCycleDayLocal"] = view.engine.account().bill_cycle_day.value_or(0);
  }
  return j;
}

Result<json::object, Response> bundle_json(Server& s, const Ctx& ctx, const OwnedObject& bundle,
                                           AccountViews* views) {
  auto subs = s.tenants.objects(ctx.tenant.id, ObjectType::subscription,
                                TenantStore::Query::of_bundle(bundle.id));
  if (!subs) return unexpected(failure(subs.error()));
  AccountViews own;
  if (!views) views = &own;
  auto it = views->find(bundle.account_id);
  if (it == views->end()) {
    TOLLGATE_ASSIGN_OR_RETURN(auto view, account_view(s, ctx, bundle.account_id));
    it = views->emplace(bundle.account_id, std::move(view)).first;
  }
  json::array list;
  json::array timeline;  // the bundle's events: its subscriptions', by date
  for (const auto& sub : *subs) {
    list.push_back(subscription_json(it->second, sub));
    for (auto& e : list.back().as_object().at("events").as_array()) timeline.push_back(e);
  }
  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const json::value& a, const json::value& b) {
                     return a.at("effectiveDate").as_string() < b.at("effectiveDate").as_string();
                   });
  return json::object{{"accountId", bundle.account_id},
                      {"bundleId", bundle.id},
                      {"externalKey", bundle.external_key},
                      {"subscriptions", std::move(list)},
                      {"timeline", json::object{{"accountId", bundle.account_id},
                                                {"bundleId", bundle.id},
                                                {"externalKey", bundle.external_key},
                                                {"events", std::move(timeline)},
                                                {"auditLogs", json::array{}}}},
                      {"auditLogs", json::array{}}};
}

// --- subscriptions --------------------------------------------------------------------

Response create_subscription(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  auto f = read_subscription(*body, "$", problems);
  if (auto bad = problems_response(problems)) return *bad;
  std::optional<OwnedObject> bundle;
  auto account = account_for(s, ctx, f, bundle);
  if (!account) return std::move(account).error();
  auto view = account_view(s, ctx, account->id);
  if (!view) return std::move(view).error();
  auto on = entitlement_date(ctx, view->zone);
  if (!on) return std::move(on).error();
  // Add-ons join their bundle; a BASE subscription with a bundle key that exists is refused.
  Problems plan_problems;
  const Plan* plan = resolve_plan(*view->catalog, f, plan_problems);
  if (auto bad = problems_response(plan_problems)) return *bad;
  bool add_on = category_of(*view->catalog, *plan) == ProductCategory::add_on;
  if (!add_on && !f.bundle_id) bundle.reset();  // a taken key is the store's conflict
  auto sub =
      create_one(s, ctx, f, *account, *view->catalog, bundle, on->value_or(today_for(*view)));
  if (!sub) return std::move(sub).error();
  return created(ctx, "/1.0/kb/subscriptions/" + sub->id);
}

namespace {

/// Creates one bundle's subscriptions (the BASE first); returns the bundle id.
Result<std::string, Response> create_bundle(Server& s, Ctx& ctx, const json::array& entries,
                                            const std::string& path) {
  if (entries.empty()) return unexpected(bad_request(path + ": at least one subscription"));
  Problems problems;
  std::vector<SubscriptionFields> fields;
  for (std::size_t i = 0; i < entries.size(); ++i)
    fields.push_back(
        read_subscription(entries[i], tollgate::detail::path_index(path, i), problems));
  if (auto bad = problems_response(problems)) return unexpected(*bad);
  std::optional<OwnedObject> existing;
  TOLLGATE_ASSIGN_OR_RETURN(auto account, account_for(s, ctx, fields.front(), existing));
  TOLLGATE_ASSIGN_OR_RETURN(auto view, account_view(s, ctx, account.id));
  TOLLGATE_ASSIGN_OR_RETURN(auto on, entitlement_date(ctx, view.zone));
  Date date = on.value_or(today_for(view));
  // The BASE (or STANDALONE) entry starts the bundle, wherever it is in the list.
  const Catalog& catalog = *view.catalog;
  std::vector<std::size_t> order;
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t i = 0; i < fields.size(); ++i) {
      Problems ignored;  // create_one reports them
      const Plan* p = resolve_plan(catalog, fields[i], ignored);
      bool add_on = p && category_of(catalog, *p) == ProductCategory::add_on;
      if (add_on == (pass == 1)) order.push_back(i);
    }
  std::optional<OwnedObject> bundle;
  for (std::size_t i : order)
    TOLLGATE_RETURN_IF_ERROR(create_one(s, ctx, fields[i], account, catalog, bundle, date));
  return bundle->id;
}

}  // namespace

Response create_subscription_with_addons(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  if (!body->is_array()) return bad_request("$: must be an array of subscriptions");
  auto bundle = create_bundle(s, ctx, body->get_array(), "$");
  if (!bundle) return std::move(bundle).error();
  return created(ctx, "/1.0/kb/bundles/" + *bundle);
}

Response create_subscriptions_with_addons(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  if (!body->is_array() || body->get_array().empty())
    return bad_request("$: must be a non-empty array of BulkSubscriptionsBundle");
  std::vector<std::string> ids;
  std::string account_id;
  Problems problems;
  for (std::size_t i = 0; i < body->get_array().size(); ++i) {
    std::string path = tollgate::detail::path_index("$", i);
    ObjectReader r(body->get_array()[i], path, problems);
    const json::array* entries = r.array("baseEntitlementAndAddOns", true);
    r.reject_unknown_fields();
    if (!entries) continue;
    auto bundle = create_bundle(s, ctx, *entries, r.path_of("baseEntitlementAndAddOns"));
    if (!bundle) return std::move(bundle).error();
    ids.push_back(*bundle);
    if (auto b = s.tenants.object(ctx.tenant.id, ObjectType::bundle, *bundle))
      account_id = b->account_id;
  }
  if (auto bad = problems_response(problems)) return *bad;
  std::string filter;
  for (const auto& id : ids) filter += (filter.empty() ? "" : ",") + id;
  return created(ctx, "/1.0/kb/accounts/" + account_id + "/bundles?bundlesFilter=" + filter);
}

Response get_subscription(Server& s, Ctx& ctx) {
  auto sub = owned_subscription(s, ctx);
  if (!sub) return std::move(sub).error();
  auto view = account_view(s, ctx, sub->account_id);
  if (!view) return std::move(view).error();
  return json_response(200, subscription_json(*view, *sub));
}

Response get_subscription_by_key(Server& s, Ctx& ctx) {
  auto key = ctx.query.get("externalKey");
  if (!key || key->empty()) return bad_request("externalKey: required query parameter is missing");
  auto sub = s.tenants.object_by_key(ctx.tenant.id, ObjectType::subscription, *key);
  if (!sub) return not_found("Subscription does not exist for key " + *key);
  auto view = account_view(s, ctx, sub->account_id);
  if (!view) return std::move(view).error();
  return json_response(200, subscription_json(*view, *sub));
}

Response change_plan(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  auto f = read_subscription(*body, "$", problems);
  if (auto bad = problems_response(problems)) return *bad;
  auto policy = policy_param(ctx, "billingPolicy");
  if (!policy) return std::move(policy).error();
  auto sub = owned_subscription(s, ctx);
  if (!sub) return std::move(sub).error();
  auto blocked = change_blocked(s, ctx, *sub);
  if (!blocked) return std::move(blocked).error();
  if (*blocked) return bad_request("subscription " + sub->id + " is blocked from changes");
  return operate(s, ctx, OperationType::change, "requestedDate",
                 [&](Operation& op, const AccountView& view) -> std::optional<Response> {
                   // Named by product and period: the plan it leaves and the
                   // rules in force pick the price list.
                   const Plan* from = nullptr;
                   std::optional<RuleBook> book;
                   if (!f.plan_name) {
                     for (const auto& st : view.engine.statuses(today_for(view)))
                       if (st.id == sub->id)
                         from = find_plan_in_versions(*view.catalog, st.plan).plan;
                     auto read = s.billing.rule_book();
                     if (!read) return failure(read.error());
                     book = std::move(read).value();
                   }
                   const RuleSet* rules =
                       book ? &book->in_force(view.stored.organization, ctx.now) : nullptr;
                   Problems p;
                   const Plan* plan = resolve_plan(*view.catalog, f, p, from, rules);
                   if (auto bad = problems_response(p)) return *bad;
                   op.plan = plan->name;
                   op.policy = *policy;
                   return std::nullopt;
                 });
}

Response cancel_subscription(Server& s, Ctx& ctx) {
  auto billing = policy_param(ctx, "billingPolicy");
  if (!billing) return std::move(billing).error();
  std::optional<BillingActionPolicy> policy = *billing;
  if (!policy) {
    // Kill Bill's entitlementPolicy names when service ends; billing follows it.
    auto ent = ctx.query.get("entitlementPolicy");
    if (ent && *ent == "IMMEDIATE")
      policy = BillingActionPolicy::immediate;
    else if (ent && *ent == "END_OF_TERM")
      policy = BillingActionPolicy::end_of_term;
    else if (ent && !ent->empty())
      return bad_request("entitlementPolicy: unknown value \"" + *ent +
                         "\" (expected IMMEDIATE or END_OF_TERM)");
  }
  return operate(s, ctx, OperationType::cancel, "requestedDate",
                 [&](Operation& op, const AccountView&) -> std::optional<Response> {
                   op.policy = policy;
                   return std::nullopt;
                 });
}

Response uncancel_subscription(Server& s, Ctx& ctx) {
  return operate(
      s, ctx, OperationType::uncancel, "",
      [](Operation&, const AccountView&) -> std::optional<Response> { return std::nullopt; });
}

Response undo_change_plan(Server& s, Ctx& ctx) {
  return operate(
      s, ctx, OperationType::undo_change, "",
      [](Operation&, const AccountView&) -> std::optional<Response> { return std::nullopt; });
}

Response subscription_bcd(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  auto f = read_subscription(*body, "$", problems);
  if (!f.bill_cycle_day || *f.bill_cycle_day < 1)
    problems.push_back({"billCycleDayLocal", "required: a day from 1 to 31"});
  if (auto bad = problems_response(problems)) return *bad;
  return operate(s, ctx, OperationType::bill_cycle_day, "effectiveFromDate",
                 [&](Operation& op, const AccountView&) -> std::optional<Response> {
                   op.day = static_cast<int>(*f.bill_cycle_day);
                   return std::nullopt;
                 });
}

Response block_subscription(Server& s, Ctx& ctx) {
  auto sub = owned_subscription(s, ctx);
  if (!sub) return std::move(sub).error();
  auto bundle = owned(s, ctx, ObjectType::bundle, sub->bundle_id);
  if (!bundle) return std::move(bundle).error();
  return block(s, ctx, *sub, *bundle);
}

// --- bundles ------------------------------------------------------------------------------

Response get_bundle(Server& s, Ctx& ctx) {
  auto b = owned(s, ctx, ObjectType::bundle, ctx.param("bundleId"));
  if (!b) return std::move(b).error();
  return bundle_response(s, ctx, *b);
}

Response get_bundle_by_key(Server& s, Ctx& ctx) {
  auto key = ctx.query.get("externalKey");
  if (!key || key->empty()) return bad_request("externalKey: required query parameter is missing");
  auto b = s.tenants.object_by_key(ctx.tenant.id, ObjectType::bundle, *key);
  if (!b) return not_found("Bundle does not exist for key " + *key);
  return bundle_response(s, ctx, *b);
}

Response bundles_page(Server& s, Ctx& ctx) {
  return bundle_list(s, ctx, std::nullopt);
}

Response search_bundles(Server& s, Ctx& ctx) {
  return bundle_list(s, ctx, ctx.param("searchKey"));
}

namespace {

Response pause_or_resume_bundle(Server& s, Ctx& ctx, OperationType type) {
  auto b = owned(s, ctx, ObjectType::bundle, ctx.param("bundleId"));
  if (!b) return std::move(b).error();
  auto view = account_view(s, ctx, b->account_id);
  if (!view) return std::move(view).error();
  auto on = requested(ctx, "requestedDate", *view);
  if (!on) return std::move(on).error();
  if (auto r = pause_or_resume(s, ctx, *b, type, *on, today_for(*view)); !r)
    return std::move(r).error();
  return no_content();
}

}  // namespace

Response pause_bundle(Server& s, Ctx& ctx) {
  return pause_or_resume_bundle(s, ctx, OperationType::pause);
}

Response resume_bundle(Server& s, Ctx& ctx) {
  return pause_or_resume_bundle(s, ctx, OperationType::resume);
}

Response block_bundle(Server& s, Ctx& ctx) {
  auto b = owned(s, ctx, ObjectType::bundle, ctx.param("bundleId"));
  if (!b) return std::move(b).error();
  return block(s, ctx, *b, *b);
}

Response rename_bundle_key(Server& s, Ctx& ctx) {
  auto b = owned(s, ctx, ObjectType::bundle, ctx.param("bundleId"));
  if (!b) return std::move(b).error();
  auto fields = read_bundle(ctx, false, true);
  if (!fields) return std::move(fields).error();
  OwnedObject renamed = *b;
  renamed.external_key = *fields->external_key;
  if (auto p = s.tenants.put_object(renamed); !p) return failure(p.error());
  if (auto a =
          s.tenants.append_audit(ctx.tenant.id, ctx.audit(ObjectType::bundle, b->id, "UPDATE"));
      !a)
    return failure(a.error());
  return no_content();
}

Response transfer_bundle(Server& s, Ctx& ctx) {
  auto b = owned(s, ctx, ObjectType::bundle, ctx.param("bundleId"));
  if (!b) return std::move(b).error();
  auto fields = read_bundle(ctx, true, false);
  if (!fields) return std::move(fields).error();
  const auto& new_key = fields->external_key;
  auto target = owned(s, ctx, ObjectType::account, *fields->account_id);
  if (!target) return std::move(target).error();
  if (target->id == b->account_id) return bad_request("accountId: the bundle is already there");
  auto policy = policy_param(ctx, "billingPolicy");
  if (!policy) return std::move(policy).error();
  auto source = account_view(s, ctx, b->account_id);
  if (!source) return std::move(source).error();
  auto on = requested(ctx, "requestedDate", *source);
  if (!on) return std::move(on).error();

  auto subs = s.tenants.objects(ctx.tenant.id, ObjectType::subscription,
                                TenantStore::Query::of_bundle(b->id));
  if (!subs) return failure(subs.error());
  // What moves: the subscriptions still in service on the transfer date, BASE first.
  std::vector<SubscriptionStatus> moving;
  for (const auto& st : source->engine.statuses(*on))
    if (st.state != SubscriptionState::cancelled && !st.pending_cancel &&
        std::any_of(subs->begin(), subs->end(),
                    [&](const OwnedObject& o) { return o.id == st.id; }))
      moving.push_back(st);
  std::stable_partition(moving.begin(), moving.end(),
                        [&](const SubscriptionStatus& st) { return st.id == b->name; });
  if (moving.empty()) return bad_request("bundle " + b->id + " has nothing in service to transfer");

  // The source stops on the transfer date (billing repaired by the policy, IMMEDIATE
  // unless told otherwise); cancelling the BASE ends its add-ons with it.
  Operation stop;
  stop.date = *on;
  stop.type = OperationType::cancel;
  stop.subscription = moving.front().id;
  stop.policy = policy->value_or(BillingActionPolicy::immediate);
  if (auto a = apply(s, ctx, b->account_id, stop, ObjectType::bundle, b->id, "UPDATE"); !a)
    return std::move(a).error();
  for (std::size_t i = 1; i < moving.size() && b->name.empty(); ++i) {
    stop.subscription = moving[i].id;
    if (auto a = apply(s, ctx, b->account_id, stop, ObjectType::bundle, b->id, "UPDATE"); !a)
      return std::move(a).error();
  }
  // Kill Bill keeps the key for the new bundle and renames the old one's.
  std::string key = new_key.value_or(b->external_key);
  OwnedObject old = *b;
  old.external_key = "kbtsf-" + b->id.substr(0, 8) + ":" + b->external_key;
  if (auto p = s.tenants.put_object(old); !p) return failure(p.error());

  auto target_account = billing_account(s, ctx, target->id);
  if (!target_account) return std::move(target_account).error();
  auto catalog = s.service.catalog(target_account->catalog);
  if (!catalog) return failure(catalog.error());
  std::optional<OwnedObject> bundle;
  for (const auto& st : moving) {
    SubscriptionFields f;
    f.path = "$";
    f.plan_name = st.plan;
    if (!bundle) f.bundle_external_key = key;
    if (auto sub = create_one(s, ctx, f, *target, **catalog, bundle, *on); !sub)
      return std::move(sub).error();
  }
  return created(ctx, "/1.0/kb/bundles/" + bundle->id);
}

}  // namespace tollgate::server::detail
