// Tags, custom fields and audit logs of accounts, bundles, subscriptions and invoices.

#include <algorithm>
#include <cctype>

#include "api.hpp"
#include "credentials.hpp"
#include "tag_definitions.hpp"
#include "tollgate/collections.hpp"

namespace tollgate::server::detail {
namespace {

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

/// The object the path names (/1.0/kb/{collection}/{id}/...), owned by the tenant.
Result<OwnedObject, Response> target(Server& s, const Ctx& ctx) {
  auto type = object_type_of_collection(ctx.param("objectType"));
  if (!type) return unexpected(not_found("no such resource"));
  if (*type != ObjectType::invoice) return owned(s, ctx, *type, ctx.param("objectId"));
  // An invoice is the tenant's when its account is.
  auto inv = s.billing.invoice(ctx.param("objectId"));
  if (!inv || !s.tenants.object(ctx.tenant.id, ObjectType::account, inv->account_id))
    return unexpected(not_found("Invoice does not exist for id " + ctx.param("objectId")));
  OwnedObject o;
  o.id = inv->id;
  o.tenant_id = ctx.tenant.id;
  o.type = ObjectType::invoice;
  o.account_id = inv->account_id;
  return o;
}

std::string collection_path(const Ctx& ctx, std::string_view tail) {
  return "/1.0/kb/" + ctx.param("objectType") + "/" + ctx.param("objectId") + "/" +
         std::string(tail);
}

// An invoice tagged WRITTEN_OFF is written off, and taken back when the tag goes.
Result<Ok, Response> sync_write_off(Server& s, const Ctx& ctx, const OwnedObject& invoice) {
  auto tags = s.tenants.tags_of(ctx.tenant.id, invoice.id);
  if (!tags) return unexpected(failure(tags.error()));
  bool written_off = std::any_of(tags->begin(), tags->end(), [](const Tag& t) {
    const auto* d = system_tag_definition(t.definition_id);
    return d && d->definition.name == "WRITTEN_OFF";
  });
  TOLLGATE_ASSIGN_OR_RETURN(auto account, billing_account(s, ctx, invoice.account_id));
  TOLLGATE_ASSIGN_OR_RETURN(auto zone, zone_of(account));
  if (auto r = Collections(s.service).write_off(invoice.id, written_off, zone.local_date(ctx.now));
      !r)
    return unexpected(failure(r.error()));
  return Ok{};
}

// An account's tags decide its controls (Kill Bill's control tags): the
// billing store is told whenever they change, in the same transaction.
Result<Ok, Response> sync_controls(Server& s, const Ctx& ctx, const OwnedObject& o) {
  if (o.type == ObjectType::invoice) return sync_write_off(s, ctx, o);
  if (o.type != ObjectType::account) return Ok{};
  return sync_account_controls(s, ctx, o.id);
}

}  // namespace

Result<Ok, Response> sync_account_controls(Server& s, const Ctx& ctx,
                                           const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto account, shown_account(s, ctx, account_id));
  if (account.catalog.empty()) return Ok{};  // binding it syncs them
  auto tags = s.tenants.tags_of(ctx.tenant.id, account_id);
  if (!tags) return unexpected(failure(tags.error()));
  AccountControls controls;
  for (const auto& t : *tags)  // only Kill Bill's system definitions control anything
    if (const auto* d = system_tag_definition(t.definition_id))
      set_control(controls, d->definition.name, true);
  TOLLGATE_ASSIGN_OR_RETURN(auto zone, zone_of(account));
  if (auto r = Collections(s.service).set_controls(account_id, controls, zone.local_date(ctx.now));
      !r)
    return unexpected(failure(r.error()));
  return Ok{};
}

namespace {

// Kill Bill's includedDeleted: the tags or fields removed since are listed too,
// after the current ones.
bool included_deleted(const Ctx& ctx) {
  return ctx.query.get("includedDeleted") == "true";
}

}  // namespace

