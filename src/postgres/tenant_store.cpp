// PostgresTenantStore: the REST server's tables, on the PostgresStore's
// connection, with a migration track of their own.

#include "tollgate/postgres/postgres_tenant_store.hpp"

#include "../server/object_type_list.hpp"
#include "store_impl.hpp"

namespace tollgate::postgres {

// The server's vocabulary (tollgate/server/tenant_store.hpp).
using server::ApiUser;
using server::AuditEntry;
using server::BlockingState;
using server::CustomField;
using server::ObjectType;
using server::OwnedObject;
using server::Tag;
using server::TagDefinition;
using server::Tenant;
using server::UnboundAccount;
namespace {

// The same tables as SqliteStore's migration 5, in PostgreSQL's dialect.
constexpr std::array<Migration, 7> kServerMigrations{{
    {1, "the REST server's tenants, object keys, tags, custom fields and audit log", R"sql(
      CREATE TABLE tenant (
        id              TEXT NOT NULL PRIMARY KEY,
        external_key    TEXT NOT NULL UNIQUE,
        api_key         TEXT NOT NULL UNIQUE,
        secret_salt     TEXT NOT NULL,
        secret_hash     TEXT NOT NULL,
        catalog_version TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE api_user (
        name TEXT NOT NULL PRIMARY KEY,
        salt TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE TABLE owned_object (
        seq          BIGSERIAL PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,
        tenant_id    TEXT NOT NULL REFERENCES tenant (id),
        type         TEXT NOT NULL,
        account_id   TEXT NOT NULL,
        bundle_id    TEXT NOT NULL DEFAULT '',
        external_key TEXT NOT NULL DEFAULT '',
        name         TEXT NOT NULL DEFAULT '',
        email        TEXT NOT NULL DEFAULT '',
        created_at   BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX owned_object_by_key ON owned_object (tenant_id, type, external_key)
        WHERE external_key <> '';
      CREATE INDEX owned_object_by_account ON owned_object (tenant_id, type, account_id);
      CREATE INDEX owned_object_by_bundle ON owned_object (tenant_id, bundle_id);
      CREATE TABLE object_tag (
        seq           BIGSERIAL PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        tenant_id     TEXT NOT NULL,
        object_id     TEXT NOT NULL,
        object_type   TEXT NOT NULL,
        definition_id TEXT NOT NULL,
        UNIQUE (tenant_id, object_id, definition_id)
      );
      CREATE TABLE custom_field (
        seq         BIGSERIAL PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        tenant_id   TEXT NOT NULL,
        object_id   TEXT NOT NULL,
        object_type TEXT NOT NULL,
        name        TEXT NOT NULL,
        value       TEXT NOT NULL
      );
      CREATE INDEX custom_field_by_object ON custom_field (tenant_id, object_id);
      CREATE TABLE blocking_state (
        seq               BIGSERIAL PRIMARY KEY,
        tenant_id         TEXT NOT NULL,
        object_id         TEXT NOT NULL,
        object_type       TEXT NOT NULL,
        state_name        TEXT NOT NULL,
        service           TEXT NOT NULL,
        block_change      BOOLEAN NOT NULL,
        block_entitlement BOOLEAN NOT NULL,
        block_billing     BOOLEAN NOT NULL,
        effective_date    DATE NOT NULL
      );
      CREATE INDEX blocking_state_by_object ON blocking_state (tenant_id, object_id);
      CREATE TABLE usage_tracking (
        tenant_id       TEXT NOT NULL,
        tracking_id     TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        PRIMARY KEY (tenant_id, tracking_id)
      );
      CREATE TABLE audit_log (
        seq         BIGSERIAL PRIMARY KEY,
        tenant_id   TEXT NOT NULL,
        object_id   TEXT NOT NULL,
        object_type TEXT NOT NULL,
        change_type TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        reason      TEXT NOT NULL DEFAULT '',
        comment     TEXT NOT NULL DEFAULT '',
        at          BIGINT NOT NULL
      );
      CREATE INDEX audit_log_by_object ON audit_log (tenant_id, object_id);
    )sql"},
    {2, "each tenant's own tag definitions", R"sql(
      CREATE TABLE tag_definition (
        seq         BIGSERIAL PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        tenant_id   TEXT NOT NULL REFERENCES tenant (id),
        name        TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        applicable  TEXT NOT NULL,
        UNIQUE (tenant_id, name)
      );
      CREATE INDEX object_tag_by_definition ON object_tag (tenant_id, definition_id);
    )sql"},
    {3, "accounts' contact emails", R"sql(
      CREATE TABLE account_email (
        seq        BIGSERIAL PRIMARY KEY,
        tenant_id  TEXT NOT NULL REFERENCES tenant (id),
        account_id TEXT NOT NULL,
        email      TEXT NOT NULL,
        UNIQUE (tenant_id, account_id, email)
      );
    )sql"},
    {4, "objects' places in creation order, and indexes for pages and searches", R"sql(
      ALTER TABLE owned_object ADD COLUMN position BIGINT;
      UPDATE owned_object SET position = n FROM (SELECT seq AS s, row_number() OVER
        (PARTITION BY tenant_id, type ORDER BY seq) AS n FROM owned_object) AS numbered
        WHERE numbered.s = owned_object.seq;
      CREATE UNIQUE INDEX owned_object_by_position ON owned_object (tenant_id, type, position);
      CREATE INDEX owned_object_by_external_key ON owned_object (tenant_id, type, external_key COLLATE "C");
      CREATE INDEX owned_object_by_name ON owned_object (tenant_id, type, name COLLATE "C");
      CREATE INDEX owned_object_by_email ON owned_object (tenant_id, type, email COLLATE "C");
    )sql"},
    {5, "accounts made before their tenant had a catalog", R"sql(
      CREATE TABLE unbound_account (
        tenant_id       TEXT NOT NULL REFERENCES tenant (id),
        id              TEXT NOT NULL,
        currency        TEXT NOT NULL DEFAULT '',
        time_zone       TEXT NOT NULL,
        bill_cycle_day  INTEGER,
        organization_id TEXT NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
    )sql"},
    {6, "each tenant's invoices by their place, kept by a trigger on the billing store's", R"sql(
      CREATE TABLE invoice_place (
        tenant_id  TEXT NOT NULL,
        position   BIGINT NOT NULL,
        invoice_id TEXT NOT NULL UNIQUE,
        currency   TEXT NOT NULL,
        PRIMARY KEY (tenant_id, position)
      );
      CREATE INDEX invoice_place_by_currency ON invoice_place (tenant_id, currency, position);
      INSERT INTO invoice_place (tenant_id, position, invoice_id, currency)
        SELECT a.tenant_id, row_number() OVER (PARTITION BY a.tenant_id ORDER BY i.invoice_number),
               i.id, i.currency
        FROM invoice i JOIN account a ON a.id = i.account_id;
      -- Saving an invoice holds the invoice_sequence row until commit, so
      -- invoices are placed one at a time and max + 1 is never taken twice.
      CREATE FUNCTION tollgate_place_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO invoice_place (tenant_id, position, invoice_id, currency)
          SELECT a.tenant_id, coalesce((SELECT max(position) FROM invoice_place
                                        WHERE tenant_id = a.tenant_id), 0) + 1, NEW.id, NEW.currency
          FROM account a WHERE a.id = NEW.account_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER invoice_placed AFTER INSERT ON invoice
        FOR EACH ROW EXECUTE FUNCTION tollgate_place_invoice();
    )sql"},
    {7, "tags and custom fields kept once removed (Kill Bill's includedDeleted)", R"sql(
      CREATE TABLE removed_object_tag (
        seq           BIGSERIAL PRIMARY KEY,
        id            TEXT NOT NULL,
        tenant_id     TEXT NOT NULL,
        object_id     TEXT NOT NULL,
        object_type   TEXT NOT NULL,
        definition_id TEXT NOT NULL
      );
      CREATE INDEX removed_object_tag_by_object ON removed_object_tag (tenant_id, object_id);
      CREATE FUNCTION tollgate_keep_removed_tag() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO removed_object_tag (id, tenant_id, object_id, object_type, definition_id)
          VALUES (OLD.id, OLD.tenant_id, OLD.object_id, OLD.object_type, OLD.definition_id);
        RETURN NULL;
      END $$;
      CREATE TRIGGER object_tag_removed AFTER DELETE ON object_tag
        FOR EACH ROW EXECUTE FUNCTION tollgate_keep_removed_tag();
      CREATE TABLE removed_custom_field (
        seq         BIGSERIAL PRIMARY KEY,
        id          TEXT NOT NULL,
        tenant_id   TEXT NOT NULL,
        object_id   TEXT NOT NULL,
        object_type TEXT NOT NULL,
        name        TEXT NOT NULL,
        value       TEXT NOT NULL
      );
      CREATE INDEX removed_custom_field_by_object ON removed_custom_field (tenant_id, object_id);
      CREATE FUNCTION tollgate_keep_removed_field() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO removed_custom_field (id, tenant_id, object_id, object_type, name, value)
          VALUES (OLD.id, OLD.tenant_id, OLD.object_id, OLD.object_type, OLD.name, OLD.value);
        RETURN NULL;
      END $$;
      CREATE TRIGGER custom_field_removed AFTER DELETE ON custom_field
        FOR EACH ROW EXECUTE FUNCTION tollgate_keep_removed_field();
    )sql"},
}};

constexpr MigrationTrack kServerTrack{
    kServerMigrations,
    PostgresTenantStore::latest_schema_version,
    "SELECT pg_advisory_xact_lock(7201388470553)",
    "CREATE TABLE IF NOT EXISTS tollgate_server_migration (version INTEGER NOT NULL PRIMARY KEY, "
    "description TEXT NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    "SELECT coalesce(max(version), 0) FROM tollgate_server_migration",
    "INSERT INTO tollgate_server_migration (version, description) VALUES ($1, $2)"};

Result<ObjectType> object_type_column(const Rows& r, int row, int column,
                                      const std::string& table) {
  auto t = server::object_type_named(r.text(row, column));
  if (!t) return corrupt(table, r.text(row, 0), "object type");
  return *t;
}

Instant instant(std::int64_t s) {
  return Instant{std::chrono::seconds(s)};
}

Param flag(bool b) {
  return b ? "true" : "false";
}

/// A statement that may break a unique constraint runs in a savepoint of its
/// own (PostgreSQL aborts the whole transaction on an error otherwise), and the
/// failure reads as the conflict it means.
template <class F>
Result<Rows> conflict_as(Connection& db, const std::string& what, F statement) {
  auto r = in_transaction(db, statement);
  if (!r && r.error().code == errors::store_constraint)
    return make_error(errors::store_conflict, what);
  return r;
}

// Ids as one parameter, split again by string_to_array (ids never hold U+001F).
std::string join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += '\x1f';
    out += id;
  }
  return out;
}

Result<OwnedObject> read_object(const Rows& r, int i) {
  TOLLGATE_ASSIGN_OR_RETURN(auto type, object_type_column(r, i, 2, "owned_object"));
  return OwnedObject{.id = r.text(i, 0),
                     .tenant_id = r.text(i, 1),
                     .type = type,
                     .account_id = r.text(i, 3),
                     .bundle_id = r.text(i, 4),
                     .external_key = r.text(i, 5),
                     .name = r.text(i, 6),
                     .email = r.text(i, 7),
                     .created_at = instant(r.integer(i, 8))};
}

Result<OwnedObject> first_object(Result<Rows> rows, const std::string& missing) {
  TOLLGATE_ASSIGN_OR_RETURN(auto found, collect<OwnedObject>(rows, read_object));
  if (found.empty()) return make_error(errors::store_not_found, missing);
  return found.front();
}

#define TOLLGATE_OBJECT_COLUMNS \
  "id, tenant_id, type, account_id, bundle_id, external_key, name, email, created_at"

}  // namespace

Result<std::unique_ptr<PostgresTenantStore>> PostgresTenantStore::open(PostgresStore& store) {
  TOLLGATE_RETURN_IF_ERROR(migrate(StoreAccess::db(store), kServerTrack, latest_schema_version));
  return std::unique_ptr<PostgresTenantStore>(new PostgresTenantStore(store));
}

Result<Ok> PostgresTenantStore::create_tenant(const Tenant& t) {
  Connection& db = StoreAccess::db(store_);
  auto r = conflict_as(
      db, "a tenant with api key " + t.api_key + " or external key " + t.external_key + " exists",
      [&] {
        return db.query(
            "INSERT INTO tenant (id, external_key, api_key, secret_salt, "
            "secret_hash) VALUES ($1, $2, $3, $4, $5)",
            {t.id, t.external_key, t.api_key, t.secret_salt, t.secret_hash});
      });
  return done(r);
}

Result<Tenant> PostgresTenantStore::tenant_by_api_key(const std::string& api_key) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto r, StoreAccess::db(store_).query(
                  "SELECT id, external_key, api_key, secret_salt, secret_hash, catalog_version "
                  "FROM tenant WHERE api_key = $1",
                  {api_key}));
  if (r.empty()) return make_error(errors::store_not_found, "no tenant with that api key");
  return Tenant{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3), r.text(0, 4), r.text(0, 5)};
}

