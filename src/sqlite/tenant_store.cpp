// SqliteTenantStore: the REST server's tables, on the SqliteStore's connection.

#include "tollgate/sqlite/sqlite_tenant_store.hpp"

#include <array>

#include "../server/object_type_list.hpp"
#include "store_impl.hpp"

namespace tollgate::sqlite {

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

struct StoreAccess {
  static Connection& db(SqliteStore& store) { return store.impl_->db; }
};

namespace {

// The REST server's migration track. Version 1 is what the billing store's
// migration 5 made before 0.1.0 (IF NOT EXISTS: a database that ran it adopts
// its tables). Append only.
constexpr std::array<Migration, 7> kServerMigrations{{
    {1, "the REST server's tenants, object keys, tags, custom fields and audit log", R"sql(
      CREATE TABLE IF NOT EXISTS tenant (
        id           TEXT NOT NULL PRIMARY KEY,
        external_key TEXT NOT NULL UNIQUE,
        api_key      TEXT NOT NULL UNIQUE,
        secret_salt  TEXT NOT NULL,
        secret_hash  TEXT NOT NULL,
        catalog_version TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE IF NOT EXISTS api_user (
        name TEXT NOT NULL PRIMARY KEY,
        salt TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS owned_object (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT NOT NULL UNIQUE,
        tenant_id    TEXT NOT NULL REFERENCES tenant (id),
        type         TEXT NOT NULL,
        account_id   TEXT NOT NULL,
        bundle_id    TEXT NOT NULL DEFAULT '',
        external_key TEXT NOT NULL DEFAULT '',
        name         TEXT NOT NULL DEFAULT '',
        email        TEXT NOT NULL DEFAULT '',
        created_at   INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS owned_object_by_key ON owned_object (tenant_id, type, external_key)
        WHERE external_key <> '';
      CREATE INDEX IF NOT EXISTS owned_object_by_account ON owned_object (tenant_id, type, account_id);
      CREATE INDEX IF NOT EXISTS owned_object_by_bundle ON owned_object (tenant_id, bundle_id);
      CREATE TABLE IF NOT EXISTS object_tag (
        id            TEXT NOT NULL PRIMARY KEY,
        tenant_id     TEXT NOT NULL,
        object_id     TEXT NOT NULL,
        object_type   TEXT NOT NULL,
        definition_id TEXT NOT NULL,
        UNIQUE (tenant_id, object_id, definition_id)
      );
      CREATE TABLE IF NOT EXISTS custom_field (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        tenant_id   TEXT NOT NULL,
        object_id   TEXT NOT NULL,
        object_type TEXT NOT NULL,
        name        TEXT NOT NULL,
        value       TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS custom_field_by_object ON custom_field (tenant_id, object_id);
      CREATE TABLE IF NOT EXISTS blocking_state (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id         TEXT NOT NULL,
        object_id         TEXT NOT NULL,
        object_type       TEXT NOT NULL,
        state_name        TEXT NOT NULL,
        service           TEXT NOT NULL,
        block_change      INTEGER NOT NULL,
        block_entitlement INTEGER NOT NULL,
        block_billing     INTEGER NOT NULL,
        effective_date    TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS blocking_state_by_object ON blocking_state (tenant_id, object_id);
      CREATE TABLE IF NOT EXISTS usage_tracking (
        tenant_id       TEXT NOT NULL,
        tracking_id     TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        PRIMARY KEY (tenant_id, tracking_id)
      );
      CREATE TABLE IF NOT EXISTS audit_log (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id   TEXT NOT NULL,
        object_id   TEXT NOT NULL,
        object_type TEXT NOT NULL,
        change_type TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        reason      TEXT NOT NULL DEFAULT '',
        comment     TEXT NOT NULL DEFAULT '',
        at          INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS audit_log_by_object ON audit_log (tenant_id, object_id);
    )sql"},
    {2, "each tenant's own tag definitions", R"sql(
      CREATE TABLE tag_definition (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        tenant_id   TEXT NOT NULL REFERENCES tenant (id),
        name        TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        applicable  TEXT NOT NULL,  -- object type names, comma-separated
        UNIQUE (tenant_id, name)
      );
      CREATE INDEX object_tag_by_definition ON object_tag (tenant_id, definition_id);
    )sql"},
    {3, "accounts' contact emails", R"sql(
      CREATE TABLE account_email (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id  TEXT NOT NULL REFERENCES tenant (id),
        account_id TEXT NOT NULL,
        email      TEXT NOT NULL,
        UNIQUE (tenant_id, account_id, email)
      );
    )sql"},
    {4, "objects' places in creation order, and indexes for pages and searches", R"sql(
      -- 1, 2, 3... per tenant and type: objects are never deleted, so the
      -- places are dense and a page is a range of them.
      ALTER TABLE owned_object ADD COLUMN position INTEGER;
      UPDATE owned_object SET position = (SELECT n FROM (SELECT seq AS s, row_number() OVER
        (PARTITION BY tenant_id, type ORDER BY seq) AS n FROM owned_object) WHERE s = seq);
      CREATE UNIQUE INDEX owned_object_by_position ON owned_object (tenant_id, type, position);
      CREATE INDEX owned_object_by_external_key ON owned_object (tenant_id, type, external_key);
      CREATE INDEX owned_object_by_name ON owned_object (tenant_id, type, name);
      CREATE INDEX owned_object_by_email ON owned_object (tenant_id, type, email);
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
      -- 1, 2, 3... per tenant, in the order invoices were saved (their numbers
      -- are store-wide): a page of a tenant's invoices is a range of places.
      CREATE TABLE invoice_place (
        tenant_id  TEXT NOT NULL,
        position   INTEGER NOT NULL,
        invoice_id TEXT NOT NULL UNIQUE,
        currency   TEXT NOT NULL,
        PRIMARY KEY (tenant_id, position)
      );
      CREATE INDEX invoice_place_by_currency ON invoice_place (tenant_id, currency, position);
      INSERT INTO invoice_place (tenant_id, position, invoice_id, currency)
        SELECT a.tenant_id, row_number() OVER (PARTITION BY a.tenant_id ORDER BY i.invoice_number),
               i.id, i.currency
        FROM invoice i JOIN account a ON a.id = i.account_id;
      -- Invoices are saved by the daily run and by hosts too, not only through
      -- the server: the billing store's own table tells of each one.
      CREATE TRIGGER invoice_placed AFTER INSERT ON invoice BEGIN
        INSERT INTO invoice_place (tenant_id, position, invoice_id, currency)
          SELECT a.tenant_id, coalesce((SELECT max(position) FROM invoice_place
                                        WHERE tenant_id = a.tenant_id), 0) + 1, NEW.id, NEW.currency
          FROM account a WHERE a.id = NEW.account_id;
      END;
    )sql"},
    {7, "tags and custom fields kept once removed (Kill Bill's includedDeleted)", R"sql(
      CREATE TABLE removed_object_tag (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        id            TEXT NOT NULL,
        tenant_id     TEXT NOT NULL,
        object_id     TEXT NOT NULL,
        object_type   TEXT NOT NULL,
        definition_id TEXT NOT NULL
      );
      CREATE INDEX removed_object_tag_by_object ON removed_object_tag (tenant_id, object_id);
      CREATE TRIGGER object_tag_removed AFTER DELETE ON object_tag BEGIN
        INSERT INTO removed_object_tag (id, tenant_id, object_id, object_type, definition_id)
          VALUES (OLD.id, OLD.tenant_id, OLD.object_id, OLD.object_type, OLD.definition_id);
      END;
      CREATE TABLE removed_custom_field (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL,
        tenant_id   TEXT NOT NULL,
        object_id   TEXT NOT NULL,
        object_type TEXT NOT NULL,
        name        TEXT NOT NULL,
        value       TEXT NOT NULL
      );
      CREATE INDEX removed_custom_field_by_object ON removed_custom_field (tenant_id, object_id);
      CREATE TRIGGER custom_field_removed AFTER DELETE ON custom_field BEGIN
        INSERT INTO removed_custom_field (id, tenant_id, object_id, object_type, name, value)
          VALUES (OLD.id, OLD.tenant_id, OLD.object_id, OLD.object_type, OLD.name, OLD.value);
      END;
    )sql"},
}};

Result<Ok> migrate_server_tables(Connection& db) {
  TOLLGATE_RETURN_IF_ERROR(
      db.exec("CREATE TABLE IF NOT EXISTS tollgate_server_migration (version INTEGER NOT NULL "
              "PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT "
              "CURRENT_TIMESTAMP)"));
  TOLLGATE_ASSIGN_OR_RETURN(
      auto current, db.prepare("SELECT coalesce(max(version), 0) FROM tollgate_server_migration"));
  TOLLGATE_RETURN_IF_ERROR(current.step());
  auto version = static_cast<int>(current.integer(0));
  if (version > SqliteTenantStore::latest_schema_version)
    return make_error(errors::store_newer,
                      "the server's tables have schema version " + std::to_string(version) +
                          ", newer than this Tollgate's " +
                          std::to_string(SqliteTenantStore::latest_schema_version));
  for (const auto& m : kServerMigrations) {
    if (m.version <= version) continue;
    TOLLGATE_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db));
    if (auto r = db.exec(m.sql); !r)
      return make_error(r.error().code, "server migration " + std::to_string(m.version) + " (" +
                                            m.what + "): " + r.error().message);
    TOLLGATE_ASSIGN_OR_RETURN(
        auto record,
        db.prepare("INSERT INTO tollgate_server_migration (version, description) VALUES (?, ?)"));
    TOLLGATE_RETURN_IF_ERROR(record.bind(1, std::int64_t{m.version}).bind(2, m.what).run());
    TOLLGATE_RETURN_IF_ERROR(tx.commit());
  }
  return Ok{};
}

Result<ObjectType> object_type_column(const Statement& st, int column, const std::string& table) {
  auto t = server::object_type_named(st.text(column));
  if (!t) return corrupt(table, st.text(0), "object type");
  return *t;
}

std::int64_t seconds(Instant at) {
  return at.time_since_epoch().count();
}
Instant instant(std::int64_t s) {
  return Instant{std::chrono::seconds(s)};
}

/// A unique-constraint failure read as the conflict it means.
template <class T>
Result<T> conflict_as(Result<T> r, const std::string& what) {
  if (!r && r.error().code == errors::store_constraint)
    return make_error(errors::store_conflict, what);
  return r;
}

Result<OwnedObject> read_object(const Statement& st) {
  TOLLGATE_ASSIGN_OR_RETURN(auto type, object_type_column(st, 2, "owned_object"));
  return OwnedObject{.id = st.text(0),
                     .tenant_id = st.text(1),
                     .type = type,
                     .account_id = st.text(3),
                     .bundle_id = st.text(4),
                     .external_key = st.text(5),
                     .name = st.text(6),
                     .email = st.text(7),
                     .created_at = instant(st.integer(8))};
}

#define TOLLGATE_OBJECT_COLUMNS \
  "id, tenant_id, type, account_id, bundle_id, external_key, name, email, created_at"

}  // namespace

Result<std::unique_ptr<SqliteTenantStore>> SqliteTenantStore::open(SqliteStore& store) {
  TOLLGATE_RETURN_IF_ERROR(migrate_server_tables(StoreAccess::db(store)));
  return std::unique_ptr<SqliteTenantStore>(new SqliteTenantStore(store));
}

Result<Ok> SqliteTenantStore::create_tenant(const Tenant& t) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT INTO tenant (id, external_key, api_key, secret_salt, secret_hash) VALUES (?, ?, ?, "
      "?, ?)");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, t.id).bind(2, t.external_key).bind(3, t.api_key).bind(4, t.secret_salt);
  (*st)->bind(5, t.secret_hash);
  return conflict_as((*st)->run(), "a tenant with api key " + t.api_key + " or external key " +
                                       t.external_key + " exists");
}

Result<Tenant> SqliteTenantStore::tenant_by_api_key(const std::string& api_key) {
  auto st = StoreAccess::db(store_).cached(
      "SELECT id, external_key, api_key, secret_salt, secret_hash, catalog_version FROM tenant "
      "WHERE api_key = ?");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, api_key);
  TOLLGATE_ASSIGN_OR_RETURN(auto row, s.step());
  if (!row) return make_error(errors::store_not_found, "no tenant with that api key");
  Tenant t{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
  s.reset();
  return t;
}

Result<Ok> SqliteTenantStore::set_tenant_secret(const std::string& api_key, const std::string& salt,
                                                const std::string& hash) {
  auto& db = StoreAccess::db(store_);
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, db.cached("UPDATE tenant SET secret_salt = ?, secret_hash = ? WHERE api_key = ?"));
  TOLLGATE_RETURN_IF_ERROR(st->bind(1, salt).bind(2, hash).bind(3, api_key).run());
  if (db.changes() == 0) return make_error(errors::store_not_found, "no tenant with that api key");
  return Ok{};
}

Result<Ok> SqliteTenantStore::set_catalog_version(const std::string& tenant_id,
                                                  const std::string& version) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st, StoreAccess::db(store_).cached(
                                         "UPDATE tenant SET catalog_version = ? WHERE id = ?"));
  return st->bind(1, version).bind(2, tenant_id).run();
}

