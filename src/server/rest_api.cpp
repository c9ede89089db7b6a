// RestApi: routing, authentication, one transaction a change, tenants, the
// catalog and the rules; the shared helpers of the resources.

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

// Amounts are written from the exact decimal, never through a double: the
// value holds the decimal's text behind a tag drawn at random once a process,
// which no client can know and send, and write() puts the text out bare, as
// a JSON number (what Kill Bill writes: 50.00, not 50 or 5E1).
const std::string& amount_tag() {
  static const std::string tag = "\x1f" + secret_hex(16) + ":";
  return tag;
}

void write(std::ostream& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: {
      std::string_view text = v.get_string();
      if (text.starts_with(amount_tag())) {
        out << text.substr(amount_tag().size());
      } else {
        out << json::serialize(v);
      }
      return;
    }
    case json::kind::double_: {
      char buf[32];
      auto [end, ec] =
          std::to_chars(buf, buf + sizeof buf, v.get_double(), std::chars_format::fixed);
      out.write(buf, ec == std::errc() ? end - buf : 0);
      return;
    }
    case json::kind::array: {
      out << '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out << ',';
        first = false;
        write(out, x);
      }
      out << ']';
      return;
    }
    case json::kind::object: {
      out << '{';
      bool first = true;
      for (const auto& [k, x] : v.get_object()) {
        if (!first) out << ',';
        first = false;
        out << json::serialize(json::string(k)) << ':';
        write(out, x);
      }
      out << '}';
      return;
    }
    default:
      out << json::serialize(v);
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

// --- tenants, catalog, rules ---------------------------------------------------

Response create_tenant_resource(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  auto api_key = r.string("apiKey", true);
  auto api_secret = r.string("apiSecret", true);
  auto external_key = r.string("externalKey");
  accept_fields(r, {"tenantId", "auditLogs"});
  r.reject_unknown_fields();
  if (auto bad = problems_response(problems)) return *bad;
  auto made = create_tenant(s.tenants, external_key.value_or(*api_key), *api_key, *api_secret);
  if (!made) return failure(made.error());
  return created(ctx, "/1.0/kb/tenants/" + made->tenant_id);
}

Response get_tenant_by_api_key(Server& s, Ctx& ctx) {
  auto key = ctx.query.get("apiKey");
  if (!key) return bad_request("apiKey: required query parameter is missing");
  auto t = s.tenants.tenant_by_api_key(*key);
  if (!t)
    return t.error().code == errors::store_not_found ? not_found("no tenant with that api key")
                                                     : failure(t.error());
  // The secret never leaves the server, not even hashed.
  return json_response(200, json::object{{"tenantId", t->id},
                                         {"externalKey", t->external_key},
                                         {"apiKey", t->api_key},
                                         {"apiSecret", nullptr},
                                         {"auditLogs", json::array{}}});
}

Response put_catalog(Server& s, Ctx& ctx) {
  const std::string& text = ctx.request.body;
  std::string version = ctx.tenant.id + "/" + sha256_hex(text).substr(0, 16);
  if (auto stored = s.billing.put_catalog(version, text); !stored) {
    if (stored.error().code == errors::store_catalog) return bad_request(stored.error().message);
    return failure(stored.error());
  }
  if (auto set = s.tenants.set_catalog_version(ctx.tenant.id, version); !set)
    return failure(set.error());
  return created(ctx, "/1.0/tollgate/catalog");
}

Response get_catalog(Server& s, Ctx& ctx) {
  if (ctx.tenant.catalog_version.empty()) return not_found("no catalog uploaded for this tenant");
  auto text = s.billing.catalog_json(ctx.tenant.catalog_version);
  if (!text) return failure(text.error());
  return Response{200, {{"Content-Type", "application/json"}}, *text};
}

Response put_rules(Server& s, Ctx& ctx) {
  OrganizationKey org{ctx.param("organization"), ctx.tenant.id};
  auto id = s.billing.register_rules(org, ctx.request.body, ctx.now);
  if (!id)
    return id.error().code == errors::store_rules ? bad_request(id.error().message)
                                                  : failure(id.error());
  return created(ctx, "/1.0/tollgate/rules/" + ctx.param("organization"));
}

Response get_rules(Server& s, Ctx& ctx) {
  auto sets = s.billing.rule_sets();
  if (!sets) return failure(sets.error());
  const StoredRuleSet* latest = nullptr;
  for (const auto& set : *sets)
    if (set.organization == OrganizationKey{ctx.param("organization"), ctx.tenant.id})
      latest = &set;
  if (!latest)
    return not_found("no rules registered for organization " + ctx.param("organization"));
  return Response{200, {{"Content-Type", "application/json"}}, latest->rule_json};
}

