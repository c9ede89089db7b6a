// The money side of stored billing (balance.md), worked out by hand: external
// payments, refunds, operator credit, invoice states, account balance and credit.

#include <catch2/catch.hpp>

#include "../support/fake_provider.hpp"
#include "../support/store_backends.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/collections.hpp"
#include "tollgate/manual_provider.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

const char* kCatalog = R"({"name": "money", "currencies": ["USD", "JPY"],
  "products": [{"name": "P", "category": "BASE"}],
  "plans": [{"name": "m", "product": "P", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "30.00", "JPY": "3000"}}}]}]})";

Decimal d(const char* s) {
  return *Decimal::parse(s);
}
Instant at(Date day) {
  return Instant{date::sys_days(day)};
}

template <class Backend>
struct Books {
  std::unique_ptr<BillingStore> store = Backend::fresh();
  BillingService service{*store};
  Collections money{service};

  explicit Books(const char* currency = "USD") {
    REQUIRE(store->put_catalog("v1", kCatalog));
    StoredAccount a;
    a.account = {"a", currency, "UTC", 1};
    a.catalog = "v1";
    a.customer_id = "cus_a";
    a.payment_method_id = "pm_a";
    REQUIRE(service.open_account(a));
    Operation create;
    create.date = 2024_y / 1 / 1;
    create.type = OperationType::create;
    create.subscription = "s";
    create.plan = "m";
    REQUIRE(service.apply("a", create, at(create.date)));
  }
  /// Runs the daily billing with `provider` from Jan 1 through `to`.
  void run_through(PaymentProvider& provider, Date to) {
    BillingRun run(*store, provider);
    for (Date day = 2024_y / 1 / 1; !(to < day); day = add_days(day, 1)) {
      auto r = run.run(day);
      REQUIRE(r.has_value());
      for (const auto& e : r->errors) FAIL_CHECK(e.code << ": " << e.message);
    }
  }
  StoredInvoice only_invoice() {
    auto invoices = store->invoices_of("a");
    REQUIRE(invoices->size() == 1);
    return invoices->front();
  }
  AccountStatement statement() {
    auto s = money.statement("a");
    REQUIRE(s.has_value());
    return *s;
  }
  int notices(NotificationKind kind) {
    int n = 0;
    auto all = store->notifications_of("a");  // kept alive: the loop reads through it
    for (const auto& x : *all) n += x.kind == kind;
    return n;
  }
};

}  // namespace

TEMPLATE_TEST_CASE(
    "external payments pay an invoice, an overpayment is refused and changes nothing", "[store]",
    test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Books<TestType> b;
  ManualProvider manual;  // charges stay pending: the invoice waits for a payment
  b.run_through(manual, 2024_y / 1 / 1);
  StoredInvoice jan = b.only_invoice();
  CHECK(jan.status == InvoiceStatus::unpaid);
  CHECK(b.statement().balance == d("30.00"));

  // 20.00 by cheque: 10.00 left.
  auto first = b.money.pay({jan.id, d("20.00"), "chq-1", 2024_y / 1 / 5});
  REQUIRE(first.has_value());
  CHECK(first->method == "EXTERNAL");
  CHECK(*balance_of(*b.store, jan.id) == d("10.00"));
  CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::unpaid);

  // 20.00 more is more than the 10.00 owed: refused, nothing recorded.
  auto over = b.money.pay({jan.id, d("20.00"), "chq-2", 2024_y / 1 / 6});
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().code == "refused.overpayment");
  CHECK(b.store->payments_of(jan.id)->size() == 1);
  CHECK(b.statement().balance == d("10.00"));

  // 10.00: PAID, balance 0, one PAYMENT_SUCCEEDED notice.
  REQUIRE(b.money.pay({jan.id, d("10.00"), "chq-2", 2024_y / 1 / 6}));
  CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::paid);
  CHECK(b.statement().balance == d("0"));
  CHECK(b.notices(NotificationKind::payment_succeeded) == 1);
  // The same cheque again is the same payment, not a second one.
  auto again = b.money.pay({jan.id, d("10.00"), "chq-2", 2024_y / 1 / 7});
  REQUIRE(again.has_value());
  CHECK(b.store->payments_of(jan.id)->size() == 2);

  // Bad amounts and references name the reason.
  CHECK(b.money.pay({jan.id, d("0"), "r", 2024_y / 1 / 7}).error().code == "refused.amount");
  CHECK(b.money.pay({jan.id, d("1.005"), "r", 2024_y / 1 / 7}).error().code == "refused.amount");
  CHECK(b.money.pay({jan.id, d("1.00"), "", 2024_y / 1 / 7}).error().code == "refused.reference");
  CHECK(b.money.pay({"no-such", d("1.00"), "r", 2024_y / 1 / 7}).error().code == "store.not_found");
}

