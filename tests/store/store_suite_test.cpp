// The store suite: what every BillingStore must do, run on SQLite and on
// PostgreSQL alike (the same cases, TEMPLATE_TEST_CASE over the back ends).
// Back-end specific behaviour (files, migrations, a full disk) is tested in
// tests/sqlite and tests/postgres.

#include <thread>

#include <catch2/catch.hpp>

#include "../support/store_backends.hpp"
#include "tollgate/billing_service.hpp"

using namespace tollgate;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

PaymentAttempt attempt(const std::string& invoice, int n, AttemptStatus status, Date on,
                       const std::string& failure = "") {
  PaymentAttempt a;
  a.invoice_id = invoice;
  a.attempt = n;
  a.status = status;
  a.scheduled_on = on;
  a.failure = failure;
  a.amount = Decimal(10);
  return a;
}

UsageEvent usage(const char* id, const char* quantity, Date on = 2024_y / 3 / 15) {
  return {"s1", "api_calls", *Decimal::parse(quantity), on, id, ""};
}

Instant at(Date d, std::chrono::seconds t = 0s) {
  return Instant{date::sys_days(d)} + t;
}

const char* kCatalog = R"({"name": "c", "currencies": ["USD"], "products": [{"name": "P",
  "category": "BASE"}], "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
  "recurring": {"billing_period": "MONTHLY", "price": {"USD": "1.00"}}}]}]})";

// Subscription "s1" to plan "p", created on `on`.
Operation subscription_s1(Date on) {
  Operation create;
  create.date = on;
  create.subscription = "s1";
  create.plan = "p";
  return create;
}

StoredAccount account(const std::string& id, std::optional<Date> next_run) {
  StoredAccount a;
  a.account = {id, "USD", "Europe/Paris", 15};
  a.catalog = "v1";
  a.organization = {"org-1", "t-1"};
  a.next_run = next_run;
  return a;
}

}  // namespace

TEMPLATE_TEST_CASE("rules per organization and tenant, versioned by reg_dt", "[store]",
                   test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  OrganizationKey org{"org-7", "tenant-a"};
  REQUIRE(store->register_rules(org, R"({"cancelPolicy": [{"billingActionPolicy": "IMMEDIATE"}]})",
                                at(2024_y / 1 / 1)));
  REQUIRE(store->register_rules(org,
                                R"({"cancelPolicy": [{"billingActionPolicy": "START_OF_TERM"}]})",
                                at(2024_y / 3 / 1, 12h)));
  auto bad = store->register_rules(org, R"({"cancelPolicy": [{"billingActionPolicy": "ILLEGAL"}]})",
                                   at(2024_y / 4 / 1));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == "store.rules");
  CHECK(bad.error().message.find("cancelPolicy[0].billingActionPolicy") != std::string::npos);
  REQUIRE(store->rule_sets()->size() == 2);  // the invalid one was not stored
  auto book = store->rule_book();
  REQUIRE(book.has_value());
  auto cancel_at = [&](Instant t) { return book->in_force(org, t).cancel_policy({}).value; };
  CHECK(cancel_at(at(2024_y / 2 / 1)) == BillingActionPolicy::immediate);
  CHECK(cancel_at(at(2024_y / 3 / 1, 12h)) == BillingActionPolicy::start_of_term);
  CHECK(book->in_force({"org-7", "tenant-b"}, at(2024_y / 3 / 2)).cancel_policy({}).value ==
        BillingActionPolicy::end_of_term);
}