Result<Ok> PostgresTenantStore::set_tenant_secret(const std::string& api_key,
                                                  const std::string& salt,
                                                  const std::string& hash) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto r, StoreAccess::db(store_).query(
                  "UPDATE tenant SET secret_salt = $1, secret_hash = $2 WHERE api_key = $3",
                  {salt, hash, api_key}));
  if (r.affected() == 0) return make_error(errors::store_not_found, "no tenant with that api key");
  return Ok{};
}

Result<Ok> PostgresTenantStore::set_catalog_version(const std::string& tenant_id,
                                                    const std::string& version) {
  return done(StoreAccess::db(store_).query("UPDATE tenant SET catalog_version = $1 WHERE id = $2",
                                            {version, tenant_id}));
}

Result<Ok> PostgresTenantStore::put_user(const ApiUser& u) {
  return done(StoreAccess::db(store_).query(
      "INSERT INTO api_user (name, salt, hash) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE "
      "SET salt = excluded.salt, hash = excluded.hash",
      {u.name, u.salt, u.hash}));
}

Result<ApiUser> PostgresTenantStore::user(const std::string& name) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto r, StoreAccess::db(store_).query("SELECT name, salt, hash FROM api_user WHERE name = $1",
                                            {name}));
  if (r.empty()) return make_error(errors::store_not_found, "no such user");
  return ApiUser{r.text(0, 0), r.text(0, 1), r.text(0, 2)};
}