// Specific paths before the ones with a variable segment in the same place.
constexpr Route kRoutes[] = {
    {"POST", "/1.0/kb/accounts", create_account},
    {"GET", "/1.0/kb/accounts", get_account_by_key},
    {"GET", "/1.0/kb/accounts/{accountId}", get_account},
    {"PUT", "/1.0/kb/accounts/{accountId}", update_account},
    {"GET", "/1.0/kb/accounts/{accountId}/bundles", account_bundles},
    {"GET", "/1.0/kb/accounts/{accountId}/invoices", account_invoices},
    {"GET", "/1.0/kb/accounts/{accountId}/block", account_blocking_states},
    {"POST", "/1.0/kb/invoices/dryRun", dry_run},
    {"POST", "/1.0/kb/invoices", create_invoice},
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
    {"GET", "/1.0/kb/{objectType}/{objectId}/tags", get_tags},
    {"POST", "/1.0/kb/{objectType}/{objectId}/tags", add_tags},
    {"DELETE", "/1.0/kb/{objectType}/{objectId}/tags", delete_tags},
    {"GET", "/1.0/kb/{objectType}/{objectId}/customFields", get_custom_fields},
    {"POST", "/1.0/kb/{objectType}/{objectId}/customFields", add_custom_fields},
    {"PUT", "/1.0/kb/{objectType}/{objectId}/customFields", modify_custom_fields},
    {"DELETE", "/1.0/kb/{objectType}/{objectId}/customFields", delete_custom_fields},
    {"GET", "/1.0/kb/{objectType}/{objectId}/auditLogs", get_audit_logs},
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

// Tenants are made with basic auth alone, as in Kill Bill.
constexpr Route kTenantRoutes[] = {
    {"POST", "/1.0/kb/tenants", create_tenant_resource},
    {"GET", "/1.0/kb/tenants", get_tenant_by_api_key},
};

std::optional<std::string> base64_decode(std::string_view in) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    auto pos = alphabet.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

Response unauthorized(const std::string& message) {
  Response r = failure(401, errors::server_unauthorized, message);
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"killbill\"");
  return r;
}

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

std::string to_text(const json::value& v) {
  std::ostringstream out;
  write(out, v);
  return out.str();
}

json::value amount_json(const Decimal& d) {
  if (!d.is_valid()) return nullptr;  // never on an invoice: the engine refuses such amounts
  // A value that does not terminate (a usage ratio) gets Decimal's 12 places, without "...".
  return json::string(amount_tag() +
                      (d.is_terminating()
                           ? d.to_string()
                           : d.to_fixed(Decimal::max_fractional_digits, RoundingMode::half_even)));
}

std::string phase_name(const std::string& plan, PhaseType phase) {
  std::string name = plan + "-";
  for (char c : to_string(phase))
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::value date_or_null(const std::optional<Date>& d) {
  return d ? json::value(to_string(*d)) : json::value(nullptr);
}

std::string iso_instant(Instant at) {
  return date::format("%FT%T.000Z", at);
}

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
                                      errors::usage_subscription,
                                      errors::refused_illegal,
                                      errors::refused_not_active,
                                      errors::refused_not_entitled,
                                      errors::refused_not_available,
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
  auto stored = s.billing.account(account_id);
  if (!stored) return unexpected(failure(stored.error()));
  TOLLGATE_ASSIGN_OR_RETURN(auto zone, zone_of(*stored));
  auto engine = s.service.engine(*stored);
  if (!engine) return unexpected(failure(engine.error()));
  auto journal = s.billing.journal(account_id);
  if (!journal) return unexpected(failure(journal.error()));
  auto catalog = s.service.catalog(stored->catalog);
  if (!catalog) return unexpected(failure(catalog.error()));
  Date today = zone.local_date(ctx.now);
  return AccountView{std::move(stored).value(),
                     std::move(engine).value(),
                     std::move(journal).value(),
                     zone,
                     today,
                     *catalog};
}

