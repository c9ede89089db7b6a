// PostgresStore: catalog versions, accounts, each account's journal, and the
// billing run's claims.

#include <algorithm>

#include "../core/store_support.hpp"
#include "store_impl.hpp"

namespace tollgate::postgres {

Result<Ok> PostgresStore::put_catalog(const std::string& version, std::string_view document) {
  if (auto catalog = load_catalog(document); !catalog)
    return detail::invalid_document(errors::store_catalog, "catalog " + version, catalog.error());
  return in_transaction(impl_->db, [&]() -> Result<Ok> {
    auto inserted = impl_->db.query(
        "INSERT INTO catalog_version (version, document) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        {version, std::string(document)});
    if (!inserted) return unexpected(inserted.error());
    if (inserted->affected() == 1) return Ok{};
    auto existing = catalog_json(version);
    if (existing && *existing == document) return Ok{};
    return make_error(errors::store_conflict,
                      "catalog version " + version + " is already stored with another text");
  });
}

Result<std::string> PostgresStore::catalog_json(const std::string& version) {
  return single_text(
      impl_->db.query("SELECT document FROM catalog_version WHERE version = $1", {version}),
      "no catalog version " + version);
}

namespace {

std::vector<Param> account_params(const StoredAccount& a) {
  const auto& bcd = a.account.bill_cycle_day;
  return {a.account.id,
          std::string(a.account.currency.code()),
          a.account.time_zone,
          bcd ? Param(std::to_string(*bcd)) : std::nullopt,
          a.catalog,
          a.organization.organization_id,
          a.organization.tenant_id,
          a.customer_id,
          a.payment_method_id,
          text(a.next_run),
          a.overdue ? "true" : "false",
          seconds(a.payment_method_at),
          to_string(a.controls),
          a.card ? to_string(*a.card) : std::string()};
}

}  // namespace

Result<Ok> PostgresStore::create_account(const StoredAccount& a) {
  return in_transaction(impl_->db, [&]() -> Result<Ok> {
    TOLLGATE_RETURN_IF_ERROR(catalog_json(a.catalog));
    auto r = impl_->db.query(
        "INSERT INTO account (id, currency, time_zone, bill_cycle_day, catalog_version, "
        "organization_id, tenant_id, customer_id, payment_method_id, next_run, overdue, "
        "payment_method_at, control_tags, card) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
        "$11, $12, $13, $14) "
        "ON CONFLICT DO NOTHING",
        account_params(a));
    if (!r) return unexpected(r.error());
    if (r->affected() == 0)
      return make_error(errors::store_conflict, "account " + a.account.id + " exists");
    return Ok{};
  });
}

Result<StoredAccount> PostgresStore::account(const std::string& id) {
  auto r = impl_->db.query(
      "SELECT id, currency, time_zone, bill_cycle_day, catalog_version, organization_id, "
      "tenant_id, customer_id, payment_method_id, next_run, overdue, payment_method_at, "
      "control_tags, card FROM account WHERE id = $1",
      {id});
  if (!r) return unexpected(r.error());
  if (r->empty()) return make_error(errors::store_not_found, "no account " + id);
  StoredAccount a;
  a.account.id = r->text(0, 0);
  a.account.currency = r->text(0, 1);
  a.account.time_zone = r->text(0, 2);
  if (!r->is_null(0, 3)) a.account.bill_cycle_day = static_cast<int>(r->integer(0, 3));
  a.catalog = r->text(0, 4);
  a.organization = {r->text(0, 5), r->text(0, 6)};
  a.customer_id = r->text(0, 7);
  a.payment_method_id = r->text(0, 8);
  a.next_run = optional_date(*r, 0, 9);
  if (!r->is_null(0, 9) && !a.next_run) return corrupt("account", id, "next_run");
  a.overdue = r->text(0, 10) == "t";
  a.payment_method_at = Instant{std::chrono::seconds{r->integer(0, 11)}};
  auto controls = parse_account_controls(r->text(0, 12));
  if (!controls) return corrupt("account", id, "control_tags");
  a.controls = *controls;
  if (std::string card = r->text(0, 13); !card.empty()) {
    a.card = parse_card(card);
    if (!a.card) return corrupt("account", id, "card");
  }
  return a;
}

Result<Ok> PostgresStore::update_account(const StoredAccount& a) {
  auto r = impl_->db.query(
      "UPDATE account SET currency = $2, time_zone = $3, bill_cycle_day = $4, catalog_version = "
      "$5, organization_id = $6, tenant_id = $7, customer_id = $8, payment_method_id = $9, "
      "next_run = $10, overdue = $11, payment_method_at = $12, control_tags = $13, card = $14 "
      "WHERE id = $1",
      account_params(a));
  if (!r) return unexpected(r.error());
  if (r->affected() == 0) return make_error(errors::store_not_found, "no account " + a.account.id);
  return Ok{};
}

Result<Ok> PostgresStore::save_card(const std::string& account_id,
                                    const std::string& provider_method_id, const Card& card) {
  return done(impl_->db.query(
      "INSERT INTO card (payment_method_id, account_id, card) VALUES ($1, $2, $3) ON CONFLICT "
      "(payment_method_id) DO UPDATE SET account_id = excluded.account_id, card = excluded.card "
      "WHERE card.removed = 0",
      {provider_method_id, account_id, to_string(card)}));
}

Result<std::optional<Card>> PostgresStore::card_of(const std::string& provider_method_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto rows,
      impl_->db.query("SELECT card FROM card WHERE payment_method_id = $1 AND removed = 0",
                      {provider_method_id}));
  if (rows.empty()) return std::optional<Card>();
  auto card = parse_card(rows.text(0, 0));
  if (!card) return corrupt("card", provider_method_id, "card");
  return card;
}

Result<std::optional<std::string>> PostgresStore::remove_card(
    const std::string& provider_method_id, const std::optional<std::string>& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto rows, impl_->db.query(
                     "INSERT INTO card (payment_method_id, account_id, removed) VALUES ($1, $2, 1) "
                     "ON CONFLICT (payment_method_id) DO UPDATE SET removed = 1, card = '', "
                     "account_id = coalesce(card.account_id, excluded.account_id) "
                     "RETURNING account_id",
                     {provider_method_id, account_id ? Param(*account_id) : std::nullopt}));
  if (rows.empty() || rows.is_null(0, 0)) return std::optional<std::string>();
  return std::optional(rows.text(0, 0));
}