Result<std::size_t> PostgresTenantStore::user_count() {
  TOLLGATE_ASSIGN_OR_RETURN(auto r, StoreAccess::db(store_).query("SELECT count(*) FROM api_user"));
  return static_cast<std::size_t>(r.integer(0, 0));
}

Result<Ok> PostgresTenantStore::put_object(const OwnedObject& o) {
  Connection& db = StoreAccess::db(store_);
  // Places are handed out one at a time per tenant and type (servers sharing
  // the database wait for each other here, to the end of the transaction).
  if (auto locked = db.query("SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2))",
                             {o.tenant_id, std::string(to_string(o.type))});
      !locked)
    return unexpected(locked.error());
  auto r = conflict_as(
      db, std::string(to_string(o.type)) + " external key " + o.external_key + " is taken", [&] {
        return db.query("INSERT INTO owned_object (" TOLLGATE_OBJECT_COLUMNS
                        ", position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT "
                        "coalesce(max(position), 0) + 1 FROM owned_object WHERE tenant_id = $2 "
                        "AND type = $3)) "
                        "ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, "
                        "bundle_id = excluded.bundle_id, external_key = excluded.external_key, "
                        "name = excluded.name, email = excluded.email "
                        "WHERE owned_object.tenant_id = excluded.tenant_id",
                        {o.id, o.tenant_id, std::string(to_string(o.type)), o.account_id,
                         o.bundle_id, o.external_key, o.name, o.email, seconds(o.created_at)});
      });
  return done(r);
}

