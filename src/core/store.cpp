#include "tollgate/store.hpp"

#include <initializer_list>

namespace tollgate {
namespace {

// The value among `values` whose to_string() is `text`.
template <class E>
std::optional<E> named(std::string_view text, std::initializer_list<E> values) noexcept {
  for (E v : values)
    if (to_string(v) == text) return v;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(InvoiceStatus s) noexcept {
  switch (s) {
    case InvoiceStatus::unpaid:
      return "UNPAID";
    case InvoiceStatus::paid:
      return "PAID";
    case InvoiceStatus::failed:
      return "FAILED";
    case InvoiceStatus::settled:
      return "SETTLED";
  }
  return "?";
}

std::string_view to_string(AttemptStatus s) noexcept {
  switch (s) {
    case AttemptStatus::scheduled:
      return "SCHEDULED";
    case AttemptStatus::started:
      return "STARTED";
    case AttemptStatus::succeeded:
      return "SUCCEEDED";
    case AttemptStatus::pending:
      return "PENDING";
    case AttemptStatus::failed:
      return "FAILED";
    case AttemptStatus::cancelled:
      return "CANCELLED";
    case AttemptStatus::action_required:
      return "ACTION_REQUIRED";
  }
  return "?";
}

std::string_view to_string(NotificationKind k) noexcept {
  switch (k) {
    case NotificationKind::trial_ending:
      return "TRIAL_ENDING";
    case NotificationKind::period_ending:
      return "PERIOD_ENDING";
    case NotificationKind::payment_failed:
      return "PAYMENT_FAILED";
    case NotificationKind::payment_succeeded:
      return "PAYMENT_SUCCEEDED";
    case NotificationKind::credits_low:
      return "CREDITS_LOW";
    case NotificationKind::blocked:
      return "BLOCKED";
    case NotificationKind::refunded:
      return "REFUNDED";
    case NotificationKind::payment_action_required:
      return "PAYMENT_ACTION_REQUIRED";
    case NotificationKind::card_expiring:
      return "CARD_EXPIRING";
  }
  return "?";
}

Result<Decimal> balance_of(InvoiceStore& store, const std::string& invoice_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto invoice, store.invoice(invoice_id));
  return balance_of(store, invoice);
}

Result<Decimal> balance_of(InvoiceStore& store, const StoredInvoice& invoice) {
  TOLLGATE_ASSIGN_OR_RETURN(auto movements, store.payments_of(invoice.id));
  return invoice_balance(invoice.id, invoice.invoice, movements);
}

Result<std::int64_t> RuleStore::rules_revision() {
  TOLLGATE_ASSIGN_OR_RETURN(auto sets, rule_sets());
  return static_cast<std::int64_t>(sets.size());
}

Result<RuleBook> RuleStore::rule_book() {
  TOLLGATE_ASSIGN_OR_RETURN(auto sets, rule_sets());
  RuleBook book;
  for (const auto& set : sets) {
    auto rules = load_rules(set.rule_json);
    if (!rules)
      return make_error(errors::store_rules, "stored rule set " + set.id + " no longer validates");
    book.register_rules(set.organization, set.registered_at, std::move(rules).value());
  }
  return book;
}

std::optional<InvoiceStatus> parse_invoice_status(std::string_view text) noexcept {
  return named(text, {InvoiceStatus::unpaid, InvoiceStatus::paid, InvoiceStatus::failed,
                      InvoiceStatus::settled});
}

std::optional<AttemptStatus> parse_attempt_status(std::string_view text) noexcept {
  return named(text, {AttemptStatus::scheduled, AttemptStatus::started, AttemptStatus::succeeded,
                      AttemptStatus::pending, AttemptStatus::failed, AttemptStatus::cancelled,
                      AttemptStatus::action_required});
}

std::optional<NotificationKind> parse_notification_kind(std::string_view text) noexcept {
  return named(
      text, {NotificationKind::trial_ending, NotificationKind::period_ending,
             NotificationKind::payment_failed, NotificationKind::payment_succeeded,
             NotificationKind::credits_low, NotificationKind::blocked, NotificationKind::refunded,
             NotificationKind::payment_action_required, NotificationKind::card_expiring});
}

std::optional<InvoiceItemType> parse_invoice_item_type(std::string_view text) noexcept {
  return named(text,
               {InvoiceItemType::fixed, InvoiceItemType::recurring, InvoiceItemType::usage,
                InvoiceItemType::repair_adj, InvoiceItemType::credit, InvoiceItemType::credit_adj});
}

std::optional<PhaseType> parse_phase_type(std::string_view text) noexcept {
  return named(text,
               {PhaseType::trial, PhaseType::discount, PhaseType::fixedterm, PhaseType::evergreen});
}

Result<Ok> JournalStore::save_snapshot(const std::string&, const EngineSnapshot&) {
  return Ok{};
}

Result<std::optional<EngineSnapshot>> JournalStore::snapshot(const std::string&) {
  return std::optional<EngineSnapshot>();
}

Result<Ok> AccountStore::remove_payment_method(const std::string& id) {
  return make_error(errors::store_unsupported,
                    "this store cannot remove payment methods (payment method " + id + ")");
}

Result<std::vector<bool>> AccountStore::renew_each(std::span<const std::string> account_ids,
                                                   const Lease& lease) {
  std::vector<bool> held;
  held.reserve(account_ids.size());
  for (const auto& id : account_ids) {
    TOLLGATE_ASSIGN_OR_RETURN(auto ours, renew(id, lease));
    held.push_back(ours);
  }
  return held;
}

Result<std::size_t> AccountStore::move_accounts_to_catalog(const std::string& from,
                                                           const std::string& to, const Date&) {
  return make_error(errors::store_unsupported,
                    "this store cannot move accounts from catalog " + from + " to " + to);
}

Result<std::optional<Date>> JournalStore::last_entry_date(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto all, journal(account_id));
  std::optional<Date> last;
  for (const auto& e : all)
    if (!last || *last < e.date) last = e.date;
  return last;
}

Result<std::int64_t> JournalStore::last_journal_seq(const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto all, journal(account_id));
  return all.empty() ? std::int64_t{0} : all.back().seq;
}

Result<std::vector<JournalEntry>> JournalStore::journal_after(const std::string& account_id,
                                                              std::int64_t seq) {
  auto all = journal(account_id);
  if (!all) return unexpected(all.error());
  std::erase_if(*all, [&](const JournalEntry& e) { return e.seq <= seq; });
  return all;
}

Result<std::vector<UsageEvent>> UsageStore::usage_between(const std::string& subscription,
                                                          const std::optional<Date>& from,
                                                          const std::optional<Date>& to) {
  auto all = usage_of(subscription);
  if (!all) return all;
  std::erase_if(*all, [&](const UsageEvent& e) {
    return (from && e.occurred_on < *from) || (to && !(e.occurred_on < *to));
  });
  std::stable_sort(all->begin(), all->end(), [](const UsageEvent& a, const UsageEvent& b) {
    return a.occurred_on < b.occurred_on;
  });
  return all;
}

Result<std::vector<SequencedUsage>> JournalStore::account_usage_after(const std::string& account_id,
                                                                      std::int64_t seq) {
  auto all = account_usage(account_id);
  if (!all) return unexpected(all.error());
  std::erase_if(*all, [&](const SequencedUsage& u) { return u.after_seq < seq; });
  return all;
}

}  // namespace tollgate