Result<Ok> SqliteTenantStore::put_user(const ApiUser& u) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT OR REPLACE INTO api_user (name, salt, hash) VALUES (?, ?, ?)");
  if (!st) return unexpected(st.error());
  return (*st)->bind(1, u.name).bind(2, u.salt).bind(3, u.hash).run();
}

Result<ApiUser> SqliteTenantStore::user(const std::string& name) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st, StoreAccess::db(store_).cached(
                                         "SELECT name, salt, hash FROM api_user WHERE name = ?"));
  Statement& s = *st;
  s.bind(1, name);
  TOLLGATE_ASSIGN_OR_RETURN(auto row, s.step());
  if (!row) return make_error(errors::store_not_found, "no such user");
  ApiUser u{s.text(0), s.text(1), s.text(2)};
  s.reset();
  return u;
}

Result<std::size_t> SqliteTenantStore::user_count() {
  TOLLGATE_ASSIGN_OR_RETURN(auto st,
                            StoreAccess::db(store_).cached("SELECT count(*) FROM api_user"));
  TOLLGATE_RETURN_IF_ERROR(st->step());
  auto n = static_cast<std::size_t>(st->integer(0));
  st->reset();
  return n;
}

Result<Ok> SqliteTenantStore::put_object(const OwnedObject& o) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT INTO owned_object (" TOLLGATE_OBJECT_COLUMNS
      ", position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT coalesce(max(position), 0) "
      "+ 1 FROM owned_object WHERE tenant_id = ?2 AND type = ?3)) "
      "ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, bundle_id = "
      "excluded.bundle_id, external_key = excluded.external_key, name = excluded.name, email = "
      "excluded.email WHERE tenant_id = excluded.tenant_id");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, o.id).bind(2, o.tenant_id).bind(3, to_string(o.type)).bind(4, o.account_id);
  s.bind(5, o.bundle_id).bind(6, o.external_key).bind(7, o.name).bind(8, o.email);
  s.bind(9, seconds(o.created_at));
  return conflict_as(
      s.run(), std::string(to_string(o.type)) + " external key " + o.external_key + " is taken");
}

