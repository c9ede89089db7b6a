#include "tollgate/collections.hpp"

#include <algorithm>

#include "store_support.hpp"

namespace tollgate {
namespace {

// Money amounts an operator gives: positive, and a whole number of the minor unit.
Result<Ok> check_amount(const Decimal& amount, const Currency& in) {
  TOLLGATE_ASSIGN_OR_RETURN(auto currency, in.checked());
  if (!amount.is_valid() || amount.sign() <= 0)
    return make_error(errors::refused_amount, "an amount must be greater than 0");
  if (currency.round(amount, RoundingMode::half_up) != amount)
    return make_error(errors::refused_amount, amount.to_string() + " has more decimals than " +
                                                  std::string(currency.code()) + " has");
  return Ok{};
}

Decimal sum_of(const std::vector<Payment>& movements, const std::string& invoice_id,
               std::initializer_list<PaymentKind> kinds) {
  Decimal total;
  for (const auto& m : movements)
    if (m.invoice_id == invoice_id && std::find(kinds.begin(), kinds.end(), m.kind) != kinds.end())
      total += m.amount;
  return total;
}

Notification invoice_notice(NotificationKind kind, std::string key, const StoredInvoice& invoice,
                            const Date& on) {
  Notification n;
  n.kind = kind;
  n.key = std::move(key);
  n.account_id = invoice.account_id;
  n.invoice_id = invoice.id;
  n.on = on;
  return n;
}

}  // namespace

Result<Ok> Collections::notify(const Notification& n) {
  TOLLGATE_ASSIGN_OR_RETURN(auto fresh, billing_.store().record_notification(n));
  if (fresh && recorded_) recorded_(n);
  return Ok{};
}

Result<Ok> Collections::record_charge(const ChargeReport& report, const DunningPolicy& dunning) {
  BillingStore& store = billing_.store();
  return store.atomically([&]() -> Result<Ok> {
    auto invoice = store.invoice(report.invoice_id);
    if (!invoice) return unexpected(invoice.error());
    TOLLGATE_ASSIGN_OR_RETURN(auto attempts, store.attempts_of(invoice->id));
    // The attempt reported on: by number, else by the provider's charge id,
    // else the one waiting for an answer.
    std::optional<PaymentAttempt> attempt;
    for (const auto& a : attempts)
      if (report.attempt > 0 ? a.attempt == report.attempt
                             : !report.charge_id.empty() && a.charge_id == report.charge_id)
        attempt = a;
    if (!attempt && report.attempt == 0)
      for (const auto& a : attempts)
        if (a.status == AttemptStatus::pending || a.status == AttemptStatus::started ||
            a.status == AttemptStatus::action_required)
          attempt = a;
    if (!attempt) {
      // Money taken for this invoice outside any attempt of ours is still a payment.
      if (report.result != ChargeResult::succeeded) return Ok{};
      attempt.emplace();
      attempt->invoice_id = invoice->id;
    }
    if (attempt->status == AttemptStatus::succeeded) return Ok{};  // settled already
    if (!report.charge_id.empty()) attempt->charge_id = report.charge_id;
    switch (report.result) {
      case ChargeResult::succeeded: {
        TOLLGATE_ASSIGN_OR_RETURN(auto balance, balance_of(store, *invoice));
        Payment paid;
        paid.id = "pay-" + invoice->id + "-" + std::to_string(attempt->attempt);
        paid.invoice_id = invoice->id;
        paid.account_id = invoice->account_id;
        paid.amount = attempt->amount.sign() > 0 ? attempt->amount : balance;
        paid.method = report.provider;
        paid.reference = report.charge_id.empty() ? paid.id : report.charge_id;
        paid.on = report.on;
        if (paid.amount.sign() > 0) TOLLGATE_RETURN_IF_ERROR(store.record_payment(paid));
        if (attempt->attempt > 0) {
          attempt->status = AttemptStatus::succeeded;
          if (auto s = store.save_attempt(*attempt); !s) return s;
        }
        return settle_status(*invoice, report.on);
      }
      case ChargeResult::declined:
        return declined(*invoice, *attempt, report, dunning);
      case ChargeResult::pending:
        if (attempt->status == AttemptStatus::failed) return Ok{};  // a later answer came first
        attempt->status = AttemptStatus::pending;
        return store.save_attempt(*attempt);
      case ChargeResult::requires_action:
        return action_required(*invoice, *attempt, report, dunning);
    }
    return Ok{};
  });
}

// A charge the customer must confirm (3-D Secure): it waits for them, and the
// notice tells the host where to send them. The wait is set once: the same
// news again (the run's answer, then the webhook) does not lengthen it.
Result<Ok> Collections::action_required(const StoredInvoice& invoice, PaymentAttempt attempt,
                                        const ChargeReport& report, const DunningPolicy& dunning) {
  BillingStore& store = billing_.store();
  if (attempt.status == AttemptStatus::failed) return Ok{};  // a later answer came first
  if (attempt.status != AttemptStatus::action_required)
    attempt.scheduled_on = add_days(report.on, std::max(0, dunning.action_wait_days));
  attempt.status = AttemptStatus::action_required;
  if (!report.action_url.empty()) attempt.action_url = report.action_url;
  if (auto s = store.save_attempt(attempt); !s) return s;
  Notification n = invoice_notice(
      NotificationKind::payment_action_required,
      "PAYMENT_ACTION_REQUIRED:" + invoice.id + ":" + std::to_string(attempt.attempt), invoice,
      report.on);
  n.action_url = attempt.action_url;
  n.date = attempt.scheduled_on;
  return notify(n);
}

// A declined charge: the dunning policy decides what follows.
Result<Ok> Collections::declined(const StoredInvoice& invoice, PaymentAttempt attempt,
                                 const ChargeReport& report, const DunningPolicy& dunning) {
  BillingStore& store = billing_.store();
  // Paid since (a late failure), or failed already (the same report again).
  if (invoice.status == InvoiceStatus::paid || attempt.status == AttemptStatus::failed) return Ok{};
  attempt.status = AttemptStatus::failed;
  attempt.failure = report.failure;
  if (auto s = store.save_attempt(attempt); !s) return s;
  if (auto s = notify(
          invoice_notice(NotificationKind::payment_failed,
                         "PAYMENT_FAILED:" + invoice.id + ":" + std::to_string(attempt.attempt),
                         invoice, report.on));
      !s)
    return s;
  if (invoice.written_off) return Ok{};  // written off: nothing more is asked of it
  const auto& retries = dunning.retry_after_days;
  if (static_cast<std::size_t>(attempt.attempt) <= retries.size()) {
    TOLLGATE_ASSIGN_OR_RETURN(auto balance, balance_of(store, invoice));
    PaymentAttempt next;
    next.invoice_id = invoice.id;
    next.attempt = attempt.attempt + 1;
    next.status = AttemptStatus::scheduled;
    next.scheduled_on = add_days(report.on, retries[static_cast<std::size_t>(attempt.attempt) - 1]);
    next.amount = balance;
    return store.save_attempt(next);
  }
  if (auto s = store.set_invoice_status(invoice.id, InvoiceStatus::failed); !s) return s;
  TOLLGATE_ASSIGN_OR_RETURN(auto account, store.account(invoice.account_id));
  if (account.overdue) return Ok{};
  account.overdue = true;
  return store.update_account(account);
}

Result<Ok> Collections::record_movement(const ProviderMovement& m) {
  BillingStore& store = billing_.store();
  return store.atomically([&]() -> Result<Ok> {
    auto payment =
        store.payment_by_reference(PaymentKind::payment, m.provider, m.payment_reference);
    if (!payment) return unexpected(payment.error());
    if (!*payment)
      return make_error(errors::store_not_found,
                        "no " + m.provider + " payment " + m.payment_reference);
    auto record = [&](PaymentKind kind) -> Result<bool> {
      Payment p;
      p.id = std::string(kind == PaymentKind::refund       ? "ref-"
                         : kind == PaymentKind::chargeback ? "cb-"
                                                           : "cbr-") +
             (*payment)->id + "-" + m.reference;
      p.invoice_id = (*payment)->invoice_id;
      p.account_id = (*payment)->account_id;
      p.kind = kind;
      p.amount = m.amount;
      p.method = m.provider;
      p.reference = m.reference;
      p.payment_id = (*payment)->id;
      p.on = m.on;
      return store.record_payment(p);
    };
    // A dispute won before it was reported opened: the money went and came back.
    if (m.kind == PaymentKind::chargeback_reversal)
      TOLLGATE_RETURN_IF_ERROR(record(PaymentKind::chargeback));
    TOLLGATE_ASSIGN_OR_RETURN(auto fresh, record(m.kind));
    if (!fresh) return Ok{};
    TOLLGATE_ASSIGN_OR_RETURN(auto invoice, store.invoice((*payment)->invoice_id));
    if (auto s = settle_status(invoice, m.on); !s) return s;
    if (m.kind == PaymentKind::chargeback_reversal) return Ok{};
    return notify(invoice_notice(NotificationKind::refunded,
                                 "REFUNDED:" + (*payment)->id + ":" + m.reference, invoice, m.on));
  });
}

Decimal balance_shown(const StoredInvoice& invoice, std::span<const Payment> movements) {
  return invoice.written_off ? Decimal{} : invoice_balance(invoice.id, invoice.invoice, movements);
}

Result<AccountStatement> Collections::statement(const std::string& account_id) {
  BillingStore& store = billing_.store();
  TOLLGATE_ASSIGN_OR_RETURN(auto account, store.account(account_id));
  TOLLGATE_ASSIGN_OR_RETURN(auto invoices, store.invoices_of(account_id));
  TOLLGATE_ASSIGN_OR_RETURN(auto payments, store.account_payments(account_id));
  AccountStatement out;
  out.account_id = account_id;
  out.currency = account.account.currency;
  Decimal owed;
  for (auto& inv : invoices) {
    InvoiceStanding standing;
    standing.balance = balance_shown(inv, payments);
    standing.paid =
        sum_of(payments, inv.id, {PaymentKind::payment, PaymentKind::chargeback_reversal});
    standing.refunded = sum_of(payments, inv.id, {PaymentKind::refund, PaymentKind::chargeback});
    out.credit += inv.invoice.credit_adj;
    owed += standing.balance;
    standing.invoice = std::move(inv);
    out.invoices.push_back(std::move(standing));
  }
  out.balance = owed - out.credit;
  out.payments = std::move(payments);
  return out;
}

// An invoice's status after its movements changed, with what follows from it.
Result<Ok> Collections::settle_status(const StoredInvoice& invoice, const Date& on) {
  BillingStore& store = billing_.store();
  TOLLGATE_ASSIGN_OR_RETURN(auto balance, balance_of(store, invoice));
  InvoiceStatus status = invoice.status;
  if (balance.sign() <= 0)
    status = invoice.invoice.amount_due().sign() > 0 ? InvoiceStatus::paid : InvoiceStatus::settled;
  else if (status == InvoiceStatus::paid || status == InvoiceStatus::settled)
    status = InvoiceStatus::unpaid;  // a refund or a chargeback: owed again
  if (status == invoice.status) return Ok{};
  if (auto r = store.set_invoice_status(invoice.id, status); !r) return r;
  if (status != InvoiceStatus::paid) return Ok{};
  if (auto r = notify(invoice_notice(NotificationKind::payment_succeeded,
                                     "PAYMENT_SUCCEEDED:" + invoice.id, invoice, on));
      !r)
    return r;
  return clear_overdue_unless_failed(invoice.account_id, invoice.id);
}

// Dunning ran out on some invoice: the account stays overdue while another
// one (not `settled_invoice`, not written off) is still FAILED.
Result<Ok> Collections::clear_overdue_unless_failed(const std::string& account_id,
                                                    const std::string& settled_invoice) {
  BillingStore& store = billing_.store();
  TOLLGATE_ASSIGN_OR_RETURN(auto account, store.account(account_id));
  if (!account.overdue) return Ok{};
  TOLLGATE_ASSIGN_OR_RETURN(auto invoices, store.invoices_of(account_id));
  for (const auto& other : invoices)
    if (other.id != settled_invoice && other.status == InvoiceStatus::failed && !other.written_off)
      return Ok{};
  account.overdue = false;
  return store.update_account(account);
}

// An UNPAID invoice with a balance and no attempt open gets one, SCHEDULED on
// `on` for the next daily run to send.
Result<Ok> Collections::schedule_collection(const StoredInvoice& invoice, const Date& on) {
  BillingStore& store = billing_.store();
  if (invoice.status != InvoiceStatus::unpaid || invoice.written_off) return Ok{};
  TOLLGATE_ASSIGN_OR_RETURN(auto attempts, store.attempts_of(invoice.id));
  bool open = std::any_of(attempts.begin(), attempts.end(), [](const PaymentAttempt& a) {
    return a.status == AttemptStatus::scheduled || a.status == AttemptStatus::started;
  });
  if (open) return Ok{};  // a retry already scheduled goes out on its own
  TOLLGATE_ASSIGN_OR_RETURN(auto balance, balance_of(store, invoice));
  if (balance.sign() <= 0) return Ok{};
  PaymentAttempt next;
  next.invoice_id = invoice.id;
  next.attempt = attempts.empty() ? 1 : attempts.back().attempt + 1;
  next.status = AttemptStatus::scheduled;
  next.scheduled_on = on;
  next.amount = balance;
  return store.save_attempt(next);
}

Result<Payment> Collections::pay(const ExternalPayment& order) {
  BillingStore& store = billing_.store();
  std::optional<Payment> recorded;
  auto r = store.atomically([&]() -> Result<Ok> {
    recorded.reset();
    auto invoice = store.invoice(order.invoice_id);
    if (!invoice) return unexpected(invoice.error());
    if (auto ok = check_amount(order.amount, invoice->invoice.currency); !ok) return ok;
    if (order.reference.empty())
      return make_error(errors::refused_reference, "an external payment needs a reference");
    TOLLGATE_ASSIGN_OR_RETURN(auto movements, store.payments_of(invoice->id));
    for (const auto& m : movements)
      if (m.kind == PaymentKind::payment && m.method == kExternalPayment &&
          m.reference == order.reference) {
        recorded = m;  // recorded before: the same payment, not a second one
        return Ok{};
      }
    Decimal balance = invoice_balance(invoice->id, invoice->invoice, movements);
    if (balance < order.amount)
      return make_error(errors::refused_overpayment,
                        "a payment of " + order.amount.to_string() + " is more than the balance " +
                            balance.to_string() + " of invoice " + invoice->id);
    Payment p;
    p.id = "pay-" + invoice->id + "-x" + std::to_string(movements.size() + 1);
    p.invoice_id = invoice->id;
    p.account_id = invoice->account_id;
    p.amount = order.amount;
    p.method = std::string(kExternalPayment);
    p.reference = order.reference;
    p.on = order.on;
    TOLLGATE_RETURN_IF_ERROR(store.record_payment(p));
    if (auto s = settle_status(*invoice, order.on); !s) return s;
    recorded = std::move(p);
    return Ok{};
  });
  if (!r) return unexpected(r.error());
  return *recorded;
}

Result<Payment> Collections::refund(const RefundOrder& order, PaymentProvider* provider) {
  BillingStore& store = billing_.store();
  auto payment = store.payment(order.payment_id);
  if (!payment) return unexpected(payment.error());
  if (payment->kind != PaymentKind::payment)
    return make_error(errors::refused_refund, order.payment_id + " is a " +
                                                  std::string(to_string(payment->kind)) +
                                                  ", not a payment: only a payment is refunded");
  TOLLGATE_ASSIGN_OR_RETURN(auto invoice, store.invoice(payment->invoice_id));
  TOLLGATE_RETURN_IF_ERROR(check_amount(order.amount, invoice.invoice.currency));
  // Checked before the provider is asked, and again when the refund is recorded.
  auto within = [&](const std::vector<Payment>& movements) -> Result<std::size_t> {
    Decimal held = refundable(*payment, movements);
    if (held < order.amount)
      return make_error(errors::refused_refund, "a refund of " + order.amount.to_string() +
                                                    " is more than payment " + payment->id +
                                                    " still holds: " + held.to_string());
    return static_cast<std::size_t>(
        std::count_if(movements.begin(), movements.end(), [&](const Payment& m) {
          return m.kind == PaymentKind::refund && m.payment_id == payment->id;
        }));
  };
  TOLLGATE_ASSIGN_OR_RETURN(auto movements, store.payments_of(invoice.id));
  TOLLGATE_ASSIGN_OR_RETURN(auto earlier, within(movements));
  std::size_t n = earlier + 1;

  std::string reference = order.reference.empty() ? "refund-" + std::to_string(n) : order.reference;
  if (payment->method != kExternalPayment) {
    if (!provider || provider->name() != payment->method)
      return make_error(errors::refused_provider, "payment " + payment->id + " was made through " +
                                                      payment->method +
                                                      ": refund it through that provider");
    TOLLGATE_ASSIGN_OR_RETURN(auto currency, invoice.invoice.currency.checked());
    RefundRequest request{payment->reference, Money(order.amount, currency),
                          "tollgate-refund-" + payment->id + "-" + std::to_string(n)};
    auto done = provider->refund(request);
    if (!done)
      return make_error(
          "provider." + (done.error().code.empty() ? done.error().type : done.error().code),
          done.error().message);
    reference = done->id;
  }

  std::optional<Payment> recorded;
  auto r = store.atomically([&]() -> Result<Ok> {
    recorded.reset();
    TOLLGATE_ASSIGN_OR_RETURN(auto now, store.payments_of(invoice.id));
    for (const auto& m : now)
      if (m.kind == PaymentKind::refund && m.method == payment->method &&
          m.reference == reference) {
        recorded = m;  // the same provider refund, already recorded
        return Ok{};
      }
    TOLLGATE_RETURN_IF_ERROR(within(now));
    Payment back;
    back.id = "ref-" + payment->id + "-" + std::to_string(n);
    back.invoice_id = invoice.id;
    back.account_id = invoice.account_id;
    back.kind = PaymentKind::refund;
    back.amount = order.amount;
    back.method = payment->method;
    back.reference = reference;
    back.payment_id = payment->id;
    back.on = order.on;
    TOLLGATE_RETURN_IF_ERROR(store.record_payment(back));
    TOLLGATE_ASSIGN_OR_RETURN(auto current, store.invoice(invoice.id));
    if (auto s = settle_status(current, order.on); !s) return s;
    if (auto s = notify(
            invoice_notice(NotificationKind::refunded, "REFUNDED:" + back.id, current, order.on));
        !s)
      return s;
    recorded = std::move(back);
    return Ok{};
  });
  if (!r) return unexpected(r.error());
  return *recorded;
}

Result<StoredInvoice> Collections::credit(const std::string& account_id, const Decimal& amount,
                                          const std::string& reason, const Date& on, Instant now,
                                          std::string credit_id) {
  std::optional<StoredInvoice> issued;
  auto r = billing_.store().atomically([&]() -> Result<Ok> {
    Operation op;
    op.date = on;
    op.type = OperationType::account_credit;
    op.amount = amount;
    op.id = credit_id.empty() ? "credit-" + detail::random_uuid() : credit_id;
    op.reason = reason;
    TOLLGATE_ASSIGN_OR_RETURN(auto applied, billing_.apply(account_id, op, now));
    if (applied == Recorded::duplicate)
      return make_error(errors::refused_duplicate, "credit " + op.id + " was already given");
    TOLLGATE_ASSIGN_OR_RETURN(auto account, billing_.store().account(account_id));
    Result<Invoice> invoice = Invoice{};
    auto engine = billing_.engine(account, [&](BillingEngine& e) -> Result<Ok> {
      invoice = e.invoice(on);
      return Ok{};
    });
    if (!engine) return unexpected(engine.error());
    if (!invoice) return unexpected(invoice.error());
    auto done = billing_.issue(account, std::move(invoice).value(), on, now,
                               AttemptStatus::scheduled, &*engine);
    if (!done) return unexpected(done.error());
    if (!*done) return make_error(errors::engine_credit, "the credit made no invoice");
    issued = (*done)->invoice;
    return Ok{};
  });
  if (!r) return unexpected(r.error());
  return *issued;
}

Result<Ok> Collections::set_controls(const std::string& account_id, const AccountControls& controls,
                                     const Date& on) {
  BillingStore& store = billing_.store();
  return store.atomically([&]() -> Result<Ok> {
    TOLLGATE_ASSIGN_OR_RETURN(auto account, store.account(account_id));
    if (account.controls == controls) return Ok{};
    bool resume = account.controls.charges_off() && !controls.charges_off();
    account.controls = controls;
    TOLLGATE_RETURN_IF_ERROR(store.update_account(account));
    if (!resume) return Ok{};
    // Rare (an operator's change), so reading every invoice of the account is fine.
    TOLLGATE_ASSIGN_OR_RETURN(auto invoices, store.invoices_of(account_id));
    for (const auto& invoice : invoices) TOLLGATE_RETURN_IF_ERROR(schedule_collection(invoice, on));
    return Ok{};
  });
}

Result<Ok> Collections::write_off(const std::string& invoice_id, bool written_off, const Date& on) {
  BillingStore& store = billing_.store();
  return store.atomically([&]() -> Result<Ok> {
    TOLLGATE_ASSIGN_OR_RETURN(auto invoice, store.invoice(invoice_id));
    if (invoice.written_off == written_off) return Ok{};
    TOLLGATE_RETURN_IF_ERROR(store.set_invoice_written_off(invoice_id, written_off));
    invoice.written_off = written_off;
    if (written_off) {
      // An attempt already sent (STARTED) is left to its outcome: money that
      // comes in is recorded all the same.
      TOLLGATE_ASSIGN_OR_RETURN(auto attempts, store.attempts_of(invoice_id));
      for (auto attempt : attempts)
        if (attempt.status == AttemptStatus::scheduled) {
          attempt.status = AttemptStatus::cancelled;
          TOLLGATE_RETURN_IF_ERROR(store.save_attempt(attempt));
        }
      return clear_overdue_unless_failed(invoice.account_id, invoice_id);
    }
    TOLLGATE_ASSIGN_OR_RETURN(auto account, store.account(invoice.account_id));
    if (invoice.status == InvoiceStatus::failed) {  // dunning had run out: overdue again
      if (account.overdue) return Ok{};
      account.overdue = true;
      return store.update_account(account);
    }
    if (account.controls.charges_off()) return Ok{};
    return schedule_collection(invoice, on);
  });
}

}  // namespace tollgate
