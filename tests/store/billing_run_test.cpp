// The daily billing run over each store (SQLite and PostgreSQL): invoices once
// per period, charges once per invoice, dunning, notices and entitlement; and,
// on SQLite, a run killed at random points that, restarted, still invoices and
// charges exactly once, and a full disk.
// Every expected amount and date is worked out in the comment above it.

#include "tollgate/billing_run.hpp"
#include "tollgate/collections.hpp"
#include "tollgate/manual_provider.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "../support/fake_provider.hpp"
#include "../support/peer.hpp"
#include "../support/problems.hpp"
#include "../support/store_backends.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::sqlite::SqliteStore;
using tollgate::test::FakeProvider;

namespace {

const char* kCatalog = R"({"name": "run-tests", "currencies": ["USD"],
  "products": [{"name": "Std", "category": "BASE"}],
  "plans": [
    {"name": "std", "product": "Std", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]},
    {"name": "half", "product": "Std", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "5.00"}}}]},
    {"name": "calls", "product": "Std", "phases": [{"type": "EVERGREEN", "usages": [{"name": "calls",
      "metric": "api_calls", "billing_period": "MONTHLY", "model": "PER_UNIT", "unit_price": {"USD": "0.10"}}]}]},
    {"name": "trial14", "product": "Std", "phases": [{"type": "TRIAL", "duration": {"unit": "DAYS", "length": 14}},
      {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "31.00"}}}]},
    {"name": "card", "product": "Std", "after_trial": "REQUIRE_PAYMENT_METHOD",
     "phases": [{"type": "TRIAL", "duration": {"unit": "DAYS", "length": 14}},
      {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "31.00"}}}]}]})";

Instant at(Date d) {
  return Instant{date::sys_days(d)};
}

std::unique_ptr<SqliteStore> open_store(const std::string& path) {
  auto s = SqliteStore::open(path);
  INFO((s ? "" : s.error().message));
  REQUIRE(s.has_value());
  return std::move(s).value();
}

// A store with the catalog and one account per (id, customer), each subscribed to `plan` on
// `start`.
void add_account(BillingService& service, const std::string& id, const std::string& customer,
                 const std::string& subscription, const std::string& plan, Date start,
                 std::optional<int> bcd = std::nullopt) {
  StoredAccount a;
  a.account = {id, "USD", "UTC", bcd};
  a.catalog = "v1";
  a.customer_id = customer;
  a.payment_method_id = "pm_" + customer;
  REQUIRE(service.open_account(a));
  Operation create;
  create.date = start;
  create.type = OperationType::create;
  create.subscription = subscription;
  create.plan = plan;
  auto r = service.apply(id, create, at(start));
  INFO((r ? "" : r.error().message));
  REQUIRE(r.has_value());
}

template <class Backend>
struct Fixture {
  std::unique_ptr<BillingStore> store = Backend::fresh();
  BillingService service{*store};
  FakeProvider provider{":memory:"};
  std::vector<Notification> notices;
  RunOptions options() {
    RunOptions o;
    o.notify = [this](const Notification& n) { notices.push_back(n); };
    return o;
  }
  Fixture() { REQUIRE(store->put_catalog("v1", kCatalog)); }

  RunReport run_through(Date from, Date to) {
    BillingRun run(*store, provider, options());
    RunReport total;
    for (Date d = from; !(to < d); d = add_days(d, 1)) {
      auto r = run.run(d);
      REQUIRE(r.has_value());
      for (const auto& e : r->errors) FAIL_CHECK(e.code << ": " << e.message);
      total.accounts += r->accounts;
      total.invoices += r->invoices;
      total.charges_succeeded += r->charges_succeeded;
      total.charges_failed += r->charges_failed;
    }
    return total;
  }
  std::vector<Notification> of_kind(NotificationKind k) const {
    std::vector<Notification> out;
    for (const auto& n : notices)
      if (n.kind == k) out.push_back(n);
    return out;
  }
};

}  // namespace

TEMPLATE_TEST_CASE(
    "the daily run invoices each period once, charges each invoice once, and warns before the "
    "period ends",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "a1", "cus_1", "s1", "std", 2024_y / 3 / 1, 1);
  // First run on Mar 1: [Mar 1, Apr 1) in advance at 10.00. The period ends Apr 1, so its
  // notice (3 days before) is due Mar 29: the account is not looked at again before then.
  auto first = f.run_through(2024_y / 3 / 1, 2024_y / 3 / 1);
  CHECK(first.invoices == 1);
  CHECK(f.store->account("a1")->next_run == std::optional(2024_y / 3 / 29));
  auto rest = f.run_through(2024_y / 3 / 2, 2024_y / 4 / 1);
  // Looked at on Mar 29 (the notice) and Apr 1 (the next period) only.
  CHECK(rest.accounts == 2);
  auto invoices = f.store->invoices_of("a1");
  REQUIRE(invoices.has_value());
  REQUIRE(invoices->size() == 2);
  CHECK((*invoices)[0].invoice.date == 2024_y / 3 / 1);
  CHECK((*invoices)[0].invoice.total() == Decimal(10));
  CHECK((*invoices)[0].invoice.items.at(0).end == std::optional(2024_y / 4 / 1));
  CHECK((*invoices)[1].invoice.date == 2024_y / 4 / 1);
  CHECK((*invoices)[1].invoice.items.at(0).start == 2024_y / 4 / 1);
  for (const auto& inv : *invoices) {
    CHECK(inv.status == InvoiceStatus::paid);
    CHECK(f.provider.charges(inv.id) == 1);
  }
  // Running the same day again adds nothing.
  CHECK(f.run_through(2024_y / 4 / 1, 2024_y / 4 / 1).invoices == 0);
  CHECK(f.provider.all_charges() == 2);
  auto ending = f.of_kind(NotificationKind::period_ending);
  REQUIRE(ending.size() == 1);
  CHECK(ending[0].on == 2024_y / 3 / 29);
  CHECK(ending[0].date == std::optional(2024_y / 4 / 1));
  CHECK(f.of_kind(NotificationKind::payment_succeeded).size() == 2);
  CHECK(*f.service.is_entitled("a1", "s1", 2024_y / 4 / 2));
  CHECK(*f.service.is_entitled("a1", "Std", 2024_y / 4 / 2));  // by product name
  CHECK_FALSE(*f.service.is_entitled("a1", "nothing", 2024_y / 4 / 2));
}