Result<OwnedObject> SqliteTenantStore::object(const std::string& tenant_id, ObjectType type,
                                              const std::string& id) {
  auto st = StoreAccess::db(store_).cached("SELECT " TOLLGATE_OBJECT_COLUMNS
                                           " FROM owned_object WHERE tenant_id = ? AND type = ? "
                                           "AND id = ?");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, tenant_id).bind(2, to_string(type)).bind(3, id);
  TOLLGATE_ASSIGN_OR_RETURN(auto found, collect<OwnedObject>(**st, read_object));
  if (found.empty())
    return make_error(errors::store_not_found, "no " + std::string(to_string(type)) + " " + id);
  return found.front();
}

Result<OwnedObject> SqliteTenantStore::object_by_key(const std::string& tenant_id, ObjectType type,
                                                     const std::string& external_key) {
  auto st = StoreAccess::db(store_).cached(
      "SELECT " TOLLGATE_OBJECT_COLUMNS
      " FROM owned_object WHERE tenant_id = ? AND type = ? AND external_key = ? "
      "AND external_key <> ''");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, tenant_id).bind(2, to_string(type)).bind(3, external_key);
  TOLLGATE_ASSIGN_OR_RETURN(auto found, collect<OwnedObject>(**st, read_object));
  if (found.empty())
    return make_error(errors::store_not_found,
                      "no " + std::string(to_string(type)) + " with external key " + external_key);
  return found.front();
}

