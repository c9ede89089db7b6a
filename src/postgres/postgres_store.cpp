#include <array>
#include <functional>
#include <string>
#include <vector>

#include "../core/store_support.hpp"
#include "store_impl.hpp"

namespace tollgate::postgres {
namespace {

// The same versions as SqliteStore's migrations, in PostgreSQL's dialect:
// dates are DATE, instants Unix seconds, amounts and quantities their exact
// decimal text. Append only. Version 5 (the REST server's tables) exists on
// SQLite only.
constexpr std::array<Migration, 12> kMigrations{{
    {1, "billing rules per organization and tenant", R"sql(
      CREATE TABLE organization_billing_rule (
        record_id       BIGSERIAL PRIMARY KEY,
        id              VARCHAR(36) NOT NULL UNIQUE,
        organization_id VARCHAR(36) NOT NULL,
        tenant_id       VARCHAR(36) NOT NULL,
        rule            TEXT,
        reg_dt          TIMESTAMP DEFAULT CURRENT_TIMESTAMP
      );
      CREATE INDEX organization_billing_rule_by_org
        ON organization_billing_rule (organization_id, tenant_id, reg_dt);
    )sql"},
    {2, "usage events and processed provider events", R"sql(
      CREATE TABLE usage_event (
        seq             BIGSERIAL PRIMARY KEY,
        subscription_id TEXT NOT NULL,
        event_id        TEXT NOT NULL,
        metric          TEXT NOT NULL,
        quantity        TEXT NOT NULL,
        occurred_on     DATE NOT NULL,
        value_key       TEXT NOT NULL DEFAULT '',
        UNIQUE (subscription_id, event_id)
      );
      CREATE TABLE processed_event (
        event_id     TEXT NOT NULL PRIMARY KEY,
        processed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
      );
    )sql"},
    {3, "accounts, journals, invoices, payment attempts and notifications", R"sql(
      CREATE TABLE catalog_version (
        version   TEXT NOT NULL PRIMARY KEY,
        document  TEXT NOT NULL,
        stored_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
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
        payment_method_at BIGINT NOT NULL DEFAULT 0,
        next_run          DATE,
        overdue           BOOLEAN NOT NULL DEFAULT FALSE
      );
      CREATE INDEX account_by_next_run ON account (next_run);
      CREATE TABLE subscription (
        id         TEXT NOT NULL PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES account (id)
      );
      CREATE INDEX subscription_by_account ON subscription (account_id);
      CREATE TABLE journal (
        seq          BIGSERIAL PRIMARY KEY,
        account_id   TEXT NOT NULL REFERENCES account (id),
        entry_date   DATE NOT NULL,
        operation    TEXT,
        requested_at BIGINT NOT NULL
      );
      CREATE INDEX journal_by_account ON journal (account_id, seq);
      ALTER TABLE usage_event ADD COLUMN after_seq BIGINT NOT NULL DEFAULT 0;
      CREATE TABLE invoice (
        record_id    BIGSERIAL,
        id           TEXT NOT NULL PRIMARY KEY,
        account_id   TEXT NOT NULL REFERENCES account (id),
        invoice_date DATE NOT NULL,
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
        start_date      DATE NOT NULL,
        end_date        DATE,
        quantity        TEXT,
        amount          TEXT NOT NULL,
        PRIMARY KEY (invoice_id, position)
      );
      CREATE TABLE payment_attempt (
        invoice_id   TEXT NOT NULL REFERENCES invoice (id),
        attempt      INTEGER NOT NULL,
        status       TEXT NOT NULL,
        scheduled_on DATE NOT NULL,
        charge_id    TEXT NOT NULL DEFAULT '',
        failure      TEXT NOT NULL DEFAULT '',
        updated_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (invoice_id, attempt)
      );
      CREATE INDEX payment_attempt_by_status ON payment_attempt (status, scheduled_on);
      CREATE TABLE notification (
        record_id       BIGSERIAL,
        key             TEXT NOT NULL PRIMARY KEY,
        account_id      TEXT NOT NULL REFERENCES account (id),
        kind            TEXT NOT NULL,
        raised_on       DATE NOT NULL,
        subscription_id TEXT NOT NULL DEFAULT '',
        about_date      DATE,
        invoice_id      TEXT NOT NULL DEFAULT '',
        delivered       BOOLEAN NOT NULL DEFAULT FALSE
      );
      CREATE INDEX notification_by_account ON notification (account_id);
      CREATE INDEX notification_undelivered ON notification (delivered);
    )sql"},
    {4, "claims on accounts, for billing runs shared by several workers", R"sql(
      ALTER TABLE account ADD COLUMN lease_worker TEXT;
      ALTER TABLE account ADD COLUMN lease_run TEXT;
      ALTER TABLE account ADD COLUMN lease_until BIGINT;  -- Unix seconds, the server's clock
      -- Only the accounts claimed right now: releasing a run's claims reads a handful of rows.
      CREATE INDEX account_by_lease ON account (lease_worker, lease_run)
        WHERE lease_worker IS NOT NULL;
    )sql"},
    {6, "the money side: account credit per invoice, invoice numbers, payments", R"sql(
      ALTER TABLE invoice ADD COLUMN credit_adj TEXT NOT NULL DEFAULT '0';
      UPDATE invoice SET credit_adj = substr(total, 2) WHERE total LIKE '-%';
      ALTER TABLE invoice ADD COLUMN invoice_number BIGINT;
      UPDATE invoice SET invoice_number = numbering.n
        FROM (SELECT record_id, row_number() OVER (ORDER BY record_id) AS n FROM invoice) AS numbering
        WHERE numbering.record_id = invoice.record_id;
      CREATE UNIQUE INDEX invoice_by_number ON invoice (invoice_number);
      CREATE TABLE invoice_sequence (
        id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        last BIGINT NOT NULL
      );
      INSERT INTO invoice_sequence (id, last) SELECT 1, coalesce(max(invoice_number), 0) FROM invoice;
      ALTER TABLE payment_attempt ADD COLUMN amount TEXT NOT NULL DEFAULT '0';
      UPDATE payment_attempt SET amount = invoice.total FROM invoice
        WHERE invoice.id = payment_attempt.invoice_id;
      CREATE TABLE payment (
        record_id  BIGSERIAL,
        id         TEXT NOT NULL PRIMARY KEY,
        invoice_id TEXT NOT NULL REFERENCES invoice (id),
        account_id TEXT NOT NULL REFERENCES account (id),
        kind       TEXT NOT NULL,
        amount     TEXT NOT NULL,
        method     TEXT NOT NULL,
        reference  TEXT NOT NULL,
        payment_id TEXT NOT NULL DEFAULT '',
        paid_on    DATE NOT NULL
      );
      CREATE UNIQUE INDEX payment_once ON payment (invoice_id, kind, method, reference)
        WHERE reference <> '';
      CREATE INDEX payment_by_invoice ON payment (invoice_id);
      CREATE INDEX payment_by_account ON payment (account_id);
      CREATE INDEX payment_by_reference ON payment (method, reference);
      INSERT INTO payment (id, invoice_id, account_id, kind, amount, method, reference, paid_on)
        SELECT 'pay-' || a.invoice_id || '-' || a.attempt, a.invoice_id, i.account_id, 'PAYMENT',
               i.total, 'provider', a.charge_id, a.scheduled_on
        FROM payment_attempt a JOIN invoice i ON i.id = a.invoice_id
        WHERE a.status = 'SUCCEEDED';
      CREATE TABLE payment_method (
        record_id    BIGSERIAL,
        id           TEXT NOT NULL PRIMARY KEY,
        account_id   TEXT NOT NULL REFERENCES account (id),
        plugin       TEXT NOT NULL,
        external_key TEXT NOT NULL DEFAULT '',
        customer_id  TEXT NOT NULL DEFAULT '',
        method_id    TEXT NOT NULL DEFAULT '',
        is_default   BOOLEAN NOT NULL DEFAULT FALSE
      );
      CREATE INDEX payment_method_by_account ON payment_method (account_id);
    )sql"},
    {7, "engine snapshots, so that billing an account costs what happened since its last invoice",
     R"sql(
      CREATE TABLE engine_snapshot (
        account_id  TEXT NOT NULL PRIMARY KEY REFERENCES account (id),
        journal_seq BIGINT NOT NULL,
        rules_at    BIGINT,
        body        TEXT NOT NULL
      );
      CREATE INDEX usage_event_after ON usage_event (subscription_id, after_seq);
    )sql"},
    {8, "an account's open attempts and credit-moving invoices by index, not by its history",
     R"sql(
      ALTER TABLE payment_attempt ADD COLUMN account_id TEXT REFERENCES account (id);
      UPDATE payment_attempt SET account_id = invoice.account_id FROM invoice
        WHERE invoice.id = payment_attempt.invoice_id;
      CREATE INDEX payment_attempt_open ON payment_attempt (account_id)
        WHERE status IN ('STARTED', 'SCHEDULED');
      CREATE INDEX invoice_moving_credit ON invoice (account_id) WHERE credit_adj <> '0';
    )sql"},
    {9, "Kill Bill's control tags on accounts, as billing reads them", R"sql(
      -- The controls that are on, by Kill Bill's tag names ("AUTO_PAY_OFF,TEST").
      ALTER TABLE account ADD COLUMN control_tags TEXT NOT NULL DEFAULT '';
    )sql"},
    {10, "invoices written off (Kill Bill's WRITTEN_OFF tag)", R"sql(
      ALTER TABLE invoice ADD COLUMN written_off BOOLEAN NOT NULL DEFAULT FALSE;
    )sql"},
    {11, "a subscription's usage by date, for reads of a date range", R"sql(
      CREATE INDEX usage_event_by_date ON usage_event (subscription_id, occurred_on);
    )sql"},
    {12, "charges waiting for the customer's confirmation (3-D Secure); cards on file", R"sql(
      ALTER TABLE payment_attempt ADD COLUMN action_url TEXT NOT NULL DEFAULT '';
      ALTER TABLE notification ADD COLUMN action_url TEXT NOT NULL DEFAULT '';
      DROP INDEX payment_attempt_open;
      CREATE INDEX payment_attempt_open ON payment_attempt (account_id)
        WHERE status IN ('STARTED', 'SCHEDULED', 'ACTION_REQUIRED');
      CREATE TABLE card (
        payment_method_id TEXT NOT NULL PRIMARY KEY,
        account_id        TEXT REFERENCES account (id),
        card              TEXT NOT NULL DEFAULT '',
        removed           INTEGER NOT NULL DEFAULT 0
      );
      ALTER TABLE account ADD COLUMN card TEXT NOT NULL DEFAULT '';
      CREATE INDEX account_by_customer ON account (customer_id) WHERE customer_id <> '';
    )sql"},
    {13, "an account's latest journal date by index, not by reading its journal", R"sql(
      -- A provider event is dated no earlier than the account's latest entry:
      -- max(entry_date) for one account from this index costs the same at any age.
      CREATE INDEX journal_by_date ON journal (account_id, entry_date);
    )sql"},
}};

// Every worker that starts at once wants to migrate: this lock (held to the end
// of each migration's transaction) lets one do it while the others wait.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7201388470552)";

constexpr MigrationTrack kBillingTrack{
    kMigrations,
    PostgresStore::latest_schema_version,
    kMigrationLock,
    "CREATE TABLE IF NOT EXISTS tollgate_migration (version INTEGER NOT NULL PRIMARY KEY, "
    "description TEXT NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    "SELECT coalesce(max(version), 0) FROM tollgate_migration",
    "INSERT INTO tollgate_migration (version, description) VALUES ($1, $2)"};

}  // namespace

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;
int PostgresStore::schema_version() const {
  return impl_->version;
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& conninfo,
                                                           const PostgresOptions& options) {
  TOLLGATE_ASSIGN_OR_RETURN(auto connection, Connection::connect(conninfo));
  auto impl = std::make_unique<Impl>(Impl{std::move(connection), 0});
  // Dates travel as ISO text; quiet notices ("relation already exists, skipping").
  TOLLGATE_RETURN_IF_ERROR(impl->db.exec("SET DateStyle = ISO; SET client_min_messages = WARNING"));
  TOLLGATE_ASSIGN_OR_RETURN(
      auto version, migrate(impl->db, kBillingTrack,
                            options.migrate_to ? options.migrate_to : latest_schema_version));
  impl->version = version;
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

Result<IngestResult> PostgresStore::record_usage(std::span<const UsageEvent> events) {
  Connection& db = impl_->db;
  return in_transaction(db, [&]() -> Result<IngestResult> {
    // Lock the accounts the usage belongs to (in id order, as the billing run
    // does): no journal entry of theirs can commit between the read of the
    // last seq and these inserts, so a replay places the usage exactly.
    std::string subscriptions = array_literal(events, &UsageEvent::subscription);
    if (auto r = db.query(
            "SELECT a.id FROM account a WHERE a.id IN (SELECT account_id FROM subscription WHERE "
            "id = ANY ($1::text[])) ORDER BY a.id FOR SHARE",
            {subscriptions});
        !r)
      return unexpected(r.error());
    TOLLGATE_ASSIGN_OR_RETURN(auto last, db.query("SELECT coalesce(max(seq), 0) FROM journal"));
    Param after_seq = last.text(0, 0);
    // One statement for the whole batch, in its order (seq is the order of
    // recording): a round trip per event made ingestion 10x slower than COPY.
    std::vector<std::string> quantities, dates;
    quantities.reserve(events.size());
    dates.reserve(events.size());
    for (const auto& e : events) {
      quantities.push_back(e.quantity.to_string());
      dates.push_back(to_string(e.occurred_on));
    }
    auto r = db.query(
        "INSERT INTO usage_event (subscription_id, event_id, metric, quantity, occurred_on, "
        "value_key, after_seq) SELECT s, e, m, q, o::date, v, $7::bigint FROM unnest($1::text[], "
        "$2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(s, e, m, "
        "q, o, v, n) ORDER BY n ON CONFLICT DO NOTHING",
        {subscriptions, array_literal(events, &UsageEvent::id),
         array_literal(events, &UsageEvent::metric), array_literal(quantities),
         array_literal(dates), array_literal(events, &UsageEvent::value_key), after_seq});
    if (!r) return unexpected(r.error());  // the whole batch rolls back
    IngestResult result;
    result.inserted = static_cast<std::size_t>(r->affected());
    result.duplicates = events.size() - result.inserted;
    return result;
  });
}

namespace {

// The usage events a query selects (subscription_id, metric, quantity,
// occurred_on, event_id, value_key).
Result<std::vector<UsageEvent>> read_usage(const Result<Rows>& rows,
                                           const std::string& subscription) {
  return collect<UsageEvent>(rows, [&](const Rows& r, int i) -> Result<UsageEvent> {
    auto quantity = Decimal::parse(r.text(i, 2));
    auto on = parse_date(r.text(i, 3));
    if (!quantity || !on) return corrupt("usage_event", subscription, "quantity or date");
    return UsageEvent{r.text(i, 0), r.text(i, 1), *quantity, *on, r.text(i, 4), r.text(i, 5)};
  });
}

}  // namespace

Result<std::vector<UsageEvent>> PostgresStore::usage_of(const std::string& subscription) {
  return read_usage(
      impl_->db.query("SELECT subscription_id, metric, quantity, occurred_on, event_id, value_key "
                      "FROM usage_event WHERE subscription_id = $1 ORDER BY seq",
                      {subscription}),
      subscription);
}

Result<std::vector<UsageEvent>> PostgresStore::usage_between(const std::string& subscription,
                                                             const std::optional<Date>& from,
                                                             const std::optional<Date>& to) {
  return read_usage(
      impl_->db.query("SELECT subscription_id, metric, quantity, occurred_on, event_id, value_key "
                      "FROM usage_event WHERE subscription_id = $1 AND occurred_on >= $2::date "
                      "AND occurred_on < $3::date ORDER BY occurred_on, seq",
                      {subscription, from ? to_string(*from) : std::string("-infinity"),
                       to ? to_string(*to) : std::string("infinity")}),
      subscription);
}

Result<std::string> PostgresStore::register_rules(const OrganizationKey& org,
                                                  std::string_view rule_json,
                                                  Instant registered_at) {
  auto rules = load_rules(rule_json);
  if (!rules) return detail::invalid_document(errors::store_rules, "the rule set", rules.error());
  std::string id = detail::random_uuid();
  auto r = impl_->db.query(
      "INSERT INTO organization_billing_rule (id, organization_id, tenant_id, rule, reg_dt) VALUES "
      "($1, $2, $3, $4, to_timestamp($5::bigint) AT TIME ZONE 'UTC')",
      {id, org.organization_id, org.tenant_id, std::string(rule_json), seconds(registered_at)});
  if (!r) return unexpected(r.error());
  return id;
}

Result<std::vector<StoredRuleSet>> PostgresStore::rule_sets() {
  return collect<StoredRuleSet>(
      impl_->db.query("SELECT id, organization_id, tenant_id, rule, extract(epoch FROM reg_dt AT "
                      "TIME ZONE 'UTC')::bigint FROM organization_billing_rule ORDER BY reg_dt, "
                      "record_id"),
      [](const Rows& r, int i) -> Result<StoredRuleSet> {
        return StoredRuleSet{r.text(i, 0),
                             {r.text(i, 1), r.text(i, 2)},
                             r.text(i, 3),
                             Instant{std::chrono::seconds{r.integer(i, 4)}}};
      });
}

Result<std::int64_t> PostgresStore::rules_revision() {
  // Rows are only ever inserted, so the largest record_id moves with every registration.
  TOLLGATE_ASSIGN_OR_RETURN(
      auto r, impl_->db.query("SELECT coalesce(max(record_id), 0) FROM organization_billing_rule"));
  return r.integer(0, 0);
}

Result<int> migrate(Connection& db, const MigrationTrack& track, int target) {
  int version = 0;
  for (const auto& m : track.migrations) {
    if (m.version > target) break;
    auto step = in_transaction(db, [&]() -> Result<Ok> {
      TOLLGATE_RETURN_IF_ERROR(db.query(track.lock));
      TOLLGATE_RETURN_IF_ERROR(db.exec(track.create_table));
      TOLLGATE_ASSIGN_OR_RETURN(auto rows, db.query(track.current));
      version = static_cast<int>(rows.integer(0, 0));
      if (version > track.latest)
        return make_error(errors::store_newer,
                          "the database has schema version " + std::to_string(version) +
                              ", newer than this Tollgate's " + std::to_string(track.latest));
      if (version >= m.version) return Ok{};
      if (auto r = db.exec(m.sql); !r)
        return make_error(r.error().code, "migration " + std::to_string(m.version) + " (" + m.what +
                                              "): " + r.error().message);
      version = m.version;
      return done(db.query(track.record, {text(std::int64_t{m.version}), std::string(m.what)}));
    });
    if (!step) return unexpected(step.error());
  }
  return version;
}

Result<Ok> PostgresStore::atomically(const std::function<Result<Ok>()>& f) {
  return in_transaction(impl_->db, f);
}

Result<Delivery> PostgresStore::apply_once(std::string_view event_id,
                                           const std::function<Result<Ok>()>& effect) {
  Connection& db = impl_->db;
  TOLLGATE_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db));
  // A concurrent delivery of the same id waits on this row and then sees it taken.
  auto insert =
      db.query("INSERT INTO processed_event (event_id) VALUES ($1) ON CONFLICT DO NOTHING",
               {std::string(event_id)});
  if (!insert) return unexpected(insert.error());
  if (insert->affected() == 0) return Delivery::duplicate;  // rolls back: nothing to keep
  TOLLGATE_RETURN_IF_ERROR(effect());
  TOLLGATE_RETURN_IF_ERROR(tx.commit());
  return Delivery::applied;
}

}  // namespace tollgate::postgres
