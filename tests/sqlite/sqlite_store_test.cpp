#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/sqlite/sqlite_tenant_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "../support/peer.hpp"

using namespace tollgate;
using namespace tollgate::sqlite;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

std::string fresh_path() {
  return test::temp_dir() + "/tollgate.db";
}

std::unique_ptr<SqliteStore> open_store(const std::string& path, SqliteOptions options = {}) {
  auto s = SqliteStore::open(path, options);
  INFO((s ? "" : s.error().message));
  REQUIRE(s.has_value());
  return std::move(s).value();
}

// Runs SQL on the file directly, as another program would.
std::string raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::string out;
  char* err = nullptr;
  int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* o, int n, char** values, char**) {
        auto& s = *static_cast<std::string*>(o);
        for (int i = 0; i < n; ++i)
          s += (i ? "|" : "") + std::string(values[i] ? values[i] : "NULL");
        s += "\n";
        return 0;
      },
      &out, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  INFO(message);
  REQUIRE(rc == SQLITE_OK);
  return out;
}

UsageEvent usage(const char* id, const char* quantity, Date on = 2024_y / 3 / 15) {
  return {"s1", "api_calls", *Decimal::parse(quantity), on, id, ""};
}

Instant at(Date d, std::chrono::seconds t = 0s) {
  return Instant{date::sys_days(d)} + t;
}

}  // namespace

TEST_CASE("a new file gets the whole schema, in WAL mode, with its migrations recorded") {
  std::string path = fresh_path();
  auto store = open_store(path);
  CHECK(store->schema_version() == SqliteStore::latest_schema_version);
  CHECK(raw(path, "SELECT version FROM tollgate_migration ORDER BY version") ==
        "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n");
  CHECK(raw(path, "PRAGMA journal_mode") == "wal\n");
  CHECK(raw(path,
            "SELECT count(*) FROM sqlite_master WHERE name IN "
            "('organization_billing_rule', 'usage_event', 'processed_event', 'catalog_version', "
            "'account', "
            "'subscription', 'journal', 'invoice', 'invoice_item', 'payment_attempt', "
            "'notification')") == "11\n");
}

TEST_CASE("a database made by an earlier schema version upgrades, keeping its data") {
  std::string path = fresh_path();
  {
    auto v1 = open_store(path, {.migrate_to = 1});
    CHECK(v1->schema_version() == 1);
    REQUIRE(v1->register_rules({"org-7", "t1"},
                               R"({"cancelPolicy": [{"billingActionPolicy": "IMMEDIATE"}]})",
                               at(2024_y / 1 / 1)));
  }
  auto upgraded = open_store(path);
  CHECK(upgraded->schema_version() == SqliteStore::latest_schema_version);
  CHECK(upgraded->rule_sets()->size() == 1);
  auto events = std::vector<UsageEvent>{usage("u1", "5")};
  CHECK(upgraded->record_usage(events)->inserted == 1);
  // Opening again migrates nothing.
  CHECK(open_store(path)->schema_version() == SqliteStore::latest_schema_version);
  CHECK(raw(path, "SELECT count(*) FROM tollgate_migration") == "13\n");
}