TEMPLATE_TEST_CASE(
    "a declined card is retried after 1, 3 and 7 days, then the invoice fails and the account is "
    "overdue",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  f.provider.decline("cus_bad");
  add_account(f.service, "a2", "cus_bad", "s2", "std", 2024_y / 3 / 1, 1);
  f.run_through(2024_y / 3 / 1, 2024_y / 3 / 20);
  auto invoices = f.store->invoices_of("a2");
  REQUIRE(invoices->size() == 1);
  const std::string id = (*invoices)[0].id;
  // Attempt 1 on Mar 1; retries 1 day later (Mar 2), 3 days after that (Mar 5), 7 after that (Mar
  // 12).
  auto attempts = f.store->attempts_of(id);
  REQUIRE(attempts->size() == 4);
  std::vector<Date> expected{2024_y / 3 / 1, 2024_y / 3 / 2, 2024_y / 3 / 5, 2024_y / 3 / 12};
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK((*attempts)[i].attempt == static_cast<int>(i + 1));
    CHECK((*attempts)[i].scheduled_on == expected[i]);
    CHECK((*attempts)[i].status == AttemptStatus::failed);
    CHECK((*attempts)[i].failure == "card_declined: insufficient_funds");
  }
  CHECK(f.store->invoice(id)->status == InvoiceStatus::failed);
  CHECK(f.store->account("a2")->overdue);
  CHECK(f.of_kind(NotificationKind::payment_failed).size() == 4);
  // Overdue: access follows the policy (blocked by default, kept on request).
  CHECK_FALSE(*f.service.is_entitled("a2", "s2", 2024_y / 3 / 13));
  BillingService lenient(*f.store, OverdueAccess::keep);
  CHECK(*lenient.is_entitled("a2", "s2", 2024_y / 3 / 13));
}

// 3-D Secure: "std" (10.00 a month in advance, bill cycle day 1) from Mar 1
// for three customers whose card needs confirming. The default dunning waits
// 3 days for the customer, then retries 1, 3 and 7 days after a failure.
TEMPLATE_TEST_CASE(
    "a charge that needs 3-D Secure waits 3 days for the customer with its confirmation URL, "
    "then is voided and dunning goes on, unless a confirmation settles it",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  for (const char* customer : {"cus_never", "cus_webhook", "cus_quiet"})
    f.provider.require_authentication(customer);
  add_account(f.service, "a5", "cus_never", "s5", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "a6", "cus_webhook", "s6", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "a7", "cus_quiet", "s7", "std", 2024_y / 3 / 1, 1);
  auto run = f.run_through(2024_y / 3 / 1, 2024_y / 3 / 1);
  CHECK(run.invoices == 3);
  CHECK(run.charges_succeeded == 0);
  CHECK(run.charges_failed == 0);
  auto invoice_of = [&](const char* account) { return f.store->invoices_of(account)->at(0).id; };
  const std::string never = invoice_of("a5"), webhook = invoice_of("a6"), quiet = invoice_of("a7");
  // Mar 1: each attempt waits for its customer until Mar 1 + 3 = Mar 4, and
  // the notice says where to confirm and until when.
  for (const auto& id : {never, webhook, quiet}) {
    auto attempts = *f.store->attempts_of(id);
    REQUIRE(attempts.size() == 1);
    CHECK(attempts[0].status == AttemptStatus::action_required);
    CHECK(attempts[0].charge_id == "pi_tollgate-charge-" + id + "-1");
    CHECK(attempts[0].action_url == "https://pay.example/confirm/pi_tollgate-charge-" + id + "-1");
    CHECK(attempts[0].scheduled_on == 2024_y / 3 / 4);
  }
  auto asked = f.of_kind(NotificationKind::payment_action_required);
  REQUIRE(asked.size() == 3);
  CHECK(asked[0].invoice_id == never);
  CHECK(asked[0].on == 2024_y / 3 / 1);
  CHECK(asked[0].date == std::optional(2024_y / 3 / 4));
  CHECK(asked[0].action_url == "https://pay.example/confirm/pi_tollgate-charge-" + never + "-1");
  // The host's store keeps the URL on the notice too.
  auto kept = *f.store->notifications_of("a5");
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].action_url == asked[0].action_url);

  // Mar 2: a6's customer confirms, and Stripe's webhook reports it.
  REQUIRE(f.provider.confirm("pi_tollgate-charge-" + webhook + "-1"));
  ChargeReport confirmed;
  confirmed.invoice_id = webhook;
  confirmed.charge_id = "pi_tollgate-charge-" + webhook + "-1";
  confirmed.provider = "fake";
  confirmed.result = ChargeResult::succeeded;
  confirmed.on = 2024_y / 3 / 2;
  REQUIRE(Collections(f.service).record_charge(confirmed));
  // Mar 3: a7's customer confirms too, but that webhook never arrives.
  REQUIRE(f.provider.confirm("pi_tollgate-charge-" + quiet + "-1"));
  f.run_through(2024_y / 3 / 2, 2024_y / 3 / 3);
  CHECK(f.provider.cancels == 0);  // nobody is given up before the wait ends

  // Mar 4: the wait is over. a5's charge is voided: attempt 1 FAILED
  // (authentication_required), retried 1 day later (Mar 5) for the 10.00 owed.
  // a7's provider says it succeeded: paid, nothing retried.
  run = f.run_through(2024_y / 3 / 4, 2024_y / 3 / 4);
  CHECK(f.provider.cancels == 2);
  CHECK(run.charges_succeeded == 1);
  CHECK(run.charges_failed == 1);
  auto a5 = *f.store->attempts_of(never);
  REQUIRE(a5.size() == 2);
  CHECK(a5[0].status == AttemptStatus::failed);
  CHECK(a5[0].failure == "authentication_required");
  CHECK(a5[1].status == AttemptStatus::scheduled);
  CHECK(a5[1].scheduled_on == 2024_y / 3 / 5);
  CHECK(a5[1].amount == Decimal(10));
  CHECK(f.provider.charges(never, "canceled") == 1);
  CHECK(f.store->invoice(quiet)->status == InvoiceStatus::paid);
  auto paid = *f.store->payments_of(quiet);
  REQUIRE(paid.size() == 1);
  CHECK(paid[0].amount == Decimal(10));
  CHECK(paid[0].reference == "pi_tollgate-charge-" + quiet + "-1");
  CHECK(f.store->attempts_of(quiet)->size() == 1);

  // Mar 5: attempt 2 needs confirming again: it waits until Mar 8, is voided
  // then, and attempt 3 falls on Mar 8 + 3 = Mar 11.
  f.run_through(2024_y / 3 / 5, 2024_y / 3 / 10);
  a5 = *f.store->attempts_of(never);
  REQUIRE(a5.size() == 3);
  CHECK(a5[1].status == AttemptStatus::failed);
  CHECK(a5[1].failure == "authentication_required");
  CHECK(a5[2].status == AttemptStatus::scheduled);
  CHECK(a5[2].scheduled_on == 2024_y / 3 / 11);
  CHECK(f.provider.cancels == 3);
  CHECK(f.of_kind(NotificationKind::payment_action_required).size() == 4);
  CHECK(f.of_kind(NotificationKind::payment_failed).size() == 2);
  // a6: settled by its webhook, never voided, never charged twice.
  CHECK(f.store->invoice(webhook)->status == InvoiceStatus::paid);
  CHECK(f.store->attempts_of(webhook)->front().status == AttemptStatus::succeeded);
  CHECK(f.provider.charges(webhook, "succeeded") == 1);
  CHECK(f.provider.charges(never, "succeeded") == 0);
}