Result<OwnedObject> PostgresTenantStore::object(const std::string& tenant_id, ObjectType type,
                                                const std::string& id) {
  return first_object(
      StoreAccess::db(store_).query("SELECT " TOLLGATE_OBJECT_COLUMNS
                                    " FROM owned_object WHERE tenant_id = $1 AND type = $2 AND "
                                    "id = $3",
                                    {tenant_id, std::string(to_string(type)), id}),
      "no " + std::string(to_string(type)) + " " + id);
}

Result<OwnedObject> PostgresTenantStore::object_by_key(const std::string& tenant_id,
                                                       ObjectType type,
                                                       const std::string& external_key) {
  return first_object(
      StoreAccess::db(store_).query("SELECT " TOLLGATE_OBJECT_COLUMNS
                                    " FROM owned_object WHERE tenant_id = $1 AND type = $2 AND "
                                    "external_key = $3 AND external_key <> ''",
                                    {tenant_id, std::string(to_string(type)), external_key}),
      "no " + std::string(to_string(type)) + " with external key " + external_key);
}

Result<std::vector<OwnedObject>> PostgresTenantStore::objects(const std::string& tenant_id,
                                                              ObjectType type, const Query& q) {
  // Empty filters match everything; LIMIT NULL is no limit.
  return collect<OwnedObject>(
      StoreAccess::db(store_).query(
          "SELECT " TOLLGATE_OBJECT_COLUMNS " FROM owned_object WHERE tenant_id = $1 AND type = $2 "
          "AND ($3 = '' OR account_id = $3) AND ($4 = '' OR bundle_id = $4) "
          "ORDER BY seq LIMIT $5::bigint OFFSET $6::bigint",
          {tenant_id, std::string(to_string(type)), q.account_id, q.bundle_id,
           q.limit < 0 ? Param{} : text(q.limit), text(q.offset)}),
      read_object);
}

Result<server::TenantStore::Page> PostgresTenantStore::page(const std::string& tenant_id,
                                                            ObjectType type, std::int64_t offset,
                                                            std::int64_t limit) {
  std::string t(to_string(type));
  // One statement: the page and its total from one snapshot.
  auto rows = StoreAccess::db(store_).query(
      "SELECT " TOLLGATE_OBJECT_COLUMNS
      ", (SELECT coalesce(max(position), 0) FROM owned_object "
      "WHERE tenant_id = $1 AND type = $2) FROM owned_object WHERE tenant_id = $1 AND type = $2 "
      "AND position > $3::bigint ORDER BY position LIMIT $4::bigint",
      {tenant_id, t, text(offset), text(limit)});
  TOLLGATE_ASSIGN_OR_RETURN(auto objects, collect<OwnedObject>(rows, read_object));
  Page page{std::move(objects), 0};
  if (rows->size() > 0) {
    page.total = rows->integer(0, 9);
  } else {
    auto total = StoreAccess::db(store_).query(
        "SELECT coalesce(max(position), 0) FROM owned_object WHERE tenant_id = $1 AND type = $2",
        {tenant_id, t});
    if (!total) return unexpected(total.error());
    page.total = total->integer(0, 0);
  }
  return page;
}

