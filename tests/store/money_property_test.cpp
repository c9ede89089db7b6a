// balance.md's invariant over random histories of the money side: downgrades,
// pauses and cancels (negative invoices, account credit), operator credits,
// charges that succeed or are declined, external payments (some too large),
// refunds (some too large). After every day, for the account:
//   Σ invoice totals − Σ payments + Σ refunds and chargebacks = account balance
//   = Σ invoice balances − account credit,
// no balance and no credit is negative, each state agrees with its balance,
// and a refused payment or refund changes nothing. Fixed seeds.

#include <random>

#include <catch2/catch.hpp>

#include "../support/fake_provider.hpp"
#include "../support/store_backends.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/collections.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

const char* kCatalog = R"({"name": "money", "currencies": ["USD"],
  "products": [{"name": "P", "category": "BASE"}],
  "plans": [
    {"name": "big", "product": "P", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "62.00"}}}]},
    {"name": "small", "product": "P", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "9.99"}}}]}]})";

Instant at(Date d) {
  return Instant{date::sys_days(d)};
}

template <class Backend>
void check_books(BillingStore& store, Collections& money, const std::string& id) {
  auto s = money.statement(id);
  REQUIRE(s.has_value());
  Decimal totals, paid, refunded, balances;
  for (const auto& standing : s->invoices) {
    const StoredInvoice& inv = standing.invoice;
    totals += inv.invoice.total();
    balances += standing.balance;
    CHECK(standing.balance.sign() >= 0);
    CHECK(inv.invoice.amount_due().sign() >= 0);
    switch (inv.status) {
      case InvoiceStatus::paid:
        CHECK(standing.balance.is_zero());
        CHECK(inv.invoice.amount_due().sign() > 0);
        break;
      case InvoiceStatus::settled:
        CHECK(inv.invoice.amount_due().is_zero());
        break;
      case InvoiceStatus::unpaid:
      case InvoiceStatus::failed:
        CHECK(standing.balance.sign() > 0);
        break;
    }
  }
  for (const auto& m : s->payments) {
    if (m.kind == PaymentKind::payment || m.kind == PaymentKind::chargeback_reversal)
      paid += m.amount;
    else
      refunded += m.amount;
  }
  CHECK(s->credit.sign() >= 0);
  CHECK(s->credit == *store.account_credit(id));
  CHECK(totals - paid + refunded == s->balance);
  CHECK(balances - s->credit == s->balance);
}

}  // namespace

TEMPLATE_TEST_CASE("balance.md's invariant holds over random money histories", "[store]",
                   test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  std::mt19937 rng(20261126);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  int payments = 0, refunds = 0, refused = 0, credits = 0;
  for (int history = 0; history < 4; ++history) {
    auto store = TestType::fresh();
    REQUIRE(store->put_catalog("v1", kCatalog));
    BillingService billing(*store);
    Collections money(billing);
    StoredAccount a;
    a.account = {"a", "USD", "UTC", 1};
    a.catalog = "v1";
    a.customer_id = history % 2 ? "cus_a" : "cus_declined";
    a.payment_method_id = "pm_a";
    REQUIRE(billing.open_account(a));
    test::FakeProvider provider{":memory:"};
    provider.decline("cus_declined");
    BillingRun run(*store, provider);
    auto op = [&](OperationType type, Date on, const char* plan = "",
                  std::optional<BillingActionPolicy> policy = std::nullopt) {
      Operation o;
      o.type = type;
      o.date = on;
      o.subscription = "s";
      o.plan = plan;
      o.policy = policy;
      (void)billing.apply("a", o, at(on));  // some are refused (a pause while paused): fine
    };
    op(OperationType::create, 2024_y / 1 / 1, "big");
    for (Date day = 2024_y / 1 / 1; !(2024_y / 7 / 1 < day); day = add_days(day, 1)) {
      REQUIRE(run.run(day).has_value());
      int roll = pick(100);
      if (roll < 4) {
        op(OperationType::change, day, pick(2) ? "small" : "big", BillingActionPolicy::immediate);
      } else if (roll < 7) {
        op(OperationType::pause, day);
      } else if (roll < 11) {
        op(OperationType::resume, day);
      } else if (roll < 13) {
        REQUIRE(money.credit("a", Decimal(1 + pick(20)), "goodwill", day, at(day)));
        ++credits;
      } else if (roll < 25) {
        // An external payment of part, all, or more than an invoice's balance.
        // Mostly an invoice still owed; else any (an overpayment to refuse).
        auto invoices = *store->invoices_of("a");
        std::vector<StoredInvoice> owed;
        for (const auto& inv : invoices)
          if (balance_of(*store, inv.id)->sign() > 0) owed.push_back(inv);
        if (!owed.empty() && pick(4) > 0) invoices = owed;
        if (!invoices.empty()) {
          const auto& inv =
              invoices[static_cast<std::size_t>(pick(static_cast<int>(invoices.size())))];
          Decimal balance = *balance_of(*store, inv.id);
          Decimal amount = Decimal(1 + pick(80)) / Decimal(4);
          auto before = money.statement("a")->balance;
          auto paid = money.pay({inv.id, amount, "ref-" + std::to_string(payments + refused), day});
          if (paid) {
            ++payments;
          } else {
            CHECK(paid.error().code == "refused.overpayment");
            CHECK(balance < amount);
            CHECK(money.statement("a")->balance == before);  // nothing changed
            ++refused;
          }
        }
      } else if (roll < 30) {
        // A refund of part, all, or more than a payment holds.
        auto moves = *store->account_payments("a");
        std::vector<Payment> held;
        for (const auto& m : moves)
          if (m.kind == PaymentKind::payment && m.method == kExternalPayment) held.push_back(m);
        if (!held.empty()) {
          const Payment& p = held[static_cast<std::size_t>(pick(static_cast<int>(held.size())))];
          Decimal amount = Decimal(1 + pick(60)) / Decimal(4);
          auto before = money.statement("a")->balance;
          auto back = money.refund({p.id, amount, day, ""});
          if (back) {
            ++refunds;
          } else {
            CHECK(back.error().code == "refused.refund");
            CHECK(money.statement("a")->balance == before);
            ++refused;
          }
        }
      }
      INFO("history " << history << " day " << to_string(day));
      check_books<TestType>(*store, money, "a");
    }
  }
  // The histories exercised every movement and every refusal.
  CHECK(payments > 20);
  CHECK(refunds > 5);
  CHECK(refused > 5);
  CHECK(credits > 3);
}
