// SqliteStore: catalog versions, accounts, and each account's journal.

#include "../core/store_support.hpp"
#include "store_impl.hpp"

namespace tollgate::sqlite {

Result<Ok> SqliteStore::put_catalog(const std::string& version, std::string_view document) {
  if (auto catalog = load_catalog(document); !catalog)
    return detail::invalid_document(errors::store_catalog, "catalog " + version, catalog.error());
  return in_transaction(impl_->db, [&]() -> Result<Ok> {
    auto existing = catalog_json(version);
    if (existing) {
      if (*existing == document) return Ok{};
      return make_error(errors::store_conflict,
                        "catalog version " + version + " is already stored with another text");
    }
    TOLLGATE_ASSIGN_OR_RETURN(
        auto st, impl_->db.cached("INSERT INTO catalog_version (version, document) VALUES (?, ?)"));
    return st->bind(1, version).bind(2, document).run();
  });
}

Result<std::string> SqliteStore::catalog_json(const std::string& version) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("SELECT document FROM catalog_version WHERE version = ?"));
  st->bind(1, version);
  return single_text(*st, "no catalog version " + version);
}

Result<Ok> SqliteStore::create_account(const StoredAccount& a) {
  return in_transaction(impl_->db, [&]() -> Result<Ok> {
    TOLLGATE_RETURN_IF_ERROR(catalog_json(a.catalog));
    if (auto existing = account(a.account.id); existing)
      return make_error(errors::store_conflict, "account " + a.account.id + " exists");
    auto st = impl_->db.cached(
        "INSERT INTO account (id, currency, time_zone, bill_cycle_day, catalog_version, "
        "organization_id, tenant_id, "
        "customer_id, payment_method_id, next_run, overdue, payment_method_at, control_tags, card) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return unexpected(st.error());
    Statement& s = **st;
    s.bind(1, a.account.id).bind(2, a.account.currency).bind(3, a.account.time_zone);
    if (a.account.bill_cycle_day)
      s.bind(4, std::int64_t{*a.account.bill_cycle_day});
    else
      s.bind_null(4);
    s.bind(5, a.catalog).bind(6, a.organization.organization_id).bind(7, a.organization.tenant_id);
    s.bind(8, a.customer_id).bind(9, a.payment_method_id);
    bind_optional_date(s, 10, a.next_run).bind(11, std::int64_t{a.overdue});
    s.bind(12, std::int64_t{a.payment_method_at.time_since_epoch().count()});
    s.bind(13, to_string(a.controls)).bind(14, a.card ? to_string(*a.card) : std::string());
    return s.run();
  });
}

Result<StoredAccount> SqliteStore::account(const std::string& id) {
  auto st = impl_->db.cached(
      "SELECT id, currency, time_zone, bill_cycle_day, catalog_version, organization_id, "
      "tenant_id, customer_id, "
      "payment_method_id, next_run, overdue, payment_method_at, control_tags, card FROM account "
      "WHERE id = ?");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, id);
  TOLLGATE_ASSIGN_OR_RETURN(auto row, s.step());
  if (!row) return make_error(errors::store_not_found, "no account " + id);
  StoredAccount a;
  a.account.id = s.text(0);
  a.account.currency = s.text(1);
  a.account.time_zone = s.text(2);
  if (!s.is_null(3)) a.account.bill_cycle_day = static_cast<int>(s.integer(3));
  a.catalog = s.text(4);
  a.organization = {s.text(5), s.text(6)};
  a.customer_id = s.text(7);
  a.payment_method_id = s.text(8);
  a.next_run = optional_date(s, 9);
  bool bad_date = !s.is_null(9) && !a.next_run;
  a.overdue = s.integer(10) != 0;
  a.payment_method_at = Instant{std::chrono::seconds{s.integer(11)}};
  auto controls = parse_account_controls(s.text(12));
  std::string card = s.text(13);
  s.reset();
  if (!card.empty()) {
    a.card = parse_card(card);
    if (!a.card) return corrupt("account", id, "card");
  }
  if (bad_date) return corrupt("account", id, "next_run");
  if (!controls) return corrupt("account", id, "control_tags");
  a.controls = *controls;
  return a;
}