Result<std::vector<OwnedObject>> SqliteTenantStore::objects(const std::string& tenant_id,
                                                            ObjectType type, const Query& q) {
  // Empty filters match everything.
  auto st = StoreAccess::db(store_).cached(
      "SELECT " TOLLGATE_OBJECT_COLUMNS
      " FROM owned_object WHERE tenant_id = ?1 AND type = ?2 "
      "AND (?3 = '' OR account_id = ?3) AND (?4 = '' OR bundle_id = ?4) "
      "ORDER BY seq LIMIT ?5 OFFSET ?6");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, tenant_id).bind(2, to_string(type)).bind(3, q.account_id).bind(4, q.bundle_id);
  (*st)->bind(5, q.limit).bind(6, q.offset);
  return collect<OwnedObject>(**st, read_object);
}

Result<server::TenantStore::Page> SqliteTenantStore::page(const std::string& tenant_id,
                                                          ObjectType type, std::int64_t offset,
                                                          std::int64_t limit) {
  auto& db = StoreAccess::db(store_);
  return in_transaction(db, [&]() -> Result<Page> {  // the page and its total from one snapshot
    TOLLGATE_ASSIGN_OR_RETURN(
        auto st, db.cached("SELECT " TOLLGATE_OBJECT_COLUMNS
                           " FROM owned_object WHERE tenant_id = ? AND type = ? AND position > ? "
                           "ORDER BY position LIMIT ?"));
    st->bind(1, tenant_id).bind(2, to_string(type)).bind(3, offset).bind(4, limit);
    Page page;
    TOLLGATE_ASSIGN_OR_RETURN(page.objects, collect<OwnedObject>(*st, read_object));
    TOLLGATE_ASSIGN_OR_RETURN(auto total,
                              db.cached("SELECT coalesce(max(position), 0) FROM owned_object WHERE "
                                        "tenant_id = ? AND type = ?"));
    total->bind(1, tenant_id).bind(2, to_string(type));
    TOLLGATE_RETURN_IF_ERROR(total->step());
    page.total = total->integer(0);
    total->reset();
    return page;
  });
}

namespace {

// Every text starting with `key` sorts at or after it and before this (byte
// order; U+10FFFF is the largest code point, F4 8F BF BF in UTF-8).
std::string after_prefix(const std::string& key) {
  return key + "\xF4\x8F\xBF\xBF";
}

}  // namespace