Result<server::TenantStore::Page> PostgresTenantStore::search(const std::string& tenant_id,
                                                              ObjectType type,
                                                              const std::string& key,
                                                              std::int64_t offset,
                                                              std::int64_t limit) {
  // Byte order ("C"), as the indexes: every text starting with `key` sorts
  // at or after it and before key + U+10FFFF.
  auto rows = StoreAccess::db(store_).query(
      "WITH found AS (SELECT " TOLLGATE_OBJECT_COLUMNS
      ", position FROM owned_object WHERE tenant_id = $1 AND type = $2 AND (id = $3 OR "
      "(external_key COLLATE \"C\" >= $3 AND external_key COLLATE \"C\" < $4) OR (name COLLATE "
      "\"C\" >= $3 AND name COLLATE \"C\" < $4) OR (email COLLATE \"C\" >= $3 AND email COLLATE "
      "\"C\" < $4))) SELECT " TOLLGATE_OBJECT_COLUMNS
      ", (SELECT count(*) FROM found) FROM found ORDER BY position LIMIT $5::bigint OFFSET "
      "$6::bigint",
      {tenant_id, std::string(to_string(type)), key, key + "\xF4\x8F\xBF\xBF", text(limit),
       text(offset)});
  TOLLGATE_ASSIGN_OR_RETURN(auto objects, collect<OwnedObject>(rows, read_object));
  Page page{std::move(objects), 0};
  if (rows->size() > 0) {
    page.total = rows->integer(0, 9);
  } else if (offset > 0) {  // past the end: count the matches alone
    auto again = search(tenant_id, type, key, 0, 1);
    if (!again) return again;
    page.total = again->total;
  }
  return page;
}