TEMPLATE_TEST_CASE(
    "each notice is handed over once: marked delivered by the batch after it, the last batch's by "
    "the run's end",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  for (int i = 1; i <= 3; ++i)
    add_account(f.service, "a" + std::to_string(i), "cus_" + std::to_string(i),
                "s" + std::to_string(i), "std", 2024_y / 3 / 1, 1);
  RunOptions o = f.options();
  o.batch_size = 1;  // three batches: each marks the notices of the one before
  BillingRun run(*f.store, f.provider, o);
  auto report = run.run(2024_y / 3 / 1);
  REQUIRE(report.has_value());
  CHECK(report->charges_succeeded == 3);
  CHECK(report->notices == 3);
  CHECK(f.of_kind(NotificationKind::payment_succeeded).size() == 3);
  CHECK(f.store->undelivered()->empty());
  // The same day again: nothing is handed over twice.
  REQUIRE(run.run(2024_y / 3 / 1).has_value());
  CHECK(f.notices.size() == 3);
}

TEMPLATE_TEST_CASE("each merchant's accounts are charged through its own provider (Stripe Connect)",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  FakeProvider weather{":memory:"}, maps{":memory:"};
  add_account(f.service, "w1", "cus_w1", "sw1", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "m1", "cus_m1", "sm1", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "own", "cus_own", "so", "half", 2024_y / 3 / 1, 1);
  for (auto [account, merchant] : {std::pair{"w1", "weather-co"}, std::pair{"m1", "maps-co"}}) {
    auto a = *f.store->account(account);
    a.organization = {merchant, "t1"};
    REQUIRE(f.store->update_account(a));
  }
  RunOptions options = f.options();
  options.provider_for = [&](const StoredAccount& a) -> PaymentProvider* {
    if (a.organization.organization_id == "weather-co") return &weather;
    if (a.organization.organization_id == "maps-co") return &maps;
    return nullptr;  // the platform's own
  };
  BillingRun run(*f.store, f.provider, options);
  REQUIRE(run.run(2024_y / 3 / 1));
  // Mar 1: 10.00 for each merchant's account on its own provider, 5.00 on the platform's.
  auto invoice_of = [&](const char* account) { return f.store->invoices_of(account)->at(0).id; };
  CHECK(weather.amounts(invoice_of("w1")) == std::vector<Decimal>{Decimal(10)});
  CHECK(maps.amounts(invoice_of("m1")) == std::vector<Decimal>{Decimal(10)});
  CHECK(f.provider.amounts(invoice_of("own")) == std::vector<Decimal>{Decimal(5)});
  CHECK(weather.all_charges() == 1);
  CHECK(maps.all_charges() == 1);
  CHECK(f.provider.all_charges() == 1);
  for (const char* account : {"w1", "m1", "own"})
    CHECK(f.store->invoice(invoice_of(account))->status == InvoiceStatus::paid);
}

TEMPLATE_TEST_CASE("a card-expiring notice comes once, the configured days before the card stops",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "a8", "cus_8", "s8", "std", 2024_y / 3 / 1, 1);
  // The card on file expires 04/2024: it works through Apr 30 and stops May 1.
  // 10 days ahead: the notice falls on May 1 - 10 days = Apr 21, a day the
  // account has nothing else due (its period notices fall on Mar 29 and Apr 28).
  REQUIRE(f.service.describe_card("a8", "pm_cus_8", Card{"visa", "4242", 4, 2024}, 2024_y / 3 / 1));
  CHECK(f.store->account("a8")->card == std::optional(Card{"visa", "4242", 4, 2024}));
  BillingRun run(*f.store, f.provider, [&] {
    RunOptions o = f.options();
    o.notices.card_expiring_days = 10;
    return o;
  }());
  for (Date d = 2024_y / 3 / 1; !(2024_y / 5 / 5 < d); d = add_days(d, 1)) REQUIRE(run.run(d));
  auto expiring = f.of_kind(NotificationKind::card_expiring);
  REQUIRE(expiring.size() == 1);
  CHECK(expiring[0].account_id == "a8");
  CHECK(expiring[0].on == 2024_y / 4 / 21);
  CHECK(expiring[0].date == std::optional(2024_y / 5 / 1));
}

TEMPLATE_TEST_CASE(
    "trial notices come once, 3 days ahead, a trial that ends without a card blocks access until "
    "one is on file",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  // trial14 from Mar 1: the trial is [Mar 1, Mar 15); notice on Mar 12. The evergreen phase is
  // billed from Mar 15 (the account's BCD becomes 15): 31.00 for [Mar 15, Apr 15).
  add_account(f.service, "a3", "cus_3", "t3", "trial14", 2024_y / 3 / 1);
  add_account(f.service, "a4", "cus_4", "c4", "card", 2024_y / 3 / 1);
  f.run_through(2024_y / 3 / 1, 2024_y / 3 / 1);
  CHECK(f.store->account("a3")->next_run == std::optional(2024_y / 3 / 12));
  f.run_through(2024_y / 3 / 2, 2024_y / 3 / 16);
  auto trial = f.of_kind(NotificationKind::trial_ending);
  REQUIRE(trial.size() == 2);  // one per account
  CHECK(trial[0].on == 2024_y / 3 / 12);
  CHECK(trial[0].date == std::optional(2024_y / 3 / 15));
  auto invoices = f.store->invoices_of("a3");
  REQUIRE(invoices->size() == 1);
  CHECK((*invoices)[0].invoice.date == 2024_y / 3 / 15);
  CHECK((*invoices)[0].invoice.total() == Decimal(31));

  auto blocked = f.of_kind(NotificationKind::blocked);
  REQUIRE(blocked.size() == 1);
  CHECK(blocked[0].account_id == "a4");
  CHECK(blocked[0].on == 2024_y / 3 / 15);
  CHECK(f.store->invoices_of("a4")->empty());  // blocked: not billed
  CHECK_FALSE(*f.service.is_entitled("a4", "c4", 2024_y / 3 / 16));
  Operation card;
  card.date = 2024_y / 3 / 20;
  card.type = OperationType::payment_method;
  card.id = "pm_new";
  REQUIRE(f.service.apply("a4", card, at(2024_y / 3 / 20)));
  CHECK(*f.service.is_entitled("a4", "c4", 2024_y / 3 / 20));
  CHECK(f.store->account("a4")->payment_method_id == "pm_new");
}