TEMPLATE_TEST_CASE("a rule set registered through another handle judges the next request",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  std::string location;
  auto store = TestType::fresh(&location);
  auto admin = test::open_location(location);  // another process, say
  REQUIRE(store->put_catalog("v1", kCatalog));
  BillingService service(*store);
  REQUIRE(service.open_account(account("acct-1", std::nullopt)));
  Operation create;
  create.date = 2024_y / 3 / 15;
  create.subscription = "s1";
  create.plan = "p";
  REQUIRE(service.apply("acct-1", create, at(create.date)));  // judged by the defaults
  auto before = store->rules_revision();
  REQUIRE(before.has_value());

  // org-1/t-1 had no rules (cancel END_OF_TERM): from Mar 18 its cancels are IMMEDIATE.
  REQUIRE(admin->register_rules({"org-1", "t-1"},
                                R"({"cancelPolicy": [{"billingActionPolicy": "IMMEDIATE"}]})",
                                at(2024_y / 3 / 18)));
  CHECK(*store->rules_revision() > *before);
  Operation cancel;
  cancel.date = 2024_y / 3 / 20;
  cancel.type = OperationType::cancel;
  cancel.subscription = "s1";
  REQUIRE(service.apply("acct-1", cancel, at(cancel.date)));
  // IMMEDIATE: cancelled on Mar 20 itself (END_OF_TERM would have kept it to Apr 15).
  auto engine = service.engine("acct-1");
  REQUIRE(engine.has_value());
  auto status = engine->statuses(2024_y / 3 / 20).at(0);
  CHECK(status.state == SubscriptionState::cancelled);
  CHECK_FALSE(status.pending_cancel.has_value());
}

TEMPLATE_TEST_CASE(
    "the engine handed out lists the account's invoices, the service's own keeps none", "[store]",
    test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  REQUIRE(store->put_catalog("v1", kCatalog));
  BillingService service(*store);
  REQUIRE(service.open_account(account("acct-1", std::nullopt)));
  REQUIRE(service.apply("acct-1", subscription_s1(2024_y / 3 / 15), at(2024_y / 3 / 15)));
  // BCD 15, 1.00 a month in advance: Mar 15 and Apr 15 each bill a whole month.
  for (Date on : {2024_y / 3 / 15, 2024_y / 4 / 15}) {
    auto engine = service.engine("acct-1");
    REQUIRE(engine.has_value());
    auto invoice = engine->invoice(on);
    REQUIRE(invoice.has_value());
    REQUIRE(service.issue(*store->account("acct-1"), *invoice, on, at(on), AttemptStatus::scheduled,
                          &*engine));
  }
  auto handed_out = service.engine("acct-1");
  REQUIRE(handed_out.has_value());
  REQUIRE(handed_out->invoices().size() == 2);
  CHECK(handed_out->invoices()[1].date == 2024_y / 4 / 15);
  CHECK(handed_out->invoices()[1].total() == Decimal(1));
  auto stored = store->account("acct-1");
  REQUIRE(stored.has_value());
  auto own = service.engine(*stored, [](BillingEngine&) -> Result<Ok> { return Ok{}; });
  REQUIRE(own.has_value());
  CHECK(own->invoices().empty());
  CHECK(own->statuses(2024_y / 4 / 20).at(0).charged_through == 2024_y / 5 / 15);
}

TEMPLATE_TEST_CASE("a date range of a subscription's usage, by date, ends open when absent",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  // Stored out of date order, on two subscriptions.
  std::vector<UsageEvent> events{{"s1", "api_calls", Decimal(3), 2024_y / 3 / 20, "c", ""},
                                 {"s1", "api_calls", Decimal(1), 2024_y / 2 / 29, "a", ""},
                                 {"s2", "api_calls", Decimal(9), 2024_y / 3 / 10, "x", ""},
                                 {"s1", "api_calls", Decimal(2), 2024_y / 3 / 1, "b", ""},
                                 {"s1", "api_calls", Decimal(4), 2024_y / 4 / 1, "d", ""}};
  REQUIRE(store->record_usage(events));
  auto ids = [&](std::optional<Date> from, std::optional<Date> to) {
    auto found = store->usage_between("s1", from, to);
    REQUIRE(found.has_value());
    std::string out;
    for (const auto& e : *found) out += e.id;
    return out;
  };
  // March: from Mar 1 inclusive to Apr 1 exclusive, by date.
  CHECK(ids(2024_y / 3 / 1, 2024_y / 4 / 1) == "bc");
  CHECK(ids(std::nullopt, 2024_y / 3 / 1) == "a");
  CHECK(ids(2024_y / 3 / 2, std::nullopt) == "cd");
  CHECK(ids(std::nullopt, std::nullopt) == "abcd");
  CHECK(ids(2024_y / 5 / 1, std::nullopt).empty());
}