TEST_CASE(
    "a version 5 database with invoices upgrades: a negative invoice becomes account credit, "
    "invoices are numbered, a collected one gets its payment") {
  std::string path = fresh_path();
  {
    auto v5 = open_store(path, {.migrate_to = 5});
    REQUIRE(v5->put_catalog("v1", R"({"name": "c", "currencies": ["USD"],
      "products": [{"name": "P", "category": "BASE"}], "plans": [{"name": "p", "product": "P",
      "phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "31.00"}}}]}]})"));
  }
  // Three invoices as version 5 wrote them: paid 31.00, a -21.00 repair (SETTLED), 31.00 unpaid.
  raw(path,
      "INSERT INTO account (id, currency, time_zone, catalog_version, organization_id, tenant_id) "
      "VALUES ('a', 'USD', 'UTC', 'v1', 'o', 't');"
      "INSERT INTO invoice VALUES ('i1', 'a', '2024-01-01', 'USD', '31.00', 'PAID');"
      "INSERT INTO invoice VALUES ('i2', 'a', '2024-01-11', 'USD', '-21.00', 'SETTLED');"
      "INSERT INTO invoice VALUES ('i3', 'a', '2024-02-01', 'USD', '31.00', 'UNPAID');"
      "INSERT INTO invoice_item VALUES ('i1', 0, 'RECURRING', 's', 'p', 'EVERGREEN', '', "
      "'2024-01-01', '2024-02-01', NULL, '31.00'), ('i2', 0, 'REPAIR_ADJ', 's', 'p', 'EVERGREEN', "
      "'', '2024-01-11', '2024-02-01', NULL, '-21.00'), ('i3', 0, 'RECURRING', 's', 'p', "
      "'EVERGREEN', '', '2024-02-01', '2024-03-01', NULL, '31.00');"
      "INSERT INTO payment_attempt (invoice_id, attempt, status, scheduled_on, charge_id) VALUES "
      "('i1', 1, 'SUCCEEDED', '2024-01-01', 'pi_1'), ('i3', 1, 'PENDING', '2024-02-01', 'pi_3');");
  auto store = open_store(path);
  CHECK(store->schema_version() == SqliteStore::latest_schema_version);
  // Kept, numbered in the order they were saved; the repair's 21.00 is account credit.
  auto invoices = store->invoices_of("a");
  REQUIRE(invoices->size() == 3);
  CHECK((*invoices)[0].number == 1);
  CHECK((*invoices)[1].number == 2);
  CHECK((*invoices)[2].number == 3);
  CHECK((*invoices)[1].invoice.credit_adj == Decimal(21));
  CHECK((*invoices)[2].invoice.credit_adj == Decimal(0));
  CHECK(*store->account_credit("a") == Decimal(21));
  // The collected invoice has its payment, so its balance is zero; the unpaid one still asks 31.00.
  auto paid = store->payments_of("i1");
  REQUIRE(paid->size() == 1);
  CHECK(paid->front().amount == Decimal(31));
  CHECK(paid->front().reference == "pi_1");
  CHECK(*balance_of(*store, "i1") == Decimal(0));
  CHECK(*balance_of(*store, "i3") == Decimal(31));
  CHECK((*store->attempts_of("i3"))[0].amount == Decimal(31));
  // The next invoice saved gets number 4.
  StoredInvoice next;
  next.id = "i4";
  next.account_id = "a";
  next.invoice.date = 2024_y / 3 / 1;
  next.invoice.currency = "USD";
  REQUIRE(store->save_invoice(next));
  CHECK(store->invoice("i4")->number == 4);
}

TEST_CASE(
    "a version 7 database upgrades: its attempts learn their account, and open attempts and "
    "account credit are still found") {
  std::string path = fresh_path();
  {
    auto v7 = open_store(path, {.migrate_to = 7});
    REQUIRE(v7->put_catalog("v1", R"({"name": "c", "currencies": ["USD"],
      "products": [{"name": "P", "category": "BASE"}], "plans": [{"name": "p", "product": "P",
      "phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})"));
  }
  // Account a: a paid invoice, and one that left 12.50 of credit. Account b:
  // an invoice whose retry is scheduled for 2024-02-05.
  raw(path,
      "INSERT INTO account (id, currency, time_zone, catalog_version, organization_id, tenant_id) "
      "VALUES ('a', 'USD', 'UTC', 'v1', 'o', 't'), ('b', 'USD', 'UTC', 'v1', 'o', 't');"
      "INSERT INTO invoice (id, account_id, invoice_date, currency, total, status, credit_adj, "
      "invoice_number) VALUES ('i1', 'a', '2024-01-01', 'USD', '10.00', 'COMMITTED', '0', 1), "
      "('i2', 'a', '2024-01-15', 'USD', '-12.50', 'COMMITTED', '12.50', 2), "
      "('i3', 'b', '2024-02-01', 'USD', '10.00', 'COMMITTED', '0', 3);"
      "INSERT INTO payment_attempt (invoice_id, attempt, status, scheduled_on, charge_id, amount) "
      "VALUES ('i1', 1, 'SUCCEEDED', '2024-01-01', 'pi_1', '10.00'), "
      "('i3', 1, 'FAILED', '2024-02-01', '', '10.00'), "
      "('i3', 2, 'SCHEDULED', '2024-02-05', '', '10.00');");
  auto store = open_store(path);
  CHECK(store->schema_version() == SqliteStore::latest_schema_version);
  CHECK(raw(path, "SELECT invoice_id, attempt, account_id FROM payment_attempt ORDER BY 1, 2") ==
        "i1|1|a\ni3|1|b\ni3|2|b\n");
  CHECK(store->open_attempts("a")->empty());
  auto open = store->open_attempts("b");
  REQUIRE(open->size() == 1);
  CHECK((*open)[0].invoice_id == "i3");
  CHECK((*open)[0].attempt == 2);
  CHECK(*store->account_credit("a") == *Decimal::parse("12.50"));
  CHECK(*store->account_credit("b") == Decimal(0));
  // b has a retry due on 2024-02-05 (not before), a has no work at all.
  Lease lease{"w", "r1"};
  CHECK(store->claim_due(2024_y / 2 / 4, "", 10, lease)->empty());
  auto claimed = store->claim_due(2024_y / 2 / 5, "", 10, lease);
  REQUIRE(claimed->size() == 1);
  CHECK((*claimed)[0].id == "b");
  CHECK((*claimed)[0].open_attempts);
  // An attempt saved now is filed under its invoice's account.
  PaymentAttempt retry{"i1", 2, AttemptStatus::scheduled, 2024_y / 3 / 1, Decimal(10), "", "", ""};
  REQUIRE(store->save_attempt(retry));
  REQUIRE(store->open_attempts("a")->size() == 1);
  // Schema 12: older rows have no confirmation URL and no card; an attempt
  // waiting for the customer is open, with its URL.
  CHECK((*open)[0].action_url.empty());
  CHECK_FALSE(store->account("b")->card.has_value());
  PaymentAttempt waiting{"i1",   3,  AttemptStatus::action_required, 2024_y / 3 / 4, Decimal(10),
                         "pi_w", "", "https://pay.example/w"};
  REQUIRE(store->save_attempt(waiting));
  auto open_a = store->open_attempts("a");
  REQUIRE(open_a->size() == 2);
  CHECK((*open_a)[1].status == AttemptStatus::action_required);
  CHECK((*open_a)[1].action_url == "https://pay.example/w");
}

TEST_CASE(
    "an account's open attempts and its credit are read through indexes of those rows only, "
    "never by walking its invoices") {
  std::string path = fresh_path();
  open_store(path);
  auto plan = [&](const std::string& query) { return raw(path, "EXPLAIN QUERY PLAN " + query); };
  // The store's own statements (invoices.cpp, accounts.cpp).
  CHECK_THAT(
      plan("SELECT id, credit_adj FROM invoice WHERE account_id = 'a' AND credit_adj <> '0'"),
      Catch::Contains("USING INDEX invoice_moving_credit (account_id=?)"));
  CHECK_THAT(plan("SELECT 1 FROM payment_attempt p WHERE p.account_id = 'a' AND p.status IN "
                  "('STARTED', 'SCHEDULED', 'ACTION_REQUIRED')"),
             Catch::Contains("USING INDEX payment_attempt_open (account_id=?)"));
}

TEST_CASE(
    "a version 2 database with usage upgrades to the latest: its usage comes before every journal "
    "entry") {
  std::string path = fresh_path();
  {
    auto v2 = open_store(path, {.migrate_to = 2});
    CHECK(v2->schema_version() == 2);
    auto events = std::vector<UsageEvent>{usage("old-1", "7")};
    REQUIRE(v2->record_usage(events)->inserted == 1);
  }
  auto v3 = open_store(path);
  CHECK(v3->schema_version() == SqliteStore::latest_schema_version);
  CHECK(raw(path, "SELECT event_id, after_seq FROM usage_event") == "old-1|0\n");
  // The new tables work on the upgraded file.
  REQUIRE(v3->put_catalog(
      "v1", R"({"name": "c", "currencies": ["USD"], "products": [{"name": "P", "category": "BASE"}],
    "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "1.00"}}}]}]})"));
  StoredAccount a;
  a.account.id = "acct-1";
  a.catalog = "v1";
  REQUIRE(v3->create_account(a));
  CHECK(v3->account("acct-1")->catalog == "v1");
}

TEST_CASE("a corrupted file, a foreign database and a newer schema are refused clearly") {
  std::string corrupt = fresh_path();
  std::ofstream(corrupt) << std::string(8192, 'x');
  auto c = SqliteStore::open(corrupt);
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().code == "store.corrupt");
  CHECK(c.error().message.find("is not a Tollgate database") != std::string::npos);

  std::string foreign = fresh_path();
  raw(foreign, "CREATE TABLE customers (id INTEGER PRIMARY KEY)");
  auto f = SqliteStore::open(foreign);
  CHECK(f.error().code == "store.foreign");
  CHECK(raw(foreign, "SELECT count(*) FROM sqlite_master") == "1\n");  // untouched

  std::string newer = fresh_path();
  open_store(newer);
  raw(newer,
      "INSERT INTO tollgate_migration (version, description) VALUES (99, 'from the future')");
  CHECK(SqliteStore::open(newer).error().code == "store.newer");

  CHECK(SqliteStore::open(test::temp_dir() + "/missing/dir/x.db").error().code ==
        "store.unavailable");
}

TEST_CASE("a read-only store refuses writes and changes nothing") {
  std::string path = fresh_path();
  {
    auto store = open_store(path);
    std::vector<UsageEvent> e{usage("u1", "1")};
    REQUIRE(store->record_usage(e));
  }
  auto ro = open_store(path, {.read_only = true});
  std::vector<UsageEvent> e{usage("u2", "1")};
  auto r = ro->record_usage(e);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "store.readonly");
  CHECK(ro->usage_of("s1")->size() == 1);
}

TEST_CASE("a full disk fails the whole batch and keeps the database consistent") {
  std::string path = fresh_path();
  auto store = open_store(path, {.max_page_count = 80});
  std::vector<UsageEvent> small{usage("first", "1")};
  REQUIRE(store->record_usage(small));
  std::vector<UsageEvent> big;
  for (int i = 0; i < 20000; ++i) big.push_back(usage(("bulk-" + std::to_string(i)).c_str(), "1"));
  auto r = store->record_usage(big);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "store.full");
  CHECK(store->usage_of("s1")->size() == 1);  // no partial batch
  store.reset();
  CHECK(raw(path, "PRAGMA integrity_check") == "ok\n");
}

TEST_CASE("a database busy with another writer reports a retryable error") {
  std::string path = fresh_path();
  auto store = open_store(path, {.busy_timeout_ms = 100});
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  std::vector<UsageEvent> e{usage("u1", "1")};
  auto r = store->record_usage(e);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "store.busy");
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK(store->record_usage(e)->inserted == 1);
}

