#pragma once
// Private: what the REST resources share: the server's state, the request
// context, Kill Bill's JSON shapes, errors as Kill Bill answers them.
//
// rest_api.cpp: routing, authentication, transactions, tenants, catalog and rules;
// accounts.cpp: accounts, invoices and dry runs; subscriptions.cpp: bundles and
// subscriptions; usage.cpp: usage; metadata.cpp: tags, custom fields, blocking states;
// payments.cpp: invoice payments, refunds and credits.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "../core/json_reader.hpp"
#include "login_throttle.hpp"
#include "tollgate/billing_service.hpp"
#include "tollgate/server/rest_api.hpp"
#include "tollgate/server/tenant_store.hpp"
#include "tollgate/time_zone.hpp"

namespace tollgate::server::detail {

namespace json = boost::json;
using tollgate::detail::ObjectReader;

/// The query string, decoded; a name may repeat (tagDef=a&tagDef=b).
class Query {
 public:
  explicit Query(std::string_view query);
  /// The first value, or nullopt.
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> all(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

/// One request, authenticated.
struct Ctx {
  const Request& request;
  std::vector<std::string> path;  ///< decoded segments
  Query query;
  Tenant tenant;
  std::string user;  ///< the authenticated user's name (HTTP basic auth)
  std::string created_by;
  Instant now{};
  std::string base_url;  ///< "http://host:port", from the Host header
  /// The path's parameters, by the names of the route that matched
  /// ("{accountId}" in "/1.0/kb/accounts/{accountId}").
  std::vector<std::pair<std::string_view, std::string>> params;

  /// The parameter `name` of the route; every route naming it has it.
  const std::string& param(std::string_view name) const;
  /// The parameter `name`, when the route that matched has it.
  std::optional<std::string> optional_param(std::string_view name) const;
  AuditEntry audit(ObjectType type, const std::string& id, std::string change) const;
};

class Server {
 public:
  Server(BillingStore& billing, TenantStore& tenants, ApiOptions options);

  Response handle(const Request& request);

  BillingStore& billing;
  TenantStore& tenants;
  ApiOptions options;
  BillingService service;

 private:
  std::optional<Response> authenticate_user(const Request& request);
  Result<Tenant, Response> authenticate_tenant(const Request& request);
  Response dispatch(Ctx& ctx);

  /// Whether `presented` is the secret whose salted PBKDF2 hash is `stored_hash`.
  /// PBKDF2 runs once a credential, not once a request: the fingerprint of a
  /// secret that matched is remembered under the stored hash it matched, so a
  /// reset password (a new hash) is never answered from the cache.
  bool verify(std::string_view presented, const std::string& salt, const std::string& stored_hash);
  /// Whether verify() may run PBKDF2: not while the client backs off, when
  /// only a credential verified before (the cache) passes.
  bool may_hash_ = true;
  LoginThrottle throttle_;
  /// The keys failed logins are counted under: the client address, the user.
  static std::vector<std::string> login_keys(const Request& request);
  /// The user name of the request's basic authentication ("" without one).
  static std::string user_name(const Request& request);
  Response too_many_attempts(LoginThrottle::Clock::duration wait) const;
  /// The PBKDF2 a refusal of an unknown user or API key runs all the same.
  static void decoy_hash(std::string_view presented);

  std::map<std::string, std::string> verified_;  ///< stored hash -> sha256(secret that matched)
};

/// The organization an account belongs to unless X-Tollgate-Organization names
/// another; an uploaded Kill Bill catalog's rules are registered for it.
inline constexpr const char* kDefaultOrganization = "default";

// --- responses ----------------------------------------------------------------

Response json_response(int status, const json::value& body);
Response no_content();
/// 201 with Location: base_url + path (Kill Bill's client follows it).
Response created(const Ctx& ctx, const std::string& path);
/// Kill Bill's error body: {"className", "code", "message", ...} and our "problems".
Response failure(int status, const std::string& code, const std::string& message,
                 const Problems& problems = {});
/// An Error's status: store.not_found 404, store.conflict 409, refusals and bad
/// input 400, store.busy 503, anything else 500.
Response failure(const Error& e);
Response bad_request(const std::string& message, const Problems& problems = {});
Response body_too_large(std::size_t limit);
Response not_found(const std::string& message);

/// A decimal as a JSON number (Kill Bill's amounts are numbers), exact: to_text
/// writes its shortest decimal text ("112.25", "50"), never a double's. Only
/// to_text knows the value for a number; read it back from the text.
json::value amount_json(const Decimal& d);
/// Kill Bill's name of a plan's phase: "pro-monthly-trial".
std::string phase_name(const std::string& plan, PhaseType phase);
/// The text, or null when empty (Kill Bill sends null for unset fields).
json::value text_or_null(const std::string& text);
json::value date_or_null(const std::optional<Date>& d);
/// Kill Bill's date-time: "2024-01-03T00:00:00.000Z".
std::string iso_instant(Instant at);

/// Serializes with numbers as written: a decimal amount appears as 41.38, not 4.138E1.
std::string to_text(const json::value& v);

// --- reading requests ---------------------------------------------------------

/// Kill Bill's pagination: `offset` (default 0) and `limit` (default 100) in,
/// X-Killbill-Pagination-* headers out. Errors: a 400 naming a parameter that
/// is not a whole number, or is negative.
struct PageRequest {
  std::int64_t offset = 0;
  std::int64_t limit = 100;
};
Result<PageRequest, Response> page_request(const Ctx& ctx);
Response paged_response(json::array items, const PageRequest& page, std::int64_t total);
/// A page of the tenant's objects of `type` (TenantStore::page), or of those
/// `search` finds (TenantStore::search), each as `render` writes it.
Response object_list(
    Server& s, const Ctx& ctx, ObjectType type, const std::optional<std::string>& search,
    const std::function<Result<json::value, Response>(const OwnedObject&)>& render);

/// The body as JSON, nulls removed (Kill Bill's clients send them for unset fields).
/// Fails with 400 naming where the syntax breaks.
Result<json::value, Response> parse_body(const Ctx& ctx);
/// Marks fields of the Kill Bill model that are accepted and ignored.
void accept_fields(ObjectReader& reader, std::initializer_list<std::string_view> names);
/// 400 listing every problem, or nothing.
std::optional<Response> problems_response(const Problems& problems);
/// A JSON number or numeric string as a Decimal. A number arrives as a double
/// (JavaScript's only kind); its shortest round-trip text is what the client wrote.
std::optional<Decimal> read_amount(const json::value& v, const std::string& path,
                                   Problems& problems);
/// A Kill Bill date parameter: "2024-01-03", or a date-time ("2024-01-03T10:00:00Z",
/// "...+09:00") read as the local date in `zone`. Absent: today in `zone`.
Result<Date, Response> date_param(const Ctx& ctx, std::string_view name, const TimeZone& zone);
Result<Date, Response> parse_kb_date(std::string_view text, const std::string& what,
                                     const TimeZone& zone);
/// An optional enum query parameter; 400 naming the allowed values when unknown.
Result<std::optional<BillingActionPolicy>, Response> policy_param(const Ctx& ctx,
                                                                  std::string_view name);

// --- what resources look up ---------------------------------------------------

/// The tenant's object, or 404 (also when another tenant owns it).
Result<OwnedObject, Response> owned(Server& s, const Ctx& ctx, ObjectType type,
                                    const std::string& id);

/// The account's billing row. An account made before its tenant had a catalog
/// (an UnboundAccount) is bound to the tenant's catalog here, by the first call
/// that bills it; while the tenant has no catalog, that call answers 400.
Result<StoredAccount, Response> billing_account(Server& s, const Ctx& ctx, const std::string& id);
/// The account as reads show it: its billing row or, while it waits for its
/// tenant's catalog, what it was made with (`catalog` empty, currency maybe unset).
Result<StoredAccount, Response> shown_account(Server& s, const Ctx& ctx, const std::string& id);
/// Opens an unbound account's billing row under the tenant's catalog, in its
/// own currency or the catalog's first. 400 when the tenant has no catalog or
/// the catalog has no price in that currency.
Result<StoredAccount, Response> bind_account(Server& s, const Ctx& ctx, const UnboundAccount& u);
/// Tells the billing store what the account's control tags (Kill Bill's
/// AUTO_PAY_OFF, ...) are now. An account still unbound has nothing to tell yet.
Result<Ok, Response> sync_account_controls(Server& s, const Ctx& ctx,
                                           const std::string& account_id);

/// An account's state as of the request: stored account, engine, journal, zone.
struct AccountView {
  StoredAccount stored;
  BillingEngine engine;
  std::optional<Date> last_operation;  ///< the date of its journal's last entry
  TimeZone zone;
  Date today;
  std::shared_ptr<const Catalog> catalog;
};
Result<AccountView, Response> account_view(Server& s, const Ctx& ctx,
                                           const std::string& account_id);
Result<TimeZone, Response> zone_of(const StoredAccount& account);
/// Today in the account's zone, but never before its last operation: the
/// engine's dates only move forward, and a request without a date comes after the last one.
Date today_for(const AccountView& view);
/// The date a change is requested for: the parameter `name`, or today_for(view).
Result<Date, Response> requested(const Ctx& ctx, std::string_view name, const AccountView& view);

/// Kill Bill's JSON for a subscription, a bundle (with its subscriptions), an account, an invoice.
json::object subscription_json(const AccountView& view, const OwnedObject& sub);
/// Kill Bill's subscription events (EventSubscriptionJson) of one subscription, by date.
json::array events_json(const AccountView& view, const std::string& subscription);
/// Views already loaded in this request, by account id (read-only requests).
using AccountViews = std::map<std::string, AccountView>;
Result<json::object, Response> bundle_json(Server& s, const Ctx& ctx, const OwnedObject& bundle,
                                           AccountViews* views = nullptr);
json::object account_json(const StoredAccount& stored, const OwnedObject& owned);
json::object invoice_json(Server& s, const Ctx& ctx, const Invoice& invoice,
                          const std::string& account_id, const std::string& invoice_id,
                          std::string_view status);

/// Records an UPDATE of `o` in the audit log, then answers `r` (or the store's error).
Response audit_and(Server& s, const Ctx& ctx, const OwnedObject& o, Response r);

/// Applies an operation through the billing service and records the audit entry.
Result<Ok, Response> apply(Server& s, const Ctx& ctx, const std::string& account_id,
                           const Operation& op, ObjectType type, const std::string& object_id,
                           const std::string& change);

// --- resources (one a route) ----------------------------------------------------

/// GET /1.0/healthcheck, answered before any authentication: 200 while both
/// stores answer a read, 503 (saying which did not) otherwise.
Response health_check(Server&);
Response current_user_permissions(Server&, Ctx&);
Response current_user_subject(Server&, Ctx&);
Response create_tenant_resource(Server&, Ctx&);
Response list_tag_definitions(Server&, Ctx&);
Response get_tag_definition(Server&, Ctx&);
Response create_tag_definition(Server&, Ctx&);
Response delete_tag_definition(Server&, Ctx&);
Response get_tenant_by_api_key(Server&, Ctx&);
Response put_catalog(Server&, Ctx&);
Response get_catalog(Server&, Ctx&);
// catalog.cpp: Kill Bill's catalog resource.
Response upload_catalog_xml(Server&, Ctx&);
Response get_catalog_xml(Server&, Ctx&);
Response validate_catalog_xml(Server&, Ctx&);
/// A plan by name in the latest catalog version that has it, with that
/// version: a plan a later version retired still names its product for the
/// subscriptions grandfathered on it. Both null when no version has it.
struct VersionedPlan {
  const Catalog* version = nullptr;
  const Plan* plan = nullptr;
};
inline VersionedPlan find_plan_in_versions(const Catalog& catalog, std::string_view name) {
  auto versions = catalog.versions();
  for (auto it = versions.rbegin(); it != versions.rend(); ++it)
    if (const Plan* plan = (*it)->find_plan(name)) return {*it, plan};
  return {};
}

/// Kill Bill's priceList of a plan: null for one in no price list.
inline json::value price_list_or_null(const Plan& plan) {
  return plan.price_list.empty() ? json::value(nullptr) : json::value(plan.price_list);
}
Response get_kill_bill_catalog(Server&, Ctx&);
Response catalog_versions(Server&, Ctx&);
Response post_simple_plan(Server&, Ctx&);
Response delete_catalog(Server&, Ctx&);
Response available_base_plans(Server&, Ctx&);
Response available_addons(Server&, Ctx&);
Response plan_for_subscription(Server&, Ctx&);
Response phase_for_subscription(Server&, Ctx&);
Response product_for_subscription(Server&, Ctx&);
Response price_list_for_subscription(Server&, Ctx&);
Response put_rules(Server&, Ctx&);
Response get_rules(Server&, Ctx&);

Response create_account(Server&, Ctx&);
Response account_timeline(Server&, Ctx&);
Response accounts_page(Server&, Ctx&);
Response search_accounts(Server&, Ctx&);
Response account_overdue(Server&, Ctx&);
Response account_emails(Server&, Ctx&);
Response add_account_email(Server&, Ctx&);
Response remove_account_email(Server&, Ctx&);
Response get_account(Server&, Ctx&);
Response get_account_by_key(Server&, Ctx&);
Response update_account(Server&, Ctx&);
Response account_bundles(Server&, Ctx&);
Response account_invoices(Server&, Ctx&);
Response account_blocking_states(Server&, Ctx&);
Response get_invoice(Server&, Ctx&);
Response invoices_page(Server&, Ctx&);
Response search_invoices(Server&, Ctx&);
Response create_instant_payment(Server&, Ctx&);
Response invoice_payments(Server&, Ctx&);
Response account_payments(Server&, Ctx&);
Response get_payment(Server&, Ctx&);
Response refund_payment(Server&, Ctx&);
Response create_credits(Server&, Ctx&);
Response get_credit(Server&, Ctx&);
Response add_payment_method(Server&, Ctx&);
Response account_payment_methods(Server&, Ctx&);
Response get_payment_method(Server&, Ctx&);
Response delete_payment_method(Server&, Ctx&);
Response set_default_payment_method(Server&, Ctx&);
Response create_invoice(Server&, Ctx&);
Response dry_run(Server&, Ctx&);

Response create_subscription(Server&, Ctx&);
Response create_subscription_with_addons(Server&, Ctx&);
Response create_subscriptions_with_addons(Server&, Ctx&);
Response get_subscription(Server&, Ctx&);
Response get_subscription_by_key(Server&, Ctx&);
Response change_plan(Server&, Ctx&);
Response cancel_subscription(Server&, Ctx&);
Response uncancel_subscription(Server&, Ctx&);
Response undo_change_plan(Server&, Ctx&);
Response subscription_bcd(Server&, Ctx&);
Response block_subscription(Server&, Ctx&);

Response get_bundle(Server&, Ctx&);
Response get_bundle_by_key(Server&, Ctx&);
Response bundles_page(Server&, Ctx&);
Response search_bundles(Server&, Ctx&);
Response transfer_bundle(Server&, Ctx&);
Response pause_bundle(Server&, Ctx&);
Response resume_bundle(Server&, Ctx&);
Response block_bundle(Server&, Ctx&);
Response rename_bundle_key(Server&, Ctx&);

Response record_usage(Server&, Ctx&);
Response get_usage(Server&, Ctx&);

Response get_tags(Server&, Ctx&);
Response add_tags(Server&, Ctx&);
Response delete_tags(Server&, Ctx&);
Response get_custom_fields(Server&, Ctx&);
Response add_custom_fields(Server&, Ctx&);
Response modify_custom_fields(Server&, Ctx&);
Response delete_custom_fields(Server&, Ctx&);
Response get_audit_logs(Server&, Ctx&);

/// The object type a collection segment names ("accounts", "bundles", "subscriptions").
std::optional<ObjectType> object_type_of_collection(std::string_view segment);

}  // namespace tollgate::server::detail