TEMPLATE_TEST_CASE(
    "a card removed after the trial: blocked from the next charge, told once, billed again from "
    "the new card",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "a5", "cus_5", "c5", "card", 2024_y / 3 / 1);
  Operation card;
  card.date = 2024_y / 3 / 1;
  card.type = OperationType::payment_method;
  card.id = "pm_cus_5";
  REQUIRE(f.service.apply("a5", card, at(2024_y / 3 / 1)));
  // The trial is [Mar 1, Mar 15); the BCD becomes 15: 31.00 for [Mar 15, Apr 15).
  f.run_through(2024_y / 3 / 1, 2024_y / 3 / 20);
  REQUIRE(f.store->invoices_of("a5")->size() == 1);
  // The card goes on Mar 20, 12:00 UTC: March's term is paid, the block starts Apr 15.
  REQUIRE(f.service.forget_card("pm_cus_5", std::string("a5"),
                                at(2024_y / 3 / 20) + std::chrono::hours(12)));
  CHECK(f.store->account("a5")->payment_method_id.empty());
  CHECK(*f.service.is_entitled("a5", "c5", 2024_y / 4 / 14));
  CHECK(f.store->account("a5")->next_run <= std::optional(2024_y / 4 / 15));
  f.run_through(2024_y / 3 / 21, 2024_y / 4 / 19);
  CHECK(f.store->invoices_of("a5")->size() == 1);  // nothing charged for the blocked term
  CHECK_FALSE(*f.service.is_entitled("a5", "c5", 2024_y / 4 / 15));
  auto blocked = f.of_kind(NotificationKind::blocked);
  REQUIRE(blocked.size() == 1);
  CHECK(blocked[0].on == 2024_y / 4 / 15);
  CHECK(blocked[0].date == std::optional(2024_y / 4 / 15));
  // A new card on Apr 20: [Apr 20, May 15) is 25 of April 15 - May 15's 30 days:
  // 31.00 x 25/30 = 25.833... -> 25.83.
  card.date = 2024_y / 4 / 20;
  card.id = "pm_new";
  REQUIRE(f.service.apply("a5", card, at(2024_y / 4 / 20)));
  f.run_through(2024_y / 4 / 20, 2024_y / 4 / 20);
  auto invoices = f.store->invoices_of("a5");
  REQUIRE(invoices->size() == 2);
  CHECK((*invoices)[1].invoice.date == 2024_y / 4 / 20);
  CHECK((*invoices)[1].invoice.total() == Decimal::parse("25.83").value());
  CHECK(*f.service.is_entitled("a5", "c5", 2024_y / 4 / 20));
}

// Kill Bill's control tags, as AccountControls. Every account: "std", 10.00 a
// month in advance, bill cycle day 1, from Mar 1.
TEMPLATE_TEST_CASE("control tags: invoicing and charges held until removed, then caught up",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  Collections money(f.service);
  add_account(f.service, "hold", "cus_h", "sh", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "nopay", "cus_n", "sn", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "manual", "cus_m", "sm", "std", 2024_y / 3 / 1, 1);
  AccountControls invoicing_off, pay_off, manual;
  invoicing_off.auto_invoicing_off = true;
  pay_off.auto_pay_off = true;
  manual.manual_pay = true;
  REQUIRE(money.set_controls("hold", invoicing_off, 2024_y / 3 / 1));
  REQUIRE(money.set_controls("nopay", pay_off, 2024_y / 3 / 1));
  REQUIRE(money.set_controls("manual", manual, 2024_y / 3 / 1));
  CHECK(f.store->account("nopay")->controls == pay_off);

  f.run_through(2024_y / 3 / 1, 2024_y / 3 / 9);
  // AUTO_INVOICING_OFF: nothing invoiced. AUTO_PAY_OFF, MANUAL_PAY: [Mar 1, Apr 1)
  // invoiced at 10.00 on Mar 1 and left UNPAID, with no attempt and no charge.
  CHECK(f.store->invoices_of("hold")->empty());
  for (const char* id : {"nopay", "manual"}) {
    INFO(id);
    auto invoices = f.store->invoices_of(id);
    REQUIRE(invoices->size() == 1);
    CHECK((*invoices)[0].invoice.total() == Decimal(10));
    CHECK((*invoices)[0].status == InvoiceStatus::unpaid);
    CHECK(f.store->attempts_of((*invoices)[0].id)->empty());
  }
  CHECK(f.provider.all_charges() == 0);

  // AUTO_PAY_OFF removed on Mar 10: the unpaid 10.00 gets attempt 1 that day,
  // and the Mar 10 run charges it. MANUAL_PAY stays: still nothing charged.
  REQUIRE(money.set_controls("nopay", AccountControls{}, 2024_y / 3 / 10));
  f.run_through(2024_y / 3 / 10, 2024_y / 3 / 10);
  auto paid = f.store->invoices_of("nopay");
  CHECK((*paid)[0].status == InvoiceStatus::paid);
  CHECK(f.provider.charges((*paid)[0].id) == 1);
  CHECK(f.provider.all_charges() == 1);

  // AUTO_INVOICING_OFF removed on Apr 2: that day's run invoices what fell due
  // meanwhile, [Mar 1, Apr 1) and [Apr 1, May 1) at 10.00 each: 20.00, charged once.
  f.run_through(2024_y / 3 / 11, 2024_y / 4 / 1);
  CHECK(f.store->invoices_of("hold")->empty());
  REQUIRE(money.set_controls("hold", AccountControls{}, 2024_y / 4 / 2));
  f.run_through(2024_y / 4 / 2, 2024_y / 4 / 2);
  auto caught_up = f.store->invoices_of("hold");
  REQUIRE(caught_up->size() == 1);
  CHECK((*caught_up)[0].invoice.date == 2024_y / 4 / 2);
  CHECK((*caught_up)[0].invoice.total() == Decimal(20));
  CHECK((*caught_up)[0].status == InvoiceStatus::paid);
  CHECK(f.provider.charges((*caught_up)[0].id) == 1);
  // MANUAL_PAY: still never charged; April's invoice waits too.
  auto waiting = f.store->invoices_of("manual");
  REQUIRE(waiting->size() == 2);
  for (const auto& inv : *waiting) CHECK(f.provider.charges(inv.id, "succeeded") == 0);
}

TEMPLATE_TEST_CASE(
    "control tags: OVERDUE_ENFORCEMENT_OFF keeps access after dunning, TEST accounts are counted "
    "apart",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  Collections money(f.service);
  f.provider.decline("cus_bad");
  add_account(f.service, "late", "cus_bad", "sl", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "test", "cus_t", "st", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "real", "cus_r", "sr", "std", 2024_y / 3 / 1, 1);
  AccountControls lenient, test;
  lenient.overdue_enforcement_off = true;
  test.test = true;
  REQUIRE(money.set_controls("late", lenient, 2024_y / 3 / 1));
  REQUIRE(money.set_controls("test", test, 2024_y / 3 / 1));

  // Mar 1: three accounts invoiced and charged; the TEST one is in none of the totals.
  BillingRun run(*f.store, f.provider, f.options());
  auto first = run.run(2024_y / 3 / 1);
  REQUIRE(first.has_value());
  CHECK(first->accounts == 2);
  CHECK(first->test_accounts == 1);
  CHECK(first->invoices == 2);
  CHECK(first->charges_succeeded == 1);  // "real"; "late" is declined
  CHECK(first->charges_failed == 1);
  CHECK(f.store->invoices_of("test")->size() == 1);  // billed all the same
  CHECK(f.store->invoices_of("test")->at(0).status == InvoiceStatus::paid);

  // Declined on Mar 1, 2, 5 and 12 (dunning 1, 3, 7 days): overdue from Mar 12,
  // and still entitled, as OVERDUE_ENFORCEMENT_OFF says.
  f.run_through(2024_y / 3 / 2, 2024_y / 3 / 13);
  CHECK(f.store->account("late")->overdue);
  CHECK(*f.service.is_entitled("late", "sl", 2024_y / 3 / 13));
  // Without it, the same account is blocked.
  REQUIRE(money.set_controls("late", AccountControls{}, 2024_y / 3 / 13));
  CHECK_FALSE(*f.service.is_entitled("late", "sl", 2024_y / 3 / 13));
}

