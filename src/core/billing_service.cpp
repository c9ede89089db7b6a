#include "tollgate/billing_service.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "tollgate/time_zone.hpp"

namespace tollgate {

namespace {

// How far back a snapshot keeps billed periods and usage (beyond the usage of
// periods not billed yet, which it always keeps): late usage for the monthly
// period just billed and operations backdated into it cost what happened
// since; older ones rebuild the account from its whole journal
// (BillingEngine::needs_history).
constexpr int kSnapshotKeepsDays = 35;

// A snapshot is kept when the rebuild before the invoice replayed at least
// this many journal entries and usage events: fewer cost less than a restore.
constexpr std::size_t kSnapshotAfter = 16;

// How many accounts' last rebuilds the service remembers for the invoice that
// follows (a run invoices each account right after rebuilding it).
constexpr std::size_t kReplaysRemembered = 1024;

// How many accounts' usage judges a service keeps (BillingService::judge_for).
constexpr std::size_t kJudgesRemembered = 1024;

// What an engine is built from besides the journal and the rules.
bool same_engine_inputs(const StoredAccount& a, const StoredAccount& b) {
  return a.catalog == b.catalog && a.account.id == b.account.id &&
         a.account.currency == b.account.currency && a.account.time_zone == b.account.time_zone &&
         a.account.bill_cycle_day == b.account.bill_cycle_day;
}

// Whether any subscription `subject` names (its id, or its plan's product) is
// entitled on `at`, with credits left for usage paid with credits.
bool entitled_to(const BillingEngine& engine, const Catalog& catalog, const std::string& subject,
                 const Date& at) {
  for (const auto& status : engine.statuses(at)) {
    const Plan* plan = catalog.find_plan(status.plan);
    bool matches = status.id == subject || (plan && plan->product == subject);
    if (!matches || !status.entitled) continue;
    // Usage paid with credits stops when the credits are spent.
    bool credits_left = true;
    for (const auto& phase : plan->phases)
      for (const auto& usage : phase.usages) {
        auto more = engine.can_consume(status.id, usage.metric, Decimal(1), at);
        if (more && !*more) credits_left = false;
      }
    if (credits_left) return true;
  }
  return false;
}

// Replays journal entries, with the usage recorded between them, into an
// engine: usage recorded after entry `after_seq` comes after it and before
// the next. Returns when the last operation replayed was requested (or
// `rules_at` when none was).
Result<std::optional<Instant>> replay_into(BillingEngine& engine, const StoredAccount& account,
                                           const RuleBook& book,
                                           const std::vector<JournalEntry>& journal,
                                           const std::vector<SequencedUsage>& usage,
                                           std::optional<Instant> rules_at) {
  std::size_t next_usage = 0;
  auto usage_before = [&](std::int64_t seq) {
    for (; next_usage < usage.size() && usage[next_usage].after_seq < seq; ++next_usage)
      (void)engine.record_usage(usage[next_usage].event);  // refused usage was never billable
  };
  for (const auto& entry : journal) {
    usage_before(entry.seq);
    if (!entry.operation) {
      TOLLGATE_RETURN_IF_ERROR(engine.invoice(entry.date));
      continue;
    }
    engine.use_rules(book.in_force(account.organization, entry.requested_at));
    rules_at = entry.requested_at;
    if (auto r = tollgate::apply(engine, *entry.operation); !r)
      return make_error(errors::store_replay, "journal entry " + std::to_string(entry.seq) +
                                                  " of account " + account.account.id +
                                                  " no longer applies: " + r.error().message);
  }
  usage_before(std::numeric_limits<std::int64_t>::max());
  return rules_at;
}

}  // namespace

BillingService::BillingService(BillingStore& store, OverdueAccess overdue, Replay replay)
    : store_(store), overdue_(overdue), replay_(replay) {}

Result<std::shared_ptr<const Catalog>> BillingService::catalog(const std::string& version) {
  if (auto it = catalogs_.find(version); it != catalogs_.end()) return it->second;
  TOLLGATE_ASSIGN_OR_RETURN(auto text, store_.catalog_json(version));
  auto loaded = load_catalog(text);
  if (!loaded)
    return make_error(errors::store_catalog, "stored catalog " + version + " no longer validates");
  auto shared = std::make_shared<const Catalog>(std::move(loaded).value());
  catalogs_.emplace(version, shared);
  return shared;
}

Result<const RuleBook*> BillingService::rule_book() {
  // A stale book would judge a request by rules already replaced, and a later
  // replay with the fresh book would then bill a different outcome.
  TOLLGATE_ASSIGN_OR_RETURN(auto revision, store_.rules_revision());
  if (!rules_ || revision != rules_revision_) {
    TOLLGATE_ASSIGN_OR_RETURN(auto book, store_.rule_book());
    rules_ = std::move(book);
    rules_revision_ = revision;
  }
  return &*rules_;
}

Result<Ok> BillingService::open_account(const StoredAccount& account) {
  TOLLGATE_ASSIGN_OR_RETURN(auto c, catalog(account.catalog));
  TOLLGATE_RETURN_IF_ERROR(BillingEngine::open(c, RuleSet{}, account.account));
  return store_.create_account(account);
}

Result<BillingEngine> BillingService::engine(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto account, store_.account(account_id));
  return engine(account);
}