Result<bool> PostgresStore::card_removed(const std::string& provider_method_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto rows, impl_->db.query("SELECT 1 FROM card WHERE payment_method_id = $1 AND removed = 1",
                                 {provider_method_id}));
  return !rows.empty();
}

Result<std::optional<std::string>> PostgresStore::account_of_customer(
    const std::string& customer_id) {
  if (customer_id.empty()) return std::optional<std::string>();
  TOLLGATE_ASSIGN_OR_RETURN(
      auto rows, impl_->db.query("SELECT id FROM account WHERE customer_id = $1 AND customer_id <> "
                                 "'' ORDER BY id COLLATE \"C\" LIMIT 1",
                                 {customer_id}));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional(rows.text(0, 0));
}

Result<std::vector<std::string>> PostgresStore::accounts_due(const Date& through) {
  return collect<std::string>(
      impl_->db.query("SELECT id FROM account WHERE next_run <= $1 ORDER BY id", {text(through)}),
      [](const Rows& r, int i) -> Result<std::string> { return r.text(i, 0); });
}

Result<std::string> PostgresStore::account_of_subscription(const std::string& subscription) {
  return single_text(
      impl_->db.query("SELECT account_id FROM subscription WHERE id = $1", {subscription}),
      "no subscription " + subscription);
}