Response get_tags(Server& s, Ctx& ctx) {
  auto o = target(s, ctx);
  if (!o) return std::move(o).error();
  auto tags = s.tenants.tags_of(ctx.tenant.id, o->id);
  if (!tags) return failure(tags.error());
  if (included_deleted(ctx)) {
    auto removed = s.tenants.removed_tags_of(ctx.tenant.id, o->id);
    if (!removed) return failure(removed.error());
    tags->insert(tags->end(), removed->begin(), removed->end());
  }
  auto definitions = all_definitions(s, ctx);  // read once, not once a tag
  if (!definitions) return std::move(definitions).error();
  auto name_of = [&](const std::string& id) -> json::value {
    for (const auto& d : *definitions)
      if (d.definition.id == id) return json::value(d.definition.name);
    return nullptr;  // a removed tag's definition may have been deleted since
  };
  json::array out;
  for (const auto& t : *tags)
    out.push_back(json::object{{"tagId", t.id},
                               {"objectType", to_string(t.object_type)},
                               {"objectId", t.object_id},
                               {"tagDefinitionId", t.definition_id},
                               {"tagDefinitionName", name_of(t.definition_id)},
                               {"auditLogs", json::array{}}});
  return json_response(200, out);
}

namespace {

// The definition ids to add, with the path each came from: the JSON array of
// the body, or (as Kill Bill's older clients send them) the tagList query
// parameter with an empty body.
Result<std::vector<std::pair<std::string, std::string>>, Response> requested_tags(const Ctx& ctx) {
  std::vector<std::pair<std::string, std::string>> ids;  // (id, path)
  Problems problems;
  if (ctx.request.body.empty()) {
    for (const auto& id : ctx.query.all("tagList")) ids.emplace_back(id, "tagList");
    if (ids.empty()) problems.push_back({"tagList", "name at least one tag definition id"});
  } else {
    TOLLGATE_ASSIGN_OR_RETURN(auto body, parse_body(ctx));
    if (!body.is_array()) problems.push_back({"$", "must be an array of tag definition ids"});
    for (std::size_t i = 0; body.is_array() && i < body.get_array().size(); ++i) {
      const auto& v = body.get_array()[i];
      auto path = tollgate::detail::path_index("$", i);
      if (!v.is_string())
        problems.push_back({path, "must be a tag definition id (a UUID)"});
      else
        ids.emplace_back(std::string(v.get_string()), path);
    }
  }
  for (const auto& [id, path] : ids)
    if (!is_uuid(id)) problems.push_back({path, "\"" + id + "\" is not a tag definition id"});
  if (auto bad = problems_response(problems)) return unexpected(*bad);
  return ids;
}

}  // namespace

Response add_tags(Server& s, Ctx& ctx) {
  auto o = target(s, ctx);
  if (!o) return std::move(o).error();
  auto ids = requested_tags(ctx);
  if (!ids) return std::move(ids).error();
  for (const auto& [id, path] : *ids) {
    auto d = find_tag_definition(s, ctx, id);
    if (!d) return std::move(d).error();
    // A tenant's own definition says where its tags go. (Kill Bill's system
    // ones are taken on any object, as before they were defined here.)
    const auto& types = d->definition.applicable_object_types;
    if (!d->control && std::find(types.begin(), types.end(), to_string(o->type)) == types.end())
      return bad_request(path + ": tag definition \"" + d->definition.name +
                         "\" does not apply to " + std::string(to_string(o->type)));
    if (auto a = s.tenants.add_tag(ctx.tenant.id, Tag{uuid4(), o->id, o->type, id}); !a)
      return failure(a.error());
  }
  if (auto synced = sync_controls(s, ctx, *o); !synced) return std::move(synced).error();
  return audit_and(s, ctx, *o, created(ctx, collection_path(ctx, "tags")));
}

Response delete_tags(Server& s, Ctx& ctx) {
  auto o = target(s, ctx);
  if (!o) return std::move(o).error();
  auto defs = ctx.query.all("tagDef");
  for (const auto& d : defs)
    if (!is_uuid(d)) return bad_request("tagDef: \"" + d + "\" is not a tag definition id");
  if (auto r = s.tenants.remove_tags(ctx.tenant.id, o->id, defs); !r) return failure(r.error());
  if (auto synced = sync_controls(s, ctx, *o); !synced) return std::move(synced).error();
  return audit_and(s, ctx, *o, no_content());
}