namespace {

unsigned mode_of(const std::string& path) {
  return static_cast<unsigned>(std::filesystem::status(path).permissions() &
                               std::filesystem::perms::mask);
}

}  // namespace

TEST_CASE("a database Tollgate creates is 0600 with its -wal and -shm, whatever the umask") {
  auto path = fresh_path();
  for (mode_t umask_now : {mode_t{022}, mode_t{0}}) {
    std::filesystem::remove(path);
    mode_t before = ::umask(umask_now);
    {
      auto store = open_store(path);
      UsageEvent e = usage("u1", "1");
      REQUIRE(store->record_usage(std::span(&e, 1)));  // a write: the -wal and -shm exist now
      CHECK(store->warnings().empty());
      CHECK(mode_of(path) == 0600);
      CHECK(mode_of(path + "-wal") == 0600);
      CHECK(mode_of(path + "-shm") == 0600);
    }
    ::umask(before);
  }
}

TEST_CASE("an existing database others can read is reported, and its mode left as it is") {
  auto path = fresh_path();
  { open_store(path); }
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  auto store = open_store(path);
  REQUIRE(store->warnings().size() == 1);
  CHECK(store->warnings()[0] ==
        path + " can be read or written by other users (mode 0644); chmod 600 it");
  CHECK(mode_of(path) == 0644);
  std::filesystem::permissions(path, std::filesystem::perms(0600));
  CHECK(open_store(path)->warnings().empty());
}