Result<Ok> SqliteStore::update_account(const StoredAccount& a) {
  auto st = impl_->db.cached(
      "UPDATE account SET currency = ?, time_zone = ?, bill_cycle_day = ?, organization_id = ?, "
      "tenant_id = ?, customer_id = ?, payment_method_id = ?, next_run = ?, overdue = ?, "
      "payment_method_at = ?, catalog_version = ?, control_tags = ?, card = ? WHERE id = ?");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, a.account.currency).bind(2, a.account.time_zone);
  if (a.account.bill_cycle_day)
    s.bind(3, std::int64_t{*a.account.bill_cycle_day});
  else
    s.bind_null(3);
  s.bind(4, a.organization.organization_id)
      .bind(5, a.organization.tenant_id)
      .bind(6, a.customer_id);
  s.bind(7, a.payment_method_id);
  bind_optional_date(s, 8, a.next_run).bind(9, std::int64_t{a.overdue});
  s.bind(10, std::int64_t{a.payment_method_at.time_since_epoch().count()});
  s.bind(11, a.catalog).bind(12, to_string(a.controls));
  s.bind(13, a.card ? to_string(*a.card) : std::string()).bind(14, a.account.id);
  if (auto r = s.run(); !r) return r;
  if (impl_->db.changes() == 0)
    return make_error(errors::store_not_found, "no account " + a.account.id);
  return Ok{};
}

Result<std::vector<std::string>> SqliteStore::accounts_due(const Date& through) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("SELECT id FROM account WHERE next_run <= ? ORDER BY id"));
  st->bind(1, to_string(through));
  return collect<std::string>(*st, [](Statement& s) -> Result<std::string> { return s.text(0); });
}

Result<std::string> SqliteStore::account_of_subscription(const std::string& subscription) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st,
                            impl_->db.cached("SELECT account_id FROM subscription WHERE id = ?"));
  st->bind(1, subscription);
  return single_text(*st, "no subscription " + subscription);
}

Result<Ok> SqliteStore::add_payment_method(const PaymentMethod& m) {
  auto st = impl_->db.cached(
      "INSERT INTO payment_method (id, account_id, plugin, external_key, customer_id, method_id, "
      "is_default) VALUES (?, ?, ?, ?, ?, ?, 0)");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, m.id).bind(2, m.account_id).bind(3, m.plugin).bind(4, m.external_key);
  s.bind(5, m.customer_id).bind(6, m.method_id);
  if (auto r = s.run(); !r)
    return make_error(
        r.error().code == errors::store_constraint ? errors::store_conflict : r.error().code,
        r.error().message);
  return Ok{};
}

namespace {

#define TOLLGATE_METHOD_SELECT                                                            \
  "SELECT id, account_id, plugin, external_key, customer_id, method_id, is_default FROM " \
  "payment_method "

Result<std::vector<PaymentMethod>> read_methods(Statement& s) {
  return collect<PaymentMethod>(s, [](Statement& row) -> Result<PaymentMethod> {
    return PaymentMethod{row.text(0), row.text(1), row.text(2),        row.text(3),
                         row.text(4), row.text(5), row.integer(6) != 0};
  });
}

}  // namespace

Result<std::vector<PaymentMethod>> SqliteStore::payment_methods(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached(TOLLGATE_METHOD_SELECT "WHERE account_id = ? ORDER BY rowid"));
  st->bind(1, account_id);
  return read_methods(*st);
}

Result<PaymentMethod> SqliteStore::payment_method(const std::string& id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st, impl_->db.cached(TOLLGATE_METHOD_SELECT "WHERE id = ?"));
  st->bind(1, id);
  TOLLGATE_ASSIGN_OR_RETURN(auto found, read_methods(*st));
  if (found.empty()) return make_error(errors::store_not_found, "no payment method " + id);
  return std::move(found.front());
}

#undef TOLLGATE_METHOD_SELECT

Result<Ok> SqliteStore::remove_payment_method(const std::string& id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st, impl_->db.cached("DELETE FROM payment_method WHERE id = ?"));
  TOLLGATE_RETURN_IF_ERROR(st->bind(1, id).run());
  if (impl_->db.changes() == 0)
    return make_error(errors::store_not_found, "no payment method " + id);
  return Ok{};
}

