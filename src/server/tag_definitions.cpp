// Tag definitions: Kill Bill's system ones (fixed ids, control tags) and each
// tenant's own, made through /1.0/kb/tagDefinitions.

#include "tag_definitions.hpp"

#include <algorithm>

#include "credentials.hpp"

namespace tollgate::server::detail {
namespace {

// Kill Bill's ControlTagType, in its order, with its ids and descriptions.
const std::vector<TagDefinitionView>& system_definitions() {
  static const std::vector<TagDefinitionView> all = [] {
    auto control = [](const char* id, const char* name, const char* description,
                      std::vector<std::string> types) {
      return TagDefinitionView{{id, name, description, std::move(types)}, true};
    };
    return std::vector<TagDefinitionView>{
        control("00000000-0000-0000-0000-000000000001", "AUTO_PAY_OFF",
                "Suspends payments until removed.", {"ACCOUNT"}),
        control("00000000-0000-0000-0000-000000000002", "AUTO_INVOICING_OFF",
                "Suspends invoicing until removed.", {"ACCOUNT"}),
        control("00000000-0000-0000-0000-000000000003", "OVERDUE_ENFORCEMENT_OFF",
                "Suspends overdue enforcement behaviour until removed.", {"ACCOUNT"}),
        control("00000000-0000-0000-0000-000000000004", "WRITTEN_OFF",
                "Indicates that an invoice is written off. No billing or payment effect.",
                {"INVOICE"}),
        control("00000000-0000-0000-0000-000000000005", "MANUAL_PAY",
                "Indicates that Killbill doesn't process payments for that account (external "
                "payments only)",
                {"ACCOUNT"}),
        control("00000000-0000-0000-0000-000000000006", "TEST",
                "Indicates that this is a test account", {"ACCOUNT"}),
        control("00000000-0000-0000-0000-000000000007", "PARTNER",
                "Indicates that this is a partner account", {"ACCOUNT"}),
        control("00000000-0000-0000-0000-000000000008", "AUTO_INVOICING_DRAFT",
                "Generate account invoices in DRAFT mode.", {"ACCOUNT"}),
        control("00000000-0000-0000-0000-000000000009", "AUTO_INVOICING_REUSE_DRAFT",
                "Use existing draft invoice if exists.", {"ACCOUNT"}),
    };
  }();
  return all;
}

// Kill Bill's ObjectType names: what applicableObjectTypes may list.
constexpr std::string_view kObjectTypes[] = {
    "ACCOUNT",           "ACCOUNT_EMAIL",   "BLOCKING_STATES",    "BUNDLE",
    "CUSTOM_FIELD",      "INVOICE",         "INVOICE_ITEM",       "INVOICE_PAYMENT",
    "PAYMENT",           "PAYMENT_ATTEMPT", "PAYMENT_METHOD",     "REFUND",
    "SERVICE_BROADCAST", "SUBSCRIPTION",    "SUBSCRIPTION_EVENT", "TAG",
    "TAG_DEFINITION",    "TENANT",          "TENANT_KVS",         "TRANSACTION",
};

json::object definition_json(const TagDefinitionView& d) {
  json::array types;
  for (const auto& t : d.definition.applicable_object_types) types.emplace_back(t);
  return json::object{{"id", d.definition.id},
                      {"isControlTag", d.control},
                      {"name", d.definition.name},
                      {"description", d.definition.description},
                      {"applicableObjectTypes", std::move(types)},
                      {"auditLogs", json::array{}}};
}

}  // namespace

const TagDefinitionView* system_tag_definition(std::string_view id) {
  for (const auto& d : system_definitions())
    if (d.definition.id == id) return &d;
  return nullptr;
}

Result<std::vector<TagDefinitionView>, Response> all_definitions(Server& s, const Ctx& ctx) {
  auto own = s.tenants.tag_definitions(ctx.tenant.id);
  if (!own) return unexpected(failure(own.error()));
  std::vector<TagDefinitionView> all = system_definitions();
  for (auto& d : *own) all.push_back({std::move(d), false});
  return all;
}

Result<TagDefinitionView, Response> find_tag_definition(Server& s, const Ctx& ctx,
                                                        const std::string& id) {
  if (const auto* system = system_tag_definition(id)) return *system;  // no store read
  TOLLGATE_ASSIGN_OR_RETURN(auto all, all_definitions(s, ctx));
  for (auto& d : all)
    if (d.definition.id == id) return std::move(d);
  return unexpected(not_found("no tag definition " + id));
}

Response list_tag_definitions(Server& s, Ctx& ctx) {
  auto all = all_definitions(s, ctx);
  if (!all) return std::move(all).error();
  json::array out;
  for (const auto& d : *all) out.push_back(definition_json(d));
  return json_response(200, out);
}

Response get_tag_definition(Server& s, Ctx& ctx) {
  auto d = find_tag_definition(s, ctx, ctx.param("tagDefinitionId"));
  if (!d) return std::move(d).error();
  return json_response(200, definition_json(*d));
}

Response create_tag_definition(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  auto name = r.text("name", true);
  auto description = r.text("description");
  auto control = r.boolean("isControlTag");
  const json::array* types = r.array("applicableObjectTypes", true);
  accept_fields(r, {"id", "auditLogs"});  // Kill Bill's clients send them; the server picks the id
  r.reject_unknown_fields();
  if (control && *control) r.problem("isControlTag", "only Kill Bill's system definitions are");
  TagDefinition d{uuid4(), name.value_or(""), description.value_or(""), {}};
  if (types && types->empty()) r.problem("applicableObjectTypes", "must name an object type");
  for (std::size_t i = 0; types && i < types->size(); ++i) {
    const auto& v = (*types)[i];
    auto path = tollgate::detail::path_index("applicableObjectTypes", i);
    if (!v.is_string() || std::find(std::begin(kObjectTypes), std::end(kObjectTypes),
                                    v.get_string()) == std::end(kObjectTypes))
      problems.push_back({path, "must be one of Kill Bill's object types (ACCOUNT, BUNDLE, ...)"});
    else
      d.applicable_object_types.emplace_back(v.get_string());
  }
  if (auto bad = problems_response(problems)) return *bad;
  for (const auto& system : system_definitions())
    if (system.definition.name == d.name)
      return failure(409, errors::store_conflict,
                     "\"" + d.name + "\" is the name of a system tag definition");
  if (auto made = s.tenants.create_tag_definition(ctx.tenant.id, d); !made)
    return failure(made.error());
  return created(ctx, "/1.0/kb/tagDefinitions/" + d.id);
}

Response delete_tag_definition(Server& s, Ctx& ctx) {
  const std::string& id = ctx.param("tagDefinitionId");
  for (const auto& system : system_definitions())
    if (system.definition.id == id)
      return bad_request("tag definition " + id + " is a system one: it cannot be deleted");
  if (auto gone = s.tenants.delete_tag_definition(ctx.tenant.id, id); !gone)
    return failure(gone.error());
  return no_content();
}

}  // namespace tollgate::server::detail