TEMPLATE_TEST_CASE(
    "WRITTEN_OFF: an invoice written off is neither owed nor charged, and taken back is owed "
    "again",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  Collections money(f.service);
  f.provider.decline("cus_bad");
  f.provider.decline("cus_gone");
  add_account(f.service, "late", "cus_bad", "sl", "std", 2024_y / 3 / 1, 1);
  add_account(f.service, "gone", "cus_gone", "sg", "std", 2024_y / 3 / 1, 1);

  // Mar 1: [Mar 1, Apr 1) at 10.00 for each, declined; attempt 2 is due Mar 2.
  f.run_through(2024_y / 3 / 1, 2024_y / 3 / 1);
  std::string late = f.store->invoices_of("late")->at(0).id;
  CHECK(money.statement("late")->balance == Decimal(10));
  REQUIRE(money.write_off(late, true, 2024_y / 3 / 1));
  REQUIRE(money.write_off(late, true, 2024_y / 3 / 1));  // again: nothing more changes
  auto statement = money.statement("late");
  CHECK(statement->balance == Decimal(0));
  CHECK(statement->invoices.at(0).balance == Decimal(0));
  CHECK(statement->invoices.at(0).invoice.written_off);
  auto attempts = f.store->attempts_of(late);
  REQUIRE(attempts->size() == 2);
  CHECK(attempts->at(1).status == AttemptStatus::cancelled);

  // "gone" runs out of retries (Mar 1, 2, 5, 12): FAILED, overdue, blocked.
  // "late" is never charged again.
  f.run_through(2024_y / 3 / 2, 2024_y / 3 / 12);
  CHECK(f.provider.charges(late, "failed") == 1);
  CHECK_FALSE(f.store->account("late")->overdue);
  std::string gone = f.store->invoices_of("gone")->at(0).id;
  CHECK(f.provider.charges(gone, "failed") == 4);
  CHECK(f.store->invoice(gone)->status == InvoiceStatus::failed);
  CHECK(f.store->account("gone")->overdue);
  CHECK_FALSE(*f.service.is_entitled("gone", "sg", 2024_y / 3 / 12));
  // Written off, the FAILED invoice no longer holds the account overdue.
  REQUIRE(money.write_off(gone, true, 2024_y / 3 / 12));
  CHECK_FALSE(f.store->account("gone")->overdue);
  CHECK(*f.service.is_entitled("gone", "sg", 2024_y / 3 / 12));
  CHECK(money.statement("gone")->balance == Decimal(0));
  // Taken back, it does again.
  REQUIRE(money.write_off(gone, false, 2024_y / 3 / 13));
  CHECK(f.store->account("gone")->overdue);
  CHECK(money.statement("gone")->balance == Decimal(10));

  // Taken back on Mar 13, "late"'s 10.00 is owed again and gets attempt 3 that
  // day; with the card fixed, the Mar 13 run collects it.
  f.provider.accept("cus_bad");
  REQUIRE(money.write_off(late, false, 2024_y / 3 / 13));
  CHECK(money.statement("late")->balance == Decimal(10));
  attempts = f.store->attempts_of(late);
  REQUIRE(attempts->size() == 3);
  CHECK(attempts->at(2).status == AttemptStatus::scheduled);
  CHECK(attempts->at(2).scheduled_on == 2024_y / 3 / 13);
  CHECK(attempts->at(2).amount == Decimal(10));
  f.run_through(2024_y / 3 / 13, 2024_y / 3 / 13);
  CHECK(f.store->invoice(late)->status == InvoiceStatus::paid);
  CHECK(f.provider.charges(late) == 1);
  CHECK(money.statement("late")->balance == Decimal(0));
}

TEMPLATE_TEST_CASE("a refused operation leaves no trace in the journal", "[store]",
                   test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "a5", "cus_5", "s5", "std", 2024_y / 3 / 1, 1);
  auto before = f.store->journal("a5")->size();
  Operation change;
  change.date = 2024_y / 3 / 2;
  change.type = OperationType::change;
  change.subscription = "s5";
  change.plan = "no-such-plan";
  auto r = f.service.apply("a5", change, at(2024_y / 3 / 2));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "unknown.plan");
  CHECK(f.store->journal("a5")->size() == before);
  // Usage for an unknown subscription is refused whole, naming the event.
  std::vector<UsageEvent> batch{{"s5", "calls", Decimal(1), 2024_y / 3 / 2, "u1", ""},
                                {"nope", "calls", Decimal(1), 2024_y / 3 / 2, "u2", ""}};
  auto u = f.service.record_usage(std::span(batch).subspan(1));
  REQUIRE_FALSE(u.has_value());
  CHECK(u.error().code == "usage.subscription");
  CHECK(u.error().message.find("usage[0].subscription") != std::string::npos);
  // Usage the engine would never bill ("std" prices no usage) was once stored and
  // then skipped by every replay; it is refused, and the whole batch with it.
  u = f.service.record_usage(batch);
  REQUIRE_FALSE(u.has_value());
  CHECK(u.error().code == "refused.metric");
  CHECK(u.error().message.rfind("usage[0]: ", 0) == 0);
  CHECK(f.store->usage_of("s5")->empty());
}

TEMPLATE_TEST_CASE("the service that judged usage before sees a cancel another one journaled since",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "m2", "cus_m2", "c2", "calls", 2024_y / 3 / 1, 1);
  std::vector<UsageEvent> first{{"c2", "api_calls", Decimal(5), 2024_y / 3 / 10, "u1", ""}};
  REQUIRE(f.service.record_usage(first));
  // Another process (a REST server beside this worker) cancels it on Mar 20.
  BillingService other(*f.store);
  Operation cancel;
  cancel.date = 2024_y / 3 / 20;
  cancel.type = OperationType::cancel;
  cancel.subscription = "c2";
  cancel.policy = BillingActionPolicy::immediate;
  REQUIRE(other.apply("m2", cancel, at(2024_y / 3 / 20)));
  std::vector<UsageEvent> after{{"c2", "api_calls", Decimal(1), 2024_y / 3 / 21, "u2", ""}};
  auto refused = f.service.record_usage(after);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "refused.not_entitled");
  std::vector<UsageEvent> before{{"c2", "api_calls", Decimal(2), 2024_y / 3 / 15, "u3", ""}};
  CHECK(f.service.record_usage(before)->inserted == 1);
  CHECK(f.store->usage_of("c2")->size() == 2);
}

TEMPLATE_TEST_CASE(
    "an account's bill cycle day is read from the kept timeline, and follows changes", "[store]",
    test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "b1", "cus_b1", "sb", "std", 2024_y / 3 / 10);  // no BCD given
  // Its first billable day, Mar 10, sets it.
  CHECK(*f.service.bill_cycle_day("b1") == std::optional(10));
  CHECK(*f.service.bill_cycle_day("b1") == std::optional(10));  // kept: asked again
  // Another process moves it to the 20th.
  BillingService other(*f.store);
  Operation bcd;
  bcd.date = 2024_y / 3 / 12;
  bcd.type = OperationType::bill_cycle_day;
  bcd.day = 20;
  REQUIRE(other.apply("b1", bcd, at(2024_y / 3 / 12)));
  CHECK(*f.service.bill_cycle_day("b1") == std::optional(20));
  CHECK(f.service.bill_cycle_day("nobody").error().code == "store.not_found");
}