Result<BillingEngine> BillingService::engine(const StoredAccount& account, Scope scope) {
  TOLLGATE_ASSIGN_OR_RETURN(auto book, rule_book());
  return replay(account, *book, scope, History::kept);
}

Result<BillingEngine> BillingService::engine(
    const StoredAccount& account, const std::function<Result<Ok>(BillingEngine&)>& then) {
  TOLLGATE_ASSIGN_OR_RETURN(auto book, rule_book());
  return with_engine(account, *book, then);
}

Result<BillingEngine> BillingService::with_engine(
    const StoredAccount& account, const RuleBook& book,
    const std::function<Result<Ok>(BillingEngine&)>& then) {
  auto e = replay(account, book, Scope::everything, History::dropped);
  if (!e) return e;
  auto done = then(*e);
  if (e->needs_history()) {  // what `then` read was not all there: again, on the whole history
    e = replay_whole(account, book, Scope::everything, History::dropped);
    if (!e) return e;
    done = then(*e);
  }
  if (!done) return unexpected(done.error());
  return e;
}

Result<BillingEngine> BillingService::replay(const StoredAccount& account, const RuleBook& book,
                                             Scope scope, History history) {
  if (replay_ == Replay::from_snapshot) {
    TOLLGATE_ASSIGN_OR_RETURN(auto restored, restore(account, book, scope, history));
    if (restored) return std::move(*restored);
  }
  return replay_whole(account, book, scope, history);
}

Result<BillingEngine> BillingService::replay_whole(const StoredAccount& account,
                                                   const RuleBook& book, Scope scope,
                                                   History history) {
  TOLLGATE_ASSIGN_OR_RETURN(auto c, catalog(account.catalog));
  auto opened = BillingEngine::open(c, RuleSet{}, account.account);
  if (!opened) return unexpected(opened.error());
  opened->keep_invoices(history == History::kept);
  TOLLGATE_ASSIGN_OR_RETURN(auto journal, store_.journal(account.account.id));
  auto usage = scope == Scope::everything ? store_.account_usage(account.account.id)
                                          : std::vector<SequencedUsage>();
  if (!usage) return unexpected(usage.error());
  TOLLGATE_ASSIGN_OR_RETURN(auto rules_at,
                            replay_into(*opened, account, book, journal, *usage, std::nullopt));
  remember_replay(account.account.id, {rules_at, journal.size() + usage->size()});
  return opened;
}