TEMPLATE_TEST_CASE("batch ingestion stores each (subscription, id) once and counts the duplicates",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  std::vector<UsageEvent> first{usage("u1", "4000"), usage("u2", "0.5"), usage("u2", "0.5")};
  auto r1 = store->record_usage(first);
  REQUIRE(r1.has_value());
  CHECK(r1->inserted == 2);
  CHECK(r1->duplicates == 1);
  std::vector<UsageEvent> second{usage("u2", "0.5"), usage("u3", "12.000000000001")};
  auto r2 = store->record_usage(second);
  CHECK(r2->inserted == 1);
  CHECK(r2->duplicates == 1);
  auto stored = store->usage_of("s1");
  REQUIRE(stored.has_value());
  REQUIRE(stored->size() == 3);
  CHECK((*stored)[0].quantity == Decimal(4000));
  CHECK((*stored)[1].quantity == Decimal::fraction(1, 2));
  CHECK((*stored)[2].quantity == *Decimal::parse("12.000000000001"));
  CHECK((*stored)[2].occurred_on == 2024_y / 3 / 15);
  // The same id on another subscription is another event.
  std::vector<UsageEvent> other{{"s2", "api_calls", Decimal(1), 2024_y / 3 / 15, "u1", ""}};
  CHECK(store->record_usage(other)->inserted == 1);
  // Ids and keys are kept byte for byte, whatever they hold (PostgreSQL sends
  // a batch as arrays: quotes, backslashes, commas and braces must survive).
  std::vector<UsageEvent> odd{
      {"s2", "api_calls", Decimal(2), 2024_y / 3 / 16, R"(a"b\c,{d} NULL)", R"(k"\,})"},
      {"s2", "api_calls", Decimal(3), 2024_y / 3 / 16, "", "NULL"}};
  CHECK(store->record_usage(odd)->inserted == 2);
  auto kept = store->usage_of("s2");
  REQUIRE(kept->size() == 3);
  CHECK((*kept)[1].id == R"(a"b\c,{d} NULL)");
  CHECK((*kept)[1].value_key == R"(k"\,})");
  CHECK((*kept)[2].id.empty());
  CHECK((*kept)[2].value_key == "NULL");
}

TEMPLATE_TEST_CASE("the inbox applies an event and records its id in one transaction", "[store]",
                   test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  int effects = 0;
  auto credit = [&]() -> Result<Ok> {
    ++effects;
    std::vector<UsageEvent> e{usage("from-event", "50")};
    auto r = store->record_usage(e);  // joins the inbox's transaction
    if (!r) return unexpected(r.error());
    return Ok{};
  };
  CHECK(*store->apply_once("evt_1", credit) == Delivery::applied);
  CHECK(*store->apply_once("evt_1", credit) == Delivery::duplicate);
  CHECK(effects == 1);
  CHECK(store->usage_of("s1")->size() == 1);

  // An effect that writes and then fails leaves nothing behind, and the event can come again.
  auto failing = [&]() -> Result<Ok> {
    std::vector<UsageEvent> e{usage("half-done", "1")};
    (void)store->record_usage(e);
    return make_error("effect.failed", "the ledger refused");
  };
  auto failed = store->apply_once("evt_2", failing);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().code == "effect.failed");
  CHECK(store->usage_of("s1")->size() == 1);
  CHECK(*store->apply_once("evt_2", [] { return Result<Ok>(Ok{}); }) == Delivery::applied);
}