namespace {

// Kill Bill's invoice number, when `key` is one: digits only, in range.
std::int64_t invoice_number_in(const std::string& key) {
  if (key.empty() || key.size() > 18 || key.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoll(key);
}

// Ids in column 0 and, when there is a row, the total in column 1.
Result<server::TenantStore::IdPage> id_page(Result<Rows> rows) {
  if (!rows) return unexpected(rows.error());
  server::TenantStore::IdPage page;
  for (int i = 0; i < rows->size(); ++i) page.ids.push_back(rows->text(i, 0));
  if (rows->size() > 0) page.total = rows->integer(0, 1);
  return page;
}

}  // namespace

Result<server::TenantStore::IdPage> PostgresTenantStore::invoice_page(const std::string& tenant_id,
                                                                      std::int64_t offset,
                                                                      std::int64_t limit) {
  // One statement: the page and its total from one snapshot.
  auto page = id_page(StoreAccess::db(store_).query(
      "SELECT invoice_id, (SELECT coalesce(max(position), 0) FROM invoice_place WHERE tenant_id = "
      "$1) FROM invoice_place WHERE tenant_id = $1 AND position > $2::bigint ORDER BY position "
      "LIMIT $3::bigint",
      {tenant_id, text(offset), text(limit)}));
  if (!page || !page->ids.empty()) return page;
  auto total = StoreAccess::db(store_).query(
      "SELECT coalesce(max(position), 0) FROM invoice_place WHERE tenant_id = $1", {tenant_id});
  if (!total) return unexpected(total.error());
  page->total = total->integer(0, 0);
  return page;
}

Result<server::TenantStore::IdPage> PostgresTenantStore::search_invoices(
    const std::string& tenant_id, const std::string& key, std::int64_t offset, std::int64_t limit) {
  auto page = id_page(StoreAccess::db(store_).query(
      "WITH found AS (SELECT invoice_id, position FROM invoice_place WHERE tenant_id = $1 AND "
      "invoice_id IN (SELECT id FROM invoice WHERE id = $2 UNION SELECT id FROM invoice WHERE "
      "invoice_number = $3::bigint UNION SELECT id FROM invoice WHERE account_id = $2 UNION "
      "SELECT invoice_id FROM invoice_place WHERE tenant_id = $1 AND currency = $2)) "
      "SELECT invoice_id, (SELECT count(*) FROM found) FROM found ORDER BY position "
      "LIMIT $4::bigint OFFSET $5::bigint",
      {tenant_id, key, text(invoice_number_in(key)), text(limit), text(offset)}));
  if (page && page->ids.empty() && offset > 0) {  // past the end: count the matches alone
    auto again = search_invoices(tenant_id, key, 0, 1);
    if (!again) return again;
    page->total = again->total;
  }
  return page;
}

Result<Ok> PostgresTenantStore::add_tag(const std::string& tenant_id, const Tag& t) {
  // A tag the object already has stays as it is (Kill Bill answers success too).
  return done(StoreAccess::db(store_).query(
      "INSERT INTO object_tag (id, tenant_id, object_id, object_type, definition_id) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, object_id, definition_id) DO NOTHING",
      {t.id, tenant_id, t.object_id, std::string(to_string(t.object_type)), t.definition_id}));
}

namespace {

// The object's tags in `table`, in order; `sql` reads them (a literal: it
// names the prepared statement).
#define TOLLGATE_TAGS_IN(table)                                  \
  "SELECT id, object_id, object_type, definition_id FROM " table \
  " WHERE tenant_id = $1 AND "                                   \
  "object_id = $2 ORDER BY seq"
Result<std::vector<Tag>> tags_in(Connection& db, const char* sql, const std::string& table,
                                 const std::string& tenant_id, const std::string& object_id) {
  return collect<Tag>(db.query(sql, {tenant_id, object_id}),
                      [&](const Rows& r, int i) -> Result<Tag> {
                        TOLLGATE_ASSIGN_OR_RETURN(auto type, object_type_column(r, i, 2, table));
                        return Tag{r.text(i, 0), r.text(i, 1), type, r.text(i, 3)};
                      });
}

// The object's custom fields in `table`, in order, as `sql` reads them.
#define TOLLGATE_FIELDS_IN(table)                              \
  "SELECT id, object_id, object_type, name, value FROM " table \
  " WHERE tenant_id = $1 AND "                                 \
  "object_id = $2 ORDER BY seq"
Result<std::vector<CustomField>> fields_in(Connection& db, const char* sql,
                                           const std::string& table, const std::string& tenant_id,
                                           const std::string& object_id) {
  return collect<CustomField>(
      db.query(sql, {tenant_id, object_id}), [&](const Rows& r, int i) -> Result<CustomField> {
        TOLLGATE_ASSIGN_OR_RETURN(auto type, object_type_column(r, i, 2, table));
        return CustomField{r.text(i, 0), r.text(i, 1), type, r.text(i, 3), r.text(i, 4)};
      });
}

}  // namespace

Result<std::vector<Tag>> PostgresTenantStore::tags_of(const std::string& tenant_id,
                                                      const std::string& object_id) {
  return tags_in(StoreAccess::db(store_), TOLLGATE_TAGS_IN("object_tag"), "object_tag", tenant_id,
                 object_id);
}

Result<std::vector<Tag>> PostgresTenantStore::removed_tags_of(const std::string& tenant_id,
                                                              const std::string& object_id) {
  return tags_in(StoreAccess::db(store_), TOLLGATE_TAGS_IN("removed_object_tag"),
                 "removed_object_tag", tenant_id, object_id);
}

Result<Ok> PostgresTenantStore::remove_tags(const std::string& tenant_id,
                                            const std::string& object_id,
                                            const std::vector<std::string>& definition_ids) {
  return done(StoreAccess::db(store_).query(
      "DELETE FROM object_tag WHERE tenant_id = $1 AND object_id = $2 AND definition_id = ANY "
      "(string_to_array($3, chr(31)))",
      {tenant_id, object_id, join(definition_ids)}));
}

Result<Ok> PostgresTenantStore::create_tag_definition(const std::string& tenant_id,
                                                      const TagDefinition& d) {
  return done(conflict_as(StoreAccess::db(store_), "tag definition \"" + d.name + "\" exists", [&] {
    return StoreAccess::db(store_).query(
        "INSERT INTO tag_definition (id, tenant_id, name, description, applicable) VALUES ($1, "
        "$2, $3, $4, $5)",
        {d.id, tenant_id, d.name, d.description,
         server::join_object_types(d.applicable_object_types)});
  }));
}

Result<std::vector<TagDefinition>> PostgresTenantStore::tag_definitions(
    const std::string& tenant_id) {
  return collect<TagDefinition>(
      StoreAccess::db(store_).query(
          "SELECT id, name, description, applicable FROM tag_definition WHERE tenant_id = $1 "
          "ORDER BY seq",
          {tenant_id}),
      [](const Rows& r, int i) -> Result<TagDefinition> {
        return TagDefinition{r.text(i, 0), r.text(i, 1), r.text(i, 2),
                             server::split_object_types(r.text(i, 3))};
      });
}

Result<Ok> PostgresTenantStore::delete_tag_definition(const std::string& tenant_id,
                                                      const std::string& id) {
  auto& db = StoreAccess::db(store_);
  // One statement: the definition goes only when no tag of it is left.
  auto r = db.query(
      "WITH used AS (SELECT count(*) AS n FROM object_tag WHERE tenant_id = $1 AND definition_id "
      "= $2), gone AS (DELETE FROM tag_definition WHERE tenant_id = $1 AND id = $2 AND (SELECT n "
      "FROM used) = 0 RETURNING id) SELECT (SELECT n FROM used), (SELECT count(*) FROM gone)",
      {tenant_id, id});
  if (!r) return unexpected(r.error());
  if (r->integer(0, 0) > 0)
    return make_error(errors::store_conflict, "tag definition " + id + " is in use");
  if (r->integer(0, 1) != 1) return make_error(errors::store_not_found, "no tag definition " + id);
  return Ok{};
}

Result<Ok> PostgresTenantStore::put_unbound_account(const UnboundAccount& a) {
  const auto& bcd = a.bill_cycle_day;
  return done(StoreAccess::db(store_).query(
      "INSERT INTO unbound_account (tenant_id, id, currency, time_zone, bill_cycle_day, "
      "organization_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, id) DO UPDATE SET "
      "currency = EXCLUDED.currency, time_zone = EXCLUDED.time_zone, bill_cycle_day = "
      "EXCLUDED.bill_cycle_day, organization_id = EXCLUDED.organization_id",
      {a.tenant_id, a.id, a.currency, a.time_zone, bcd ? Param(std::to_string(*bcd)) : std::nullopt,
       a.organization_id}));
}

Result<UnboundAccount> PostgresTenantStore::unbound_account(const std::string& tenant_id,
                                                            const std::string& id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto found,
      collect<UnboundAccount>(
          StoreAccess::db(store_).query(
              "SELECT currency, time_zone, bill_cycle_day, organization_id FROM unbound_account "
              "WHERE tenant_id = $1 AND id = $2",
              {tenant_id, id}),
          [&](const Rows& r, int i) -> Result<UnboundAccount> {
            UnboundAccount a{id, tenant_id, r.text(i, 0), r.text(i, 1), std::nullopt, r.text(i, 3)};
            if (!r.is_null(i, 2)) a.bill_cycle_day = static_cast<int>(r.integer(i, 2));
            return a;
          }));
  if (found.empty()) return make_error(errors::store_not_found, "no unbound account " + id);
  return found.front();
}

