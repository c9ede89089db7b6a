#include "tollgate/billing_run.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "store_support.hpp"

namespace tollgate {

namespace {

struct Context {
  BillingStore& store;
  PaymentProvider& provider;
  const RunOptions& options;
  BillingService service;
  RunReport report;
  RunReport test_totals;  ///< what TEST accounts did: kept out of the report's totals
  std::vector<Notification>
      raised;  ///< recorded in the current transaction, delivered after it commits
  /// Handed to the host, not yet marked delivered: the next transaction marks them.
  std::vector<std::string> handed;
};

// Where an account's invoices and charges are counted: a TEST account's
// nowhere in the report (Kill Bill's TEST tag).
RunReport& totals(Context& ctx, const StoredAccount& account) {
  return account.controls.test ? ctx.test_totals : ctx.report;
}

// Who charges this account: its merchant's provider, else the run's.
PaymentProvider& provider_of(Context& ctx, const StoredAccount& account) {
  if (ctx.options.provider_for)
    if (PaymentProvider* p = ctx.options.provider_for(account)) return *p;
  return ctx.provider;
}

Result<Ok> raise(Context& ctx, Notification n) {
  TOLLGATE_ASSIGN_OR_RETURN(auto fresh, ctx.store.record_notification(n));
  if (fresh) ctx.raised.push_back(std::move(n));
  return Ok{};
}

// Hands the notices of a committed transaction to the host. The batch's next
// transaction marks them delivered (mark_handed), so that marking costs no
// commit of its own; a crash before that commit delivers them again, under
// the same keys, on the next run.
void hand_over(Context& ctx) {
  for (auto& n : ctx.raised) {
    if (ctx.options.notify) ctx.options.notify(n);
    ++ctx.report.notices;
    ctx.handed.push_back(std::move(n.key));
  }
  ctx.raised.clear();
}

// Within a transaction: marks the notices handed over as delivered. The
// caller forgets them (commit_marks) once that transaction has committed.
Result<Ok> mark_handed(Context& ctx) {
  for (const auto& key : ctx.handed) TOLLGATE_RETURN_IF_ERROR(ctx.store.mark_delivered(key));
  return Ok{};
}

void commit_marks(Context& ctx, std::size_t marked) {
  ctx.handed.erase(ctx.handed.begin(), ctx.handed.begin() + static_cast<std::ptrdiff_t>(marked));
}

// Hands the notices over and marks them in a transaction of their own: at the
// start and the end of a run, where no batch transaction follows.
void deliver(Context& ctx) {
  hand_over(ctx);
  if (ctx.handed.empty()) return;
  std::size_t marked = ctx.handed.size();
  if (ctx.store.atomically([&] { return mark_handed(ctx); })) commit_marks(ctx, marked);
}

Notification notice(NotificationKind kind, std::string key, const std::string& account,
                    const Date& on) {
  Notification n;
  n.kind = kind;
  n.key = std::move(key);
  n.account_id = account;
  n.on = on;
  return n;
}

std::string failure_reason(const ProviderError& e) {
  std::string why = e.code.empty() ? e.type : e.code;
  if (!e.decline_code.empty()) why += ": " + e.decline_code;
  if (why.empty()) why = e.message;
  return why;
}

// The notices an account owes on `on`, and the earliest later date one may fall due.
Result<std::optional<Date>> raise_notices(Context& ctx, const StoredAccount& account,
                                          const BillingEngine& engine, const Date& on) {
  const NoticePolicy& policy = ctx.options.notices;
  const std::string& id = account.account.id;
  std::optional<Date> next;
  auto later = [&](const Date& d) {
    if (on < d && (!next || d < *next)) next = d;
  };
  // Notifies when `on` is within `days` before `end`; otherwise remembers when it will be.
  auto ahead = [&](NotificationKind kind, const SubscriptionStatus& st, const Date& end,
                   int days) -> Result<Ok> {
    Date from = add_days(end, -days);
    if (on < from) {
      later(from);
      return Ok{};
    }
    if (!(on < end)) return Ok{};
    Notification n =
        notice(kind, std::string(to_string(kind)) + ":" + st.id + ":" + to_string(end), id, on);
    n.subscription = st.id;
    n.date = end;
    return raise(ctx, std::move(n));
  };
  for (const auto& st : engine.statuses(on)) {
    if (st.trial_ends) {
      later(*st.trial_ends);  // a trial that ends without a card blocks: look again that day
      if (auto r =
              ahead(NotificationKind::trial_ending, st, *st.trial_ends, policy.trial_ending_days);
          !r)
        return unexpected(r.error());
    }
    if (st.period_ends && policy.period_ending_days > 0)
      if (auto r = ahead(NotificationKind::period_ending, st, *st.period_ends,
                         policy.period_ending_days);
          !r)
        return unexpected(r.error());
    if (st.blocked_from && on < *st.blocked_from) later(*st.blocked_from);  // a card removed
    if (st.state == SubscriptionState::blocked && st.blocked_from) {
      // Once a block: a subscription blocked again after a new card and its
      // removal is told again.
      Notification n = notice(NotificationKind::blocked,
                              "BLOCKED:" + st.id + ":" + to_string(*st.blocked_from), id, on);
      n.subscription = st.id;
      n.date = st.blocked_from;
      TOLLGATE_RETURN_IF_ERROR(raise(ctx, std::move(n)));
    }
  }
  if (account.card && policy.card_expiring_days > 0) {
    const Card& card = *account.card;
    Date ends = card.expires_on();
    if (Date from = add_days(ends, -policy.card_expiring_days); on < from) {
      later(from);
    } else if (on < ends) {
      Notification n = notice(
          NotificationKind::card_expiring,
          "CARD_EXPIRING:" + id + ":" + account.payment_method_id + ":" + to_string(ends), id, on);
      n.date = ends;
      TOLLGATE_RETURN_IF_ERROR(raise(ctx, std::move(n)));
    }
  }
  if (policy.credits_below && engine.credits().balance(on) < *policy.credits_below) {
    // Once per top-up: the key counts the credits ever added.
    std::size_t added =
        std::count_if(engine.credits().entries().begin(), engine.credits().entries().end(),
                      [](const CreditEntry& e) { return e.credits.sign() > 0; });
    if (added > 0)
      if (auto r = raise(ctx, notice(NotificationKind::credits_low,
                                     "CREDITS_LOW:" + id + ":" + std::to_string(added), id, on));
          !r)
        return unexpected(r.error());
  }
  return next;
}

// A failure that says nothing about the customer's payment: the provider
// could not be reached or refused our request (transport, TLS, a plain-HTTP
// policy, a bad key, rate limits, its own outage). Not a decline: no dunning,
// no notice; the attempt stays STARTED and is sent again under the same key.
bool not_a_decline(const ProviderError& e) {
  return e.http_status == 0 || e.type == "transport" || e.type == "authentication_error" ||
         e.type == "permission_error" || e.type == "api_connection_error" ||
         e.type == "api_error" || e.type == "rate_limit_error" || e.http_status == 401 ||
         e.http_status == 403 || e.http_status == 429 || e.http_status >= 500;
}

// Records what the provider answered for one attempt, through the one path
// every report of a charge takes (Collections::record_charge).
Result<Ok> record_outcome(Context& ctx, const StoredAccount& account, const StoredInvoice& invoice,
                          const PaymentAttempt& attempt,
                          const ProviderResult<ChargeOutcome>& outcome, const Date& on) {
  RunReport& report = totals(ctx, account);
  if (!outcome && (outcome.error().retryable || not_a_decline(outcome.error()))) {
    ++report.charges_unknown;  // stays STARTED: the next run asks again with the same key
    if (outcome.error().retryable) return Ok{};
    return make_error(errors::run_provider,
                      "invoice " + invoice.id + " of account " + account.account.id +
                          " was not charged: " + failure_reason(outcome.error()) + " (" +
                          outcome.error().message + ")");
  }
  ChargeReport r;
  r.invoice_id = invoice.id;
  r.attempt = attempt.attempt;
  r.provider = std::string(provider_of(ctx, account).name());
  r.on = on;
  if (!outcome) {
    r.result = ChargeResult::declined;
    r.failure = failure_reason(outcome.error());
  } else {
    r.charge_id = outcome->id;
    r.failure = outcome->failure.empty() ? "declined" : outcome->failure;
    r.action_url = outcome->action_url;
    r.result = outcome->status == ChargeStatus::succeeded         ? ChargeResult::succeeded
               : outcome->status == ChargeStatus::requires_action ? ChargeResult::requires_action
               : outcome->status == ChargeStatus::failed          ? ChargeResult::declined
                                                                  : ChargeResult::pending;
  }
  Collections money(ctx.service, [&ctx](const Notification& n) { ctx.raised.push_back(n); });
  if (auto done = money.record_charge(r, ctx.options.dunning); !done) return done;
  if (r.result == ChargeResult::succeeded)
    ++report.charges_succeeded;
  else if (r.result == ChargeResult::declined)
    ++report.charges_failed;
  else
    ++report.charges_pending;
  return Ok{};
}

// Sends one attempt. An attempt an earlier day's run sent and never heard
// back from is looked up at the provider first: its idempotency key may have
// expired (Stripe forgets them after 24 hours), and sending it again would
// then make a second charge.
ProviderResult<ChargeOutcome> send(Context& ctx, const StoredAccount& account,
                                   const StoredInvoice& invoice, const PaymentAttempt& attempt,
                                   bool resent, const Date& on) {
  // Not confirmed in time: voided, so that a late confirmation cannot take
  // the money the next attempt asks for. The provider says how it ended.
  if (attempt.status == AttemptStatus::action_required)
    return provider_of(ctx, account).cancel_charge(attempt.charge_id);
  auto currency = invoice.invoice.currency.checked();
  if (!currency)
    return unexpected(ProviderError{.http_status = 0,
                                    .type = "invalid_request_error",
                                    .code = "currency",
                                    .decline_code = "",
                                    .message = currency.error().message,
                                    .request_id = "",
                                    .retryable = false});
  ChargeRequest request{.invoice_id = invoice.id,
                        .attempt = attempt.attempt,
                        .amount = Money(attempt.amount, *currency),
                        .customer_id = account.customer_id,
                        .payment_method_id = account.payment_method_id,
                        .description = "Invoice " + invoice.id};
  if (resent && attempt.scheduled_on < on) {
    auto found = provider_of(ctx, account).find_charge(request);
    if (!found)  // not knowing is no reason to charge again: the attempt waits
      return unexpected(
          ProviderError{.http_status = 0,
                        .type = "transport",
                        .code = "lookup",
                        .decline_code = "",
                        .message = "could not look the earlier charge up: " + found.error().message,
                        .request_id = found.error().request_id,
                        .retryable = found.error().retryable});
    if (*found) return **found;
  }
  return provider_of(ctx, account).charge(request);
}

// Invoices one due account and stores the invoice with its first attempt, in one transaction.
Result<std::optional<std::pair<StoredInvoice, PaymentAttempt>>> invoice_account(
    Context& ctx, StoredAccount& current, const Date& on, Instant now) {
  std::optional<std::pair<StoredInvoice, PaymentAttempt>> to_charge;
  auto r = ctx.store.atomically([&]() -> Result<Ok> {
    to_charge.reset();
    StoredAccount* account = &current;
    if (!account->next_run || on < *account->next_run) return Ok{};  // done by an earlier run
    Result<Invoice> invoice = Invoice{};
    auto engine = ctx.service.engine(*account, [&](BillingEngine& e) -> Result<Ok> {
      invoice = e.invoice(on);
      return Ok{};
    });
    if (!engine) return unexpected(engine.error());
    if (!invoice) return unexpected(invoice.error());
    auto issued = ctx.service.issue(*account, std::move(invoice).value(), on, now,
                                    AttemptStatus::started, &*engine);
    if (!issued) return unexpected(issued.error());
    if (*issued) {
      if ((*issued)->attempt) to_charge.emplace((*issued)->invoice, *(*issued)->attempt);
      ++totals(ctx, *account).invoices;
    }
    TOLLGATE_ASSIGN_OR_RETURN(auto notice_date, raise_notices(ctx, *account, *engine, on));
    std::optional<Date> next = engine->next_billing_date(on);
    if (notice_date && (!next || *notice_date < *next)) next = notice_date;
    account->next_run = next;
    return ctx.store.update_account(*account);
  });
  if (!r) return unexpected(r.error());
  return to_charge;
}

// What a batch sends to the provider: one attempt of one invoice.
struct ToSend {
  StoredAccount account;
  StoredInvoice invoice;
  PaymentAttempt attempt;
  Date on;
  bool resent = false;  ///< an earlier run sent it and never recorded the answer
};

// The attempts a claimed account has to send today: those an earlier run sent
// without recording the answer (again, same key), dunning retries that fell
// due (marked STARTED before the provider hears of them), and charges whose
// wait for the customer's confirmation is over (voided).
Result<std::vector<ToSend>> open_attempts(Context& ctx, const StoredAccount& account,
                                          const Date& on) {
  TOLLGATE_ASSIGN_OR_RETURN(auto attempts, ctx.store.open_attempts(account.account.id));
  std::vector<ToSend> out;
  for (auto attempt : attempts) {
    bool resent = attempt.status == AttemptStatus::started;
    if (!resent && on < attempt.scheduled_on) continue;
    if (attempt.status == AttemptStatus::action_required) {  // the wait is over: give it up
      TOLLGATE_ASSIGN_OR_RETURN(auto invoice, ctx.store.invoice(attempt.invoice_id));
      out.push_back({account, std::move(invoice), attempt, on, false});
      continue;
    }
    // AUTO_PAY_OFF, MANUAL_PAY: no retry is sent while they hold (it waits, and
    // goes out on the first run after they are removed). An attempt already
    // sent is still asked after: the provider may have charged it.
    if (!resent && account.controls.charges_off()) continue;
    TOLLGATE_ASSIGN_OR_RETURN(auto invoice, ctx.store.invoice(attempt.invoice_id));
    if (!resent) {
      // A retry asks for what is owed now: a payment made another way since
      // (an external payment) lowers it, and one that paid it all cancels it.
      TOLLGATE_ASSIGN_OR_RETURN(auto balance, balance_of(ctx.store, invoice));
      attempt.status = balance.sign() > 0 ? AttemptStatus::started : AttemptStatus::cancelled;
      attempt.amount = balance;
      TOLLGATE_RETURN_IF_ERROR(ctx.store.save_attempt(attempt));
      if (attempt.status == AttemptStatus::cancelled) continue;
    }
    out.push_back({account, std::move(invoice), attempt, on, resent});
  }
  return out;
}

// Everything one claimed account has to do today short of calling the
// provider, in its own savepoint: a failure undoes only this account. Its
// claim was renewed with the batch's (which also locked its row on
// PostgreSQL, so the account is read below as it is now).
Result<std::vector<ToSend>> prepare_account(Context& ctx, const ClaimedAccount& claimed,
                                            const Date& through,
                                            const std::function<Date(const Account&)>& local_date,
                                            Instant now, bool& test) {
  std::vector<ToSend> sends;
  auto r = ctx.store.atomically([&]() -> Result<Ok> {
    sends.clear();
    TOLLGATE_ASSIGN_OR_RETURN(auto account, ctx.store.account(claimed.id));
    test = account.controls.test;
    Date on = local_date(account.account);
    if (claimed.open_attempts) {
      TOLLGATE_ASSIGN_OR_RETURN(auto open, open_attempts(ctx, account, on));
      sends = std::move(open);
    }
    // AUTO_INVOICING_OFF: not invoiced while it holds. Its next run stays
    // where it is, so the first run after it is removed invoices all that
    // fell due meanwhile.
    if (account.next_run && !(through < *account.next_run) &&
        !account.controls.auto_invoicing_off) {
      TOLLGATE_ASSIGN_OR_RETURN(auto invoiced, invoice_account(ctx, account, on, now));
      if (invoiced) sends.push_back({account, invoiced->first, invoiced->second, on, false});
    }
    for (auto& s : sends) s.account = account;  // as it stands after invoicing
    return Ok{};
  });
  if (!r) return unexpected(r.error());
  return sends;
}

// One claimed batch: one transaction stores its invoices and attempts, the
// provider is called, one transaction records the outcomes and gives the
// batch's claims up. A crash between them leaves attempts STARTED, which the
// next run re-sends under the same keys. Each transaction also marks the
// notices handed over after the one before. Answers whether the claims were
// given up.
bool run_batch(Context& ctx, const std::vector<ClaimedAccount>& batch, const Lease& lease,
               const Date& through, const std::function<Date(const Account&)>& local_date,
               Instant now) {
  std::vector<ToSend> sends;
  std::size_t marked = ctx.handed.size();
  auto stored = ctx.store.atomically([&]() -> Result<Ok> {
    TOLLGATE_RETURN_IF_ERROR(mark_handed(ctx));
    std::vector<std::string> ids;
    ids.reserve(batch.size());
    for (const auto& claimed : batch) ids.push_back(claimed.id);
    TOLLGATE_ASSIGN_OR_RETURN(auto held, ctx.store.renew_each(ids, lease));
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const ClaimedAccount& claimed = batch[i];
      std::size_t raised = ctx.raised.size();
      bool test = false;
      if (!held[i]) {  // the lease ran out and another worker has it
        ++ctx.report.accounts;
        continue;
      }
      auto prepared = prepare_account(ctx, claimed, through, local_date, now, test);
      ++(test ? ctx.report.test_accounts : ctx.report.accounts);
      if (!prepared) {
        ctx.raised.resize(raised);
        ctx.report.errors.push_back(prepared.error());
        continue;
      }
      for (auto& s : *prepared) sends.push_back(std::move(s));
    }
    return Ok{};
  });
  if (!stored) {
    ctx.raised.clear();
    ctx.report.errors.push_back(stored.error());
    return false;
  }
  commit_marks(ctx, marked);
  hand_over(ctx);
  std::vector<ProviderResult<ChargeOutcome>> outcomes;
  outcomes.reserve(sends.size());
  for (const auto& c : sends)
    outcomes.push_back(send(ctx, c.account, c.invoice, c.attempt, c.resent, c.on));
  marked = ctx.handed.size();
  auto recorded = ctx.store.atomically([&]() -> Result<Ok> {
    TOLLGATE_RETURN_IF_ERROR(mark_handed(ctx));
    // A worker that lost its lease leaves the outcome to the new holder, who
    // re-sends under the same key and gets the same answer.
    std::vector<std::string> ids;  // an account's sends are adjacent: each renewed once
    for (const auto& c : sends)
      if (ids.empty() || ids.back() != c.account.account.id) ids.push_back(c.account.account.id);
    TOLLGATE_ASSIGN_OR_RETURN(auto held, ctx.store.renew_each(ids, lease));
    std::size_t account = 0;
    for (std::size_t i = 0; i < sends.size(); ++i) {
      std::size_t raised = ctx.raised.size();
      const auto& c = sends[i];
      if (ids[account] != c.account.account.id) ++account;
      if (!held[account]) continue;
      auto r = record_outcome(ctx, c.account, c.invoice, c.attempt, outcomes[i], c.on);
      if (!r) {
        ctx.raised.resize(raised);
        ctx.report.errors.push_back(r.error());
      } else if (c.resent) {
        ++ctx.report.reconciled;
      }
    }
    return ctx.store.release(lease);
  });
  if (!recorded) {
    ctx.raised.clear();
    ctx.report.errors.push_back(recorded.error());
    return false;
  }
  commit_marks(ctx, marked);
  hand_over(ctx);
  return true;
}

}  // namespace