TEMPLATE_TEST_CASE("cards on file are kept by payment method, and the account's own with it",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  REQUIRE(store->put_catalog("v1", kCatalog));
  StoredAccount a = account("acct-c", std::nullopt);
  a.customer_id = "cus_c";
  a.payment_method_id = "pm_1";
  a.card = Card{"visa", "4242", 12, 2027};
  REQUIRE(store->create_account(a));
  CHECK(store->account("acct-c")->card == a.card);
  // The account is found by its provider customer; an unknown or empty one finds none.
  CHECK(*store->account_of_customer("cus_c") == std::optional<std::string>("acct-c"));
  CHECK_FALSE(store->account_of_customer("cus_other")->has_value());
  CHECK_FALSE(store->account_of_customer("")->has_value());

  Card amex{"amex", "0005", 1, 2030};
  REQUIRE(store->save_card("acct-c", "pm_2", amex));
  CHECK(*store->card_of("pm_2") == std::optional(amex));
  CHECK_FALSE(store->card_of("pm_9")->has_value());
  Card renewed{"amex", "0005", 1, 2033};  // the same card, a new expiry: replaced
  REQUIRE(store->save_card("acct-c", "pm_2", renewed));
  CHECK(*store->card_of("pm_2") == std::optional(renewed));
  CHECK_FALSE(*store->card_removed("pm_2"));
  CHECK(*store->remove_card("pm_2", std::nullopt) == std::optional<std::string>("acct-c"));
  CHECK_FALSE(store->card_of("pm_2")->has_value());
  CHECK(*store->card_removed("pm_2"));
  // Removed for good: a late description does not bring it back.
  REQUIRE(store->save_card("acct-c", "pm_2", amex));
  CHECK_FALSE(store->card_of("pm_2")->has_value());
  // Removed before it was ever described: the account given is the owner, and
  // the later description is refused the same way.
  CHECK(*store->remove_card("pm_3", std::optional<std::string>("acct-c")) ==
        std::optional<std::string>("acct-c"));
  REQUIRE(store->save_card("acct-c", "pm_3", amex));
  CHECK_FALSE(store->card_of("pm_3")->has_value());
  CHECK_FALSE(store->remove_card("pm_4", std::nullopt)->has_value());  // nobody's

  auto back = *store->account("acct-c");
  back.card.reset();
  REQUIRE(store->update_account(back));
  CHECK_FALSE(store->account("acct-c")->card.has_value());
}

TEMPLATE_TEST_CASE("a payment method removed: any but the default, which goes only when asked for",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  REQUIRE(store->put_catalog("v1", kCatalog));
  REQUIRE(store->create_account(account("acct-r", std::nullopt)));
  BillingService service(*store);
  Date on = 2024_y / 3 / 1;
  PaymentMethod first{"pm-id-1", "acct-r", "killbill-stripe", "", "cus_r", "pm_1", false};
  PaymentMethod second{"pm-id-2", "acct-r", "killbill-stripe", "", "cus_r", "pm_2", false};
  REQUIRE(service.add_payment_method(first, true, on, at(on)));
  REQUIRE(service.add_payment_method(second, false, on, at(on)));
  CHECK(store->account("acct-r")->payment_method_id == "pm_1");

  // Not the default: it simply goes.
  REQUIRE(service.remove_payment_method("acct-r", "pm-id-2", false, at(on)));
  CHECK(store->payment_methods("acct-r")->size() == 1);
  CHECK(store->payment_method("pm-id-2").error().code == errors::store_not_found);
  // Another account's, or one that does not exist: not found, nothing changed.
  REQUIRE(store->create_account(account("acct-other", std::nullopt)));
  CHECK(service.remove_payment_method("acct-other", "pm-id-1", true, at(on)).error().code ==
        errors::store_not_found);
  CHECK(store->remove_payment_method("pm-nobody").error().code == errors::store_not_found);
  // The default, not asked for as such: refused, still there.
  CHECK(service.remove_payment_method("acct-r", "pm-id-1", false, at(on)).error().code ==
        errors::refused_default_payment_method);
  CHECK(store->payment_methods("acct-r")->size() == 1);
  // Asked for: gone, and the account has nothing to charge (journaled on 03-10).
  REQUIRE(service.remove_payment_method("acct-r", "pm-id-1", true, at(2024_y / 3 / 10)));
  CHECK(store->payment_methods("acct-r")->empty());
  auto after = *store->account("acct-r");
  CHECK(after.payment_method_id.empty());
  CHECK(*store->card_removed("pm_1"));
  auto journal = *store->journal("acct-r");
  REQUIRE_FALSE(journal.empty());
  REQUIRE(journal.back().operation.has_value());
  CHECK(journal.back().operation->type == OperationType::payment_method_removed);
  CHECK(journal.back().date == 2024_y / 3 / 10);
}

