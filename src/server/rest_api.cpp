// RestApi: routing, one transaction a change, errors as Kill Bill's answers,
// reading requests; the shared helpers of the resources. Authentication is in
// authentication.cpp, the JSON writer in json_writer.cpp, tenants, the catalog
// and the rules in tenants.cpp.

#include "tollgate/server/rest_api.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <unordered_map>

#include <date/date.h>

#include "api.hpp"
#include "credentials.hpp"

namespace tollgate::server {

std::string Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

namespace detail {
namespace {

std::string url_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size()) {
      int value = 0;
      auto [end, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
      if (ec == std::errc() && end == in.data() + i + 3) {
        out.push_back(static_cast<char>(value));
        i += 2;
      } else {
        out.push_back(c);
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(url_decode(path.substr(start, end - start), false));
    start = end + 1;
  }
  return out;
}

std::string_view class_name_of(int status) {
  switch (status) {
    case 400:
      return "java.lang.IllegalArgumentException";
    case 401:
      return "org.apache.shiro.authz.UnauthenticatedException";
    case 404:
      return "javax.ws.rs.NotFoundException";
    case 409:
      return "org.killbill.billing.api.ConflictException";
    default:
      return "org.killbill.billing.api.TollgateException";
  }
}

void strip_nulls(json::value& v) {
  if (auto* o = v.if_object()) {
    for (auto it = o->begin(); it != o->end();) {
      if (it->value().is_null()) {
        it = o->erase(it);
      } else {
        strip_nulls(it->value());
        ++it;
      }
    }
  } else if (auto* a = v.if_array()) {
    for (auto& x : *a) strip_nulls(x);
  }
}

struct Route {
  std::string_view method;
  std::string_view pattern;  ///< "{name}" matches one segment, the parameter `name`
  Response (*handler)(Server&, Ctx&);
};

// Walks the pattern's segments in place (every request tries every route);
// with `params`, also names the segments the pattern's parameters matched.
bool matches(std::string_view pattern, const std::vector<std::string>& path,
             std::vector<std::pair<std::string_view, std::string>>* params = nullptr) {
  std::size_t i = 0;
  for (std::size_t start = 1; start <= pattern.size(); ++i) {
    std::size_t end = std::min(pattern.find('/', start), pattern.size());
    std::string_view part = pattern.substr(start, end - start);
    if (i >= path.size()) return false;
    bool parameter = part.starts_with('{') && part.ends_with('}');
    if (!parameter && part != path[i]) return false;
    start = end + 1;
  }
  if (i != path.size()) return false;
  if (params) {  // matched: a second walk names the parameters
    params->clear();
    i = 0;
    for (std::size_t start = 1; start <= pattern.size(); ++i) {
      std::size_t end = std::min(pattern.find('/', start), pattern.size());
      std::string_view part = pattern.substr(start, end - start);
      if (part.starts_with('{')) params->emplace_back(part.substr(1, part.size() - 2), path[i]);
      start = end + 1;
    }
  }
  return true;
}

// Specific paths before the ones with a variable segment in the same place.
constexpr Route kRoutes[] = {
    {"POST", "/1.0/kb/accounts", create_account},
    {"GET", "/1.0/kb/accounts", get_account_by_key},
    {"GET", "/1.0/kb/accounts/pagination", accounts_page},
    {"GET", "/1.0/kb/accounts/search/{searchKey}", search_accounts},
    {"GET", "/1.0/kb/accounts/{accountId}", get_account},
    {"PUT", "/1.0/kb/accounts/{accountId}", update_account},
    {"GET", "/1.0/kb/accounts/{accountId}/bundles", account_bundles},
    {"GET", "/1.0/kb/accounts/{accountId}/invoices", account_invoices},
    {"GET", "/1.0/kb/accounts/{accountId}/block", account_blocking_states},
    {"GET", "/1.0/kb/accounts/{accountId}/timeline", account_timeline},
    {"GET", "/1.0/kb/accounts/{accountId}/overdue", account_overdue},
    {"GET", "/1.0/kb/accounts/{accountId}/emails", account_emails},
    {"POST", "/1.0/kb/accounts/{accountId}/emails", add_account_email},
    {"DELETE", "/1.0/kb/accounts/{accountId}/emails/{email}", remove_account_email},
    {"POST", "/1.0/kb/invoices/dryRun", dry_run},
    {"POST", "/1.0/kb/invoices", create_invoice},
    {"GET", "/1.0/kb/invoices/pagination", invoices_page},
    {"GET", "/1.0/kb/invoices/search/{searchKey}", search_invoices},
    {"GET", "/1.0/kb/invoices/{invoiceId}", get_invoice},
    {"POST", "/1.0/kb/invoices/{invoiceId}/payments", create_instant_payment},
    {"GET", "/1.0/kb/invoices/{invoiceId}/payments", invoice_payments},
    {"GET", "/1.0/kb/accounts/{accountId}/invoicePayments", account_payments},
    {"GET", "/1.0/kb/accounts/{accountId}/payments", account_payments},
    {"GET", "/1.0/kb/payments/{paymentId}", get_payment},
    {"GET", "/1.0/kb/invoicePayments/{paymentId}", get_payment},
    {"POST", "/1.0/kb/invoicePayments/{paymentId}/refunds", refund_payment},
    {"POST", "/1.0/kb/credits", create_credits},
    {"POST", "/1.0/kb/accounts/{accountId}/paymentMethods", add_payment_method},
    {"GET", "/1.0/kb/accounts/{accountId}/paymentMethods", account_payment_methods},
    {"PUT", "/1.0/kb/accounts/{accountId}/paymentMethods/{paymentMethodId}/setDefault",
     set_default_payment_method},
    {"GET", "/1.0/kb/paymentMethods/{paymentMethodId}", get_payment_method},
    {"DELETE", "/1.0/kb/paymentMethods/{paymentMethodId}", delete_payment_method},
    {"GET", "/1.0/kb/credits/{creditId}", get_credit},
    {"GET", "/1.0/kb/bundles", get_bundle_by_key},
    {"GET", "/1.0/kb/bundles/pagination", bundles_page},
    {"GET", "/1.0/kb/bundles/search/{searchKey}", search_bundles},
    {"GET", "/1.0/kb/bundles/{bundleId}", get_bundle},
    {"POST", "/1.0/kb/bundles/{bundleId}", transfer_bundle},
    {"PUT", "/1.0/kb/bundles/{bundleId}/pause", pause_bundle},
    {"PUT", "/1.0/kb/bundles/{bundleId}/resume", resume_bundle},
    {"POST", "/1.0/kb/bundles/{bundleId}/block", block_bundle},
    {"PUT", "/1.0/kb/bundles/{bundleId}/renameKey", rename_bundle_key},
    {"POST", "/1.0/kb/subscriptions", create_subscription},
    {"GET", "/1.0/kb/subscriptions", get_subscription_by_key},
    {"POST", "/1.0/kb/subscriptions/createSubscriptionWithAddOns", create_subscription_with_addons},
    {"POST", "/1.0/kb/subscriptions/createSubscriptionsWithAddOns",
     create_subscriptions_with_addons},
    {"GET", "/1.0/kb/subscriptions/{subscriptionId}", get_subscription},
    {"PUT", "/1.0/kb/subscriptions/{subscriptionId}", change_plan},
    {"DELETE", "/1.0/kb/subscriptions/{subscriptionId}", cancel_subscription},
    {"PUT", "/1.0/kb/subscriptions/{subscriptionId}/uncancel", uncancel_subscription},
    {"PUT", "/1.0/kb/subscriptions/{subscriptionId}/undoChangePlan", undo_change_plan},
    {"PUT", "/1.0/kb/subscriptions/{subscriptionId}/bcd", subscription_bcd},
    {"POST", "/1.0/kb/subscriptions/{subscriptionId}/block", block_subscription},
    {"POST", "/1.0/kb/usages", record_usage},
    {"GET", "/1.0/kb/usages/{subscriptionId}", get_usage},
    {"GET", "/1.0/kb/usages/{subscriptionId}/{unitType}", get_usage},
    {"GET", "/1.0/kb/tagDefinitions", list_tag_definitions},
    {"POST", "/1.0/kb/tagDefinitions", create_tag_definition},
    {"GET", "/1.0/kb/tagDefinitions/{tagDefinitionId}", get_tag_definition},
    {"DELETE", "/1.0/kb/tagDefinitions/{tagDefinitionId}", delete_tag_definition},
    {"GET", "/1.0/kb/{objectType}/{objectId}/tags", get_tags},
    {"POST", "/1.0/kb/{objectType}/{objectId}/tags", add_tags},
    {"DELETE", "/1.0/kb/{objectType}/{objectId}/tags", delete_tags},
    {"GET", "/1.0/kb/{objectType}/{objectId}/customFields", get_custom_fields},
    {"POST", "/1.0/kb/{objectType}/{objectId}/customFields", add_custom_fields},
    {"PUT", "/1.0/kb/{objectType}/{objectId}/customFields", modify_custom_fields},
    {"DELETE", "/1.0/kb/{objectType}/{objectId}/customFields", delete_custom_fields},
    {"GET", "/1.0/kb/{objectType}/{objectId}/auditLogs", get_audit_logs},
    {"POST", "/1.0/kb/catalog/xml", upload_catalog_xml},
    {"GET", "/1.0/kb/catalog/versions", catalog_versions},
    {"POST", "/1.0/kb/catalog/simplePlan", post_simple_plan},
    {"GET", "/1.0/kb/catalog/xml", get_catalog_xml},
    {"POST", "/1.0/kb/catalog/xml/validate", validate_catalog_xml},
    {"GET", "/1.0/kb/catalog", get_kill_bill_catalog},
    {"DELETE", "/1.0/kb/catalog", delete_catalog},
    {"GET", "/1.0/kb/catalog/availableBasePlans", available_base_plans},
    {"GET", "/1.0/kb/catalog/availableAddons", available_addons},
    {"GET", "/1.0/kb/catalog/plan", plan_for_subscription},
    {"GET", "/1.0/kb/catalog/phase", phase_for_subscription},
    {"GET", "/1.0/kb/catalog/product", product_for_subscription},
    {"GET", "/1.0/kb/catalog/priceList", price_list_for_subscription},
    {"POST", "/1.0/tollgate/catalog", put_catalog},
    {"GET", "/1.0/tollgate/catalog", get_catalog},
    {"PUT", "/1.0/tollgate/rules/{organization}", put_rules},
    {"GET", "/1.0/tollgate/rules/{organization}", get_rules},
    // Kill Bill's older spellings (clients written for 0.18 and before), same effect.
    {"PUT", "/1.0/kb/bundles/{bundleId}", transfer_bundle},
    {"PUT", "/1.0/kb/bundles/{bundleId}/block", block_bundle},
    {"PUT", "/1.0/kb/subscriptions/{subscriptionId}/block", block_subscription},
    {"POST", "/1.0/kb/subscriptions/createEntitlementWithAddOns", create_subscription_with_addons},
    {"POST", "/1.0/kb/subscriptions/createEntitlementsWithAddOns",
     create_subscriptions_with_addons},
};

// Routes that need a user and no tenant, as in Kill Bill: tenants are made
// with basic auth alone, and the user's own permissions need none either.
constexpr Route kUserRoutes[] = {
    {"POST", "/1.0/kb/tenants", create_tenant_resource},
    {"GET", "/1.0/kb/tenants", get_tenant_by_api_key},
    {"GET", "/1.0/kb/security/permissions", current_user_permissions},
    {"GET", "/1.0/kb/security/subject", current_user_subject},
};

}  // namespace

// --- Query ------------------------------------------------------------------------

Query::Query(std::string_view query) {
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string_view name = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      pairs_.emplace_back(url_decode(name, true), url_decode(value, true));
    }
    start = end + 1;
  }
}