// --- the REST server's tables: a migration track of their own -------------------------

TEST_CASE("a billing store alone has none of the server's tables, SqliteTenantStore makes them") {
  auto path = fresh_path();
  const std::string tables =
      "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' "
      "AND name IN ('tenant', 'api_user', 'owned_object', 'audit_log', 'tag_definition', "
      "'tollgate_server_migration') ORDER BY name)";
  { auto store = open_store(path); }
  CHECK(raw(path, tables) == "NULL\n");
  {
    auto store = open_store(path);
    auto tenants = SqliteTenantStore::open(*store);
    REQUIRE(tenants.has_value());
  }
  CHECK(raw(path, tables) ==
        "api_user,audit_log,owned_object,tag_definition,tenant,tollgate_server_migration\n");
  CHECK(raw(path, "SELECT version FROM tollgate_server_migration") == "1\n2\n3\n4\n5\n6\n7\n");
}

TEST_CASE("invoices saved before the server's migration 6 get their places, in number order") {
  auto path = fresh_path();
  {
    auto store = open_store(path);
    REQUIRE(store->put_catalog("v1", R"({"name": "c", "currencies": ["USD"],
      "products": [{"name": "Api", "category": "BASE"}],
      "plans": [{"name": "p", "product": "Api", "phases": [{"type": "EVERGREEN",
        "recurring": {"billing_period": "MONTHLY", "price": {"USD": "1.00"}}}]}]})"));
    for (auto [account, tenant] : {std::pair{"a1", "t1"}, std::pair{"a2", "t2"}}) {
      StoredAccount a;
      a.account.id = account;
      a.catalog = "v1";
      a.organization = {"default", tenant};
      REQUIRE(store->create_account(a));
    }
    // Saved before the server's tables exist: no trigger places them.
    for (auto [id, account] : {std::pair{"i1", "a1"}, std::pair{"i2", "a2"}, std::pair{"i3", "a1"}})
      REQUIRE(store->save_invoice({id, account, Invoice{2024_y / 3 / 1, "USD", {}, {}}}));
  }
  auto store = open_store(path);
  auto tenants = std::move(SqliteTenantStore::open(*store)).value();
  auto page = tenants->invoice_page("t1", 0, 10);
  REQUIRE(page.has_value());
  CHECK(page->ids == std::vector<std::string>{"i1", "i3"});
  CHECK(page->total == 2);
  CHECK(tenants->invoice_page("t2", 0, 10)->ids == std::vector<std::string>{"i2"});
  // From now on the trigger places each one as it is saved.
  REQUIRE(store->save_invoice({"i4", "a2", Invoice{2024_y / 4 / 1, "USD", {}, {}}}));
  CHECK(tenants->invoice_page("t2", 1, 10)->ids == std::vector<std::string>{"i4"});
}

