#include "tollgate/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>

#include "../core/store_support.hpp"
#include "store_impl.hpp"

namespace tollgate::sqlite {
namespace {

// Append only: a released migration never changes, so every older database
// upgrades the same way.
constexpr std::array<Migration, 13> kMigrations{{
    {1, "billing rules per organization and tenant", R"sql(
      CREATE TABLE organization_billing_rule (
        id              VARCHAR(36) NOT NULL PRIMARY KEY,
        organization_id VARCHAR(36) NOT NULL,
        tenant_id       VARCHAR(36) NOT NULL,
        rule            LONGTEXT,
        reg_dt          TIMESTAMP DEFAULT CURRENT_TIMESTAMP
      );
      CREATE INDEX organization_billing_rule_by_org
        ON organization_billing_rule (organization_id, tenant_id, reg_dt);
    )sql"},
    {2, "usage events and processed provider events", R"sql(
      CREATE TABLE usage_event (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        subscription_id TEXT NOT NULL,
        event_id        TEXT NOT NULL,
        metric          TEXT NOT NULL,
        quantity        TEXT NOT NULL,
        occurred_on     TEXT NOT NULL,
        value_key       TEXT NOT NULL DEFAULT '',
        UNIQUE (subscription_id, event_id)
      );
      CREATE TABLE processed_event (
        event_id     TEXT NOT NULL PRIMARY KEY,
        processed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
      );
    )sql"},
    {3, "accounts, journals, invoices, payment attempts and notifications", R"sql(
      CREATE TABLE catalog_version (
        version   TEXT NOT NULL PRIMARY KEY,
        document  TEXT NOT NULL,
        stored_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
      );
      CREATE TABLE account (
        id                TEXT NOT NULL PRIMARY KEY,
        currency          TEXT NOT NULL,
        time_zone         TEXT NOT NULL,
        bill_cycle_day    INTEGER,
        catalog_version   TEXT NOT NULL REFERENCES catalog_version (version),
        organization_id   TEXT NOT NULL,
        tenant_id         TEXT NOT NULL,
        customer_id       TEXT NOT NULL DEFAULT '',
        payment_method_id TEXT NOT NULL DEFAULT '',
        payment_method_at INTEGER NOT NULL DEFAULT 0,  -- Unix seconds
        next_run          TEXT,
        overdue           INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX account_by_next_run ON account (next_run);
      CREATE TABLE subscription (
        id         TEXT NOT NULL PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES account (id)
      );
      CREATE INDEX subscription_by_account ON subscription (account_id);
      -- An account's operations and invoicing runs (operation NULL), replayed in seq order.
      CREATE TABLE journal (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id TEXT NOT NULL REFERENCES account (id),
        entry_date   TEXT NOT NULL,
        operation    TEXT,
        requested_at INTEGER NOT NULL  -- Unix seconds
      );
      CREATE INDEX journal_by_account ON journal (account_id, seq);
      -- Where a usage event falls between journal entries (0: before any).
      ALTER TABLE usage_event ADD COLUMN after_seq INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE invoice (
        id           TEXT NOT NULL PRIMARY KEY,
        account_id   TEXT NOT NULL REFERENCES account (id),
        invoice_date TEXT NOT NULL,
        currency     TEXT NOT NULL,
        total        TEXT NOT NULL,
        status       TEXT NOT NULL
      );
      CREATE INDEX invoice_by_account ON invoice (account_id, invoice_date);
      CREATE TABLE invoice_item (
        invoice_id      TEXT NOT NULL REFERENCES invoice (id),
        position        INTEGER NOT NULL,
        type            TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        plan            TEXT NOT NULL,
        phase           TEXT,
        usage_name      TEXT NOT NULL,
        start_date      TEXT NOT NULL,
        end_date        TEXT,
        quantity        TEXT,
        amount          TEXT NOT NULL,
        PRIMARY KEY (invoice_id, position)
      );
      CREATE TABLE payment_attempt (
        invoice_id   TEXT NOT NULL REFERENCES invoice (id),
        attempt      INTEGER NOT NULL,
        status       TEXT NOT NULL,
        scheduled_on TEXT NOT NULL,
        charge_id    TEXT NOT NULL DEFAULT '',
        failure      TEXT NOT NULL DEFAULT '',
        updated_at   TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (invoice_id, attempt)
      );
      CREATE INDEX payment_attempt_by_status ON payment_attempt (status, scheduled_on);
      CREATE TABLE notification (
        key             TEXT NOT NULL PRIMARY KEY,
        account_id      TEXT NOT NULL REFERENCES account (id),
        kind            TEXT NOT NULL,
        raised_on       TEXT NOT NULL,
        subscription_id TEXT NOT NULL DEFAULT '',
        about_date      TEXT,
        invoice_id      TEXT NOT NULL DEFAULT '',
        delivered       INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX notification_by_account ON notification (account_id);
      CREATE INDEX notification_undelivered ON notification (delivered);
    )sql"},
    {4, "claims on accounts, for billing runs shared by several workers", R"sql(
      ALTER TABLE account ADD COLUMN lease_worker TEXT;
      ALTER TABLE account ADD COLUMN lease_run TEXT;
      ALTER TABLE account ADD COLUMN lease_until INTEGER;  -- Unix seconds, the database's clock
      -- Only the accounts claimed right now: releasing a run's claims reads a handful of rows.
      CREATE INDEX account_by_lease ON account (lease_worker, lease_run)
        WHERE lease_worker IS NOT NULL;
    )sql"},
    // Version 5 made the REST server's tables before 0.1.0 was released; they
    // have a migration track of their own now (tenant_store.cpp), so that a
    // host using only the billing store gets none of them. Databases that ran
    // it keep them, and the server's track adopts them.
    {5, "(the REST server's tables: moved to tollgate_server_migration)", R"sql(
      SELECT 1;
    )sql"},
    {6, "the money side: account credit per invoice, invoice numbers, payments", R"sql(
      -- What each invoice moved of the account credit (balance.md). Invoices
      -- issued before this version used no credit; a negative one became credit.
      ALTER TABLE invoice ADD COLUMN credit_adj TEXT NOT NULL DEFAULT '0';
      UPDATE invoice SET credit_adj = substr(total, 2) WHERE total LIKE '-%';
      -- Kill Bill's invoiceNumber: gapless, in the order invoices were saved.
      ALTER TABLE invoice ADD COLUMN invoice_number INTEGER;
      UPDATE invoice SET invoice_number = numbering.n
        FROM (SELECT rowid AS r, row_number() OVER (ORDER BY rowid) AS n FROM invoice) AS numbering
        WHERE numbering.r = invoice.rowid;
      CREATE UNIQUE INDEX invoice_by_number ON invoice (invoice_number);
      CREATE TABLE invoice_sequence (
        id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        last INTEGER NOT NULL
      );
      INSERT INTO invoice_sequence (id, last) SELECT 1, coalesce(max(invoice_number), 0) FROM invoice;
      -- What an attempt asked for: attempts made before this version asked for the total.
      ALTER TABLE payment_attempt ADD COLUMN amount TEXT NOT NULL DEFAULT '0';
      UPDATE payment_attempt SET amount =
        (SELECT total FROM invoice WHERE invoice.id = payment_attempt.invoice_id);
      CREATE TABLE payment (
        id         TEXT NOT NULL PRIMARY KEY,
        invoice_id TEXT NOT NULL REFERENCES invoice (id),
        account_id TEXT NOT NULL REFERENCES account (id),
        kind       TEXT NOT NULL,
        amount     TEXT NOT NULL,
        method     TEXT NOT NULL,
        reference  TEXT NOT NULL,
        payment_id TEXT NOT NULL DEFAULT '',
        paid_on    TEXT NOT NULL
      );
      CREATE UNIQUE INDEX payment_once ON payment (invoice_id, kind, method, reference)
        WHERE reference <> '';
      CREATE INDEX payment_by_invoice ON payment (invoice_id);
      CREATE INDEX payment_by_account ON payment (account_id);
      CREATE INDEX payment_by_reference ON payment (method, reference);
      -- Invoices a provider collected before payments were recorded: one payment each.
      INSERT INTO payment (id, invoice_id, account_id, kind, amount, method, reference, paid_on)
        SELECT 'pay-' || a.invoice_id || '-' || a.attempt, a.invoice_id, i.account_id, 'PAYMENT',
               i.total, 'provider', a.charge_id, a.scheduled_on
        FROM payment_attempt a JOIN invoice i ON i.id = a.invoice_id
        WHERE a.status = 'SUCCEEDED';
      -- Payment methods on file: the provider's ids only, never card data.
      CREATE TABLE payment_method (
        id           TEXT NOT NULL PRIMARY KEY,
        account_id   TEXT NOT NULL REFERENCES account (id),
        plugin       TEXT NOT NULL,
        external_key TEXT NOT NULL DEFAULT '',
        customer_id  TEXT NOT NULL DEFAULT '',
        method_id    TEXT NOT NULL DEFAULT '',
        is_default   INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX payment_method_by_account ON payment_method (account_id);
    )sql"},
    {7, "engine snapshots, so that billing an account costs what happened since its last invoice",
     R"sql(
      -- Each account's engine at its last invoice (BillingEngine::snapshot);
      -- the body carries its own format version and is ignored when it differs.
      CREATE TABLE engine_snapshot (
        account_id  TEXT NOT NULL PRIMARY KEY REFERENCES account (id),
        journal_seq INTEGER NOT NULL,
        rules_at    INTEGER,
        body        TEXT NOT NULL
      );
      -- The usage recorded after a snapshot, without reading older usage.
      CREATE INDEX usage_event_after ON usage_event (subscription_id, after_seq);
    )sql"},
    {8, "an account's open attempts and credit-moving invoices by index, not by its history",
     R"sql(
      -- Whose attempt it is, so that an account's open attempts are found in an
      -- index of open attempts rather than by walking every invoice it ever had.
      ALTER TABLE payment_attempt ADD COLUMN account_id TEXT REFERENCES account (id);
      UPDATE payment_attempt SET account_id =
        (SELECT account_id FROM invoice WHERE invoice.id = payment_attempt.invoice_id);
      CREATE INDEX payment_attempt_open ON payment_attempt (account_id)
        WHERE status IN ('STARTED', 'SCHEDULED');
      -- The account credit is the sum of credit_adj: invoices that moved none add nothing.
      CREATE INDEX invoice_moving_credit ON invoice (account_id) WHERE credit_adj <> '0';
    )sql"},
    {9, "Kill Bill's control tags on accounts, as billing reads them", R"sql(
      -- The controls that are on, by Kill Bill's tag names ("AUTO_PAY_OFF,TEST").
      ALTER TABLE account ADD COLUMN control_tags TEXT NOT NULL DEFAULT '';
    )sql"},
    {10, "invoices written off (Kill Bill's WRITTEN_OFF tag)", R"sql(
      -- 1: its balance no longer counts and it is never charged again.
      ALTER TABLE invoice ADD COLUMN written_off INTEGER NOT NULL DEFAULT 0;
    )sql"},
    {11, "a subscription's usage by date, for reads of a date range", R"sql(
      CREATE INDEX usage_event_by_date ON usage_event (subscription_id, occurred_on);
    )sql"},
    {12, "charges waiting for the customer's confirmation (3-D Secure); cards on file", R"sql(
      -- Where the customer confirms the charge, on the attempt and on its notice.
      ALTER TABLE payment_attempt ADD COLUMN action_url TEXT NOT NULL DEFAULT '';
      ALTER TABLE notification ADD COLUMN action_url TEXT NOT NULL DEFAULT '';
      -- An attempt waiting for the customer is open: the run gives it up when the wait ends.
      DROP INDEX payment_attempt_open;
      CREATE INDEX payment_attempt_open ON payment_attempt (account_id)
        WHERE status IN ('STARTED', 'SCHEDULED', 'ACTION_REQUIRED');
      -- Cards on file as the provider describes them ("visa 4242 12/2027"), by
      -- its payment method id; the account keeps its default one's.
      CREATE TABLE card (
        payment_method_id TEXT NOT NULL PRIMARY KEY,
        account_id        TEXT REFERENCES account (id),
        card              TEXT NOT NULL DEFAULT '',
        removed           INTEGER NOT NULL DEFAULT 0
      );
      ALTER TABLE account ADD COLUMN card TEXT NOT NULL DEFAULT '';
      -- Provider events name the customer, not the account.
      CREATE INDEX account_by_customer ON account (customer_id) WHERE customer_id <> '';
    )sql"},
    {13, "an account's latest journal date by index, not by reading its journal", R"sql(
      -- A provider event is dated no earlier than the account's latest entry:
      -- max(entry_date) for one account from this index costs the same at any age.
      CREATE INDEX journal_by_date ON journal (account_id, entry_date);
    )sql"},
}};

std::string timestamp(Instant at) {
  return date::format("%F %T", at);  // UTC, the CURRENT_TIMESTAMP format
}

// "YYYY-MM-DD HH:MM:SS" (UTC), read by hand: date::parse trips GCC 12's
// -Wmaybe-uninitialized at -O3.
std::optional<Instant> parse_timestamp(const std::string& text) {
  if (text.size() != 19 || text[10] != ' ' || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  auto day = parse_date(std::string_view(text).substr(0, 10));
  int h = 0, m = 0, s = 0;
  auto number = [&](std::size_t at, int& out, int max) {
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + 2, out);
    return ec == std::errc() && end == text.data() + at + 2 && out <= max;
  };
  if (!day || !number(11, h, 23) || !number(14, m, 59) || !number(17, s, 60)) return std::nullopt;
  return Instant{date::sys_days(*day)} + std::chrono::hours(h) + std::chrono::minutes(m) +
         std::chrono::seconds(s);
}

}  // namespace

Result<int> SqliteStore::Impl::current_version() {
  TOLLGATE_ASSIGN_OR_RETURN(auto st,
                            db.prepare("SELECT coalesce(max(version), 0) FROM tollgate_migration"));
  TOLLGATE_RETURN_IF_ERROR(st.step());
  return static_cast<int>(st.integer(0));
}

Result<Ok> SqliteStore::Impl::migrate(int target) {
  for (const auto& m : kMigrations) {
    if (m.version <= version || m.version > target) continue;
    TOLLGATE_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db));
    if (auto r = db.exec(m.sql); !r)
      return make_error(r.error().code, "migration " + std::to_string(m.version) + " (" + m.what +
                                            "): " + r.error().message);
    TOLLGATE_ASSIGN_OR_RETURN(
        auto record,
        db.prepare("INSERT INTO tollgate_migration (version, description) VALUES (?, ?)"));
    if (auto r = record.bind(1, std::int64_t{m.version}).bind(2, m.what).run(); !r) return r;
    if (auto r = tx.commit(); !r) return r;
    version = m.version;
  }
  return Ok{};
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;
int SqliteStore::schema_version() const {
  return impl_->version;
}

const std::vector<std::string>& SqliteStore::warnings() const noexcept {
  return impl_->warnings;
}

namespace {

// A database holds customers' names, emails and invoices, and the server's
// hashed secrets: other local users must not read it. A missing file is
// created 0600 before SQLite opens it (SQLite gives the -wal and -shm files
// the database file's mode); an existing one keeps its mode, and one that
// others may read or write is reported. Returns the warning, if any.
Result<std::optional<std::string>> guard_file_mode(const std::string& path,
                                                   const SqliteOptions& options) {
  if (path.empty() || path == ":memory:") return std::optional<std::string>();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if ((st.st_mode & 077) == 0 || !S_ISREG(st.st_mode)) return std::optional<std::string>();
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::optional<std::string>(path + " can be read or written by other users (mode " +
                                      mode + "); chmod 600 it");
  }
  if (!options.create || options.read_only) return std::optional<std::string>();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return std::optional<std::string>();  // created meanwhile: SQLite opens it
    return make_error(errors::store_unavailable, "cannot create " + path);
  }
  int chmodded = ::fchmod(fd, 0600);  // a umask may have taken bits away; none can be added
  ::close(fd);
  if (chmodded != 0) return make_error(errors::store_unavailable, "cannot make " + path + " 0600");
  return std::optional<std::string>();
}

// The connection's settings: WAL, foreign keys, memory and durability.
Result<Ok> configure(Connection& db, const SqliteOptions& options) {
  (void)db.exec(
      "PRAGMA journal_mode = WAL");  // a read-only file keeps its mode; writes then fail clearly
  TOLLGATE_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys = ON"));
  // Each store call inside a transaction is a savepoint, and SQLite keeps a copy
  // of every page a savepoint changes (its sub-journal) so that it can roll the
  // savepoint back. In a temporary file that is a 4 KiB write system call per page,
  // dozens per account in a billing run; in memory it is a copy. The copies live
  // only until the transaction ends, so memory stays bounded by what one
  // transaction changes. (Temporary tables and large sorts also stay in memory;
  // Tollgate's queries use neither at a size that matters.)
  TOLLGATE_RETURN_IF_ERROR(db.exec("PRAGMA temp_store = MEMORY"));
  TOLLGATE_RETURN_IF_ERROR(
      db.exec("PRAGMA cache_size = -" + std::to_string(std::max(1, options.cache_mib) * 1024)));
  TOLLGATE_RETURN_IF_ERROR(db.exec(options.synchronous == Synchronous::full
                                       ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL"));
  if (options.max_page_count)
    TOLLGATE_RETURN_IF_ERROR(
        db.exec("PRAGMA max_page_count = " + std::to_string(*options.max_page_count)));
  return Ok{};
}

}  // namespace

bool tune_process() {
  // SQLITE_MISUSE once SQLite has initialized: nothing is changed then.
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const SqliteOptions& options) {
  TOLLGATE_ASSIGN_OR_RETURN(auto warning, guard_file_mode(path, options));
  auto connection = Connection::open(path, options.create && !options.read_only, options.read_only,
                                     options.busy_timeout_ms);
  if (!connection) return unexpected(connection.error());
  auto impl = std::make_unique<Impl>(Impl{std::move(connection).value(), 0, {}});
  if (warning) impl->warnings.push_back(std::move(*warning));
  Connection& db = impl->db;

  // Reading the schema is the first real read: a file that is not a database fails here.
  bool has_tables = false, ours = false;
  {
    auto not_ours = [&](const Error& e) {
      return make_error(e.code, path + " is not a Tollgate database: " + e.message);
    };
    auto tables = db.prepare(
        "SELECT count(*), coalesce(sum(name = 'tollgate_migration'), 0) FROM sqlite_master WHERE "
        "type = 'table'");
    if (!tables) return not_ours(tables.error());
    auto row = tables->step();
    if (!row) return not_ours(row.error());
    has_tables = tables->integer(0) > 0;
    ours = tables->integer(1) > 0;
  }  // the statement is finished here: an open read would keep the journal mode from changing
  if (has_tables && !ours)
    return make_error(
        errors::store_foreign,
        path + " is a SQLite database of another application (no tollgate_migration table)");

  TOLLGATE_RETURN_IF_ERROR(configure(db, options));
  if (options.read_only) {
    if (!ours)
      return make_error(errors::store_readonly,
                        path + " has no Tollgate schema and is opened read-only");
    TOLLGATE_ASSIGN_OR_RETURN(auto version, impl->current_version());
    impl->version = version;
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
  }
  if (!ours) {
    TOLLGATE_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db));
    if (auto r = db.exec(
            "CREATE TABLE tollgate_migration (version INTEGER NOT NULL PRIMARY KEY, "
            "description TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)");
        !r)
      return unexpected(r.error());
    TOLLGATE_RETURN_IF_ERROR(tx.commit());
  }
  auto version = impl->current_version();
  if (!version) return unexpected(version.error());
  impl->version = *version;
  if (impl->version > latest_schema_version)
    return make_error(errors::store_newer,
                      path + " has schema version " + std::to_string(impl->version) +
                          ", newer than this Tollgate's " + std::to_string(latest_schema_version));
  TOLLGATE_RETURN_IF_ERROR(
      impl->migrate(options.migrate_to ? options.migrate_to : latest_schema_version));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<IngestResult> SqliteStore::record_usage(std::span<const UsageEvent> events) {
  Connection& db = impl_->db;
  TOLLGATE_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db));
  // The batch holds the write lock: no journal entry can come between this read and the inserts.
  std::int64_t after_seq = 0;
  if (impl_->version >= 3) {
    TOLLGATE_ASSIGN_OR_RETURN(auto last, db.cached("SELECT coalesce(max(seq), 0) FROM journal"));
    TOLLGATE_RETURN_IF_ERROR(last->step());
    after_seq = last->integer(0);
    last->reset();
  }
  auto insert = db.cached(
      impl_->version >= 3
          ? "INSERT OR IGNORE INTO usage_event (subscription_id, event_id, metric, quantity, "
            "occurred_on, value_key, after_seq) VALUES (?, ?, ?, ?, ?, ?, ?)"
          : "INSERT OR IGNORE INTO usage_event (subscription_id, event_id, metric, quantity, "
            "occurred_on, value_key) VALUES (?, ?, ?, ?, ?, ?)");
  if (!insert) return unexpected(insert.error());
  IngestResult result;
  for (const auto& e : events) {
    (*insert)->reset();
    (*insert)
        ->bind(1, e.subscription)
        .bind(2, e.id)
        .bind(3, e.metric)
        .bind(4, e.quantity.to_string());
    (*insert)->bind(5, to_string(e.occurred_on)).bind(6, e.value_key);
    if (impl_->version >= 3) (*insert)->bind(7, after_seq);
    if (auto r = (*insert)->run(); !r) return unexpected(r.error());  // the whole batch rolls back
    (db.changes() == 1 ? result.inserted : result.duplicates) += 1;
  }
  TOLLGATE_RETURN_IF_ERROR(tx.commit());
  return result;
}