std::optional<std::string> Query::get(std::string_view name) const {
  for (const auto& [k, v] : pairs_)
    if (k == name) return v;
  return std::nullopt;
}

std::vector<std::string> Query::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : pairs_)
    if (k == name) {
      // Kill Bill also takes one comma-separated value (bundlesFilter=a,b).
      std::size_t start = 0;
      while (start <= v.size()) {
        std::size_t end = v.find(',', start);
        if (end == std::string::npos) end = v.size();
        if (end > start) out.push_back(v.substr(start, end - start));
        start = end + 1;
      }
    }
  return out;
}

AuditEntry Ctx::audit(ObjectType type, const std::string& id, std::string change) const {
  return AuditEntry{id,
                    type,
                    std::move(change),
                    created_by,
                    request.header("x-killbill-reason"),
                    request.header("x-killbill-comment"),
                    now};
}

// --- responses -----------------------------------------------------------------------

Response json_response(int status, const json::value& body) {
  return Response{status, {{"Content-Type", "application/json"}}, to_text(body)};
}

Response no_content() {
  return Response{204, {}, {}};
}

Response created(const Ctx& ctx, const std::string& path) {
  return Response{201, {{"Location", ctx.base_url + path}}, {}};
}

Response failure(int status, const std::string& code, const std::string& message,
                 const Problems& problems) {
  json::array list;
  for (const auto& p : problems)
    list.push_back(json::object{{"path", p.path}, {"reason", p.reason}});
  json::object body{{"className", class_name_of(status)},
                    {"code", status},
                    {"message", message},
                    {"causeClassName", nullptr},
                    {"causeMessage", nullptr},
                    {"stackTrace", json::array{}},
                    {"tollgateCode", code}};
  if (!list.empty()) body["problems"] = std::move(list);
  return json_response(status, body);
}