Result<std::size_t> SqliteStore::move_accounts_to_catalog(const std::string& from,
                                                          const std::string& to,
                                                          const Date& due_by) {
  return in_transaction(impl_->db, [&]() -> Result<std::size_t> {
    TOLLGATE_RETURN_IF_ERROR(catalog_json(to));
    // Dates are stored as YYYY-MM-DD text: their order is the text's.
    TOLLGATE_ASSIGN_OR_RETURN(
        auto st, impl_->db.cached("UPDATE account SET catalog_version = ?1, next_run = CASE WHEN "
                                  "next_run IS NOT NULL AND next_run < ?3 THEN next_run ELSE ?3 "
                                  "END WHERE catalog_version = ?2"));
    TOLLGATE_RETURN_IF_ERROR(st->bind(1, to).bind(2, from).bind(3, to_string(due_by)).run());
    return static_cast<std::size_t>(impl_->db.changes());
  });
}

Result<Ok> SqliteStore::set_default_payment_method(const std::string& account_id,
                                                   const std::string& id) {
  return in_transaction(impl_->db, [&]() -> Result<Ok> {
    auto st =
        impl_->db.cached("UPDATE payment_method SET is_default = (id = ?) WHERE account_id = ?");
    if (!st) return unexpected(st.error());
    if (auto r = (*st)->bind(1, id).bind(2, account_id).run(); !r) return r;
    auto check = impl_->db.cached(
        "SELECT count(*) FROM payment_method WHERE account_id = ? AND is_default = 1");
    if (!check) return unexpected(check.error());
    (*check)->bind(1, account_id);
    std::int64_t n = 0;
    if (auto r = for_each_row(**check,
                              [&](Statement& row) -> Result<Ok> {
                                n = row.integer(0);
                                return Ok{};
                              });
        !r)
      return r;
    if (n != 1)
      return make_error(errors::store_not_found, "no payment method " + id + " of " + account_id);
    return Ok{};
  });
}

Result<Ok> SqliteStore::save_card(const std::string& account_id,
                                  const std::string& provider_method_id, const Card& card) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("INSERT INTO card (payment_method_id, account_id, card) VALUES "
                                "(?1, ?2, ?3) ON CONFLICT (payment_method_id) DO UPDATE SET "
                                "account_id = excluded.account_id, card = excluded.card "
                                "WHERE card.removed = 0"));
  return st->bind(1, provider_method_id).bind(2, account_id).bind(3, to_string(card)).run();
}

Result<std::optional<Card>> SqliteStore::card_of(const std::string& provider_method_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st,
      impl_->db.cached("SELECT card FROM card WHERE payment_method_id = ? AND removed = 0"));
  st->bind(1, provider_method_id);
  TOLLGATE_ASSIGN_OR_RETURN(auto row, st->step());
  if (!row) return std::optional<Card>();
  auto card = parse_card(st->text(0));
  st->reset();
  if (!card) return corrupt("card", provider_method_id, "card");
  return card;
}

Result<std::optional<std::string>> SqliteStore::remove_card(
    const std::string& provider_method_id, const std::optional<std::string>& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached(
                   "INSERT INTO card (payment_method_id, account_id, removed) VALUES (?1, ?2, 1) "
                   "ON CONFLICT (payment_method_id) DO UPDATE SET removed = 1, card = '', "
                   "account_id = coalesce(card.account_id, excluded.account_id) "
                   "RETURNING account_id"));
  st->bind(1, provider_method_id);
  if (account_id)
    st->bind(2, *account_id);
  else
    st->bind_null(2);
  TOLLGATE_ASSIGN_OR_RETURN(auto row, st->step());
  std::optional<std::string> owner;
  if (row && !st->is_null(0)) owner = st->text(0);
  st->reset();
  return owner;
}

Result<bool> SqliteStore::card_removed(const std::string& provider_method_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("SELECT 1 FROM card WHERE payment_method_id = ? AND removed = 1"));
  st->bind(1, provider_method_id);
  TOLLGATE_ASSIGN_OR_RETURN(auto row, st->step());
  st->reset();
  return row;
}