namespace {

// The usage events a statement selects (subscription_id, metric, quantity,
// occurred_on, event_id, value_key).
Result<std::vector<UsageEvent>> read_usage(Statement* st, const std::string& subscription) {
  std::vector<UsageEvent> out;
  auto rows = for_each_row(*st, [&](Statement& row) -> Result<Ok> {
    auto quantity = Decimal::parse(row.text(2));
    auto on = parse_date(row.text(3));
    if (!quantity || !on)
      return make_error(errors::store_corrupt,
                        "usage_event holds a malformed row for " + subscription);
    out.push_back({row.text(0), row.text(1), *quantity, *on, row.text(4), row.text(5)});
    return Ok{};
  });
  st->reset();  // a cached statement must not hold the read open
  if (!rows) return unexpected(rows.error());
  return out;
}

}  // namespace

Result<std::vector<UsageEvent>> SqliteStore::usage_of(const std::string& subscription) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st,
      impl_->db.cached("SELECT subscription_id, metric, quantity, occurred_on, event_id, "
                       "value_key FROM usage_event WHERE subscription_id = ? ORDER BY seq"));
  st->bind(1, subscription);
  return read_usage(st, subscription);
}

Result<std::vector<UsageEvent>> SqliteStore::usage_between(const std::string& subscription,
                                                           const std::optional<Date>& from,
                                                           const std::optional<Date>& to) {
  // Dates are ISO text: "" sorts before every date and "~" after.
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st,
      impl_->db.cached("SELECT subscription_id, metric, quantity, occurred_on, event_id, value_key "
                       "FROM usage_event WHERE subscription_id = ? AND occurred_on >= ? AND "
                       "occurred_on < ? ORDER BY occurred_on, seq"));
  st->bind(1, subscription)
      .bind(2, from ? to_string(*from) : std::string())
      .bind(3, to ? to_string(*to) : std::string("~"));
  return read_usage(st, subscription);
}