Result<Ok> PostgresStore::add_payment_method(const PaymentMethod& m) {
  auto r = impl_->db.query(
      "INSERT INTO payment_method (id, account_id, plugin, external_key, customer_id, method_id) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {m.id, m.account_id, m.plugin, m.external_key, m.customer_id, m.method_id});
  if (!r)
    return make_error(
        r.error().code == errors::store_constraint ? errors::store_conflict : r.error().code,
        r.error().message);
  return Ok{};
}

namespace {

#define TOLLGATE_METHOD_SELECT                                                            \
  "SELECT id, account_id, plugin, external_key, customer_id, method_id, is_default FROM " \
  "payment_method "

Result<std::vector<PaymentMethod>> read_methods(const Result<Rows>& rows) {
  return collect<PaymentMethod>(rows, [](const Rows& r, int i) -> Result<PaymentMethod> {
    return PaymentMethod{r.text(i, 0), r.text(i, 1), r.text(i, 2),       r.text(i, 3),
                         r.text(i, 4), r.text(i, 5), r.text(i, 6) == "t"};
  });
}

}  // namespace

Result<std::vector<PaymentMethod>> PostgresStore::payment_methods(const std::string& account_id) {
  return read_methods(impl_->db.query(
      TOLLGATE_METHOD_SELECT "WHERE account_id = $1 ORDER BY record_id", {account_id}));
}

Result<PaymentMethod> PostgresStore::payment_method(const std::string& id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto found, read_methods(impl_->db.query(TOLLGATE_METHOD_SELECT "WHERE id = $1", {id})));
  if (found.empty()) return make_error(errors::store_not_found, "no payment method " + id);
  return std::move(found.front());
}

#undef TOLLGATE_METHOD_SELECT

Result<Ok> PostgresStore::remove_payment_method(const std::string& id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto done,
                            impl_->db.query("DELETE FROM payment_method WHERE id = $1", {id}));
  if (done.affected() == 0) return make_error(errors::store_not_found, "no payment method " + id);
  return Ok{};
}

Result<std::size_t> PostgresStore::move_accounts_to_catalog(const std::string& from,
                                                            const std::string& to,
                                                            const Date& due_by) {
  return in_transaction(impl_->db, [&]() -> Result<std::size_t> {
    TOLLGATE_RETURN_IF_ERROR(catalog_json(to));
    TOLLGATE_ASSIGN_OR_RETURN(
        auto done, impl_->db.query("UPDATE account SET catalog_version = $1, next_run = LEAST("
                                   "COALESCE(next_run, $3::date), $3::date) WHERE "
                                   "catalog_version = $2",
                                   {to, from, to_string(due_by)}));
    return static_cast<std::size_t>(done.affected());
  });
}

Result<Ok> PostgresStore::set_default_payment_method(const std::string& account_id,
                                                     const std::string& id) {
  Connection& db = impl_->db;
  return in_transaction(db, [&]() -> Result<Ok> {
    auto r = db.query("UPDATE payment_method SET is_default = (id = $1) WHERE account_id = $2",
                      {id, account_id});
    if (!r) return unexpected(r.error());
    auto n = db.query("SELECT count(*) FROM payment_method WHERE account_id = $1 AND is_default",
                      {account_id});
    if (!n) return unexpected(n.error());
    if (n->integer(0, 0) != 1)
      return make_error(errors::store_not_found, "no payment method " + id + " of " + account_id);
    return Ok{};
  });
}

// The server's clock, in Unix seconds: every worker judges leases by the same clock.
#define TOLLGATE_NOW "extract(epoch FROM clock_timestamp())::bigint"
// An account with work through $1: an invoicing date come, or an attempt to send or re-send.
#define TOLLGATE_HAS_WORK                                                           \
  "(a.next_run <= $1 OR a.id IN (SELECT p.account_id FROM payment_attempt p WHERE " \
  "p.status = 'STARTED' OR (p.status IN ('SCHEDULED', 'ACTION_REQUIRED') AND "      \
  "p.scheduled_on <= $1)))"