// The engine from the account's snapshot and what was journaled since; nullopt
// when there is none to use (none kept, another version's, one that no longer
// fits the catalog, or what happened since reaches back before it).
Result<std::optional<BillingEngine>> BillingService::restore(const StoredAccount& account,
                                                             const RuleBook& book, Scope scope,
                                                             History history) {
  const std::string& id = account.account.id;
  TOLLGATE_ASSIGN_OR_RETURN(auto snapshot, store_.snapshot(id));
  if (!snapshot) return std::optional<BillingEngine>();
  TOLLGATE_ASSIGN_OR_RETURN(auto c, catalog(account.catalog));
  const EngineSnapshot& snap = *snapshot;
  RuleSet rules = snap.rules_at ? book.in_force(account.organization, *snap.rules_at) : RuleSet{};
  auto restored = BillingEngine::restore(c, std::move(rules), account.account, snap.body);
  if (!restored) return std::optional<BillingEngine>();
  restored->keep_invoices(history == History::kept);
  TOLLGATE_ASSIGN_OR_RETURN(auto journal, store_.journal_after(id, snap.seq));
  auto usage = scope == Scope::everything ? store_.account_usage_after(id, snap.seq)
                                          : std::vector<SequencedUsage>();
  if (!usage) return unexpected(usage.error());
  auto rules_at = replay_into(*restored, account, book, journal, *usage, snap.rules_at);
  if (!rules_at || restored->needs_history()) return std::optional<BillingEngine>();
  remember_replay(id, {*rules_at, journal.size() + usage->size()});
  return std::optional<BillingEngine>(std::move(restored).value());
}

Result<Recorded> BillingService::apply(const std::string& account_id, const Operation& op,
                                       Instant requested_at) {
  Recorded recorded = Recorded::duplicate;
  auto r = store_.atomically([&]() -> Result<Ok> {
    TOLLGATE_ASSIGN_OR_RETURN(auto account, store_.account(account_id));
    auto book = rule_book();  // one read of the rules: the replay and the judgement share it
    if (!book) return unexpected(book.error());
    auto e = with_engine(account, **book, [&](BillingEngine& engine) -> Result<Ok> {
      engine.use_rules((*book)->in_force(account.organization, requested_at));
      TOLLGATE_ASSIGN_OR_RETURN(auto applied, tollgate::apply(engine, op));
      recorded = applied;
      return Ok{};
    });
    if (!e) return unexpected(e.error());
    if (recorded == Recorded::duplicate) return Ok{};
    TOLLGATE_RETURN_IF_ERROR(store_.append(account_id, {0, op.date, op, requested_at}));
    if (op.type == OperationType::payment_method) {
      account.payment_method_id = op.id;
      TOLLGATE_ASSIGN_OR_RETURN(account.card, store_.card_of(op.id));
    }
    if (op.type == OperationType::payment_method_removed && account.payment_method_id == op.id) {
      account.payment_method_id.clear();
      account.card.reset();
    }
    // Whatever the operation made due (a first in-advance period, a repair) is billed on its date.
    if (!account.next_run || op.date < *account.next_run) account.next_run = op.date;
    return store_.update_account(account);
  });
  if (!r) return unexpected(r.error());
  return recorded;
}