Result<std::string> SqliteStore::register_rules(const OrganizationKey& org,
                                                std::string_view rule_json, Instant registered_at) {
  auto rules = load_rules(rule_json);
  if (!rules) return detail::invalid_document(errors::store_rules, "the rule set", rules.error());
  std::string id = detail::random_uuid();
  auto st = impl_->db.prepare(
      "INSERT INTO organization_billing_rule (id, organization_id, tenant_id, rule, reg_dt) VALUES "
      "(?, ?, ?, ?, ?)");
  if (!st) return unexpected(st.error());
  st->bind(1, id)
      .bind(2, org.organization_id)
      .bind(3, org.tenant_id)
      .bind(4, rule_json)
      .bind(5, timestamp(registered_at));
  TOLLGATE_RETURN_IF_ERROR(st->run());
  return id;
}

Result<std::vector<StoredRuleSet>> SqliteStore::rule_sets() {
  auto st = impl_->db.prepare(
      "SELECT id, organization_id, tenant_id, rule, reg_dt FROM organization_billing_rule ORDER BY "
      "reg_dt, rowid");
  if (!st) return unexpected(st.error());
  std::vector<StoredRuleSet> out;
  for (;;) {
    TOLLGATE_ASSIGN_OR_RETURN(auto row, st->step());
    if (!row) break;
    auto at = parse_timestamp(st->text(4));
    if (!at)
      return make_error(errors::store_corrupt,
                        "organization_billing_rule " + st->text(0) + " has a malformed reg_dt");
    out.push_back({st->text(0), {st->text(1), st->text(2)}, st->text(3), *at});
  }
  return out;
}

