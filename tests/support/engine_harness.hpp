#pragma once
// Drives a BillingEngine the way a host does: a billing run every day, and
// operations on the days they are requested. Invoices are rendered as one line
// per item so that tests compare against hand-worked expectations.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "problems.hpp"
#include "tollgate/billing_engine.hpp"

namespace tollgate::test {

inline std::shared_ptr<const Catalog> catalog_from(const std::string& json) {
  auto c = load_catalog(json);
  INFO((c ? "" : describe(c.error())));
  REQUIRE(c.has_value());
  return std::make_shared<const Catalog>(std::move(c).value());
}

inline RuleSet rules_from(const std::string& json) {
  auto r = load_rules(json);
  INFO((r ? "" : describe(r.error())));
  REQUIRE(r.has_value());
  return *r;
}

/// "2024-04-16 REPAIR_ADJ s1 2024-04-16..2024-05-01 -5.00" (FIXED and CREDIT items have no range).
inline std::string line(const Invoice& invoice, const InvoiceItem& item, const Currency& currency) {
  std::string s = to_string(invoice.date) + " " + std::string(to_string(item.type));
  if (!item.subscription.empty()) s += " " + item.subscription;
  if (item.type != InvoiceItemType::credit) s += " " + to_string(item.start);
  if (item.end) s += ".." + to_string(*item.end);
  return s + " " + currency.format(item.amount);
}

class Harness {
 public:
  Harness(std::shared_ptr<const Catalog> catalog, RuleSet rules, Account account)
      : engine_(open(std::move(catalog), std::move(rules), account)), currency_(*Currency::of(account.currency)) {}

  BillingEngine& engine() { return *engine_; }

  /// Runs the daily billing through `to` (inclusive).
  void bill_through(const Date& to) {
    if (!next_day_) return;
    while (!(to < *next_day_)) {
      bill(*next_day_);
      next_day_ = add_days(*next_day_, 1);
    }
  }

  /// On day `d`: the day's billing run, then the operation, then billing again.
  template <class Operation>
  auto on(const Date& d, Operation op) {
    if (next_day_) bill_through(add_days(d, -1));
    bill(d);
    auto r = op(*engine_);
    bill(d);
    next_day_ = add_days(d, 1);
    return r;
  }

  /// Every non-zero item billed so far, one line each, in billing order.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& invoice : engine_->invoices())
      for (const auto& item : invoice.items)
        if (!item.amount.is_zero()) out.push_back(line(invoice, item, currency_));
    return out;
  }

  SubscriptionStatus status(const std::string& id, const Date& on) const {
    for (const auto& st : engine_->statuses(on))
      if (st.id == id) return st;
    FAIL("no subscription " << id);
    return {};
  }

 private:
  static std::unique_ptr<BillingEngine> open(std::shared_ptr<const Catalog> c, RuleSet r, const Account& a) {
    auto e = BillingEngine::open(std::move(c), std::move(r), a);
    REQUIRE(e.has_value());
    return std::make_unique<BillingEngine>(std::move(e).value());
  }

  void bill(const Date& d) {
    auto invoice = engine_->invoice(d);
    REQUIRE(invoice.has_value());
  }

  std::unique_ptr<BillingEngine> engine_;
  Currency currency_;
  std::optional<Date> next_day_;
};

}  // namespace tollgate::test