TEMPLATE_TEST_CASE("accounts, journals and invoices round-trip exactly", "[store]",
                   test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  REQUIRE(store->put_catalog("v1", kCatalog));
  CHECK(store->put_catalog("v1", kCatalog));  // the same text again is fine
  CHECK(store->put_catalog("v1", std::string(kCatalog) + " ").error().code == "store.conflict");
  CHECK(store->catalog_json("v2").error().code == "store.not_found");

  StoredAccount a = account("acct-1", 2024_y / 3 / 15);
  a.customer_id = "cus_1";
  a.payment_method_at = at(2024_y / 3 / 1, 3600s);
  REQUIRE(store->create_account(a));
  CHECK(store->create_account(a).error().code == "store.conflict");
  StoredAccount other = account("acct-2", std::nullopt);
  other.catalog = "v9";
  CHECK(store->create_account(other).error().code == "store.not_found");  // no such catalog
  auto back = store->account("acct-1");
  REQUIRE(back.has_value());
  CHECK(back->account.time_zone == "Europe/Paris");
  CHECK(back->account.bill_cycle_day == std::optional(15));
  CHECK(back->organization.tenant_id == "t-1");
  CHECK(back->payment_method_at == at(2024_y / 3 / 1, 3600s));
  CHECK(back->next_run == std::optional(2024_y / 3 / 15));
  CHECK(back->controls == AccountControls{});
  back->overdue = true;
  back->next_run = std::nullopt;
  back->controls.manual_pay = true;
  back->controls.test = true;
  REQUIRE(store->update_account(*back));
  CHECK(store->account("acct-1")->overdue);
  CHECK(store->account("acct-1")->controls == back->controls);
  CHECK_FALSE(store->account("acct-1")->next_run.has_value());

  Operation create;
  create.type = OperationType::create;
  create.date = 2024_y / 3 / 15;
  create.subscription = "sub-1";
  create.plan = "p";
  CHECK_FALSE(store->last_entry_date("acct-1")->has_value());  // no entry yet
  auto first = store->append("acct-1", {0, create.date, create, at(2024_y / 3 / 15)});
  REQUIRE(first.has_value());
  CHECK(store->append("acct-1", {0, create.date, create, at(2024_y / 3 / 15)}).error().code ==
        "store.conflict");  // the subscription exists
  std::vector<UsageEvent> used{{"sub-1", "api_calls", Decimal(3), 2024_y / 3 / 16, "e1", ""}};
  REQUIRE(store->record_usage(used));
  auto run = store->append("acct-1", {0, 2024_y / 4 / 15, std::nullopt, at(2024_y / 4 / 15)});
  REQUIRE(run.has_value());
  CHECK(*first < *run);
  // An operation dated back after the Apr 15 invoice: the latest date is still Apr 15.
  Operation card;
  card.type = OperationType::payment_method;
  card.date = 2024_y / 4 / 1;
  card.id = "pm_1";
  REQUIRE(store->append("acct-1", {0, card.date, card, at(2024_y / 4 / 16)}));
  CHECK(*store->last_entry_date("acct-1") == std::optional(2024_y / 4 / 15));
  CHECK_FALSE(store->last_entry_date("acct-9")->has_value());
  CHECK(*store->account_of_subscription("sub-1") == "acct-1");
  auto journal = store->journal("acct-1");
  REQUIRE(journal->size() == 3);
  CHECK((*journal)[0].operation->plan == "p");
  CHECK_FALSE((*journal)[1].operation.has_value());
  auto usage = store->account_usage("acct-1");
  REQUIRE(usage->size() == 1);
  CHECK((*usage)[0].after_seq == *first);  // recorded between the two entries

  // An invoice of two items: 1.00 for [Mar 15, Apr 15) and 3 calls at 0.005 = 0.015.
  Invoice inv;
  inv.date = 2024_y / 3 / 15;
  inv.currency = "USD";
  inv.items.push_back({InvoiceItemType::recurring, "sub-1", "p", PhaseType::evergreen, "",
                       2024_y / 3 / 15, 2024_y / 4 / 15, std::nullopt, Decimal(1)});
  inv.items.push_back({InvoiceItemType::usage, "sub-1", "p", PhaseType::evergreen, "api_calls",
                       2024_y / 3 / 15, 2024_y / 4 / 15, Decimal(3), *Decimal::parse("0.015")});
  REQUIRE(store->save_invoice({"inv-1", "acct-1", inv, InvoiceStatus::unpaid}));
  CHECK_FALSE(store->save_invoice({"inv-1", "acct-1", inv, InvoiceStatus::unpaid}));
  auto got = store->invoice("inv-1");
  REQUIRE(got.has_value());
  CHECK(got->invoice.total() == *Decimal::parse("1.015"));
  REQUIRE(got->invoice.items.size() == 2);
  CHECK(got->invoice.items[1].quantity == std::optional(Decimal(3)));
  CHECK(got->invoice.items[0].end == std::optional(2024_y / 4 / 15));
  REQUIRE(store->set_invoice_status("inv-1", InvoiceStatus::paid));
  CHECK(store->invoices_of("acct-1")->front().status == InvoiceStatus::paid);
  CHECK(store->invoice("inv-9").error().code == "store.not_found");

  REQUIRE(
      store->save_attempt(attempt("inv-1", 1, AttemptStatus::failed, 2024_y / 3 / 15, "declined")));
  REQUIRE(store->save_attempt(attempt("inv-1", 2, AttemptStatus::scheduled, 2024_y / 3 / 16, "")));
  REQUIRE(store->save_attempt(attempt("inv-1", 2, AttemptStatus::started, 2024_y / 3 / 16, "")));
  auto attempts = store->attempts_of("inv-1");
  REQUIRE(attempts->size() == 2);  // attempt 2 replaced, not added
  CHECK((*attempts)[1].status == AttemptStatus::started);
  CHECK(store->open_attempts("acct-1")->size() == 1);
  CHECK(store->attempts_in(AttemptStatus::started, 2024_y / 3 / 15)->empty());
  CHECK(store->attempts_in(AttemptStatus::started, 2024_y / 3 / 16)->size() == 1);

  Notification n;
  n.key = "PERIOD_ENDING:sub-1:2024-04-15";
  n.account_id = "acct-1";
  n.kind = NotificationKind::period_ending;
  n.on = 2024_y / 4 / 12;
  n.date = 2024_y / 4 / 15;
  CHECK(*store->record_notification(n));
  CHECK_FALSE(*store->record_notification(n));  // the same key: once
  CHECK(store->undelivered()->size() == 1);
  REQUIRE(store->mark_delivered(n.key));
  CHECK(store->undelivered()->empty());
  auto notes = store->notifications_of("acct-1");
  REQUIRE(notes->size() == 1);
  CHECK(notes->front().date == std::optional(2024_y / 4 / 15));
  CHECK(notes->front().delivered);
}