Result<std::vector<ClaimedAccount>> PostgresStore::claim_due(const Date& through,
                                                             const std::string& after,
                                                             std::size_t limit,
                                                             const Lease& lease) {
  // FOR UPDATE SKIP LOCKED: a worker claiming at the same moment passes over
  // these rows instead of waiting for them, and never gets them too. The open
  // attempt flag is looked up for the claimed accounts only, in the index of
  // open attempts (a list of every open attempt grew with the accounts billed).
  auto claimed = collect<ClaimedAccount>(
      impl_->db.query(
          "WITH picked AS (SELECT a.id FROM account a WHERE a.id COLLATE \"C\" > $2 AND "
          "(a.lease_until IS NULL "
          "OR a.lease_until <= " TOLLGATE_NOW " OR a.lease_worker = $4) AND " TOLLGATE_HAS_WORK
          " ORDER BY a.id COLLATE \"C\" LIMIT $3 FOR UPDATE SKIP LOCKED) "
          "UPDATE account a SET lease_worker = $4, lease_run = $5, lease_until = " TOLLGATE_NOW
          " + $6 FROM picked WHERE a.id = picked.id RETURNING a.id, EXISTS (SELECT 1 FROM "
          "payment_attempt p WHERE p.account_id = a.id AND p.status IN ('STARTED', 'SCHEDULED', "
          "'ACTION_REQUIRED'))",
          {text(through), after, std::to_string(limit), lease.worker, lease.run,
           std::to_string(lease.duration.count())}),
      [](const Rows& r, int i) -> Result<ClaimedAccount> {
        return ClaimedAccount{r.text(i, 0), r.text(i, 1) == "t"};
      });
  // RETURNING keeps no order: the walk's cursor needs the highest id last (byte order, as "C").
  if (claimed)
    std::sort(claimed->begin(), claimed->end(),
              [](const auto& x, const auto& y) { return x.id < y.id; });
  return claimed;
}

Result<bool> PostgresStore::renew(const std::string& account_id, const Lease& lease) {
  auto r = impl_->db.query(
      "UPDATE account SET lease_until = " TOLLGATE_NOW
      " + $4 WHERE id = $1 AND lease_worker = $2 AND lease_run = $3",
      {account_id, lease.worker, lease.run, std::to_string(lease.duration.count())});
  if (!r) return unexpected(r.error());
  return r->affected() == 1;
}

Result<std::vector<bool>> PostgresStore::renew_each(std::span<const std::string> account_ids,
                                                    const Lease& lease) {
  // The rows are locked in id order, as renew() locks them one by one through
  // a batch: a usage write locking the same accounts (in id order) cannot deadlock with it.
  auto renewed = collect<std::string>(
      impl_->db.query("UPDATE account SET lease_until = " TOLLGATE_NOW
                      " + $4 WHERE id IN (SELECT id FROM account WHERE id = ANY ($1::text[]) AND "
                      "lease_worker = $2 AND lease_run = $3 ORDER BY id FOR UPDATE) RETURNING id",
                      {array_literal(account_ids), lease.worker, lease.run,
                       std::to_string(lease.duration.count())}),
      [](const Rows& r, int i) -> Result<std::string> { return r.text(i, 0); });
  if (!renewed) return unexpected(renewed.error());
  std::sort(renewed->begin(), renewed->end());
  std::vector<bool> held;
  held.reserve(account_ids.size());
  for (const auto& id : account_ids)
    held.push_back(std::binary_search(renewed->begin(), renewed->end(), id));
  return held;
}

Result<Ok> PostgresStore::release(const Lease& lease) {
  return done(impl_->db.query(
      "UPDATE account SET lease_worker = NULL, lease_run = NULL, lease_until = NULL WHERE "
      "lease_worker = $1 AND lease_run = $2",
      {lease.worker, lease.run}));
}