Result<server::TenantStore::Page> SqliteTenantStore::search(const std::string& tenant_id,
                                                            ObjectType type, const std::string& key,
                                                            std::int64_t offset,
                                                            std::int64_t limit) {
  auto& db = StoreAccess::db(store_);
  // Four index ranges, their union sorted: left to one OR, SQLite would walk
  // every object of the tenant in place order instead.
#define TOLLGATE_SEARCH                                                                        \
  " FROM owned_object WHERE seq IN (SELECT seq FROM owned_object WHERE id = ?3 AND tenant_id " \
  "= ?1 AND type = ?2 UNION SELECT seq FROM owned_object WHERE tenant_id = ?1 AND type = ?2 "  \
  "AND external_key >= ?3 AND external_key < ?4 UNION SELECT seq FROM owned_object WHERE "     \
  "tenant_id = ?1 AND type = ?2 AND name >= ?3 AND name < ?4 UNION SELECT seq FROM "           \
  "owned_object WHERE tenant_id = ?1 AND type = ?2 AND email >= ?3 AND email < ?4)"
  return in_transaction(db, [&]() -> Result<Page> {
    TOLLGATE_ASSIGN_OR_RETURN(auto st, db.cached("SELECT " TOLLGATE_OBJECT_COLUMNS TOLLGATE_SEARCH
                                                 " ORDER BY position LIMIT ?5 OFFSET ?6"));
    st->bind(1, tenant_id).bind(2, to_string(type)).bind(3, key).bind(4, after_prefix(key));
    st->bind(5, limit).bind(6, offset);
    Page page;
    TOLLGATE_ASSIGN_OR_RETURN(page.objects, collect<OwnedObject>(*st, read_object));
    TOLLGATE_ASSIGN_OR_RETURN(auto count, db.cached("SELECT count(*)" TOLLGATE_SEARCH));
    count->bind(1, tenant_id).bind(2, to_string(type)).bind(3, key).bind(4, after_prefix(key));
    TOLLGATE_RETURN_IF_ERROR(count->step());
    page.total = count->integer(0);
    count->reset();
    return page;
  });
#undef TOLLGATE_SEARCH
}

namespace {

// Kill Bill's invoice number, when `key` is one: digits only, in range.
std::int64_t invoice_number_in(const std::string& key) {
  if (key.empty() || key.size() > 18 || key.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoll(key);
}

}  // namespace

Result<server::TenantStore::IdPage> SqliteTenantStore::invoice_page(const std::string& tenant_id,
                                                                    std::int64_t offset,
                                                                    std::int64_t limit) {
  auto& db = StoreAccess::db(store_);
  return in_transaction(db, [&]() -> Result<IdPage> {  // the page and its total from one snapshot
    TOLLGATE_ASSIGN_OR_RETURN(
        auto st, db.cached("SELECT invoice_id FROM invoice_place WHERE tenant_id = ? AND "
                           "position > ? ORDER BY position LIMIT ?"));
    st->bind(1, tenant_id).bind(2, offset).bind(3, limit);
    IdPage page;
    TOLLGATE_ASSIGN_OR_RETURN(
        page.ids, collect<std::string>(
                      *st, [](const Statement& r) -> Result<std::string> { return r.text(0); }));
    TOLLGATE_ASSIGN_OR_RETURN(
        auto total,
        db.cached("SELECT coalesce(max(position), 0) FROM invoice_place WHERE tenant_id = ?"));
    total->bind(1, tenant_id);
    TOLLGATE_RETURN_IF_ERROR(total->step());
    page.total = total->integer(0);
    total->reset();
    return page;
  });
}

Result<server::TenantStore::IdPage> SqliteTenantStore::search_invoices(const std::string& tenant_id,
                                                                       const std::string& key,
                                                                       std::int64_t offset,
                                                                       std::int64_t limit) {
  auto& db = StoreAccess::db(store_);
  // Four index probes, their union sorted by place.
#define TOLLGATE_SEARCH                                                                          \
  " FROM invoice_place WHERE tenant_id = ?1 AND invoice_id IN (SELECT id FROM invoice WHERE "    \
  "id = ?2 UNION SELECT id FROM invoice WHERE invoice_number = ?3 UNION SELECT id FROM invoice " \
  "WHERE account_id = ?2 UNION SELECT invoice_id FROM invoice_place WHERE tenant_id = ?1 AND "   \
  "currency = ?2)"
  return in_transaction(db, [&]() -> Result<IdPage> {
    TOLLGATE_ASSIGN_OR_RETURN(auto st, db.cached("SELECT invoice_id" TOLLGATE_SEARCH
                                                 " ORDER BY position LIMIT ?4 OFFSET ?5"));
    st->bind(1, tenant_id).bind(2, key).bind(3, invoice_number_in(key)).bind(4, limit);
    st->bind(5, offset);
    IdPage page;
    TOLLGATE_ASSIGN_OR_RETURN(
        page.ids, collect<std::string>(
                      *st, [](const Statement& r) -> Result<std::string> { return r.text(0); }));
    TOLLGATE_ASSIGN_OR_RETURN(auto count, db.cached("SELECT count(*)" TOLLGATE_SEARCH));
    count->bind(1, tenant_id).bind(2, key).bind(3, invoice_number_in(key));
    TOLLGATE_RETURN_IF_ERROR(count->step());
    page.total = count->integer(0);
    count->reset();
    return page;
  });
#undef TOLLGATE_SEARCH
}

Result<Ok> SqliteTenantStore::add_tag(const std::string& tenant_id, const Tag& t) {
  // A tag the object already has stays as it is (Kill Bill answers success too).
  auto st = StoreAccess::db(store_).cached(
      "INSERT INTO object_tag (id, tenant_id, object_id, object_type, definition_id) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, object_id, definition_id) DO NOTHING");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, t.id).bind(2, tenant_id).bind(3, t.object_id).bind(4, to_string(t.object_type));
  return (*st)->bind(5, t.definition_id).run();
}