Result<IngestResult> BillingService::record_usage(std::span<const UsageEvent> events) {
  IngestResult result;
  auto r = store_.atomically([&]() -> Result<Ok> {
    // Each account's engine judges its events, in batch order, before anything
    // is stored: usage the engine would not bill is refused here, visibly,
    // instead of being stored and then skipped by every replay.
    std::map<std::string, std::string> account_of;             // subscription -> account
    std::map<std::string, Judge*> engines;                     // by account, in judges_
    if (judges_.size() >= kJudgesRemembered) judges_.clear();  // never during a batch
    std::map<std::string, Date> earliest;  // by account: the earliest usage applied
    for (std::size_t i = 0; i < events.size(); ++i) {
      const UsageEvent& e = events[i];
      std::string where = "usage[" + std::to_string(i) + "]";
      auto owner = account_of.find(e.subscription);
      if (owner == account_of.end()) {
        auto id = store_.account_of_subscription(e.subscription);
        if (!id) {
          if (id.error().code != errors::store_not_found) return unexpected(id.error());
          return make_error(
              errors::usage_subscription,
              where + ".subscription: unknown subscription \"" + e.subscription + "\"");
        }
        owner = account_of.emplace(e.subscription, *id).first;
      }
      auto engine = engines.find(owner->second);
      if (engine == engines.end()) {
        TOLLGATE_ASSIGN_OR_RETURN(auto judge, judge_for(owner->second));
        engine = engines.emplace(owner->second, judge).first;
      }
      auto judged = engine->second->engine.judge_usage(e);
      if (!judged) return make_error(judged.error().code, where + ": " + judged.error().message);
      auto [at, fresh] = earliest.emplace(owner->second, e.occurred_on);
      if (!fresh && e.occurred_on < at->second) at->second = e.occurred_on;
    }
    TOLLGATE_ASSIGN_OR_RETURN(auto stored, store_.record_usage(events));
    result = stored;
    // Usage for a period already due (late, or on a stop day) is billed by the
    // next run: bring the account's next run forward to the date it falls due.
    for (const auto& [account_id, first] : earliest) {
      Judge& judge = *engines.at(account_id);
      auto due = judge.engine.next_billing_date(add_days(first, -1)).value_or(first);
      StoredAccount& account = judge.account;  // as read in this transaction
      if (account.next_run && !(due < *account.next_run)) continue;
      account.next_run = due;
      if (auto s = store_.update_account(account); !s) return s;
    }
    return Ok{};
  });
  if (!r) return unexpected(r.error());
  return result;
}

Result<std::optional<int>> BillingService::bill_cycle_day(const std::string& account_id) {
  if (judges_.size() >= kJudgesRemembered) judges_.clear();
  TOLLGATE_ASSIGN_OR_RETURN(auto judge, judge_for(account_id));
  return judge->engine.account().bill_cycle_day;
}

// Judging usage needs the account's timeline, not its usage: a rebuild without
// it costs the same on the last day of a busy period as on the first, and one
// kept from an earlier batch costs nothing while nothing was journaled since.
Result<BillingService::Judge*> BillingService::judge_for(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto account, store_.account(account_id));
  TOLLGATE_ASSIGN_OR_RETURN(auto book, rule_book());
  TOLLGATE_ASSIGN_OR_RETURN(auto seq, store_.last_journal_seq(account_id));
  auto kept = judges_.find(account_id);
  if (kept != judges_.end() && kept->second.journal_seq == seq &&
      kept->second.rules_revision == rules_revision_ &&
      same_engine_inputs(kept->second.account, account)) {
    kept->second.account = std::move(account);
    return &kept->second;
  }
  TOLLGATE_ASSIGN_OR_RETURN(auto built, replay(account, *book, Scope::timeline, History::dropped));
  auto [at, _] = judges_.insert_or_assign(
      account_id, Judge{seq, rules_revision_, std::move(account), std::move(built)});
  return &at->second;
}