Result<Ok> PostgresTenantStore::remove_unbound_account(const std::string& tenant_id,
                                                       const std::string& id) {
  return done(StoreAccess::db(store_).query(
      "DELETE FROM unbound_account WHERE tenant_id = $1 AND id = $2", {tenant_id, id}));
}

Result<Ok> PostgresTenantStore::add_account_email(const std::string& tenant_id,
                                                  const std::string& account_id,
                                                  const std::string& email) {
  return done(StoreAccess::db(store_).query(
      "INSERT INTO account_email (tenant_id, account_id, email) VALUES ($1, $2, $3) ON CONFLICT "
      "DO NOTHING",
      {tenant_id, account_id, email}));
}

Result<std::vector<std::string>> PostgresTenantStore::account_emails(
    const std::string& tenant_id, const std::string& account_id) {
  return collect<std::string>(
      StoreAccess::db(store_).query(
          "SELECT email FROM account_email WHERE tenant_id = $1 AND account_id = $2 ORDER BY seq",
          {tenant_id, account_id}),
      [](const Rows& r, int i) -> Result<std::string> { return r.text(i, 0); });
}

Result<Ok> PostgresTenantStore::remove_account_email(const std::string& tenant_id,
                                                     const std::string& account_id,
                                                     const std::string& email) {
  auto r = StoreAccess::db(store_).query(
      "DELETE FROM account_email WHERE tenant_id = $1 AND account_id = $2 AND email = $3",
      {tenant_id, account_id, email});
  if (!r) return unexpected(r.error());
  if (r->affected() != 1) return make_error(errors::store_not_found, "no email " + email);
  return Ok{};
}

Result<Ok> PostgresTenantStore::add_custom_field(const std::string& tenant_id,
                                                 const CustomField& f) {
  return done(StoreAccess::db(store_).query(
      "INSERT INTO custom_field (id, tenant_id, object_id, object_type, name, value) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {f.id, tenant_id, f.object_id, std::string(to_string(f.object_type)), f.name, f.value}));
}

Result<std::vector<CustomField>> PostgresTenantStore::custom_fields_of(
    const std::string& tenant_id, const std::string& object_id) {
  return fields_in(StoreAccess::db(store_), TOLLGATE_FIELDS_IN("custom_field"), "custom_field",
                   tenant_id, object_id);
}

Result<std::vector<CustomField>> PostgresTenantStore::removed_custom_fields_of(
    const std::string& tenant_id, const std::string& object_id) {
  return fields_in(StoreAccess::db(store_), TOLLGATE_FIELDS_IN("removed_custom_field"),
                   "removed_custom_field", tenant_id, object_id);
}

Result<Ok> PostgresTenantStore::set_custom_field_value(const std::string& tenant_id,
                                                       const std::string& object_id,
                                                       const std::string& id,
                                                       const std::string& value) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto r, StoreAccess::db(store_).query(
                  "UPDATE custom_field SET value = $1 WHERE tenant_id = $2 AND object_id = $3 "
                  "AND id = $4",
                  {value, tenant_id, object_id, id}));
  if (r.affected() == 0) return make_error(errors::store_not_found, "no custom field " + id);
  return Ok{};
}