TEST_CASE("a page of objects and a search read index ranges, never every object of the tenant") {
  auto path = fresh_path();
  {
    auto store = open_store(path);
    REQUIRE(SqliteTenantStore::open(*store));
  }
  auto plan = [&](const std::string& query) { return raw(path, "EXPLAIN QUERY PLAN " + query); };
  // SqliteTenantStore::page's and ::search's statements.
  CHECK_THAT(plan("SELECT id FROM owned_object WHERE tenant_id = 't' AND type = 'ACCOUNT' AND "
                  "position > 100 ORDER BY position LIMIT 10"),
             Catch::Contains("USING INDEX owned_object_by_position (tenant_id=? AND type=? AND "
                             "position>?)"));
  auto search = plan(
      "SELECT id FROM owned_object WHERE seq IN (SELECT seq FROM owned_object WHERE id = 'k' AND "
      "tenant_id = 't' AND type = 'ACCOUNT' UNION SELECT seq FROM owned_object WHERE tenant_id = "
      "'t' AND type = 'ACCOUNT' AND external_key >= 'k' AND external_key < 'l' UNION SELECT seq "
      "FROM owned_object WHERE tenant_id = 't' AND type = 'ACCOUNT' AND name >= 'k' AND name < "
      "'l' UNION SELECT seq FROM owned_object WHERE tenant_id = 't' AND type = 'ACCOUNT' AND email "
      ">= 'k' AND email < 'l') ORDER BY position LIMIT 10");
  for (const char* index : {"owned_object_by_external_key", "owned_object_by_name",
                            "owned_object_by_email", "sqlite_autoindex_owned_object_1 (id=?)"})
    CHECK_THAT(search, Catch::Contains(index));
  CHECK_THAT(search, !Catch::Contains("SCAN owned_object"));
}