TEMPLATE_TEST_CASE("refunds raise the balance, up to what the payment holds", "[store]",
                   test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Books<TestType> b;
  ManualProvider manual;
  b.run_through(manual, 2024_y / 1 / 1);
  StoredInvoice jan = b.only_invoice();
  auto p1 = b.money.pay({jan.id, d("20.00"), "wire-1", 2024_y / 1 / 5});
  auto p2 = b.money.pay({jan.id, d("10.00"), "wire-2", 2024_y / 1 / 5});
  REQUIRE((p1 && p2));
  CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::paid);

  // A partial refund of 5.00: owed again, UNPAID, one REFUNDED notice.
  REQUIRE(b.money.refund({p1->id, d("5.00"), 2024_y / 1 / 10, ""}));
  CHECK(*balance_of(*b.store, jan.id) == d("5.00"));
  CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::unpaid);
  CHECK(b.notices(NotificationKind::refunded) == 1);
  // p1 holds 15.00 now: 16.00 is refused and changes nothing.
  auto too_much = b.money.refund({p1->id, d("16.00"), 2024_y / 1 / 11, ""});
  REQUIRE_FALSE(too_much.has_value());
  CHECK(too_much.error().code == "refused.refund");
  REQUIRE(b.money.refund({p1->id, d("15.00"), 2024_y / 1 / 11, ""}));
  CHECK(refundable(*p1, *b.store->payments_of(jan.id)) == d("0"));
  // A refund is not refundable.
  auto movements = *b.store->payments_of(jan.id);
  CHECK(b.money.refund({movements.back().id, d("1.00"), 2024_y / 1 / 12, ""}).error().code ==
        "refused.refund");

  // Totals 30.00 - payments 30.00 + refunds 20.00 = balance 20.00 (balance.md's invariant).
  auto s = b.statement();
  CHECK(s.balance == d("20.00"));
  REQUIRE(s.invoices.size() == 1);
  CHECK(s.invoices[0].paid == d("30.00"));
  CHECK(s.invoices[0].refunded == d("20.00"));
}

TEMPLATE_TEST_CASE("a provider's payment is refunded through it once, even when retried", "[store]",
                   test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Books<TestType> b;
  test::FakeProvider fake{":memory:"};
  b.run_through(fake, 2024_y / 1 / 1);
  StoredInvoice jan = b.only_invoice();
  CHECK(jan.status == InvoiceStatus::paid);
  auto charged = *b.store->payments_of(jan.id);
  REQUIRE(charged.size() == 1);
  const Payment& paid = charged[0];
  CHECK(paid.amount == d("30.00"));

  // Without the provider that took it, a provider's payment is not refunded.
  CHECK(b.money.refund({paid.id, d("10.00"), 2024_y / 1 / 3, ""}).error().code ==
        "refused.provider");
  // A crash after the provider refunded and before it was recorded: the retry
  // sends the same idempotency key, the provider answers with the same refund.
  auto early = fake.refund({paid.reference, Money(d("10.00"), *Currency::of("USD")),
                            "tollgate-refund-" + paid.id + "-1"});
  REQUIRE(early.has_value());
  auto refund = b.money.refund({paid.id, d("10.00"), 2024_y / 1 / 3, ""}, &fake);
  REQUIRE(refund.has_value());
  CHECK(refund->reference == early->id);
  CHECK(fake.refunds() == 1);
  CHECK(*balance_of(*b.store, jan.id) == d("10.00"));
  CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::unpaid);
}