// The HTTP status of each code a request can fail with: the request's fault
// (400), a missing or taken id (404, 409), a busy store 503. Any other code
// (a store's own failure, a provider's) is the server's fault: 500.
int http_status(const std::string& code) {
  static const std::unordered_map<std::string_view, int> statuses = [] {
    std::unordered_map<std::string_view, int> m{
        {errors::store_not_found, 404}, {errors::store_conflict, 409}, {errors::store_busy, 503}};
    for (const char* request_fault : {errors::time_zone_unknown,
                                      errors::currency_unknown,
                                      errors::unknown_plan,
                                      errors::unknown_package,
                                      errors::unknown_subscription,
                                      errors::engine_currency,
                                      errors::engine_date,
                                      errors::engine_bill_cycle_day,
                                      errors::engine_amount,
                                      errors::engine_credit,
                                      errors::engine_snapshot,
                                      errors::engine_change_alignment,
                                      errors::catalog_plan_not_found,
                                      errors::catalog_ambiguous_plan,
                                      errors::usage_subscription,
                                      errors::refused_illegal,
                                      errors::refused_not_active,
                                      errors::refused_not_entitled,
                                      errors::refused_not_available,
                                      errors::refused_included,
                                      errors::refused_default_payment_method,
                                      errors::refused_not_paused,
                                      errors::refused_not_base,
                                      errors::refused_not_add_on,
                                      errors::refused_no_base,
                                      errors::refused_base_cancelled,
                                      errors::refused_cancelled,
                                      errors::refused_category,
                                      errors::refused_no_pending_change,
                                      errors::refused_no_pending_cancel,
                                      errors::refused_metric,
                                      errors::refused_quantity,
                                      errors::refused_usage_id,
                                      errors::refused_usage_unbillable,
                                      errors::refused_bill_cycle_day,
                                      errors::refused_payment_method,
                                      errors::refused_session,
                                      errors::refused_credits,
                                      errors::refused_grant_id,
                                      errors::refused_expires,
                                      errors::refused_credit_id,
                                      errors::refused_amount,
                                      errors::refused_duplicate,
                                      errors::refused_reference,
                                      errors::refused_overpayment,
                                      errors::refused_refund,
                                      errors::refused_provider,
                                      errors::store_catalog,
                                      errors::store_rules,
                                      errors::server_argument})
      m.emplace(request_fault, 400);
    return m;
  }();
  auto it = statuses.find(code);
  return it == statuses.end() ? 500 : it->second;
}