namespace {

std::string this_host() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

// A worker named by default_worker_name() on this host whose process is gone:
// its claims are nobody's, and a run started after a crash takes them at once
// instead of waiting for its leases to run out. A pid taken by a new process
// looks alive: then the lease is simply waited out.
bool dead_local_worker(const std::string& worker, const std::string& host) {
  if (worker.size() <= host.size() + 1 || worker.compare(0, host.size(), host) != 0 ||
      worker[host.size()] != '-')
    return false;
  std::string digits = worker.substr(host.size() + 1);
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  pid_t pid = static_cast<pid_t>(std::stol(digits));
  return pid > 0 && kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

std::string default_worker_name() {
  return this_host() + "-" + std::to_string(static_cast<long>(getpid()));
}

BillingRun::BillingRun(BillingStore& store, PaymentProvider& provider)
    : store_(store), provider_(provider) {}

BillingRun::BillingRun(BillingStore& store, PaymentProvider& provider, RunOptions options)
    : store_(store), provider_(provider), options_(std::move(options)) {}

Result<RunReport> BillingRun::run(Instant now) {
  // No place on Earth is more than a day ahead of UTC.
  Date through = add_days(Date(date::floor<date::days>(now)), 1);
  return run_with(
      [now](const Account& a) {
        auto zone = TimeZone::locate(a.time_zone);
        return zone ? zone->local_date(now) : Date(date::floor<date::days>(now));
      },
      through);
}

Result<RunReport> BillingRun::run(const Date& as_of) {
  return run_with([as_of](const Account&) { return as_of; }, as_of);
}

Result<RunReport> BillingRun::run_with(const std::function<Date(const Account&)>& local_date,
                                       const Date& through) {
  Context ctx{store_, provider_, options_, BillingService(store_), {}, {}, {}, {}};
  Instant now = date::sys_days(through);

  // A notice whose delivery an earlier run did not finish.
  TOLLGATE_ASSIGN_OR_RETURN(auto leftover, store_.undelivered());
  ctx.raised = std::move(leftover);
  deliver(ctx);

  Lease lease{options_.worker.name, detail::random_uuid(), options_.worker.lease};
  TOLLGATE_ASSIGN_OR_RETURN(auto holders, store_.lease_holders());
  std::string host = this_host();
  for (const auto& worker : holders)
    if (worker != lease.worker && dead_local_worker(worker, host))
      if (auto r = store_.release_worker(worker); !r) ctx.report.errors.push_back(r.error());
  // The total for progress reports: read only for a host that asked for them.
  std::size_t total = 0;
  if (options_.progress) {
    TOLLGATE_ASSIGN_OR_RETURN(auto due, store_.accounts_due(through));
    total = due.size();
  }
  std::size_t batch_size = std::max<std::size_t>(1, options_.batch_size);
  std::size_t done = 0;
  for (;;) {
    // One walk over the accounts with work, in id order; the cursor keeps an
    // account this run finished from being claimed again by it.
    for (std::string after;;) {
      auto batch = store_.claim_due(through, after, batch_size, lease);
      if (!batch) {  // a store that cannot take claims (full, gone): the next run goes on
        ctx.report.errors.push_back(batch.error());
        deliver(ctx);
        return std::move(ctx.report);
      }
      if (batch->empty()) break;
      after = batch->back().id;
      if (!run_batch(ctx, *batch, lease, through, local_date, now))
        if (auto r = store_.release(lease); !r) ctx.report.errors.push_back(r.error());
      done += batch->size();
      if (options_.progress) options_.progress(std::min(done, total), total);
    }
    if (!options_.worker.wait_for_others) break;
    TOLLGATE_ASSIGN_OR_RETURN(auto held, store_.held_elsewhere(through, lease));
    if (held == 0) break;
    std::this_thread::sleep_for(options_.worker.poll);
  }
  deliver(ctx);  // the last batch's notices
  return std::move(ctx.report);
}

}  // namespace tollgate
