// Tenants, the catalog and the rules: the resources a tenant sets up before
// its accounts (POST/GET /1.0/kb/tenants, /1.0/tollgate/catalog and rules),
// and the first-run functions behind `tollgate tenant`.

#include <string>

#include "api.hpp"
#include "credentials.hpp"

namespace tollgate::server {
namespace detail {

Response create_tenant_resource(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  auto api_key = r.string("apiKey", true);
  auto api_secret = r.string("apiSecret", true);
  auto external_key = r.text("externalKey");
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

}  // namespace detail

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