TEMPLATE_TEST_CASE("claims: a batch at a time, never the same account to two live leases",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  REQUIRE(store->put_catalog("v1", kCatalog));
  // a1..a5 due by Mar 1; a6 due Mar 2; a7 never.
  for (int i = 1; i <= 5; ++i)
    REQUIRE(store->create_account(account("a" + std::to_string(i), 2024_y / 3 / 1)));
  REQUIRE(store->create_account(account("a6", 2024_y / 3 / 2)));
  REQUIRE(store->create_account(account("a7", std::nullopt)));
  Lease one{"w1", "run-1", 60s}, two{"w2", "run-2", 60s};
  auto ids = [](const std::vector<ClaimedAccount>& v) {
    std::string out;
    for (const auto& c : v) out += c.id + " ";
    return out;
  };
  auto first = store->claim_due(2024_y / 3 / 1, "", 3, one);
  REQUIRE(first.has_value());
  CHECK(ids(*first) == "a1 a2 a3 ");
  // Another worker passes over what w1 holds.
  auto second = store->claim_due(2024_y / 3 / 1, "", 10, two);
  CHECK(ids(*second) == "a4 a5 ");
  CHECK(*store->held_elsewhere(2024_y / 3 / 1, one) == 2);
  CHECK(*store->held_elsewhere(2024_y / 3 / 1, two) == 3);
  // The cursor: w1 goes on after a3 and finds nothing it may take.
  CHECK(store->claim_due(2024_y / 3 / 1, "a3", 3, one)->empty());
  CHECK(*store->renew("a1", one));
  CHECK_FALSE(*store->renew("a1", two));
  // A batch's claims renewed at once: an answer for each id, in the order
  // asked. a4 is w2's, and the last id is no account at all (its quote,
  // backslash and control character must reach the store as one id).
  std::vector<std::string> asked{"a3", "a4", "a1", "no\"such\\one\n"};
  auto held = store->renew_each(asked, one);
  REQUIRE(held.has_value());
  CHECK(*held == std::vector<bool>{true, false, true, false});
  CHECK(*store->renew_each(asked, two) == std::vector<bool>{false, true, false, false});
  CHECK(store->renew_each(std::vector<std::string>{}, one)->empty());
  // The interface's default, one renew() each, answers the same.
  CHECK(*store->AccountStore::renew_each(asked, one) ==
        std::vector<bool>{true, false, true, false});
  REQUIRE(store->release(one));
  // w2's walk from the start: w1's three, its own two again (a worker of that name
  // may take them: only one runs at a time), and a6, due Mar 2.
  CHECK(ids(*store->claim_due(2024_y / 3 / 2, "", 10, two)) == "a1 a2 a3 a4 a5 a6 ");
  CHECK_FALSE(*store->renew("a1", one));  // w2 has it now
  // A restarted w2 (a new run, the same name) takes its own claims back at once.
  Lease restarted{"w2", "run-3", 60s};
  CHECK(ids(*store->claim_due(2024_y / 3 / 2, "", 10, restarted)) == "a1 a2 a3 a4 a5 a6 ");
  CHECK_FALSE(*store->renew("a4", two));
  // An expired lease is anyone's: a zero-length one has run out at once (the clock is seconds).
  REQUIRE(store->release(restarted));
  Lease brief{"w3", "run-4", 0s};
  REQUIRE(store->claim_due(2024_y / 3 / 1, "", 1, brief)->size() == 1);
  std::this_thread::sleep_for(1100ms);
  CHECK(ids(*store->claim_due(2024_y / 3 / 1, "", 1, one)) == "a1 ");
  // An account with a STARTED attempt has work whatever its next_run, and says so.
  StoredAccount a7 = *store->account("a7");
  Invoice inv;
  inv.date = 2024_y / 2 / 1;
  inv.currency = "USD";
  REQUIRE(store->save_invoice({"inv-a7", "a7", inv, InvoiceStatus::unpaid}));
  REQUIRE(store->save_attempt(attempt("inv-a7", 1, AttemptStatus::started, 2024_y / 2 / 1, "")));
  auto with_attempt = store->claim_due(2024_y / 3 / 1, "a6", 10, two);
  REQUIRE(with_attempt->size() == 1);
  CHECK(with_attempt->front().id == "a7");
  CHECK(with_attempt->front().open_attempts);
}