Response failure(const Error& e) {
  const std::string& c = e.code;
  int status = http_status(c);
  // A store failure's message names tables, not secrets; it is still kept
  // generic for a 500 so that nothing internal reaches a client.
  return failure(status, c, status == 500 ? "internal error (" + c + ")" : e.message);
}

Response body_too_large(std::size_t limit) {
  return failure(413, errors::server_too_large,
                 "the body is larger than the limit of " + std::to_string(limit) + " bytes");
}

Response bad_request(const std::string& message, const Problems& problems) {
  return failure(400, errors::server_bad_request, message, problems);
}

Response not_found(const std::string& message) {
  return failure(404, errors::store_not_found, message);
}

// --- reading requests ---------------------------------------------------------------

Result<json::value, Response> parse_body(const Ctx& ctx) {
  auto v = tollgate::detail::parse_json(ctx.request.body);
  if (!v)
    return unexpected(bad_request("the body is not JSON: " + v.error().front().reason, v.error()));
  strip_nulls(*v);
  return std::move(v).value();
}

Result<PageRequest, Response> page_request(const Ctx& ctx) {
  PageRequest page;
  for (auto [name, out] : {std::pair{"offset", &page.offset}, std::pair{"limit", &page.limit}}) {
    auto given = ctx.query.get(name);
    if (!given || given->empty()) continue;
    const std::string& text = *given;
    const char* last = text.data() + text.size();
    auto [end, ec] = std::from_chars(text.data(), last, *out);
    if (ec != std::errc() || end != last || *out < 0)
      return unexpected(
          bad_request(std::string(name) + ": \"" + text + "\" is not a whole number of 0 or more"));
  }
  return page;
}