TEST_CASE("server tables made by the billing store's old migration 5 are adopted, rows kept") {
  auto path = fresh_path();
  {
    auto store = open_store(path);
    auto tenants = std::move(SqliteTenantStore::open(*store)).value();
    REQUIRE(tenants->create_tenant({"t1", "acme", "key-1", "salt", "hash", ""}));
    for (const char* id : {"a1", "a2"})
      REQUIRE(tenants->put_object(
          {id, "t1", server::ObjectType::account, id, "", "", "", "", Instant{}}));
  }
  // As a database made before 0.1.0 has them: the tables of version 1, but no server track.
  raw(path,
      "DROP TABLE tollgate_server_migration; DROP TABLE tag_definition; DROP INDEX "
      "object_tag_by_definition; DROP TABLE account_email; DROP INDEX owned_object_by_position; "
      "DROP INDEX owned_object_by_external_key; DROP INDEX owned_object_by_name; DROP INDEX "
      "owned_object_by_email; ALTER TABLE owned_object DROP COLUMN position; DROP TABLE "
      "unbound_account; DROP TRIGGER invoice_placed; DROP TABLE invoice_place; DROP TRIGGER "
      "object_tag_removed; DROP TABLE removed_object_tag; DROP TRIGGER custom_field_removed; DROP "
      "TABLE removed_custom_field");
  {
    auto store = open_store(path);
    auto tenants = SqliteTenantStore::open(*store);
    REQUIRE(tenants.has_value());
    CHECK((*tenants)->tenant_by_api_key("key-1")->external_key == "acme");
    // Objects made before places existed get theirs in the order they were made.
    auto page = (*tenants)->page("t1", server::ObjectType::account, 1, 10);
    REQUIRE(page->objects.size() == 1);
    CHECK(page->objects[0].id == "a2");
    CHECK(page->total == 2);
  }
  CHECK(raw(path, "SELECT version FROM tollgate_server_migration") == "1\n2\n3\n4\n5\n6\n7\n");
  // A newer Tollgate's server tables are refused, not misread.
  raw(path, "INSERT INTO tollgate_server_migration (version, description) VALUES (8, 'later')");
  auto store = open_store(path);
  auto refused = SqliteTenantStore::open(*store);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == errors::store_newer);
}

TEST_CASE("a single-row read holds no read open: the next read sees another writer's rows") {
  auto path = fresh_path();
  auto reader = open_store(path);
  auto writer = open_store(path);
  REQUIRE(writer->put_catalog("v1", R"({"name": "c", "currencies": ["USD"],
    "products": [{"name": "Api", "category": "BASE"}],
    "plans": [{"name": "p", "product": "Api", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "1.00"}}}]}]})"));
  StoredAccount a;
  a.account.id = "a1";
  a.catalog = "v1";
  REQUIRE(writer->create_account(a));
  Operation card;
  card.type = OperationType::payment_method;
  card.date = 2024_y / 3 / 1;
  card.id = "pm_1";
  REQUIRE(writer->append("a1", {0, card.date, card, Instant{}}));
  // Each of these, left mid-read, would keep the reader on the file as it was.
  REQUIRE(*reader->last_entry_date("a1") == std::optional(2024_y / 3 / 1));
  REQUIRE(*reader->last_journal_seq("a1") > 0);
  card.date = 2024_y / 3 / 2;
  card.id = "pm_2";
  REQUIRE(writer->append("a1", {0, card.date, card, Instant{}}));
  CHECK(reader->journal("a1")->size() == 2);
}