Result<std::vector<std::string>> PostgresStore::lease_holders() {
  return collect<std::string>(
      impl_->db.query("SELECT DISTINCT lease_worker FROM account WHERE lease_worker IS NOT NULL"),
      [](const Rows& r, int i) -> Result<std::string> { return r.text(i, 0); });
}

Result<Ok> PostgresStore::release_worker(const std::string& worker) {
  return done(impl_->db.query(
      "UPDATE account SET lease_worker = NULL, lease_run = NULL, lease_until = NULL WHERE "
      "lease_worker = $1",
      {worker}));
}

Result<std::size_t> PostgresStore::held_elsewhere(const Date& through, const Lease& lease) {
  auto r = impl_->db.query(
      "SELECT count(*) FROM account a WHERE a.lease_worker IS NOT NULL AND a.lease_until "
      "> " TOLLGATE_NOW
      " AND NOT (a.lease_worker = $2 AND a.lease_run = $3) AND " TOLLGATE_HAS_WORK,
      {text(through), lease.worker, lease.run});
  if (!r) return unexpected(r.error());
  return static_cast<std::size_t>(r->integer(0, 0));
}

#undef TOLLGATE_HAS_WORK
#undef TOLLGATE_NOW

Result<std::int64_t> PostgresStore::append(const std::string& account_id,
                                           const JournalEntry& entry) {
  return in_transaction(impl_->db, [&]() -> Result<std::int64_t> {
    // The account's row lock orders this entry with usage being recorded for it record_usage.
    TOLLGATE_ASSIGN_OR_RETURN(
        auto locked,
        impl_->db.query("SELECT id FROM account WHERE id = $1 FOR UPDATE", {account_id}));
    if (locked.empty()) return make_error(errors::store_not_found, "no account " + account_id);
    if (entry.operation && entry.operation->type == OperationType::create) {
      auto link = impl_->db.query(
          "INSERT INTO subscription (id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          {entry.operation->subscription, account_id});
      if (!link) return unexpected(link.error());
      if (link->affected() == 0)
        return make_error(errors::store_conflict,
                          "subscription " + entry.operation->subscription + " exists");
    }
    auto r = impl_->db.query(
        "INSERT INTO journal (account_id, entry_date, operation, requested_at) VALUES ($1, $2, $3, "
        "$4) RETURNING seq",
        {account_id, text(entry.date),
         entry.operation ? Param(to_json(*entry.operation)) : std::nullopt,
         seconds(entry.requested_at)});
    if (!r) return unexpected(r.error());
    return r->integer(0, 0);
  });
}

namespace {

Result<JournalEntry> journal_row(const Rows& r, int i) {
  JournalEntry e;
  e.seq = r.integer(i, 0);
  auto on = parse_date(r.text(i, 1));
  if (!on) return corrupt("journal", std::to_string(e.seq), "entry_date");
  e.date = *on;
  if (!r.is_null(i, 2)) {
    auto op = parse_operation(r.text(i, 2));
    if (!op) return corrupt("journal", std::to_string(e.seq), "operation");
    e.operation = std::move(op).value();
  }
  e.requested_at = Instant{std::chrono::seconds{r.integer(i, 3)}};
  return e;
}

Result<SequencedUsage> usage_row(const Rows& r, int i) {
  auto quantity = Decimal::parse(r.text(i, 3));
  auto on = parse_date(r.text(i, 4));
  if (!quantity || !on)
    return corrupt("usage_event", r.text(i, 1) + "/" + r.text(i, 5), "quantity or date");
  return SequencedUsage{r.integer(i, 0), UsageEvent{r.text(i, 1), r.text(i, 2), *quantity, *on,
                                                    r.text(i, 5), r.text(i, 6)}};
}

#define TOLLGATE_JOURNAL "SELECT seq, entry_date, operation, requested_at FROM journal "
#define TOLLGATE_USAGE                                                                   \
  "SELECT u.after_seq, u.subscription_id, u.metric, u.quantity, u.occurred_on, "         \
  "u.event_id, u.value_key FROM subscription s JOIN usage_event u ON u.subscription_id " \
  "= s.id "

}  // namespace

Result<std::vector<JournalEntry>> PostgresStore::journal(const std::string& account_id) {
  return collect<JournalEntry>(
      impl_->db.query(TOLLGATE_JOURNAL "WHERE account_id = $1 ORDER BY seq", {account_id}),
      journal_row);
}

Result<std::optional<Date>> PostgresStore::last_entry_date(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto r,
      impl_->db.query("SELECT max(entry_date) FROM journal WHERE account_id = $1", {account_id}));
  return optional_date(r, 0, 0);
}