Response paged_response(json::array items, const PageRequest& page, std::int64_t total) {
  Response r = json_response(200, json::value(std::move(items)));
  r.headers.emplace_back("X-Killbill-Pagination-CurrentOffset", std::to_string(page.offset));
  if (page.offset + page.limit < total)
    r.headers.emplace_back("X-Killbill-Pagination-NextOffset",
                           std::to_string(page.offset + page.limit));
  r.headers.emplace_back("X-Killbill-Pagination-TotalNbRecords", std::to_string(total));
  r.headers.emplace_back("X-Killbill-Pagination-MaxNbRecords", std::to_string(total));
  return r;
}

Response object_list(
    Server& s, const Ctx& ctx, ObjectType type, const std::optional<std::string>& search,
    const std::function<Result<json::value, Response>(const OwnedObject&)>& render) {
  auto page = page_request(ctx);
  if (!page) return std::move(page).error();
  auto found = search ? s.tenants.search(ctx.tenant.id, type, *search, page->offset, page->limit)
                      : s.tenants.page(ctx.tenant.id, type, page->offset, page->limit);
  if (!found) return failure(found.error());
  json::array out;
  for (const auto& o : found->objects) {
    auto j = render(o);
    if (!j) return std::move(j).error();
    out.push_back(std::move(j).value());
  }
  return paged_response(std::move(out), *page, found->total);
}

void accept_fields(ObjectReader& reader, std::initializer_list<std::string_view> names) {
  for (auto n : names) reader.field(n);
}