// Today, but never before the account's last operation: the engine's dates
/// only move forward, and a request without a date happens after the last one.
Date today_for(const AccountView& view) {
  Date d = view.today;
  for (const auto& e : view.journal)
    if (d < e.date) d = e.date;
  return d;
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

std::optional<ObjectType> object_type_of_collection(std::string_view segment) {
  if (segment == "accounts") return ObjectType::account;
  if (segment == "bundles") return ObjectType::bundle;
  if (segment == "subscriptions") return ObjectType::subscription;
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

std::vector<std::string> Server::login_keys(const Request& request) {
  std::vector<std::string> keys;
  if (!request.peer.empty()) keys.push_back("address " + request.peer);
  std::string auth = request.header("authorization");
  if (auth.rfind("Basic ", 0) == 0)
    if (auto decoded = base64_decode(std::string_view(auth).substr(6)))
      keys.push_back("user " + decoded->substr(0, decoded->find(':')));
  return keys;
}

Response Server::too_many_attempts(LoginThrottle::Clock::duration wait) const {
  auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
  Response r = failure(429, errors::server_too_many_attempts,
                       "too many failed logins: try again in " + std::to_string(seconds) + " s");
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

bool Server::verify(std::string_view presented, const std::string& salt,
                    const std::string& stored_hash) {
  std::string fingerprint = sha256_hex(presented);
  if (auto it = verified_.find(stored_hash);
      it != verified_.end() && equal_constant_time(it->second, fingerprint))
    return true;
  if (!may_hash_) return false;
  if (!equal_constant_time(hash_secret(presented, salt), stored_hash)) return false;
  verified_[stored_hash] = std::move(fingerprint);
  return true;
}

// An unknown user name or API key costs what a wrong password does (one
// PBKDF2), so that how long a refusal takes does not tell which names exist.
void Server::decoy_hash(std::string_view presented) {
  static const std::string salt = secret_hex(16);  // the length of a real salt
  (void)hash_secret(presented, salt);
}

std::optional<Response> Server::authenticate_user(const Request& request) {
  std::string auth = request.header("authorization");
  if (auth.rfind("Basic ", 0) != 0) return unauthorized("basic authentication is required");
  auto decoded = base64_decode(std::string_view(auth).substr(6));
  auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return unauthorized("malformed basic authentication");
  auto user = tenants.user(decoded->substr(0, colon));
  if (!user) {
    if (user.error().code != errors::store_not_found) return failure(user.error());
    if (may_hash_) decoy_hash(std::string_view(*decoded).substr(colon + 1));
    return unauthorized("wrong user name or password");
  }
  if (!verify(std::string_view(*decoded).substr(colon + 1), user->salt, user->hash))
    return unauthorized("wrong user name or password");
  return std::nullopt;
}

Result<Tenant, Response> Server::authenticate_tenant(const Request& request) {
  std::string key = request.header("x-killbill-apikey");
  std::string secret = request.header("x-killbill-apisecret");
  if (key.empty() || secret.empty())
    return unexpected(unauthorized("X-Killbill-ApiKey and X-Killbill-ApiSecret are required"));
  auto tenant = tenants.tenant_by_api_key(key);
  if (!tenant) {
    if (tenant.error().code != errors::store_not_found) return unexpected(failure(tenant.error()));
    if (may_hash_) decoy_hash(secret);
    return unexpected(unauthorized("wrong api key or secret"));
  }
  if (!verify(secret, tenant->secret_salt, tenant->secret_hash))
    return unexpected(unauthorized("wrong api key or secret"));
  return std::move(tenant).value();
}

Response Server::handle(const Request& request) {
  if (request.body.size() > options.body_limit) return body_too_large(options.body_limit);
  std::string_view target = request.target;
  auto qpos = target.find('?');
  Ctx ctx{request,
          split_path(target.substr(0, qpos)),
          Query(qpos == std::string_view::npos ? "" : target.substr(qpos + 1)),
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
  bool writes = request.method != "GET" && request.method != "HEAD";
  if (writes && ctx.created_by.empty())
    return bad_request("X-Killbill-CreatedBy: required header is missing");

  for (const auto& route : kTenantRoutes)
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

Result<TenantCredentials> create_tenant(TenantStore& store, const std::string& external_key,
                                        std::string api_key, std::string api_secret) {
  if (external_key.empty())
    return make_error(errors::server_argument, "a tenant needs an external key");
  if (api_key.empty()) api_key = detail::secret_hex(16);
  if (api_secret.empty()) api_secret = detail::secret_hex(16);
  Tenant t;
  t.id = detail::uuid4();
  t.external_key = external_key;
  t.api_key = api_key;
  t.secret_salt = detail::secret_hex(16);
  t.secret_hash = detail::hash_secret(api_secret, t.secret_salt);
  TOLLGATE_RETURN_IF_ERROR(store.create_tenant(t));
  return TenantCredentials{t.id, api_key, api_secret};
}

Result<TenantCredentials> rotate_tenant_secret(TenantStore& store, const std::string& api_key) {
  TOLLGATE_ASSIGN_OR_RETURN(auto tenant, store.tenant_by_api_key(api_key));
  std::string secret = detail::secret_hex(16);
  std::string salt = detail::secret_hex(16);
  TOLLGATE_RETURN_IF_ERROR(
      store.set_tenant_secret(api_key, salt, detail::hash_secret(secret, salt)));
  return TenantCredentials{tenant.id, api_key, secret};
}

Result<std::string> put_user(TenantStore& store, const std::string& name, std::string password) {
  if (name.empty() || name.find(':') != std::string::npos)
    return make_error(errors::server_argument, "a user name must be non-empty and hold no ':'");
  if (password.empty()) password = detail::secret_hex(16);
  ApiUser u{name, detail::secret_hex(16), {}};
  u.hash = detail::hash_secret(password, u.salt);
  TOLLGATE_RETURN_IF_ERROR(store.put_user(u));
  return password;
}

}  // namespace tollgate::server