Result<std::int64_t> SqliteStore::rules_revision() {
  // Rows are only ever inserted, so the largest rowid moves with every registration.
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("SELECT coalesce(max(rowid), 0) FROM organization_billing_rule"));
  TOLLGATE_RETURN_IF_ERROR(st->step());
  std::int64_t revision = st->integer(0);
  st->reset();  // a cached statement left mid-read would hold its read open
  return revision;
}

Result<Ok> SqliteStore::atomically(const std::function<Result<Ok>()>& f) {
  return in_transaction(impl_->db, f);
}

Result<Delivery> SqliteStore::apply_once(std::string_view event_id,
                                         const std::function<Result<Ok>()>& effect) {
  Connection& db = impl_->db;
  TOLLGATE_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db));
  TOLLGATE_ASSIGN_OR_RETURN(
      auto insert, db.prepare("INSERT OR IGNORE INTO processed_event (event_id) VALUES (?)"));
  TOLLGATE_RETURN_IF_ERROR(insert.bind(1, event_id).run());
  if (db.changes() == 0) return Delivery::duplicate;  // rolls back: nothing to keep
  TOLLGATE_RETURN_IF_ERROR(effect());
  TOLLGATE_RETURN_IF_ERROR(tx.commit());
  return Delivery::applied;
}

}  // namespace tollgate::sqlite