std::optional<Response> problems_response(const Problems& problems) {
  if (problems.empty()) return std::nullopt;
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "; ") + to_string(p);
  return bad_request(message, problems);
}

std::optional<Decimal> read_amount(const json::value& v, const std::string& path,
                                   Problems& problems) {
  std::string text;
  if (v.is_int64()) {
    text = std::to_string(v.get_int64());
  } else if (v.is_uint64()) {
    text = std::to_string(v.get_uint64());
  } else if (v.is_double()) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double(), std::chars_format::fixed);
    if (ec != std::errc() || !std::isfinite(v.get_double())) {
      problems.push_back({path, "must be a finite number"});
      return std::nullopt;
    }
    text.assign(buf, end);
  } else if (v.is_string()) {
    text = std::string(v.get_string());
  } else {
    problems.push_back({path, "must be a number"});
    return std::nullopt;
  }
  auto d = Decimal::parse(text);
  if (!d) {
    problems.push_back({path, d.error().message});
    return std::nullopt;
  }
  return *d;
}

Result<Date, Response> parse_kb_date(std::string_view text, const std::string& what,
                                     const TimeZone& zone) {
  if (text.size() == 10) {
    auto d = parse_date(text);
    if (!d) return unexpected(bad_request(what + ": " + d.error().message));
    return *d;
  }
  // A date-time: an instant, whose date in the account's zone is the one that counts.
  if (auto at = parse_instant(text)) return zone.local_date(*at);
  return unexpected(bad_request(what + ": \"" + std::string(text) +
                                "\" is neither a date (2024-01-03) nor a date-time "
                                "(2024-01-03T10:00:00Z)"));
}

Result<Date, Response> date_param(const Ctx& ctx, std::string_view name, const TimeZone& zone) {
  auto text = ctx.query.get(name);
  if (!text || text->empty()) return zone.local_date(ctx.now);
  return parse_kb_date(*text, std::string(name), zone);
}

Result<std::optional<BillingActionPolicy>, Response> policy_param(const Ctx& ctx,
                                                                  std::string_view name) {
  auto text = ctx.query.get(name);
  if (!text || text->empty()) return std::optional<BillingActionPolicy>{};
  for (auto p : {BillingActionPolicy::start_of_term, BillingActionPolicy::end_of_term,
                 BillingActionPolicy::immediate, BillingActionPolicy::illegal})
    if (to_string(p) == *text) return std::optional(p);
  return unexpected(bad_request(std::string(name) + ": unknown value \"" + *text +
                                "\" (expected START_OF_TERM, END_OF_TERM, IMMEDIATE or ILLEGAL)"));
}

// --- lookups -----------------------------------------------------------------------

Result<OwnedObject, Response> owned(Server& s, const Ctx& ctx, ObjectType type,
                                    const std::string& id) {
  auto o = s.tenants.object(ctx.tenant.id, type, id);
  if (o) return std::move(o).value();
  if (o.error().code == errors::store_not_found)
    return unexpected(not_found(std::string(to_string(type)) + " does not exist for id " + id));
  return unexpected(failure(o.error()));
}

Result<TimeZone, Response> zone_of(const StoredAccount& account) {
  auto z = TimeZone::locate(account.account.time_zone);
  if (!z) return unexpected(failure(z.error()));
  return *z;
}

Result<AccountView, Response> account_view(Server& s, const Ctx& ctx,
                                           const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto stored, billing_account(s, ctx, account_id));
  TOLLGATE_ASSIGN_OR_RETURN(auto zone, zone_of(stored));
  auto engine = s.service.engine(stored);
  if (!engine) return unexpected(failure(engine.error()));
  // The last operation's date alone: the account's journal grows with its age.
  auto last = s.billing.last_entry_date(account_id);
  if (!last) return unexpected(failure(last.error()));
  auto catalog = s.service.catalog(stored.catalog);
  if (!catalog) return unexpected(failure(catalog.error()));
  Date today = zone.local_date(ctx.now);
  return AccountView{std::move(stored), std::move(engine).value(), *last, zone, today, *catalog};
}