Result<Ok> PostgresTenantStore::remove_custom_fields(const std::string& tenant_id,
                                                     const std::string& object_id,
                                                     const std::vector<std::string>& ids) {
  Connection& db = StoreAccess::db(store_);
  if (ids.empty())
    return done(db.query("DELETE FROM custom_field WHERE tenant_id = $1 AND object_id = $2",
                         {tenant_id, object_id}));
  return done(
      db.query("DELETE FROM custom_field WHERE tenant_id = $1 AND object_id = $2 AND id = ANY "
               "(string_to_array($3, chr(31)))",
               {tenant_id, object_id, join(ids)}));
}

Result<Ok> PostgresTenantStore::add_blocking_state(const std::string& tenant_id,
                                                   const BlockingState& b) {
  return done(StoreAccess::db(store_).query(
      "INSERT INTO blocking_state (tenant_id, object_id, object_type, state_name, service, "
      "block_change, block_entitlement, block_billing, effective_date) VALUES ($1, $2, $3, $4, "
      "$5, $6, $7, $8, $9)",
      {tenant_id, b.object_id, std::string(to_string(b.object_type)), b.state_name, b.service,
       flag(b.block_change), flag(b.block_entitlement), flag(b.block_billing), text(b.effective)}));
}

Result<std::vector<BlockingState>> PostgresTenantStore::blocking_states_of(
    const std::string& tenant_id, const std::string& object_id) {
  return collect<BlockingState>(
      StoreAccess::db(store_).query(
          "SELECT object_id, object_id, object_type, state_name, service, block_change, "
          "block_entitlement, block_billing, effective_date FROM blocking_state WHERE tenant_id = "
          "$1 AND object_id = $2 ORDER BY seq",
          {tenant_id, object_id}),
      [](const Rows& r, int i) -> Result<BlockingState> {
        auto type = object_type_column(r, i, 2, "blocking_state");
        auto effective = parse_date(r.text(i, 8));
        if (!type || !effective) return corrupt("blocking_state", r.text(i, 0), "row");
        return BlockingState{r.text(i, 1),        *type,
                             r.text(i, 3),        r.text(i, 4),
                             r.text(i, 5) == "t", r.text(i, 6) == "t",
                             r.text(i, 7) == "t", *effective};
      });
}

Result<bool> PostgresTenantStore::record_tracking_id(const std::string& tenant_id,
                                                     const std::string& tracking_id,
                                                     const std::string& subscription_id) {
  // A concurrent insert of the same id by another server waits for this one,
  // then finds it taken: the record counts once.
  TOLLGATE_ASSIGN_OR_RETURN(
      auto r, StoreAccess::db(store_).query(
                  "INSERT INTO usage_tracking (tenant_id, tracking_id, subscription_id) VALUES "
                  "($1, $2, $3) ON CONFLICT DO NOTHING",
                  {tenant_id, tracking_id, subscription_id}));
  return r.affected() == 1;
}

Result<Ok> PostgresTenantStore::append_audit(const std::string& tenant_id, const AuditEntry& e) {
  return done(StoreAccess::db(store_).query(
      "INSERT INTO audit_log (tenant_id, object_id, object_type, change_type, created_by, reason, "
      "comment, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {tenant_id, e.object_id, std::string(to_string(e.object_type)), e.change_type, e.created_by,
       e.reason, e.comment, seconds(e.at)}));
}

Result<std::vector<AuditEntry>> PostgresTenantStore::audit_of(const std::string& tenant_id,
                                                              const std::string& object_id) {
  return collect<AuditEntry>(
      StoreAccess::db(store_).query(
          "SELECT object_id, object_type, change_type, created_by, reason, comment, at FROM "
          "audit_log WHERE tenant_id = $1 AND object_id = $2 ORDER BY seq",
          {tenant_id, object_id}),
      [](const Rows& r, int i) -> Result<AuditEntry> {
        auto type = server::object_type_named(r.text(i, 1));
        if (!type) return corrupt("audit_log", r.text(i, 0), "object type");
        return AuditEntry{r.text(i, 0),
                          *type,
                          r.text(i, 2),
                          r.text(i, 3),
                          r.text(i, 4),
                          r.text(i, 5),
                          instant(r.integer(i, 6))};
      });
}

}  // namespace tollgate::postgres