Result<std::optional<std::string>> SqliteStore::account_of_customer(
    const std::string& customer_id) {
  if (customer_id.empty()) return std::optional<std::string>();
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("SELECT id FROM account WHERE customer_id = ? AND customer_id <> "
                                "'' ORDER BY id LIMIT 1"));
  st->bind(1, customer_id);
  TOLLGATE_ASSIGN_OR_RETURN(auto row, st->step());
  if (!row) return std::optional<std::string>();
  std::string id = st->text(0);
  st->reset();
  return std::optional(id);
}

Result<std::int64_t> SqliteStore::append(const std::string& account_id, const JournalEntry& entry) {
  return in_transaction(impl_->db, [&]() -> Result<std::int64_t> {
    if (entry.operation && entry.operation->type == OperationType::create) {
      TOLLGATE_ASSIGN_OR_RETURN(
          auto link, impl_->db.cached("INSERT INTO subscription (id, account_id) VALUES (?, ?)"));
      if (auto r = link->bind(1, entry.operation->subscription).bind(2, account_id).run(); !r)
        return make_error(
            r.error().code == errors::store_constraint ? errors::store_conflict : r.error().code,
            "subscription " + entry.operation->subscription + ": " + r.error().message);
    }
    auto st = impl_->db.cached(
        "INSERT INTO journal (account_id, entry_date, operation, requested_at) VALUES (?, ?, ?, "
        "?)");
    if (!st) return unexpected(st.error());
    Statement& s = **st;
    s.bind(1, account_id).bind(2, to_string(entry.date));
    if (entry.operation)
      s.bind(3, to_json(*entry.operation));
    else
      s.bind_null(3);
    s.bind(4, std::int64_t{entry.requested_at.time_since_epoch().count()});
    TOLLGATE_RETURN_IF_ERROR(s.run());
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(impl_->db.handle()));
  });
}

namespace {

Result<JournalEntry> journal_row(Statement& s) {
  JournalEntry e;
  e.seq = s.integer(0);
  auto on = parse_date(s.text(1));
  if (!on) return corrupt("journal", std::to_string(e.seq), "entry_date");
  e.date = *on;
  if (!s.is_null(2)) {
    auto op = parse_operation(s.text(2));
    if (!op) return corrupt("journal", std::to_string(e.seq), "operation");
    e.operation = std::move(op).value();
  }
  e.requested_at = Instant{std::chrono::seconds{s.integer(3)}};
  return e;
}

Result<SequencedUsage> usage_row(Statement& s) {
  auto quantity = Decimal::parse(s.text(3));
  auto on = parse_date(s.text(4));
  if (!quantity || !on)
    return corrupt("usage_event", s.text(1) + "/" + s.text(5), "quantity or date");
  return SequencedUsage{s.integer(0),
                        UsageEvent{s.text(1), s.text(2), *quantity, *on, s.text(5), s.text(6)}};
}

#define TOLLGATE_JOURNAL "SELECT seq, entry_date, operation, requested_at FROM journal "
#define TOLLGATE_USAGE                                                                   \
  "SELECT u.after_seq, u.subscription_id, u.metric, u.quantity, u.occurred_on, "         \
  "u.event_id, u.value_key FROM subscription s JOIN usage_event u ON u.subscription_id " \
  "= s.id "

}  // namespace

Result<std::vector<JournalEntry>> SqliteStore::journal(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto st,
                            impl_->db.cached(TOLLGATE_JOURNAL "WHERE account_id = ? ORDER BY seq"));
  st->bind(1, account_id);
  return collect<JournalEntry>(*st, journal_row);
}

Result<std::optional<Date>> SqliteStore::last_entry_date(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("SELECT max(entry_date) FROM journal WHERE account_id = ?"));
  st->bind(1, account_id);
  TOLLGATE_RETURN_IF_ERROR(st->step());
  auto last = optional_date(*st, 0);
  st->reset();  // a cached statement left mid-read would hold its read open
  return last;
}

Result<std::int64_t> SqliteStore::last_journal_seq(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached("SELECT coalesce(max(seq), 0) FROM journal WHERE account_id = ?"));
  st->bind(1, account_id);
  TOLLGATE_RETURN_IF_ERROR(st->step());
  std::int64_t seq = st->integer(0);
  st->reset();  // a cached statement left mid-read would hold its read open
  return seq;
}