// Today, but never before the account's last operation: the engine's dates
/// only move forward, and a request without a date happens after the last one.
Date today_for(const AccountView& view) {
  return view.last_operation && view.today < *view.last_operation ? *view.last_operation
                                                                  : view.today;
}

// The requested date of a change: the parameter, or today_for(view).
Result<Date, Response> requested(const Ctx& ctx, std::string_view name, const AccountView& view) {
  auto text = ctx.query.get(name);
  if (!text || text->empty()) return today_for(view);
  return parse_kb_date(*text, std::string(name), view.zone);
}

Result<Ok, Response> apply(Server& s, const Ctx& ctx, const std::string& account_id,
                           const Operation& op, ObjectType type, const std::string& object_id,
                           const std::string& change) {
  auto applied = s.service.apply(account_id, op, ctx.now);
  if (!applied) return unexpected(failure(applied.error()));
  if (auto a = s.tenants.append_audit(ctx.tenant.id, ctx.audit(type, object_id, change)); !a)
    return unexpected(failure(a.error()));
  return Ok{};
}

Response audit_and(Server& s, const Ctx& ctx, const OwnedObject& o, Response r) {
  if (auto a = s.tenants.append_audit(ctx.tenant.id, ctx.audit(o.type, o.id, "UPDATE")); !a)
    return failure(a.error());
  return r;
}

std::optional<ObjectType> object_type_of_collection(std::string_view segment) {
  if (segment == "accounts") return ObjectType::account;
  if (segment == "bundles") return ObjectType::bundle;
  if (segment == "subscriptions") return ObjectType::subscription;
  if (segment == "invoices") return ObjectType::invoice;
  return std::nullopt;
}

// --- the server ------------------------------------------------------------------------

Server::Server(BillingStore& b, TenantStore& t, ApiOptions o)
    : billing(b),
      tenants(t),
      options(std::move(o)),
      service(b),
      throttle_({.failures_allowed = options.login_failures_allowed,
                 .backoff = options.login_backoff,
                 .max_backoff = std::chrono::minutes(15)}) {}

Response Server::handle(const Request& request) {
  if (request.body.size() > options.body_limit) return body_too_large(options.body_limit);
  std::string_view target = request.target;
  auto qpos = target.find('?');
  if (request.method == "GET" && target.substr(0, qpos) == "/1.0/healthcheck")
    return health_check(*this);
  Ctx ctx{request,
          split_path(target.substr(0, qpos)),
          Query(qpos == std::string_view::npos ? "" : target.substr(qpos + 1)),
          {},
          {},
          request.header("x-killbill-createdby"),
          options.clock(),
          (request.tls ? "https://" : "http://") +
              (request.header("host").empty() ? "127.0.0.1" : request.header("host")),
          {}};

  // A client backing off from failed logins is served only with credentials
  // verified before (no PBKDF2 for it); anything else waits.
  auto keys = login_keys(request);
  auto now = options.monotonic();
  auto wait = throttle_.wait(keys, now);
  may_hash_ = wait == LoginThrottle::Clock::duration::zero();
  auto refused = [&](Response r) {
    if (r.status != 401) return r;
    if (!may_hash_) return too_many_attempts(wait);
    throttle_.failed(keys, now);
    return r;
  };
  if (auto denied = authenticate_user(request)) return refused(*denied);
  ctx.user = user_name(request);
  bool writes = request.method != "GET" && request.method != "HEAD";
  if (writes && ctx.created_by.empty())
    return bad_request("X-Killbill-CreatedBy: required header is missing");

  for (const auto& route : kUserRoutes)
    if (route.method == request.method && matches(route.pattern, ctx.path, &ctx.params)) {
      throttle_.succeeded(keys);
      return route.handler(*this, ctx);
    }

  auto tenant = authenticate_tenant(request);
  if (!tenant) return refused(std::move(tenant).error());
  throttle_.succeeded(keys);
  ctx.tenant = std::move(tenant).value();
  return dispatch(ctx);
}