Response get_custom_fields(Server& s, Ctx& ctx) {
  auto o = target(s, ctx);
  if (!o) return std::move(o).error();
  auto fields = s.tenants.custom_fields_of(ctx.tenant.id, o->id);
  if (!fields) return failure(fields.error());
  if (included_deleted(ctx)) {
    auto removed = s.tenants.removed_custom_fields_of(ctx.tenant.id, o->id);
    if (!removed) return failure(removed.error());
    fields->insert(fields->end(), removed->begin(), removed->end());
  }
  json::array out;
  for (const auto& f : *fields)
    out.push_back(json::object{{"customFieldId", f.id},
                               {"objectId", f.object_id},
                               {"objectType", to_string(f.object_type)},
                               {"name", f.name},
                               {"value", f.value},
                               {"auditLogs", json::array{}}});
  return json_response(200, out);
}

namespace {

struct FieldIn {
  std::optional<std::string> id, name, value;
};

Result<std::vector<FieldIn>, Response> read_fields(const Ctx& ctx, bool modify) {
  TOLLGATE_ASSIGN_OR_RETURN(auto body, parse_body(ctx));
  Problems problems;
  std::vector<FieldIn> out;
  if (!body.is_array()) problems.push_back({"$", "must be an array of custom fields"});
  if (body.is_array())
    for (std::size_t i = 0; i < body.get_array().size(); ++i) {
      ObjectReader r(body.get_array()[i], tollgate::detail::path_index("$", i), problems);
      FieldIn f;
      f.id = r.string("customFieldId", modify);
      f.name = r.text("name", !modify);
      f.value = r.text("value", true);
      accept_fields(r, {"objectId", "objectType", "auditLogs"});
      r.reject_unknown_fields();
      out.push_back(std::move(f));
    }
  if (auto bad = problems_response(problems)) return unexpected(*bad);
  return out;
}

}  // namespace

Response add_custom_fields(Server& s, Ctx& ctx) {
  auto o = target(s, ctx);
  if (!o) return std::move(o).error();
  auto fields = read_fields(ctx, false);
  if (!fields) return std::move(fields).error();
  for (const auto& f : *fields)
    if (auto a = s.tenants.add_custom_field(
            ctx.tenant.id, CustomField{uuid4(), o->id, o->type, *f.name, *f.value});
        !a)
      return failure(a.error());
  return audit_and(s, ctx, *o, created(ctx, collection_path(ctx, "customFields")));
}

Response modify_custom_fields(Server& s, Ctx& ctx) {
  auto o = target(s, ctx);
  if (!o) return std::move(o).error();
  auto fields = read_fields(ctx, true);
  if (!fields) return std::move(fields).error();
  for (const auto& f : *fields)
    if (auto a = s.tenants.set_custom_field_value(ctx.tenant.id, o->id, *f.id, *f.value); !a)
      return a.error().code == errors::store_not_found
                 ? bad_request("customFieldId: no custom field " + *f.id + " on this object")
                 : failure(a.error());
  return audit_and(s, ctx, *o, no_content());
}

Response delete_custom_fields(Server& s, Ctx& ctx) {
  auto o = target(s, ctx);
  if (!o) return std::move(o).error();
  if (auto r = s.tenants.remove_custom_fields(ctx.tenant.id, o->id, ctx.query.all("customField"));
      !r)
    return failure(r.error());
  return audit_and(s, ctx, *o, no_content());
}

Response get_audit_logs(Server& s, Ctx& ctx) {
  auto o = target(s, ctx);
  if (!o) return std::move(o).error();
  auto entries = s.tenants.audit_of(ctx.tenant.id, o->id);
  if (!entries) return failure(entries.error());
  json::array out;
  for (const auto& e : *entries)
    out.push_back(json::object{{"changeType", e.change_type},
                               {"changeDate", iso_instant(e.at)},
                               {"objectType", to_string(e.object_type)},
                               {"objectId", e.object_id},
                               {"changedBy", e.created_by},
                               {"reasonCode", text_or_null(e.reason)},
                               {"comments", text_or_null(e.comment)},
                               {"userToken", nullptr},
                               {"history", nullptr}});
  return json_response(200, out);
}

}  // namespace tollgate::server::detail
