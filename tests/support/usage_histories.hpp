#pragma once
// Random account histories for the usage conservation property: creates,
// plan changes and cancels under every policy, pauses and resumes, undone
// changes and cancels, trials and fixed terms that end, and SUM usage that
// arrives on time, late, on the day of a stop, twice, or after the stop.
// The same history drives the engine directly and a store through the daily
// run (tests/core/usage_conservation_test.cpp, tests/store/...).

#include <random>
#include <string>
#include <vector>

#include "tollgate/billing_service.hpp"
#include "tollgate/operation.hpp"

namespace tollgate::test {

/// Plans: `a` in advance with calls; `b` a 7-day trial without usage, then
/// calls; `c` no calls at all; `t` a 2-month fixed term with OVERAGE calls.
inline const char* kUsageHistoryCatalog = R"({"name": "conservation", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [
    {"name": "a", "product": "Api", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "30.00"}},
      "usages": [{"name": "calls", "metric": "calls", "billing_period": "MONTHLY", "model": "PER_UNIT",
                  "unit_price": {"USD": "0.10"}}]}]},
    {"name": "b", "product": "Api", "phases": [{"type": "TRIAL", "duration": {"unit": "DAYS", "length": 7}},
      {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "billing_mode": "IN_ARREAR", "price": {"USD": "20.00"}},
       "usages": [{"name": "calls", "metric": "calls", "billing_period": "MONTHLY", "model": "PER_UNIT",
                   "unit_price": {"USD": "0.05"}}]}]},
    {"name": "c", "product": "Api", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]},
    {"name": "t", "product": "Api", "phases": [{"type": "FIXEDTERM", "duration": {"unit": "MONTHS", "length": 2},
      "usages": [{"name": "calls", "metric": "calls", "billing_period": "MONTHLY", "model": "OVERAGE",
                  "included": "100", "prorate_included": true, "unit_price": {"USD": "0.02"}}]}]}
  ]})";

/// One step: an operation handled on `on` (a late usage event is dated earlier).
struct HistoryStep {
  Date on;
  Operation op;
};

struct UsageHistory {
  std::vector<HistoryStep> steps;
  Date first;
  Date until;  ///< far enough after the last step that every period is due
};

inline UsageHistory generate_usage_history(std::mt19937& rng, const Date& start) {
  const char* plans[] = {"a", "b", "c", "t"};
  const BillingActionPolicy policies[] = {BillingActionPolicy::immediate,
                                          BillingActionPolicy::end_of_term,
                                          BillingActionPolicy::start_of_term};
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  UsageHistory h;
  h.first = start;
  std::vector<std::string> subs{"s1"};
  std::vector<Operation> sent_usage;
  auto op = [](Date d, OperationType type, const std::string& sub) {
    Operation o;
    o.date = d;
    o.type = type;
    o.subscription = sub;
    return o;
  };
  auto usage = [&](Date on, Date dated, const std::string& sub) {
    Operation u = op(dated, OperationType::usage, sub);
    u.metric = "calls";
    u.quantity = Decimal(1 + pick(40)) / Decimal(pick(2) == 0 ? 1 : 2);
    u.id = "u" + std::to_string(sent_usage.size());
    sent_usage.push_back(u);
    h.steps.push_back({on, u});
  };
  Operation create = op(start, OperationType::create, "s1");
  create.plan = plans[pick(4)];
  h.steps.push_back({start, create});
  Date d = start;
  for (int day = 1; day <= 150; ++day) {
    d = add_days(d, 1);
    const std::string sub = subs[static_cast<std::size_t>(pick(static_cast<int>(subs.size())))];
    int roll = pick(100);
    if (roll < 35) {
      usage(d, d, sub);
    } else if (roll < 45) {
      usage(d, add_days(d, -1 - pick(40)), sub);  // late, possibly for an invoiced period
    } else if (roll < 50 && !sent_usage.empty()) {
      Operation again =
          sent_usage[static_cast<std::size_t>(pick(static_cast<int>(sent_usage.size())))];
      h.steps.push_back({d, again});  // a duplicate: same id, counted once
    } else if (roll < 56) {
      Operation change = op(d, OperationType::change, sub);
      change.plan = plans[pick(4)];
      change.policy = policies[pick(3)];
      if (pick(2) == 0) usage(d, d, sub);  // usage on the day the plan changes
      h.steps.push_back({d, change});
    } else if (roll < 60) {
      Operation cancel = op(d, OperationType::cancel, sub);
      cancel.policy = policies[pick(3)];
      if (pick(2) == 0) usage(d, d, sub);  // usage on the stop day
      h.steps.push_back({d, cancel});
      if (pick(2) == 0) usage(d, d, sub);  // and after the stop is known
    } else if (roll < 63) {
      h.steps.push_back({d, op(d, OperationType::uncancel, sub)});
    } else if (roll < 66) {
      h.steps.push_back({d, op(d, OperationType::undo_change, sub)});
    } else if (roll < 70) {
      if (pick(2) == 0) usage(d, d, sub);
      h.steps.push_back({d, op(d, OperationType::pause, sub)});
    } else if (roll < 75) {
      h.steps.push_back({d, op(d, OperationType::resume, sub)});
    } else if (roll < 77 && subs.size() < 3) {
      subs.push_back("s" + std::to_string(subs.size() + 1));
      Operation more = op(d, OperationType::create, subs.back());
      more.plan = plans[pick(4)];
      h.steps.push_back({d, more});
    }
  }
  h.until = add_days(d, 100);
  return h;
}

/// Account "a" (bill cycle day `bcd`, with a customer and a card on file)
/// opened through `service` under catalog "v1" = kUsageHistoryCatalog.
/// Errors: the store's.
inline Result<Ok> open_history_account(BillingStore& store, BillingService& service, int bcd) {
  if (auto r = store.put_catalog("v1", kUsageHistoryCatalog); !r) return r;
  StoredAccount account;
  account.account = {"a", "USD", "UTC", bcd};
  account.catalog = "v1";
  account.customer_id = "cus_a";
  account.payment_method_id = "pm_a";
  return service.open_account(account);
}

}  // namespace tollgate::test