Result<std::vector<JournalEntry>> SqliteStore::journal_after(const std::string& account_id,
                                                             std::int64_t seq) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached(TOLLGATE_JOURNAL "WHERE account_id = ? AND seq > ? ORDER BY seq"));
  st->bind(1, account_id).bind(2, seq);
  return collect<JournalEntry>(*st, journal_row);
}

Result<std::vector<SequencedUsage>> SqliteStore::account_usage(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto st, impl_->db.cached(TOLLGATE_USAGE "WHERE s.account_id = ? ORDER BY u.seq"));
  st->bind(1, account_id);
  return collect<SequencedUsage>(*st, usage_row);
}

Result<std::vector<SequencedUsage>> SqliteStore::account_usage_after(const std::string& account_id,
                                                                     std::int64_t seq) {
  auto st =
      impl_->db.cached(TOLLGATE_USAGE "WHERE s.account_id = ? AND u.after_seq >= ? ORDER BY u.seq");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, account_id).bind(2, seq);
  return collect<SequencedUsage>(**st, usage_row);
}

#undef TOLLGATE_JOURNAL
#undef TOLLGATE_USAGE

Result<Ok> SqliteStore::save_snapshot(const std::string& account_id,
                                      const EngineSnapshot& snapshot) {
  auto st = impl_->db.cached(
      "INSERT INTO engine_snapshot (account_id, journal_seq, rules_at, body) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (account_id) DO UPDATE SET journal_seq = excluded.journal_seq, "
      "rules_at = excluded.rules_at, body = excluded.body");
  if (!st) return unexpected(st.error());
  Statement& s = **st;
  s.bind(1, account_id).bind(2, snapshot.seq);
  if (snapshot.rules_at)
    s.bind(3, std::int64_t{snapshot.rules_at->time_since_epoch().count()});
  else
    s.bind_null(3);
  s.bind(4, snapshot.body);
  TOLLGATE_RETURN_IF_ERROR(s.run());
  return Ok{};
}

Result<std::optional<EngineSnapshot>> SqliteStore::snapshot(const std::string& account_id) {
  auto st = impl_->db.cached(
      "SELECT journal_seq, rules_at, body FROM engine_snapshot WHERE account_id = ?");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, account_id);
  auto rows = collect<EngineSnapshot>(**st, [](Statement& s) -> Result<EngineSnapshot> {
    EngineSnapshot snap;
    snap.seq = s.integer(0);
    if (!s.is_null(1)) snap.rules_at = Instant{std::chrono::seconds{s.integer(1)}};
    snap.body = s.text(2);
    return snap;
  });
  if (!rows) return unexpected(rows.error());
  if (rows->empty()) return std::optional<EngineSnapshot>();
  return std::optional<EngineSnapshot>(std::move(rows->front()));
}

}  // namespace tollgate::sqlite