Result<std::int64_t> PostgresStore::last_journal_seq(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(
      auto r, impl_->db.query("SELECT coalesce(max(seq), 0) FROM journal WHERE account_id = $1",
                              {account_id}));
  return r.integer(0, 0);
}

Result<std::vector<JournalEntry>> PostgresStore::journal_after(const std::string& account_id,
                                                               std::int64_t seq) {
  return collect<JournalEntry>(
      impl_->db.query(TOLLGATE_JOURNAL "WHERE account_id = $1 AND seq > $2 ORDER BY seq",
                      {account_id, std::to_string(seq)}),
      journal_row);
}

Result<std::vector<SequencedUsage>> PostgresStore::account_usage(const std::string& account_id) {
  return collect<SequencedUsage>(
      impl_->db.query(TOLLGATE_USAGE "WHERE s.account_id = $1 ORDER BY u.seq", {account_id}),
      usage_row);
}

Result<std::vector<SequencedUsage>> PostgresStore::account_usage_after(
    const std::string& account_id, std::int64_t seq) {
  return collect<SequencedUsage>(
      impl_->db.query(TOLLGATE_USAGE "WHERE s.account_id = $1 AND u.after_seq >= $2 ORDER BY u.seq",
                      {account_id, std::to_string(seq)}),
      usage_row);
}

#undef TOLLGATE_JOURNAL
#undef TOLLGATE_USAGE

Result<Ok> PostgresStore::save_snapshot(const std::string& account_id,
                                        const EngineSnapshot& snapshot) {
  auto r = impl_->db.query(
      "INSERT INTO engine_snapshot (account_id, journal_seq, rules_at, body) VALUES ($1, $2, $3, "
      "$4) ON CONFLICT (account_id) DO UPDATE SET journal_seq = excluded.journal_seq, rules_at = "
      "excluded.rules_at, body = excluded.body",
      {account_id, std::to_string(snapshot.seq),
       snapshot.rules_at ? Param(std::to_string(snapshot.rules_at->time_since_epoch().count()))
                         : std::nullopt,
       snapshot.body});
  if (!r) return unexpected(r.error());
  return Ok{};
}

Result<std::optional<EngineSnapshot>> PostgresStore::snapshot(const std::string& account_id) {
  auto rows = collect<EngineSnapshot>(
      impl_->db.query(
          "SELECT journal_seq, rules_at, body FROM engine_snapshot WHERE account_id = $1",
          {account_id}),
      [](const Rows& r, int i) -> Result<EngineSnapshot> {
        EngineSnapshot snap;
        snap.seq = r.integer(i, 0);
        if (!r.is_null(i, 1)) snap.rules_at = Instant{std::chrono::seconds{r.integer(i, 1)}};
        snap.body = r.text(i, 2);
        return snap;
      });
  if (!rows) return unexpected(rows.error());
  if (rows->empty()) return std::optional<EngineSnapshot>();
  return std::optional<EngineSnapshot>(std::move(rows->front()));
}

}  // namespace tollgate::postgres
