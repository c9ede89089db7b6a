// What a load balancer and Kill Bill's clients ask of the server itself: is
// it healthy (no credentials: a load balancer has none), and who am I.

#include "api.hpp"

namespace tollgate::server::detail {

// The stores answer a read: the billing store's and the server's own. A busy
// or unreachable store (a PostgreSQL server gone, a locked file) is unhealthy.
Response health_check(Server& s) {
  auto billing = s.billing.rules_revision();
  auto tenants = s.tenants.tenant_by_api_key("");  // no tenant has an empty key
  bool tenants_answered = tenants || tenants.error().code == errors::store_not_found;
  auto check = [](bool healthy, const std::string& code) {
    json::object o{{"healthy", healthy}};
    if (!healthy) o["message"] = "the store did not answer (" + code + ")";
    return o;
  };
  bool healthy = billing.has_value() && tenants_answered;
  return json_response(
      healthy ? 200 : 503,
      json::object{
          {"billingStore", check(billing.has_value(), billing ? "" : billing.error().code)},
          {"serverStore", check(tenants_answered, tenants_answered ? "" : tenants.error().code)}});
}

namespace {

// Kill Bill's permissions ("group:value", its Permission enum). A Tollgate
// user has no roles: every authenticated user may do all of it.
constexpr const char* kPermissions[] = {
    "account:create",
    "account:update",
    "account:add_emails",
    "account:delete_emails",
    "account:charge",
    "account:credit",
    "catalog:config_upload",
    "custom_field:add",
    "custom_field:delete",
    "entitlement:create",
    "entitlement:change_plan",
    "entitlement:pause_resume",
    "entitlement:cancel",
    "entitlement:transfer",
    "invoice:credit",
    "invoice:adjust",
    "invoice:item_adjust",
    "invoice:delete_cba",
    "invoice:trigger",
    "overdue:config_upload",
    "payment:trigger",
    "payment:refund",
    "payment:chargeback",
    "payment:external_payment",
    "payment_method:create",
    "payment_method:update",
    "payment_method:delete",
    "tag:create_tag_definition",
    "tag:delete_tag_definition",
    "tag:add",
    "tag:delete",
    "tenant:view",
    "tenant:create",
    "tenant_kvs:add",
    "tenant_kvs:delete",
    "usage:record",
    "user:view",
    "user:create",
    "admin:update",
};

}  // namespace

Response current_user_permissions(Server&, Ctx&) {
  json::array out;
  for (const char* p : kPermissions) out.emplace_back(p);
  return json_response(200, out);
}

// Basic authentication holds no session: each request is authenticated afresh.
Response current_user_subject(Server&, Ctx& ctx) {
  return json_response(200, json::object{{"principal", ctx.user},
                                         {"isAuthenticated", true},
                                         {"isRemembered", false},
                                         {"session", nullptr}});
}

}  // namespace tollgate::server::detail