namespace tollgate::sqlite {

// Pieces of the claim queries, as macros: cached statements are keyed by their literal's address.
// The database's clock, in Unix seconds: every worker judges leases by the same clock.
#define TOLLGATE_NOW "CAST(strftime('%s', 'now') AS INTEGER)"
// An account with work through ?1: an invoicing date come, or an attempt to send or re-send.
#define TOLLGATE_HAS_WORK                                                           \
  "(a.next_run <= ?1 OR a.id IN (SELECT p.account_id FROM payment_attempt p WHERE " \
  "p.status = 'STARTED' OR (p.status IN ('SCHEDULED', 'ACTION_REQUIRED') AND "      \
  "p.scheduled_on <= ?1)))"

// Whether account `a` has an attempt started or scheduled (on any date): one
// probe of the index of open attempts (schema version 8), however many
// invoices the account has had.
#define TOLLGATE_HAS_OPEN_ATTEMPT                                      \
  "EXISTS (SELECT 1 FROM payment_attempt p WHERE p.account_id = a.id " \
  "AND p.status IN ('STARTED', 'SCHEDULED', 'ACTION_REQUIRED'))"

Result<std::vector<ClaimedAccount>> SqliteStore::claim_due(const Date& through,
                                                           const std::string& after,
                                                           std::size_t limit, const Lease& lease) {
  // BEGIN IMMEDIATE holds the write lock from the first read: two workers never pick the same row.
  return in_transaction(impl_->db, [&]() -> Result<std::vector<ClaimedAccount>> {
    auto pick = impl_->db.cached(
        // The flag is looked up for the claimed accounts only, through their
        // invoices: a list of every open attempt, built again for each claim,
        // grew with the accounts the run had billed (each leaves a reminder
        // scheduled) and made a run of 100 k accounts cost O(N^2).
        "SELECT a.id, " TOLLGATE_HAS_OPEN_ATTEMPT
        " FROM account a "
        "WHERE a.id > ?2 AND (a.lease_until IS NULL OR a.lease_until <= " TOLLGATE_NOW
        " OR a.lease_worker = ?4) AND " TOLLGATE_HAS_WORK " ORDER BY a.id LIMIT ?3");
    if (!pick) return unexpected(pick.error());
    (*pick)->bind(1, to_string(through)).bind(2, after);
    (*pick)->bind(3, static_cast<std::int64_t>(limit)).bind(4, lease.worker);
    auto claimed = collect<ClaimedAccount>(**pick, [](Statement& s) -> Result<ClaimedAccount> {
      return ClaimedAccount{s.text(0), s.integer(1) != 0};
    });
    if (!claimed) return claimed;
    auto take = impl_->db.cached(
        "UPDATE account SET lease_worker = ?, lease_run = ?, lease_until = " TOLLGATE_NOW
        " + ? WHERE id = ?");
    if (!take) return unexpected(take.error());
    for (const auto& c : *claimed) {
      (*take)->reset();
      (*take)->bind(1, lease.worker).bind(2, lease.run);
      (*take)->bind(3, static_cast<std::int64_t>(lease.duration.count())).bind(4, c.id);
      TOLLGATE_RETURN_IF_ERROR((*take)->run());
    }
    return claimed;
  });
}

Result<bool> SqliteStore::renew(const std::string& account_id, const Lease& lease) {
  auto st = impl_->db.cached("UPDATE account SET lease_until = " TOLLGATE_NOW
                             " + ? WHERE id = ? AND lease_worker = ? AND lease_run = ?");
  if (!st) return unexpected(st.error());
  (*st)->bind(1, static_cast<std::int64_t>(lease.duration.count())).bind(2, account_id);
  (*st)->bind(3, lease.worker).bind(4, lease.run);
  TOLLGATE_RETURN_IF_ERROR((*st)->run());
  return impl_->db.changes() == 1;
}

Result<Ok> SqliteStore::release(const Lease& lease) {
  auto st = impl_->db.cached(
      "UPDATE account SET lease_worker = NULL, lease_run = NULL, lease_until = NULL WHERE "
      "lease_worker = ? AND lease_run = ?");
  if (!st) return unexpected(st.error());
  return (*st)->bind(1, lease.worker).bind(2, lease.run).run();
}

Result<std::vector<std::string>> SqliteStore::lease_holders() {
  auto st =
      impl_->db.cached("SELECT DISTINCT lease_worker FROM account WHERE lease_worker IS NOT NULL");
  if (!st) return unexpected(st.error());
  return collect<std::string>(**st,
                              [](Statement& row) -> Result<std::string> { return row.text(0); });
}

Result<Ok> SqliteStore::release_worker(const std::string& worker) {
  auto st = impl_->db.cached(
      "UPDATE account SET lease_worker = NULL, lease_run = NULL, lease_until = NULL WHERE "
      "lease_worker = ?");
  if (!st) return unexpected(st.error());
  return (*st)->bind(1, worker).run();
}

Result<std::size_t> SqliteStore::held_elsewhere(const Date& through, const Lease& lease) {
  auto st = impl_->db.cached(
      "SELECT count(*) FROM account a WHERE a.lease_worker IS NOT NULL AND a.lease_until "
      "> " TOLLGATE_NOW
      " AND NOT (a.lease_worker = ?2 AND a.lease_run = ?3) AND " TOLLGATE_HAS_WORK);
  if (!st) return unexpected(st.error());
  (*st)->bind(1, to_string(through)).bind(2, lease.worker).bind(3, lease.run);
  TOLLGATE_RETURN_IF_ERROR((*st)->step());
  auto n = static_cast<std::size_t>((*st)->integer(0));
  (*st)->reset();
  return n;
}

#undef TOLLGATE_HAS_WORK
#undef TOLLGATE_NOW

}  // namespace tollgate::sqlite