TEMPLATE_TEST_CASE("accounts moved to a catalog with one more version are due by the upload day",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  REQUIRE(store->put_catalog("v1", kCatalog));
  REQUIRE(store->put_catalog("v0", kCatalog));
  REQUIRE(store->create_account(account("later", 2024_y / 5 / 1)));
  REQUIRE(store->create_account(account("sooner", 2024_y / 4 / 2)));
  REQUIRE(store->create_account(account("idle", std::nullopt)));
  auto other = account("other", 2024_y / 5 / 1);
  other.catalog = "v0";
  REQUIRE(store->create_account(other));
  // The combined document must be stored first: nothing moves to an unknown one.
  CHECK(store->move_accounts_to_catalog("v1", "v2", 2024_y / 4 / 10).error().code ==
        errors::store_not_found);
  CHECK(store->account("later")->catalog == "v1");

  const char* dated = R"({"name": "c", "effective_date": "2024-01-01", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}], "plans": [{"name": "p", "product": "P",
    "phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY",
    "price": {"USD": "1.00"}}}]}]})";
  auto both = add_catalog_version(dated, R"({"name": "c", "effective_date": "2024-04-01",
    "currencies": ["USD"], "products": [{"name": "P", "category": "BASE"}], "plans": [{"name": "p",
    "product": "P", "phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY",
    "price": {"USD": "2.00"}}}]}]})");
  REQUIRE(both.has_value());
  REQUIRE(store->put_catalog("v2", *both));
  auto moved = store->move_accounts_to_catalog("v1", "v2", 2024_y / 4 / 10);
  REQUIRE(moved.has_value());
  CHECK(*moved == 3);
  CHECK(store->account("later")->catalog == "v2");
  CHECK(store->account("later")->next_run == 2024_y / 4 / 10);  // looked at again on the 10th
  CHECK(store->account("sooner")->next_run == 2024_y / 4 / 2);  // already due sooner
  CHECK(store->account("idle")->next_run == 2024_y / 4 / 10);   // a new version may bill it
  CHECK(store->account("other")->catalog == "v0");              // another catalog's: untouched
  CHECK(store->account("other")->next_run == 2024_y / 5 / 1);
}