namespace {

// The object's tags in `table`, in order, as `sql` reads them (a literal: the
// connection caches its statement by it).
#define TOLLGATE_TAGS_IN(table)                                  \
  "SELECT id, object_id, object_type, definition_id FROM " table \
  " WHERE tenant_id = ? AND "                                    \
  "object_id = ? ORDER BY rowid"
Result<std::vector<Tag>> tags_in(Connection& db, const char* sql, const std::string& table,
                                 const std::string& tenant_id, const std::string& object_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st, db.cached(sql));
  st->bind(1, tenant_id).bind(2, object_id);
  return collect<Tag>(*st, [&](const Statement& s) -> Result<Tag> {
    TOLLGATE_ASSIGN_OR_RETURN(auto type, object_type_column(s, 2, table));
    return Tag{s.text(0), s.text(1), type, s.text(3)};
  });
}

// The object's custom fields in `table`, in order, as `sql` reads them.
#define TOLLGATE_FIELDS_IN(table)                              \
  "SELECT id, object_id, object_type, name, value FROM " table \
  " WHERE tenant_id = ? AND "                                  \
  "object_id = ? ORDER BY seq"
Result<std::vector<CustomField>> fields_in(Connection& db, const char* sql,
                                           const std::string& table, const std::string& tenant_id,
                                           const std::string& object_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st, db.cached(sql));
  st->bind(1, tenant_id).bind(2, object_id);
  return collect<CustomField>(*st, [&](const Statement& s) -> Result<CustomField> {
    TOLLGATE_ASSIGN_OR_RETURN(auto type, object_type_column(s, 2, table));
    return CustomField{s.text(0), s.text(1), type, s.text(3), s.text(4)};
  });
}

}  // namespace

Result<std::vector<Tag>> SqliteTenantStore::tags_of(const std::string& tenant_id,
                                                    const std::string& object_id) {
  return tags_in(StoreAccess::db(store_), TOLLGATE_TAGS_IN("object_tag"), "object_tag", tenant_id,
                 object_id);
}

Result<std::vector<Tag>> SqliteTenantStore::removed_tags_of(const std::string& tenant_id,
                                                            const std::string& object_id) {
  return tags_in(StoreAccess::db(store_), TOLLGATE_TAGS_IN("removed_object_tag"),
                 "removed_object_tag", tenant_id, object_id);
}

Result<Ok> SqliteTenantStore::remove_tags(const std::string& tenant_id,
                                          const std::string& object_id,
                                          const std::vector<std::string>& definition_ids) {
  return in_transaction(StoreAccess::db(store_), [&]() -> Result<Ok> {
    for (const auto& definition : definition_ids) {
      auto st = StoreAccess::db(store_).cached(
          "DELETE FROM object_tag WHERE tenant_id = ? AND object_id = ? AND definition_id = ?");
      if (!st) return unexpected(st.error());
      if (auto r = (*st)->bind(1, tenant_id).bind(2, object_id).bind(3, definition).run(); !r)
        return r;
    }
    return Ok{};
  });
}

Result<Ok> SqliteTenantStore::create_tag_definition(const std::string& tenant_id,
                                                    const TagDefinition& d) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT INTO tag_definition (id, tenant_id, name, description, applicable) VALUES (?, ?, ?, "
      "?, ?)");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, d.id).bind(2, tenant_id).bind(3, d.name).bind(4, d.description);
  (*st)->bind(5, server::join_object_types(d.applicable_object_types));
  return conflict_as((*st)->run(), "tag definition \"" + d.name + "\" exists");
}

Result<std::vector<TagDefinition>> SqliteTenantStore::tag_definitions(
    const std::string& tenant_id) {
  auto st = StoreAccess::db(store_).cached(
      "SELECT id, name, description, applicable FROM tag_definition WHERE tenant_id = ? ORDER BY "
      "seq");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, tenant_id);
  return collect<TagDefinition>(**st, [](const Statement& r) -> Result<TagDefinition> {
    return TagDefinition{r.text(0), r.text(1), r.text(2), server::split_object_types(r.text(3))};
  });
}

Result<Ok> SqliteTenantStore::delete_tag_definition(const std::string& tenant_id,
                                                    const std::string& id) {
  auto& db = StoreAccess::db(store_);
  return in_transaction(db, [&]() -> Result<Ok> {
    TOLLGATE_ASSIGN_OR_RETURN(auto used,
                              db.cached("SELECT count(*) FROM object_tag WHERE tenant_id = ? AND "
                                        "definition_id = ?"));
    used->bind(1, tenant_id).bind(2, id);
    TOLLGATE_RETURN_IF_ERROR(used->step());
    if (used->integer(0) > 0)
      return make_error(errors::store_conflict, "tag definition " + id + " is in use");
    TOLLGATE_ASSIGN_OR_RETURN(
        auto gone, db.cached("DELETE FROM tag_definition WHERE tenant_id = ? AND id = ?"));
    TOLLGATE_RETURN_IF_ERROR(gone->bind(1, tenant_id).bind(2, id).run());
    if (db.changes() != 1) return make_error(errors::store_not_found, "no tag definition " + id);
    return Ok{};
  });
}

