#include "tollgate/billing_run.hpp"

#include <algorithm>

namespace tollgate {

namespace {

struct Context {
  BillingStore& store;
  PaymentProvider& provider;
  const RunOptions& options;
  BillingService service;
  RunReport report;
  std::vector<Notification>
      raised;  ///< recorded in the current transaction, delivered after it commits
};

Result<Ok> raise(Context& ctx, Notification n) {
  auto fresh = ctx.store.record_notification(n);
  if (!fresh) return unexpected(fresh.error());
  if (*fresh) ctx.raised.push_back(std::move(n));
  return Ok{};
}

// Hands the notices of a committed transaction to the host, then marks them delivered.
void deliver(Context& ctx) {
  for (const auto& n : ctx.raised) {
    if (ctx.options.notify) ctx.options.notify(n);
    ++ctx.report.notices;
    (void)ctx.store.mark_delivered(
        n.key);  // if this fails the next run delivers it again, same key
  }
  ctx.raised.clear();
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
    if (st.state == SubscriptionState::blocked) {
      Notification n = notice(NotificationKind::blocked, "BLOCKED:" + st.id, id, on);
      n.subscription = st.id;
      if (auto r = raise(ctx, std::move(n)); !r) return unexpected(r.error());
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

// Records what the provider answered for one attempt, in one transaction.
Result<Ok> record_outcome(Context& ctx, const StoredAccount& account, const StoredInvoice& invoice,
                          PaymentAttempt attempt, const ProviderResult<ChargeOutcome>& outcome,
                          const Date& on) {
  RunReport& report = ctx.report;
  const std::string& id = account.account.id;
  if (!outcome && outcome.error().retryable) {
    ++report.charges_unknown;  // stays STARTED: the next run asks again with the same key
    return Ok{};
  }
  auto r = ctx.store.atomically([&]() -> Result<Ok> {
    StoredAccount a = account;  // read in this run's transaction: nothing else changed it
    if (outcome) attempt.charge_id = outcome->id;
    if (outcome && outcome->status == ChargeStatus::succeeded) {
      attempt.status = AttemptStatus::succeeded;
      if (auto s = ctx.store.set_invoice_status(invoice.id, InvoiceStatus::paid); !s) return s;
      Notification n =
          notice(NotificationKind::payment_succeeded, "PAYMENT_SUCCEEDED:" + invoice.id, id, on);
      n.invoice_id = invoice.id;
      if (auto s = raise(ctx, std::move(n)); !s) return s;
      if (a.overdue) {
        a.overdue = false;
        if (auto s = ctx.store.update_account(a); !s) return s;
      }
    } else if (outcome) {
      attempt.status = AttemptStatus::pending;  // settled later by a webhook or by the host
    } else {
      attempt.status = AttemptStatus::failed;
      attempt.failure = failure_reason(outcome.error());
      Notification n =
          notice(NotificationKind::payment_failed,
                 "PAYMENT_FAILED:" + invoice.id + ":" + std::to_string(attempt.attempt), id, on);
      n.invoice_id = invoice.id;
      if (auto s = raise(ctx, std::move(n)); !s) return s;
      const auto& retries = ctx.options.dunning.retry_after_days;
      if (static_cast<std::size_t>(attempt.attempt) <= retries.size()) {
        PaymentAttempt next{invoice.id,
                            attempt.attempt + 1,
                            AttemptStatus::scheduled,
                            add_days(on, retries[static_cast<std::size_t>(attempt.attempt) - 1]),
                            "",
                            ""};
        if (auto s = ctx.store.save_attempt(next); !s) return s;
      } else {
        if (auto s = ctx.store.set_invoice_status(invoice.id, InvoiceStatus::failed); !s) return s;
        a.overdue = true;
        if (auto s = ctx.store.update_account(a); !s) return s;
      }
    }
    return ctx.store.save_attempt(attempt);
  });
  if (!r) return r;
  if (attempt.status == AttemptStatus::succeeded)
    ++report.charges_succeeded;
  else if (attempt.status == AttemptStatus::pending)
    ++report.charges_pending;
  else
    ++report.charges_failed;
  return Ok{};
}

ProviderResult<ChargeOutcome> send(Context& ctx, const StoredAccount& account,
                                   const StoredInvoice& invoice, const PaymentAttempt& attempt) {
  auto currency = Currency::of(invoice.invoice.currency);
  if (!currency)
    return unexpected(ProviderError{0, "invalid_request_error", "currency", "",
                                    currency.error().message, "", false});
  ChargeRequest request{
      invoice.id,          attempt.attempt,           Money(invoice.invoice.total(), *currency),
      account.customer_id, account.payment_method_id, "Invoice " + invoice.id};
  return ctx.provider.charge(request);
}

// Charges one attempt and records the outcome on its own (retries, reconciliation).
Result<Ok> charge(Context& ctx, const StoredAccount& account, const StoredInvoice& invoice,
                  const PaymentAttempt& attempt, const Date& on) {
  auto r = record_outcome(ctx, account, invoice, attempt, send(ctx, account, invoice, attempt), on);
  if (!r) ctx.raised.clear();
  deliver(ctx);
  return r;
}

// Invoices one due account and stores the invoice with its first attempt, in one transaction.
Result<std::optional<std::pair<StoredInvoice, PaymentAttempt>>> invoice_account(
    Context& ctx, StoredAccount& current, const Date& on, Instant now) {
  std::optional<std::pair<StoredInvoice, PaymentAttempt>> to_charge;
  const std::string& id = current.account.id;
  auto r = ctx.store.atomically([&]() -> Result<Ok> {
    to_charge.reset();
    StoredAccount* account = &current;
    if (!account->next_run || on < *account->next_run) return Ok{};  // done by an earlier run
    auto engine = ctx.service.engine(*account);
    if (!engine) return unexpected(engine.error());
    auto invoice = engine->invoice(on);
    if (!invoice) return unexpected(invoice.error());
    auto seq = ctx.store.append(id, {0, on, std::nullopt, now});
    if (!seq) return unexpected(seq.error());
    if (!invoice->empty()) {
      StoredInvoice stored{"inv-" + id + "-" + std::to_string(*seq), id, *invoice,
                           InvoiceStatus::unpaid};
      if (invoice->total().sign() <= 0)
        stored.status = InvoiceStatus::settled;  // nothing to collect
      if (auto s = ctx.store.save_invoice(stored); !s) return s;
      if (stored.status == InvoiceStatus::unpaid) {
        PaymentAttempt first{stored.id, 1, AttemptStatus::started, on, "", ""};
        if (auto s = ctx.store.save_attempt(first); !s) return s;
        to_charge.emplace(std::move(stored), first);
      }
      ++ctx.report.invoices;
    }
    auto notice_date = raise_notices(ctx, *account, *engine, on);
    if (!notice_date) return unexpected(notice_date.error());
    std::optional<Date> next = engine->next_billing_date(on);
    if (*notice_date && (!next || **notice_date < *next)) next = *notice_date;
    account->next_run = next;
    return ctx.store.update_account(*account);
  });
  if (!r) return unexpected(r.error());
  return to_charge;
}

// Sends (again) one attempt that the store already holds as STARTED.
Result<Ok> resend(Context& ctx, const PaymentAttempt& attempt,
                  const std::function<Date(const Account&)>& local_date) {
  auto invoice = ctx.store.invoice(attempt.invoice_id);
  if (!invoice) return unexpected(invoice.error());
  auto account = ctx.store.account(invoice->account_id);
  if (!account) return unexpected(account.error());
  return charge(ctx, *account, *invoice, attempt, local_date(account->account));
}

}  // namespace

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
  Context ctx{store_, provider_, options_, BillingService(store_), {}, {}};
  Instant now = date::sys_days(through);

  // A notice whose delivery an earlier run did not finish.
  auto leftover = store_.undelivered();
  if (!leftover) return unexpected(leftover.error());
  ctx.raised = std::move(leftover).value();
  deliver(ctx);

  // Attempts an earlier run sent without recording the answer: ask again, same key.
  auto started = store_.attempts_in(AttemptStatus::started);
  if (!started) return unexpected(started.error());
  for (const auto& attempt : *started) {
    if (auto r = resend(ctx, attempt, local_date); !r)
      ctx.report.errors.push_back(r.error());
    else
      ++ctx.report.reconciled;
  }

  // Dunning: retries that fell due.
  auto retries = store_.attempts_in(AttemptStatus::scheduled, through);
  if (!retries) return unexpected(retries.error());
  for (auto attempt : *retries) {
    auto invoice = store_.invoice(attempt.invoice_id);
    if (!invoice) {
      ctx.report.errors.push_back(invoice.error());
      continue;
    }
    auto account = store_.account(invoice->account_id);
    if (!account) {
      ctx.report.errors.push_back(account.error());
      continue;
    }
    Date on = local_date(account->account);
    if (on < attempt.scheduled_on) continue;
    attempt.status = AttemptStatus::started;  // committed before the provider hears of it
    if (auto s = store_.save_attempt(attempt); !s) {
      ctx.report.errors.push_back(s.error());
      continue;
    }
    if (auto r = charge(ctx, *account, *invoice, attempt, on); !r)
      ctx.report.errors.push_back(r.error());
  }

  // Accounts with something due, a batch at a time: one transaction stores the
  // batch's invoices and attempts, the provider is called, one transaction
  // records the outcomes. A crash between them leaves attempts STARTED, which
  // the next run re-sends under the same keys.
  auto due = store_.accounts_due(through);
  if (!due) return unexpected(due.error());
  std::size_t batch = std::max<std::size_t>(1, options_.batch_size);
  for (std::size_t first = 0; first < due->size(); first += batch) {
    std::size_t last = std::min(due->size(), first + batch);
    struct ToCharge {
      StoredAccount account;
      StoredInvoice invoice;
      PaymentAttempt attempt;
      Date on;
    };
    std::vector<ToCharge> charges;
    auto stored = store_.atomically([&]() -> Result<Ok> {
      for (std::size_t i = first; i < last; ++i) {
        const std::string& id = (*due)[i];
        ++ctx.report.accounts;
        std::size_t raised = ctx.raised.size();
        auto account = store_.account(id);
        if (!account) {
          ctx.report.errors.push_back(account.error());
          continue;
        }
        Date on = local_date(account->account);
        auto invoiced =
            invoice_account(ctx, *account, on, now);  // its own savepoint: a failure undoes only it
        if (!invoiced) {
          ctx.raised.resize(raised);
          ctx.report.errors.push_back(invoiced.error());
        } else if (*invoiced) {
          charges.push_back({*account, (*invoiced)->first, (*invoiced)->second, on});
        }
      }
      return Ok{};
    });
    if (!stored) {
      ctx.raised.clear();
      ctx.report.errors.push_back(stored.error());
      continue;
    }
    deliver(ctx);
    std::vector<ProviderResult<ChargeOutcome>> outcomes;
    outcomes.reserve(charges.size());
    for (const auto& c : charges) outcomes.push_back(send(ctx, c.account, c.invoice, c.attempt));
    auto recorded = store_.atomically([&]() -> Result<Ok> {
      for (std::size_t i = 0; i < charges.size(); ++i) {
        std::size_t raised = ctx.raised.size();
        const auto& c = charges[i];
        if (auto r = record_outcome(ctx, c.account, c.invoice, c.attempt, outcomes[i], c.on); !r) {
          ctx.raised.resize(raised);
          ctx.report.errors.push_back(r.error());
        }
      }
      return Ok{};
    });
    if (!recorded) {
      ctx.raised.clear();
      ctx.report.errors.push_back(recorded.error());
    }
    deliver(ctx);
    if (options_.progress) options_.progress(last, due->size());
  }
  return std::move(ctx.report);
}

}  // namespace tollgate