TEMPLATE_TEST_CASE("usage dated on the day a subscription stops is billed by the run, even late",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "m1", "cus_m1", "c", "calls", 2024_y / 3 / 1, 1);
  std::vector<UsageEvent> early{{"c", "api_calls", Decimal(100), 2024_y / 3 / 10, "u1", ""}};
  REQUIRE(f.service.record_usage(early));
  Operation cancel;
  cancel.date = 2024_y / 3 / 20;
  cancel.type = OperationType::cancel;
  cancel.subscription = "c";
  cancel.policy = BillingActionPolicy::immediate;
  REQUIRE(f.service.apply("m1", cancel, at(2024_y / 3 / 20)));
  f.run_through(2024_y / 3 / 1, 2024_y / 3 / 21);
  // Mar 20: [03-01, 03-20) 100 calls x 0.10 = 10.00.
  auto invoices = f.store->invoices_of("m1");
  REQUIRE(invoices->size() == 1);
  CHECK(invoices->front().invoice.total() == Decimal(10));

  // On Mar 22, 30 calls dated on the stop day arrive: accepted; a call dated Mar 21 is refused.
  std::vector<UsageEvent> after{{"c", "api_calls", Decimal(1), 2024_y / 3 / 21, "u3", ""}};
  auto refused = f.service.record_usage(after);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "refused.not_entitled");
  CHECK(refused.error().message.rfind("usage[0]: ", 0) == 0);
  std::vector<UsageEvent> stop_day{{"c", "api_calls", Decimal(30), 2024_y / 3 / 20, "u2", ""}};
  REQUIRE(f.service.record_usage(stop_day)->inserted == 1);
  CHECK(f.store->account("m1")->next_run == 2024_y / 3 / 20);

  // The next run bills them for their period: 30 x 0.10 = 3.00 on Mar 22, and nothing after.
  f.run_through(2024_y / 3 / 22, 2024_y / 5 / 1);
  invoices = f.store->invoices_of("m1");
  REQUIRE(invoices->size() == 2);
  const Invoice& late = invoices->back().invoice;
  CHECK(late.date == 2024_y / 3 / 22);
  REQUIRE(late.items.size() == 1);
  CHECK(late.items[0].start == 2024_y / 3 / 1);
  CHECK(late.items[0].end == 2024_y / 3 / 20);
  CHECK(*late.items[0].quantity == Decimal(30));
  CHECK(late.total() == Decimal(3));
  CHECK(f.store->usage_of("c")->size() == 2);
}

TEMPLATE_TEST_CASE(
    "a downgrade's negative invoice becomes credit: the next invoice uses it and only the balance "
    "is charged",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "c1", "cus_c1", "s", "std", 2024_y / 3 / 1, 1);
  f.run_through(2024_y / 3 / 1, 2024_y / 3 / 15);
  Operation change;
  change.date = 2024_y / 3 / 16;
  change.type = OperationType::change;
  change.subscription = "s";
  change.plan = "half";
  change.policy = BillingActionPolicy::immediate;
  REQUIRE(f.service.apply("c1", change, at(2024_y / 3 / 16)));
  f.run_through(2024_y / 3 / 16, 2024_y / 4 / 1);
  // 03-01: 10.00 charged. 03-16: repair -round(10.00 x 16/31) = -5.16, half [03-16, 04-01)
  // 5.00 x 16/31 = 2.58: total -2.58, all of it credit, SETTLED, nothing charged.
  // 04-01: 5.00 uses the 2.58: 2.42 charged, and the invoice is PAID.
  auto invoices = f.store->invoices_of("c1");
  REQUIRE(invoices->size() == 3);
  const auto& [march, repair, april] = std::tie((*invoices)[0], (*invoices)[1], (*invoices)[2]);
  CHECK(repair.invoice.total() == *Decimal::parse("-2.58"));
  CHECK(repair.invoice.credit_adj == *Decimal::parse("2.58"));
  CHECK(repair.status == InvoiceStatus::settled);
  CHECK(f.provider.amounts(repair.id).empty());
  CHECK(april.invoice.total() == Decimal(5));
  CHECK(april.invoice.credit_adj == *Decimal::parse("-2.58"));
  CHECK(april.status == InvoiceStatus::paid);
  CHECK(f.provider.amounts(march.id) == std::vector<Decimal>{Decimal(10)});
  CHECK(f.provider.amounts(april.id) == std::vector<Decimal>{*Decimal::parse("2.42")});
  CHECK(*balance_of(*f.store, april.id) == Decimal(0));
  CHECK(*f.store->account_credit("c1") == Decimal(0));
  // Gapless numbers, in the order the invoices were issued.
  CHECK(march.number + 1 == repair.number);
  CHECK(repair.number + 1 == april.number);
  // The provider's payment is on the ledger with the charge's id.
  auto paid = f.store->payments_of(april.id);
  REQUIRE(paid->size() == 1);
  CHECK(paid->front().amount == *Decimal::parse("2.42"));
  CHECK(paid->front().method == "fake");
  CHECK(paid->front().reference.rfind("pi_", 0) == 0);
}

TEMPLATE_TEST_CASE(
    "a provider that cannot be reached is not a declined card: no notice, no dunning, sent again "
    "by the next run",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "u1", "cus_u1", "s", "std", 2024_y / 3 / 1, 1);
  for (auto [type, code] : {std::pair{"transport", "refused"}, std::pair{"transport", "tls"},
                            std::pair{"authentication_error", ""}}) {
    INFO(type << " " << code);
    f.provider.outage = ProviderError{0, type, code, "", "cannot reach the provider", "", false};
    BillingRun run(*f.store, f.provider, f.options());
    auto report = run.run(2024_y / 3 / 1);
    REQUIRE(report.has_value());
    // Reported (tollgate run exits 1), counted as unknown, never as failed.
    REQUIRE(report->errors.size() == 1);
    CHECK(report->errors[0].code == "run.provider");
    CHECK(report->charges_failed == 0);
    CHECK(report->charges_unknown == 1);
    auto invoices = f.store->invoices_of("u1");
    REQUIRE(invoices->size() == 1);
    CHECK(invoices->front().status == InvoiceStatus::unpaid);
    auto attempts = f.store->attempts_of(invoices->front().id);
    REQUIRE(attempts->size() == 1);
    CHECK(attempts->front().status == AttemptStatus::started);
    CHECK(f.of_kind(NotificationKind::payment_failed).empty());
    CHECK_FALSE(f.store->account("u1")->overdue);
  }
  // Reachable again: the same attempt is sent under its key and succeeds.
  f.provider.outage.reset();
  BillingRun run(*f.store, f.provider, f.options());
  auto report = run.run(2024_y / 3 / 1);
  REQUIRE(report.has_value());
  CHECK(report->errors.empty());
  CHECK(report->charges_succeeded == 1);
  auto invoice = f.store->invoices_of("u1")->front();
  CHECK(invoice.status == InvoiceStatus::paid);
  CHECK(f.provider.charges(invoice.id) == 1);
  CHECK(f.store->attempts_of(invoice.id)->size() == 1);
}