Result<Ok> SqliteTenantStore::put_unbound_account(const UnboundAccount& a) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT OR REPLACE INTO unbound_account (tenant_id, id, currency, time_zone, "
      "bill_cycle_day, organization_id) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return unexpected(st.error());
  auto& s = **st;
  s.bind(1, a.tenant_id).bind(2, a.id).bind(3, a.currency).bind(4, a.time_zone);
  if (a.bill_cycle_day)
    s.bind(5, std::int64_t{*a.bill_cycle_day});
  else
    s.bind_null(5);
  return s.bind(6, a.organization_id).run();
}

Result<UnboundAccount> SqliteTenantStore::unbound_account(const std::string& tenant_id,
                                                          const std::string& id) {
  auto st = StoreAccess::db(store_).cached(
      "SELECT currency, time_zone, bill_cycle_day, organization_id FROM unbound_account WHERE "
      "tenant_id = ? AND id = ?");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, tenant_id).bind(2, id);
  TOLLGATE_ASSIGN_OR_RETURN(
      auto found, collect<UnboundAccount>(**st, [&](const Statement& r) -> Result<UnboundAccount> {
        UnboundAccount a{id, tenant_id, r.text(0), r.text(1), std::nullopt, r.text(3)};
        if (!r.is_null(2)) a.bill_cycle_day = static_cast<int>(r.integer(2));
        return a;
      }));
  if (found.empty()) return make_error(errors::store_not_found, "no unbound account " + id);
  return found.front();
}

Result<Ok> SqliteTenantStore::remove_unbound_account(const std::string& tenant_id,
                                                     const std::string& id) {
  auto st =
      StoreAccess::db(store_).cached("DELETE FROM unbound_account WHERE tenant_id = ? AND id = ?");
  if (!st) return unexpected(st.error());
  return (*st)->bind(1, tenant_id).bind(2, id).run();
}

Result<Ok> SqliteTenantStore::add_account_email(const std::string& tenant_id,
                                                const std::string& account_id,
                                                const std::string& email) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT INTO account_email (tenant_id, account_id, email) VALUES (?, ?, ?) ON CONFLICT DO "
      "NOTHING");
  if (!st) return unexpected(st.error());
  return (*st)->bind(1, tenant_id).bind(2, account_id).bind(3, email).run();
}

Result<std::vector<std::string>> SqliteTenantStore::account_emails(const std::string& tenant_id,
                                                                   const std::string& account_id) {
  auto st = StoreAccess::db(store_).cached(
      "SELECT email FROM account_email WHERE tenant_id = ? AND account_id = ? ORDER BY seq");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, tenant_id).bind(2, account_id);
  return collect<std::string>(**st,
                              [](const Statement& r) -> Result<std::string> { return r.text(0); });
}

Result<Ok> SqliteTenantStore::remove_account_email(const std::string& tenant_id,
                                                   const std::string& account_id,
                                                   const std::string& email) {
  auto& db = StoreAccess::db(store_);
  auto st =
      db.cached("DELETE FROM account_email WHERE tenant_id = ? AND account_id = ? AND email = ?");
  if (!st) return unexpected(st.error());
  TOLLGATE_RETURN_IF_ERROR((*st)->bind(1, tenant_id).bind(2, account_id).bind(3, email).run());
  if (db.changes() != 1) return make_error(errors::store_not_found, "no email " + email);
  return Ok{};
}

Result<Ok> SqliteTenantStore::add_custom_field(const std::string& tenant_id, const CustomField& f) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT INTO custom_field (id, tenant_id, object_id, object_type, name, value) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, f.id).bind(2, tenant_id).bind(3, f.object_id).bind(4, to_string(f.object_type));
  return (*st)->bind(5, f.name).bind(6, f.value).run();
}

Result<std::vector<CustomField>> SqliteTenantStore::custom_fields_of(const std::string& tenant_id,
                                                                     const std::string& object_id) {
  return fields_in(StoreAccess::db(store_), TOLLGATE_FIELDS_IN("custom_field"), "custom_field",
                   tenant_id, object_id);
}

Result<std::vector<CustomField>> SqliteTenantStore::removed_custom_fields_of(
    const std::string& tenant_id, const std::string& object_id) {
  return fields_in(StoreAccess::db(store_), TOLLGATE_FIELDS_IN("removed_custom_field"),
                   "removed_custom_field", tenant_id, object_id);
}