const std::string& Ctx::param(std::string_view name) const {
  static const std::string none;
  for (const auto& [n, value] : params)
    if (n == name) return value;
  return none;  // a handler asked for a name its routes lack: found by its tests
}

std::optional<std::string> Ctx::optional_param(std::string_view name) const {
  for (const auto& [n, value] : params)
    if (n == name) return value;
  return std::nullopt;
}

Response Server::dispatch(Ctx& ctx) {
  const Route* found = nullptr;
  bool path_known = false;
  for (const auto& route : kRoutes) {
    if (!matches(route.pattern, ctx.path)) continue;
    path_known = true;
    if (route.method == ctx.request.method) {
      found = &route;
      break;
    }
  }
  if (!found)
    return path_known ? failure(405, errors::server_method, "method not allowed on this path")
                      : not_found("no such resource");
  matches(found->pattern, ctx.path, &ctx.params);
  if (ctx.request.method == "GET") return found->handler(*this, ctx);

  // A change happens whole or not at all: any answer of 400 or more rolls back
  // what the handler wrote (a half-created bundle, an audit entry).
  Response out;
  auto tx = billing.atomically([&]() -> Result<Ok> {
    out = found->handler(*this, ctx);
    if (out.status >= 400) return make_error(errors::server_rollback, "rolled back");
    return Ok{};
  });
  if (!tx && tx.error().code != errors::server_rollback) return failure(tx.error());
  return out;
}

}  // namespace detail

// --- public API ---------------------------------------------------------------------------

struct RestApi::Impl {
  detail::Server server;
};

RestApi::RestApi(BillingStore& billing, TenantStore& tenants, ApiOptions options)
    : impl_(std::make_unique<Impl>(Impl{detail::Server(billing, tenants, std::move(options))})) {}

RestApi::~RestApi() = default;

Response RestApi::handle(const Request& request) noexcept {
  try {
    return impl_->server.handle(request);
  } catch (const std::exception&) {
    // Nothing may cross the API; the transaction (if any) was rolled back by its destructor.
    return detail::failure(500, errors::server_internal, "internal error");
  }
}

std::vector<Response> RestApi::handle_batch(std::span<const Request> requests) noexcept {
  auto writes = [](const Request& r) { return r.method != "GET" && r.method != "HEAD"; };
  std::vector<Response> out;
  try {
    out.resize(requests.size());
    if (requests.size() == 1 && !writes(requests[0])) {
      out[0] = handle(requests[0]);
      return out;
    }
    // Each request's own transaction becomes a savepoint of this one (and
    // reads share its snapshot of the database instead of opening their own).
    auto committed = impl_->server.billing.atomically([&]() -> Result<Ok> {
      for (std::size_t i = 0; i < requests.size(); ++i) out[i] = handle(requests[i]);
      return Ok{};
    });
    if (!committed)
      for (std::size_t i = 0; i < requests.size(); ++i)
        if (writes(requests[i]) && out[i].status < 400)
          out[i] = detail::failure(500, committed.error().code, committed.error().message);
    return out;
  } catch (const std::exception&) {  // the transaction rolled back: nothing of the batch was kept
    out.assign(requests.size(), detail::failure(500, errors::server_internal, "internal error"));
    return out;
  }
}

Response RestApi::body_too_large() const {
  return detail::body_too_large(impl_->server.options.body_limit);
}

Response RestApi::https_required() const {
  return detail::failure(400, errors::server_tls,
                         "this port speaks HTTPS only: the request was sent as plain HTTP");
}

const ApiOptions& RestApi::options() const noexcept {
  return impl_->server.options;
}

}  // namespace tollgate::server