Result<std::optional<BillingService::Issued>> BillingService::issue(const StoredAccount& account,
                                                                    Invoice invoice, const Date& on,
                                                                    Instant now,
                                                                    AttemptStatus first,
                                                                    const BillingEngine* engine) {
  const std::string& account_id = account.account.id;
  std::optional<Issued> issued;
  auto r = store_.atomically([&]() -> Result<Ok> {
    issued.reset();
    TOLLGATE_ASSIGN_OR_RETURN(auto seq, store_.append(account_id, {0, on, std::nullopt, now}));
    // The engine now stands where a replay through this entry would: keep it.
    // (Not after a short replay: restoring would cost about as much.)
    auto replayed = replayed_.find(account_id);
    if (engine && replay_ == Replay::from_snapshot && !engine->needs_history() &&
        replayed != replayed_.end() && replayed->second.replayed >= kSnapshotAfter)
      if (auto kept = store_.save_snapshot(account_id,
                                           {seq, replayed->second.rules_at,
                                            engine->snapshot(add_days(on, -kSnapshotKeepsDays))});
          !kept)
        return kept;
    if (invoice.empty()) return Ok{};
    // The store's invoices are the record of what was issued and what credit
    // each moved: the new one is settled against what they left.
    TOLLGATE_ASSIGN_OR_RETURN(auto held, store_.account_credit(account_id));
    AccountCredit credit(held);
    invoice.credit_adj = credit.settle(invoice.total());
    Issued out;
    out.invoice.id = "inv-" + account_id + "-" + std::to_string(seq);
    out.invoice.account_id = account_id;
    out.invoice.invoice = std::move(invoice);
    // Nothing to collect: a zero or negative total, or one the credit covered.
    bool due = out.invoice.invoice.amount_due().sign() > 0;
    out.invoice.status = due ? InvoiceStatus::unpaid : InvoiceStatus::settled;
    if (auto s = store_.save_invoice(out.invoice); !s) return s;
    // AUTO_PAY_OFF, MANUAL_PAY: the invoice waits for an external payment.
    if (due && !account.controls.charges_off()) {
      PaymentAttempt attempt;
      attempt.invoice_id = out.invoice.id;
      attempt.attempt = 1;
      attempt.status = first;
      attempt.scheduled_on = on;
      attempt.amount = out.invoice.invoice.amount_due();
      if (auto s = store_.save_attempt(attempt); !s) return s;
      out.attempt = attempt;
    }
    issued = std::move(out);
    return Ok{};
  });
  replayed_.erase(account_id);  // after the transaction: a retry of it reads the entry again
  if (!r) return unexpected(r.error());
  return issued;
}

void BillingService::remember_replay(const std::string& account_id, Replayed replayed) {
  // Read only by the invoice that follows a rebuild: forgetting the rebuilds
  // of accounts never invoiced (reads, usage) keeps a server's memory flat,
  // and costs at most a snapshot not kept.
  if (replayed_.size() >= kReplaysRemembered && !replayed_.contains(account_id)) replayed_.clear();
  replayed_[account_id] = replayed;
}

Result<Ok> BillingService::add_payment_method(const PaymentMethod& method, bool make_default,
                                              const Date& on, Instant now) {
  return store_.atomically([&]() -> Result<Ok> {
    TOLLGATE_ASSIGN_OR_RETURN(auto existing, store_.payment_methods(method.account_id));
    bool has_default = std::any_of(existing.begin(), existing.end(),
                                   [](const PaymentMethod& m) { return m.is_default; });
    if (auto r = store_.add_payment_method(method); !r) return r;
    if (!make_default && has_default) return Ok{};
    return set_default_payment_method(method.account_id, method.id, on, now);
  });
}

Result<Ok> BillingService::describe_card(const std::string& account_id,
                                         const std::string& provider_method_id, const Card& card,
                                         const Date& on) {
  return store_.atomically([&]() -> Result<Ok> {
    TOLLGATE_ASSIGN_OR_RETURN(auto account, store_.account(account_id));
    TOLLGATE_ASSIGN_OR_RETURN(auto removed, store_.card_removed(provider_method_id));
    if (removed) return Ok{};  // removed for good: a late description changes nothing
    TOLLGATE_RETURN_IF_ERROR(store_.save_card(account_id, provider_method_id, card));
    if (account.payment_method_id != provider_method_id || account.card == card) return Ok{};
    account.card = card;
    if (!account.next_run || on < *account.next_run) account.next_run = on;
    return store_.update_account(account);
  });
}