TEST_CASE("a worker is named after its host and process unless the host names it") {
  // Two runs in two processes never share a name, so neither takes back the other's claims.
  std::string name = default_worker_name();
  std::string pid = "-" + std::to_string(static_cast<long>(getpid()));
  REQUIRE(name.size() > pid.size());
  CHECK(name.compare(name.size() - pid.size(), pid.size(), pid) == 0);
  RunOptions defaults;  // a named object: GCC 12 -O3 misreads a temporary's vector as uninitialized
  CHECK(defaults.worker.name == name);
}

TEMPLATE_TEST_CASE(
    "an attempt re-sent days after its answer was lost is looked up first: a provider that forgot "
    "its key is not charged twice",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  add_account(f.service, "k1", "cus_k1", "s", "std", 2024_y / 3 / 1, 1);
  // Mar 1: charged, but the answer is lost (a cut connection): the attempt stays STARTED.
  f.provider.lose_answers = true;
  f.run_through(2024_y / 3 / 1, 2024_y / 3 / 1);
  auto invoice = f.store->invoices_of("k1")->front();
  CHECK(f.store->attempts_of(invoice.id)->front().status == AttemptStatus::started);
  CHECK(f.provider.charges(invoice.id) == 1);
  // Three days later the provider has forgotten the key: a blind re-send would charge again.
  f.provider.lose_answers = false;
  f.provider.forget_keys();
  f.run_through(2024_y / 3 / 4, 2024_y / 3 / 4);
  CHECK(f.provider.lookups == 1);
  CHECK(f.provider.charges(invoice.id) == 1);  // found, not made again
  CHECK(f.store->invoice(invoice.id)->status == InvoiceStatus::paid);
  CHECK(f.store->attempts_of(invoice.id)->front().status == AttemptStatus::succeeded);
  REQUIRE(f.store->payments_of(invoice.id)->size() == 1);
}

// Rounds of a crash test: 2 under ctest, TOLLGATE_CRASH_ROUNDS under tests/soak/crash_restart.sh.
int crash_rounds() {
  const char* r = std::getenv("TOLLGATE_CRASH_ROUNDS");
  return r ? std::atoi(r) : 2;
}

// A database of `accounts` accounts ("acct-N", customer "cus_N"), each on "std" from Mar 1.
void seed_accounts(const std::string& path, int accounts) {
  auto store = open_store(path);
  REQUIRE(store->put_catalog("v1", kCatalog));
  BillingService service(*store);
  for (int i = 0; i < accounts; ++i) {
    std::string n = std::to_string(i);
    add_account(service, "acct-" + n, "cus_" + n, "sub-" + n, "std", 2024_y / 3 / 1, 1);
  }
}  // closed: the last connection folds the WAL into the file

// Each round starts from a copy of the same database (300 accounts due Mar 1),
// kills a run for Mar 1 and one for Apr 1 at a random point, restarts each to
// completion, and counts invoices and charges. TOLLGATE_CRASH_ROUNDS sets the
// rounds (tests/soak/crash_restart.sh: 100 rounds, 200 kills).
TEST_CASE(
    "a billing run killed at random points and restarted invoices each period once and charges "
    "each invoice once") {
  const int accounts = 300;
  int rounds = crash_rounds();
  std::string dir = test::temp_dir();
  std::string seed = dir + "/seed.db";
  seed_accounts(seed, accounts);
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(0, 300);
  int killed = 0, mid_run = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string db = dir + "/round-" + std::to_string(round) + ".db";
    std::string charges = dir + "/provider-" + std::to_string(round) + ".db";
    std::filesystem::copy_file(seed, db);
    auto run_in_child = [&](Date as_of) {
      pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        auto store = SqliteStore::open(db);
        if (!store) _exit(2);
        FakeProvider provider(charges,
                              std::chrono::milliseconds(1));  // a network round trip per charge
        RunOptions options;
        options.batch_size = 25;
        BillingRun run(**store, provider, options);
        auto r = run.run(as_of);
        _exit(r ? 0 : 3);
      }
      return pid;
    };
    for (Date as_of : {2024_y / 3 / 1, 2024_y / 4 / 1}) {
      pid_t pid = run_in_child(as_of);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
      int status = 0;
      kill(pid, SIGKILL);
      REQUIRE(waitpid(pid, &status, 0) == pid);
      if (WIFSIGNALED(status)) {
        ++killed;
        auto left =
            open_store(db)->accounts_due(as_of)->size();  // accounts the run had not finished
        mid_run += left > 0 && left < static_cast<std::size_t>(accounts);
      }
      pid = run_in_child(as_of);  // the restart that finishes the work
      REQUIRE(waitpid(pid, &status, 0) == pid);
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);
    }
    auto store = open_store(db);
    FakeProvider provider(charges);
    // Mar 1 and Apr 1: two invoices of 10.00 per account, each paid by exactly one charge.
    for (int i = 0; i < accounts; ++i) {
      auto invoices = store->invoices_of("acct-" + std::to_string(i));
      REQUIRE(invoices.has_value());
      REQUIRE(invoices->size() == 2);
      CHECK((*invoices)[0].invoice.date == 2024_y / 3 / 1);
      CHECK((*invoices)[1].invoice.date == 2024_y / 4 / 1);
      for (const auto& inv : *invoices) {
        CHECK(inv.invoice.total() == Decimal(10));
        CHECK(inv.status == InvoiceStatus::paid);
        CHECK(provider.charges(inv.id) == 1);
      }
    }
    CHECK(provider.all_charges() == 2 * accounts);
  }
  INFO("runs killed: " << killed << ", of which mid-run: " << mid_run);
  if (std::getenv("TOLLGATE_CRASH_ROUNDS"))
    WARN("runs killed: " << killed << ", mid-run: " << mid_run);
  CHECK(killed > 0);
}