Result<Ok> SqliteTenantStore::set_custom_field_value(const std::string& tenant_id,
                                                     const std::string& object_id,
                                                     const std::string& id,
                                                     const std::string& value) {
  Connection& db = StoreAccess::db(store_);
  auto st = db.cached(
      "UPDATE custom_field SET value = ? WHERE tenant_id = ? AND object_id = ? AND id = ?");
  if (!st) return unexpected(st.error());
  if (auto r = (*st)->bind(1, value).bind(2, tenant_id).bind(3, object_id).bind(4, id).run(); !r)
    return r;
  if (db.changes() == 0) return make_error(errors::store_not_found, "no custom field " + id);
  return Ok{};
}

Result<Ok> SqliteTenantStore::remove_custom_fields(const std::string& tenant_id,
                                                   const std::string& object_id,
                                                   const std::vector<std::string>& ids) {
  Connection& db = StoreAccess::db(store_);
  if (ids.empty()) {
    TOLLGATE_ASSIGN_OR_RETURN(
        auto st, db.cached("DELETE FROM custom_field WHERE tenant_id = ? AND object_id = ?"));
    return st->bind(1, tenant_id).bind(2, object_id).run();
  }
  return in_transaction(db, [&]() -> Result<Ok> {
    for (const auto& id : ids) {
      auto st =
          db.cached("DELETE FROM custom_field WHERE tenant_id = ? AND object_id = ? AND id = ?");
      if (!st) return unexpected(st.error());
      if (auto r = (*st)->bind(1, tenant_id).bind(2, object_id).bind(3, id).run(); !r) return r;
    }
    return Ok{};
  });
}

Result<Ok> SqliteTenantStore::add_blocking_state(const std::string& tenant_id,
                                                 const BlockingState& b) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT INTO blocking_state (tenant_id, object_id, object_type, state_name, service, "
      "block_change, block_entitlement, block_billing, effective_date) VALUES (?, ?, ?, ?, ?, ?, "
      "?, ?, ?)");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, tenant_id).bind(2, b.object_id).bind(3, to_string(b.object_type));
  s.bind(4, b.state_name).bind(5, b.service).bind(6, std::int64_t{b.block_change});
  s.bind(7, std::int64_t{b.block_entitlement}).bind(8, std::int64_t{b.block_billing});
  return s.bind(9, to_string(b.effective)).run();
}

Result<std::vector<BlockingState>> SqliteTenantStore::blocking_states_of(
    const std::string& tenant_id, const std::string& object_id) {
  auto st = StoreAccess::db(store_).cached(
      "SELECT object_id, object_id, object_type, state_name, service, block_change, "
      "block_entitlement, block_billing, effective_date FROM blocking_state WHERE tenant_id = ? "
      "AND object_id = ? ORDER BY seq");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, tenant_id).bind(2, object_id);
  return collect<BlockingState>(**st, [](const Statement& s) -> Result<BlockingState> {
    auto type = object_type_column(s, 2, "blocking_state");
    auto effective = parse_date(s.text(8));
    if (!type || !effective) return corrupt("blocking_state", s.text(0), "row");
    return BlockingState{
        s.text(1),         *type,     s.text(3), s.text(4), s.integer(5) != 0, s.integer(6) != 0,
        s.integer(7) != 0, *effective};
  });
}

Result<bool> SqliteTenantStore::record_tracking_id(const std::string& tenant_id,
                                                   const std::string& tracking_id,
                                                   const std::string& subscription_id) {
  Connection& db = StoreAccess::db(store_);
  auto st = db.cached(
      "INSERT INTO usage_tracking (tenant_id, tracking_id, subscription_id) VALUES (?, ?, ?) "
      "ON CONFLICT DO NOTHING");
  if (!st) return unexpected(st.error());
  TOLLGATE_RETURN_IF_ERROR(
      (*st)->bind(1, tenant_id).bind(2, tracking_id).bind(3, subscription_id).run());
  return db.changes() == 1;
}

Result<Ok> SqliteTenantStore::append_audit(const std::string& tenant_id, const AuditEntry& e) {
  auto st = StoreAccess::db(store_).cached(
      "INSERT INTO audit_log (tenant_id, object_id, object_type, change_type, created_by, reason, "
      "comment, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, tenant_id).bind(2, e.object_id).bind(3, to_string(e.object_type));
  s.bind(4, e.change_type).bind(5, e.created_by).bind(6, e.reason).bind(7, e.comment);
  return s.bind(8, seconds(e.at)).run();
}

Result<std::vector<AuditEntry>> SqliteTenantStore::audit_of(const std::string& tenant_id,
                                                            const std::string& object_id) {
  auto st = StoreAccess::db(store_).cached(
      "SELECT object_id, object_type, change_type, created_by, reason, comment, at FROM audit_log "
      "WHERE tenant_id = ? AND object_id = ? ORDER BY seq");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, tenant_id).bind(2, object_id);
  return collect<AuditEntry>(**st, [](const Statement& s) -> Result<AuditEntry> {
    auto type = server::object_type_named(s.text(1));
    if (!type) return corrupt("audit_log", s.text(0), "object type");
    return AuditEntry{
        s.text(0), *type, s.text(2), s.text(3), s.text(4), s.text(5), instant(s.integer(6))};
  });
}

}  // namespace tollgate::sqlite