Result<Date> BillingService::event_day(const StoredAccount& account, Instant at) {
  TOLLGATE_ASSIGN_OR_RETURN(auto zone, TimeZone::locate(account.account.time_zone));
  Date on = zone.local_date(at);
  TOLLGATE_ASSIGN_OR_RETURN(auto last, store_.last_entry_date(account.account.id));
  if (last && on < *last) on = *last;
  return on;
}

Result<Ok> BillingService::forget_card(const std::string& provider_method_id,
                                       const std::optional<std::string>& account_id, Instant at) {
  return store_.atomically([&]() -> Result<Ok> {
    TOLLGATE_ASSIGN_OR_RETURN(auto owner, store_.remove_card(provider_method_id, account_id));
    if (!owner) return Ok{};
    auto account = store_.account(*owner);
    if (!account && account.error().code == errors::store_not_found) return Ok{};
    if (!account) return unexpected(account.error());
    if (account->payment_method_id != provider_method_id) return Ok{};
    Operation op;
    op.type = OperationType::payment_method_removed;
    op.id = provider_method_id;
    TOLLGATE_ASSIGN_OR_RETURN(op.date, event_day(*account, at));
    TOLLGATE_RETURN_IF_ERROR(apply(*owner, op, at));  // apply() clears the card
    return Ok{};
  });
}

Result<Ok> BillingService::remove_payment_method(const std::string& account_id,
                                                 const std::string& id, bool default_too,
                                                 Instant at) {
  return store_.atomically([&]() -> Result<Ok> {
    TOLLGATE_ASSIGN_OR_RETURN(auto method, store_.payment_method(id));
    if (method.account_id != account_id)
      return make_error(errors::store_not_found,
                        "no payment method " + id + " of account " + account_id);
    if (method.is_default && !default_too)
      return make_error(errors::refused_default_payment_method,
                        "payment method " + id + " is the default of account " + account_id +
                            ": ask for its removal as such (forceDefaultPmDeletion or "
                            "deleteDefaultPmWithAutoPayOff)");
    TOLLGATE_RETURN_IF_ERROR(store_.remove_payment_method(id));
    if (!method.is_default) return Ok{};
    // The one charged is gone: what the provider's detach does (forget_card).
    std::string provider_id = method.method_id.empty() ? method.id : method.method_id;
    return forget_card(provider_id, account_id, at);
  });
}

Result<Ok> BillingService::set_default_payment_method(const std::string& account_id,
                                                      const std::string& id, const Date& on,
                                                      Instant now) {
  return store_.atomically([&]() -> Result<Ok> {
    if (auto r = store_.set_default_payment_method(account_id, id); !r) return r;
    TOLLGATE_ASSIGN_OR_RETURN(auto method, store_.payment_method(id));
    Operation op;
    op.date = on;
    op.type = OperationType::payment_method;
    op.id = method.method_id.empty() ? method.id : method.method_id;
    TOLLGATE_RETURN_IF_ERROR(apply(account_id, op, now));
    TOLLGATE_ASSIGN_OR_RETURN(auto account, store_.account(account_id));
    if (!method.customer_id.empty()) account.customer_id = method.customer_id;
    account.payment_method_id = op.id;
    return store_.update_account(account);
  });
}

Result<bool> BillingService::is_entitled(const std::string& account_id, const std::string& subject,
                                         const Date& at) {
  TOLLGATE_ASSIGN_OR_RETURN(auto account, store_.account(account_id));
  if (account.overdue && overdue_ == OverdueAccess::block &&
      !account.controls.overdue_enforcement_off)
    return false;
  TOLLGATE_ASSIGN_OR_RETURN(auto c, catalog(account.catalog));
  bool entitled = false;
  auto e = engine(account, [&](BillingEngine& engine) -> Result<Ok> {
    entitled = entitled_to(engine, *c, subject, at);
    return Ok{};
  });
  if (!e) return unexpected(e.error());
  return entitled;
}

}  // namespace tollgate