TEST_CASE(
    "a full disk fails the accounts that do not fit, whole: each is either billed and charged or "
    "untouched") {
  const int n = 300;
  std::string dir = test::temp_dir();
  std::string path = dir + "/full.db";
  {
    auto store = open_store(path);
    REQUIRE(store->put_catalog("v1", kCatalog));
    BillingService service(*store);
    for (int i = 0; i < n; ++i)
      add_account(service, "f" + std::to_string(i), "cus_f", "fs" + std::to_string(i), "std",
                  2024_y / 3 / 1, 1);
  }
  sqlite::SqliteOptions options;
  options.max_page_count =
      1;  // SQLite keeps the file's current size: only room left in existing pages
  auto full = SqliteStore::open(path, options);
  REQUIRE(full.has_value());
  FakeProvider provider(":memory:");
  BillingRun run(**full, provider);
  auto report = run.run(2024_y / 3 / 1);
  REQUIRE(report.has_value());
  REQUIRE_FALSE(report->errors.empty());
  CHECK(report->errors.front().code == "store.full");
  int billed = 0;
  for (int i = 0; i < n; ++i) {
    std::string id = "f" + std::to_string(i);
    auto invoices = (*full)->invoices_of(id);
    REQUIRE(invoices.has_value());
    auto journal = (*full)->journal(id);
    if (invoices->empty()) {
      CHECK(journal->size() == 1);  // only the create: the invoicing entry was undone with the rest
      continue;
    }
    ++billed;
    REQUIRE(invoices->size() == 1);
    CHECK(journal->size() == 2);
    CHECK(provider.charges(invoices->front().id) == 1);
  }
  CHECK(provider.all_charges() ==
        billed);  // nothing was charged for an invoice that was never stored
  // With room again, the next run bills the others, once.
  full->reset();
  auto roomy = open_store(path);
  BillingRun again(*roomy, provider);
  auto ok = again.run(2024_y / 3 / 1);
  REQUIRE(ok.has_value());
  CHECK(ok->errors.empty());
  CHECK(ok->invoices == static_cast<std::size_t>(n - billed));
  CHECK(provider.all_charges() == n);
}

TEMPLATE_TEST_CASE(
    "prepaid credits: access stops when they are spent, and one CREDITS_LOW notice per top-up",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Fixture<TestType> f;
  REQUIRE(f.store->put_catalog("credits", test::data_file("examples/credits/catalog.json")));
  StoredAccount a;
  a.account = {"k1", "USD", "UTC", std::nullopt};
  a.catalog = "credits";
  a.customer_id = "cus_k1";
  REQUIRE(f.service.open_account(a));
  auto op = [&](OperationType type, Date on, auto&& set) {
    Operation o;
    o.type = type;
    o.date = on;
    set(o);
    auto r = f.service.apply("k1", o, at(on));
    INFO((r ? "" : r.error().message));
    REQUIRE(r.has_value());
  };
  op(OperationType::create, 2024_y / 6 / 1, [](Operation& o) {
    o.subscription = "k";
    o.plan = "kernel-payg";
  });
  op(OperationType::credit_purchase, 2024_y / 6 / 1, [](Operation& o) {
    o.package = "credits-50";
    o.id = "cs_1";
  });
  std::vector<UsageEvent> first{{"k", "kernel_minutes", Decimal(45), 2024_y / 6 / 10, "m1", ""}};
  REQUIRE(f.service.record_usage(first));
  // 50 credits, 45 used this period: one more minute is covered.
  CHECK(*f.service.is_entitled("k1", "k", 2024_y / 6 / 11));
  std::vector<UsageEvent> second{{"k", "kernel_minutes", Decimal(5), 2024_y / 6 / 12, "m2", ""}};
  REQUIRE(f.service.record_usage(second));
  // 50 used: the credits are spent.
  CHECK_FALSE(*f.service.is_entitled("k1", "k", 2024_y / 6 / 13));

  RunOptions options = f.options();
  options.notices.credits_below = Decimal(10);
  BillingRun run(*f.store, f.provider, options);
  for (Date d = 2024_y / 6 / 1; !(2024_y / 7 / 5 < d); d = add_days(d, 1))
    REQUIRE(run.run(d).has_value());
  // Jul 1: 50 minutes x 0.10 = 5.00, paid by 50 credits (-5.00): nothing to collect.
  auto invoices = f.store->invoices_of("k1");
  REQUIRE(invoices->size() == 1);
  CHECK(invoices->front().invoice.date == 2024_y / 7 / 1);
  CHECK(invoices->front().invoice.total() == Decimal(0));
  CHECK(invoices->front().status == InvoiceStatus::settled);
  CHECK(f.provider.all_charges() == 0);
  auto low = f.of_kind(NotificationKind::credits_low);
  REQUIRE(low.size() == 1);
  CHECK(low[0].on == 2024_y / 7 / 1);
}

// The money side under the same kind of crash: each round, a process records an
// external payment and a refund for every account and is killed at a random
// point, then the same orders run again to completion (as an operator, or a
// script, would retry them). Each payment and each refund is recorded once;
// none is lost. TOLLGATE_CRASH_ROUNDS sets the rounds (tests/soak/crash_restart.sh).
TEST_CASE(
    "external payments and refunds killed at random points and retried are recorded once each") {
  const int accounts = 200;
  int rounds = crash_rounds();
  std::string dir = test::temp_dir();
  std::string seed = dir + "/money-seed.db";
  seed_accounts(seed, accounts);
  {
    auto store = open_store(seed);
    ManualProvider manual;  // nothing is charged: every invoice waits for a payment
    BillingRun run(*store, manual);
    REQUIRE(run.run(2024_y / 3 / 1).has_value());
  }
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(0, 250);
  int killed = 0, mid_run = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string db = dir + "/money-" + std::to_string(round) + ".db";
    std::filesystem::copy_file(seed, db);
    auto settle_in_child = [&]() {
      pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        auto store = SqliteStore::open(db);
        if (!store) _exit(2);
        BillingService service(**store);
        Collections money(service);
        for (int i = 0; i < accounts; ++i) {
          std::string n = std::to_string(i);
          auto invoices = (*store)->invoices_of("acct-" + n);
          if (!invoices || invoices->empty()) _exit(3);
          auto paid = money.pay({invoices->front().id, Decimal(6), "cheque-" + n, 2024_y / 3 / 5});
          if (!paid) _exit(4);
          auto back = money.refund({paid->id, Decimal(2), 2024_y / 3 / 6, "return-" + n});
          if (!back) _exit(5);
        }
        _exit(0);
      }
      return pid;
    };
    pid_t pid = settle_in_child();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) {
      ++killed;
      // Whether it died part-way: some accounts settled, some not yet.
      auto seen = open_store(db);
      int settled = 0;
      for (int i = 0; i < accounts; ++i)
        settled +=
            seen->payments_of(seen->invoices_of("acct-" + std::to_string(i))->front().id)->size() ==
            2;
      mid_run += settled > 0 && settled < accounts;
    }
    pid = settle_in_child();  // the retry that finishes the work
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    auto store = open_store(db);
    for (int i = 0; i < accounts; ++i) {
      auto invoice = store->invoices_of("acct-" + std::to_string(i))->front();
      auto moves = *store->payments_of(invoice.id);
      // One payment of 6.00 and one refund of 2.00: 10.00 - 6.00 + 2.00 = 6.00 owed.
      REQUIRE(moves.size() == 2);
      CHECK(moves[0].kind == PaymentKind::payment);
      CHECK(moves[0].amount == Decimal(6));
      CHECK(moves[1].kind == PaymentKind::refund);
      CHECK(moves[1].amount == Decimal(2));
      CHECK(*balance_of(*store, invoice.id) == Decimal(6));
    }
  }
  INFO("settling processes killed: " << killed << ", of which mid-way: " << mid_run);
  if (std::getenv("TOLLGATE_CRASH_ROUNDS"))
    WARN("settling processes killed: " << killed << ", mid-way: " << mid_run);
}