TEMPLATE_TEST_CASE("an operator's credit is held at once and used by the next invoice", "[store]",
                   test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Books<TestType> b;
  ManualProvider manual;
  b.run_through(manual, 2024_y / 1 / 9);
  // Jan 10: 12.50 of credit -> an invoice with CREDIT_ADJ -12.50, total -12.50, SETTLED.
  auto credit =
      b.money.credit("a", d("12.50"), "SLA breach", 2024_y / 1 / 10, at(2024_y / 1 / 10), "sla-1");
  REQUIRE(credit.has_value());
  CHECK(credit->invoice.total() == d("-12.50"));
  CHECK(credit->invoice.credit_adj == d("12.50"));
  CHECK(credit->status == InvoiceStatus::settled);
  REQUIRE(credit->invoice.items.size() == 1);
  CHECK(credit->invoice.items[0].type == InvoiceItemType::credit_adj);
  // January's 30.00 is unpaid: the account owes 30.00 - 12.50 = 17.50, and holds 12.50.
  auto s = b.statement();
  CHECK(s.credit == d("12.50"));
  CHECK(s.balance == d("17.50"));
  // The same credit id again is refused; nothing more is credited.
  CHECK(b.money.credit("a", d("12.50"), "", 2024_y / 1 / 10, at(2024_y / 1 / 10), "sla-1")
            .error()
            .code == "refused.duplicate");
  // Feb 1: 30.00 uses the 12.50; 17.50 is asked.
  b.run_through(manual, 2024_y / 2 / 1);
  auto invoices = *b.store->invoices_of("a");
  REQUIRE(invoices.size() == 3);
  CHECK(invoices[2].invoice.credit_adj == d("-12.50"));
  CHECK(*balance_of(*b.store, invoices[2].id) == d("17.50"));
  CHECK((*b.store->attempts_of(invoices[2].id))[0].amount == d("17.50"));
  CHECK(b.statement().credit == d("0"));
  CHECK(b.statement().balance == d("47.50"));
}

TEMPLATE_TEST_CASE("money in a currency without a minor unit (JPY)", "[store]", test::SqliteBackend,
                   test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Books<TestType> b("JPY");
  ManualProvider manual;
  b.run_through(manual, 2024_y / 1 / 1);
  StoredInvoice jan = b.only_invoice();
  CHECK(jan.invoice.total() == d("3000"));
  CHECK(b.money.pay({jan.id, d("1000.5"), "t-1", 2024_y / 1 / 2}).error().code == "refused.amount");
  REQUIRE(b.money.pay({jan.id, d("3000"), "t-1", 2024_y / 1 / 2}));
  CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::paid);
  CHECK(b.money.credit("a", d("99.5"), "", 2024_y / 1 / 3, at(2024_y / 1 / 3)).error().code ==
        "refused.amount");
}

TEMPLATE_TEST_CASE(
    "manual collection: the invoice waits for an external payment, reminders follow the dunning "
    "schedule until it arrives",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  {
    // Never paid: reminders on Jan 1, 2, 5 and 12 (retries after 1, 3 and 7 days), then FAILED
    // and the account overdue. A payment then settles it and the account is overdue no more.
    Books<TestType> b;
    ManualProvider manual;
    b.run_through(manual, 2024_y / 1 / 20);
    StoredInvoice jan = b.only_invoice();
    CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::failed);
    auto attempts = *b.store->attempts_of(jan.id);
    REQUIRE(attempts.size() == 4);
    std::vector<Date> days;
    for (const auto& a : attempts) {
      days.push_back(a.scheduled_on);
      CHECK(a.failure == "awaiting_payment");
    }
    CHECK(days ==
          std::vector<Date>{2024_y / 1 / 1, 2024_y / 1 / 2, 2024_y / 1 / 5, 2024_y / 1 / 12});
    CHECK(b.notices(NotificationKind::payment_failed) == 4);
    CHECK(b.store->account("a")->overdue);
    REQUIRE(b.money.pay({jan.id, d("30.00"), "cash-1", 2024_y / 1 / 21}));
    CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::paid);
    CHECK_FALSE(b.store->account("a")->overdue);
  }
  {
    // Paid by transfer on Jan 3: the reminder due Jan 5 is cancelled, never sent.
    Books<TestType> b;
    ManualProvider manual;
    b.run_through(manual, 2024_y / 1 / 2);
    StoredInvoice jan = b.only_invoice();
    REQUIRE(b.money.pay({jan.id, d("30.00"), "transfer-1", 2024_y / 1 / 3}));
    b.run_through(manual, 2024_y / 1 / 20);
    auto attempts = *b.store->attempts_of(jan.id);
    REQUIRE(attempts.size() == 3);
    CHECK(attempts[2].status == AttemptStatus::cancelled);
    CHECK(b.notices(NotificationKind::payment_failed) == 2);
    CHECK(b.store->invoice(jan.id)->status == InvoiceStatus::paid);
  }
}
