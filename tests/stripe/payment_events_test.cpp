// Stripe's payment, refund and dispute events applied to stored billing
// through the core's one path for charge outcomes (Collections): the same
// dunning, notices and balances as the daily run's own answers, and a storm of
// shuffled, repeated deliveries that ends where one in-order delivery does.

#include <algorithm>
#include <cstdlib>
#include <random>

#include <catch2/catch.hpp>

#include "../support/fake_provider.hpp"
#include "../support/peer.hpp"
#include "../support/stripe_events.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/manual_provider.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/stripe/billing_events.hpp"
#include "tollgate/stripe/webhook.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

const std::string kSecret = "whsec_payment_events";
constexpr std::int64_t kJan2 = 1704196800;  // 2024-01-02T12:00:00Z

using Signed = test::SignedEvent;

Signed signed_event(const std::string& id, const std::string& type, const std::string& object,
                    std::int64_t created = kJan2) {
  return test::signed_event(kSecret, kJan2, id, type, object, created);
}

std::string intent(const std::string& pi, const std::string& invoice,
                   const std::string& error = "") {
  return R"({"id": ")" + pi +
         R"(", "object": "payment_intent", "metadata": {"tollgate_invoice": ")" + invoice +
         R"("})" + (error.empty() ? "" : R"(, "last_payment_error": )" + error) + "}";
}

std::string charge_refunds(const std::string& pi, const std::string& refunds, int refunded) {
  return R"({"id": "ch_1", "object": "charge", "payment_intent": ")" + pi +
         R"(", "currency": "usd", "amount_refunded": )" +
         std::to_string(refunds.empty() ? refunded : 0) +
         (refunds.empty() ? "" : R"(, "refunds": {"object": "list", "data": [)" + refunds + "]}") +
         "}";
}

std::string dispute(const std::string& id, const std::string& pi, int amount,
                    const std::string& status) {
  return R"({"id": ")" + id + R"(", "object": "dispute", "charge": "ch_1", "payment_intent": ")" +
         pi + R"(", "currency": "usd", "amount": )" + std::to_string(amount) + R"(, "status": ")" +
         status + R"("})";
}

struct Books {
  std::unique_ptr<sqlite::SqliteStore> store;
  std::unique_ptr<BillingService> service;
  std::string invoice;

  // Account A, 30.00 a month from Jan 1, invoiced on Jan 1 through `provider`.
  explicit Books(PaymentProvider& provider) {
    auto s = sqlite::SqliteStore::open(test::temp_dir() + "/payments.db");
    REQUIRE(s.has_value());
    store = std::move(s).value();
    service = std::make_unique<BillingService>(*store);
    REQUIRE(store->put_catalog("v1", R"({"name": "m", "currencies": ["USD"],
      "products": [{"name": "P", "category": "BASE"}], "plans": [{"name": "m", "product": "P",
      "phases": [{"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "30.00"}}}]}]})"));
    StoredAccount a;
    a.account = {"A", "USD", "UTC", 1};
    a.catalog = "v1";
    a.customer_id = "cus_A";
    a.payment_method_id = "pm_A";
    REQUIRE(service->open_account(a));
    Operation create;
    create.date = 2024_y / 1 / 1;
    create.type = OperationType::create;
    create.subscription = "s";
    create.plan = "m";
    REQUIRE(service->apply("A", create, Instant{date::sys_days(create.date)}));
    BillingRun run(*store, provider);
    REQUIRE(run.run(2024_y / 1 / 1).has_value());
    invoice = store->invoices_of("A")->front().id;
  }
  int deliver(const Signed& d) {
    stripe::WebhookVerification v{300, kJan2};
    return stripe::handle_webhook(d.payload, d.header, kSecret, v, *store,
                                  [&](const stripe::Event& e) {
                                    return stripe::apply_billing_event(
                                        *service, e, {},
                                        [&](const stripe::Event& left, std::string_view) {
                                          ignored.push_back(left.id);
                                        });
                                  })
        .http_status;
  }
  std::vector<std::string> ignored;  ///< the ids of events left alone, as a host would log them
  std::vector<PaymentAttempt> attempts() { return *store->attempts_of(invoice); }
  int notices(NotificationKind kind) {
    int n = 0;
    auto all = store->notifications_of("A");  // kept alive: the loop reads through it
    for (const auto& x : *all) n += x.kind == kind;
    return n;
  }
};

Decimal d(const char* s) {
  return *Decimal::parse(s);
}

}  // namespace

TEST_CASE("a webhook's failed payment follows the dunning policy the daily run applies") {
  test::FakeProvider processing{":memory:"};
  processing.pending = true;  // the run's charge is pending: the outcome comes by webhook
  Books b(processing);
  REQUIRE(b.attempts().size() == 1);
  CHECK(b.attempts()[0].status == AttemptStatus::pending);
  auto failed =
      signed_event("evt_f1", "payment_intent.payment_failed",
                   intent("pi_1", b.invoice,
                          R"({"code": "card_declined", "decline_code": "insufficient_funds"})"));
  CHECK(b.deliver(failed) == 200);
  // Attempt 1 FAILED on Jan 2, a PAYMENT_FAILED notice, attempt 2 one day later for 30.00.
  auto attempts = b.attempts();
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].status == AttemptStatus::failed);
  CHECK(attempts[0].failure == "card_declined: insufficient_funds");
  CHECK(attempts[1].status == AttemptStatus::scheduled);
  CHECK(attempts[1].scheduled_on == 2024_y / 1 / 3);
  CHECK(attempts[1].amount == d("30.00"));
  CHECK(b.notices(NotificationKind::payment_failed) == 1);
  // Delivered again: nothing more.
  CHECK(b.deliver(failed) == 200);
  CHECK(b.attempts().size() == 2);

  // The customer fixes the card and Stripe's retry succeeds: a payment, PAID.
  CHECK(b.deliver(signed_event("evt_s1", "payment_intent.succeeded", intent("pi_1", b.invoice))) ==
        200);
  auto paid = *b.store->payments_of(b.invoice);
  REQUIRE(paid.size() == 1);
  CHECK(paid[0].amount == d("30.00"));
  CHECK(paid[0].method == "stripe");
  CHECK(paid[0].reference == "pi_1");
  CHECK(b.store->invoice(b.invoice)->status == InvoiceStatus::paid);
  CHECK(b.notices(NotificationKind::payment_succeeded) == 1);
  // A late failure never undoes a payment.
  CHECK(b.deliver(signed_event("evt_f2", "payment_intent.payment_failed",
                               intent("pi_1", b.invoice, R"({"code": "card_declined"})"))) == 200);
  CHECK(b.store->invoice(b.invoice)->status == InvoiceStatus::paid);
}

TEST_CASE(
    "a payment that needs 3-D Secure waits for the customer with where to confirm it, and its "
    "confirmation pays the invoice") {
  test::FakeProvider processing{":memory:"};
  processing.pending = true;
  Books b(processing);
  // Jan 2: Stripe asks for 3-D Secure and names the page (next_action.redirect_to_url).
  std::string asking = intent("pi_1", b.invoice);
  asking.insert(asking.size() - 1,
                R"(, "status": "requires_action", "next_action": {"type": "redirect_to_url",
                   "redirect_to_url": {"url": "https://hooks.stripe.test/3ds/pi_1"}})");
  CHECK(b.deliver(signed_event("evt_a1", "payment_intent.requires_action", asking)) == 200);
  // Waits for the customer until Jan 2 + 3 days = Jan 5.
  auto attempts = b.attempts();
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].status == AttemptStatus::action_required);
  CHECK(attempts[0].charge_id == "pi_1");
  CHECK(attempts[0].action_url == "https://hooks.stripe.test/3ds/pi_1");
  CHECK(attempts[0].scheduled_on == 2024_y / 1 / 5);
  CHECK(b.notices(NotificationKind::payment_action_required) == 1);
  auto kept = *b.store->notifications_of("A");
  CHECK(kept.back().action_url == "https://hooks.stripe.test/3ds/pi_1");
  // Off-session Stripe declines "authentication_required": the same request, not a decline,
  // and the wait is not lengthened. No retry, no PAYMENT_FAILED.
  CHECK(b.deliver(signed_event("evt_a2", "payment_intent.payment_failed",
                               intent("pi_1", b.invoice, R"({"code": "authentication_required"})"),
                               kJan2 + 86400)) == 200);
  attempts = b.attempts();
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].status == AttemptStatus::action_required);
  CHECK(attempts[0].scheduled_on == 2024_y / 1 / 5);
  CHECK(attempts[0].action_url == "https://hooks.stripe.test/3ds/pi_1");
  CHECK(b.notices(NotificationKind::payment_failed) == 0);
  CHECK(b.store->invoice(b.invoice)->status == InvoiceStatus::unpaid);
  // Stripe often repeats the code as the decline code: still no decline.
  CHECK(
      b.deliver(signed_event(
          "evt_a2b", "payment_intent.payment_failed",
          intent(
              "pi_1", b.invoice,
              R"({"code": "authentication_required", "decline_code": "authentication_required"})"),
          kJan2 + 86400)) == 200);
  CHECK(b.attempts().size() == 1);
  CHECK(b.attempts()[0].status == AttemptStatus::action_required);
  CHECK(b.notices(NotificationKind::payment_failed) == 0);
  // The customer confirms: 30.00 paid.
  CHECK(b.deliver(signed_event("evt_a3", "payment_intent.succeeded", intent("pi_1", b.invoice))) ==
        200);
  CHECK(b.attempts()[0].status == AttemptStatus::succeeded);
  CHECK(b.store->invoice(b.invoice)->status == InvoiceStatus::paid);
  CHECK(b.store->payments_of(b.invoice)->front().amount == d("30.00"));
}

TEST_CASE("3-D Secure's events, each delivered three times and shuffled, pay the invoice once") {
  test::FakeProvider processing{":memory:"};
  processing.pending = true;
  Books b(processing);
  std::string asking = intent("pi_1", b.invoice);
  asking.insert(asking.size() - 1, R"(, "status": "requires_action")");
  std::vector<Signed> storm;
  for (int i = 0; i < 3; ++i) {
    storm.push_back(signed_event("evt_s1", "payment_intent.requires_action", asking));
    storm.push_back(
        signed_event("evt_s2", "payment_intent.payment_failed",
                     intent("pi_1", b.invoice, R"({"code": "authentication_required"})")));
    storm.push_back(signed_event("evt_s3", "payment_intent.succeeded", intent("pi_1", b.invoice)));
  }
  const char* seed = std::getenv("TOLLGATE_SEED");
  std::mt19937 rng(seed ? static_cast<unsigned>(std::stoul(seed)) : 20240102u);
  std::shuffle(storm.begin(), storm.end(), rng);
  for (const auto& d : storm) CHECK(b.deliver(d) == 200);
  // Whatever the order: one attempt, SUCCEEDED; one payment of 30.00; no retry, no failure.
  auto attempts = b.attempts();
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].status == AttemptStatus::succeeded);
  auto paid = *b.store->payments_of(b.invoice);
  REQUIRE(paid.size() == 1);
  CHECK(paid[0].amount == d("30.00"));
  CHECK(b.store->invoice(b.invoice)->status == InvoiceStatus::paid);
  CHECK(b.notices(NotificationKind::payment_failed) == 0);
}

// Cards on file. Account A (customer cus_A) sets up pm_B (a Visa) through
// Checkout, adds pm_C (a Mastercard) and makes it its default in the customer
// portal, then removes pm_B. Noise: a card of another system's customer and a
// card missing its expiry year. An Amex set up through Checkout in between.
std::vector<Signed> card_events() {
  auto method = [](const std::string& id, const std::string& customer, const std::string& card) {
    return R"({"id": ")" + id + R"(", "object": "payment_method", "type": "card", "customer": )" +
           (customer.empty() ? "null" : "\"" + customer + "\"") +
           (card.empty() ? "" : R"(, "card": )" + card) + "}";
  };
  return {
      signed_event(
          "evt_c1", "payment_method.attached",
          method("pm_B", "cus_A",
                 R"({"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2027})"),
          kJan2),
      signed_event("evt_c2", "setup_intent.succeeded",
                   R"({"id": "seti_1", "object": "setup_intent", "customer": "cus_A",
                       "payment_method": "pm_B", "metadata": {"tollgate_account": "A"}})",
                   kJan2 + 1),
      signed_event(
          "evt_c3", "payment_method.attached",
          method("pm_C", "cus_A",
                 R"({"brand": "mastercard", "last4": "4444", "exp_month": 3, "exp_year": 2029})"),
          kJan2 + 100),
      signed_event("evt_c4", "customer.updated",
                   R"({"id": "cus_A", "object": "customer",
                       "invoice_settings": {"default_payment_method": "pm_C"}})",
                   kJan2 + 200),
      signed_event("evt_c5", "payment_method.detached", method("pm_B", "", ""), kJan2 + 300),
      signed_event(
          "evt_c6", "payment_method.attached",
          method("pm_X", "cus_elsewhere",
                 R"({"brand": "visa", "last4": "1111", "exp_month": 1, "exp_year": 2030})"),
          kJan2 + 400),
      signed_event("evt_c7", "payment_method.attached",
                   method("pm_Y", "cus_A", R"({"brand": "visa", "last4": "0000", "exp_month": 1})"),
                   kJan2 + 500),
      // An Amex set up through Checkout before the portal change: described, but
      // older than the default chosen in the portal, so never the one charged.
      signed_event(
          "evt_c8", "checkout.session.completed",
          R"({"id": "cs_c8", "object": "checkout.session", "mode": "setup", "status": "complete",
              "client_reference_id": "A", "metadata": {"tollgate_account": "A"},
              "setup_intent": {"id": "seti_8", "object": "setup_intent",
                "payment_method": {"id": "pm_S", "object": "payment_method",
                  "card": {"brand": "amex", "last4": "0005", "exp_month": 6, "exp_year": 2031}}}})",
          kJan2 + 50),
  };
}

// Where card_events() ends, whatever the order and however often each came.
void check_cards_end(Books& b) {
  auto a = *b.store->account("A");
  CHECK(a.payment_method_id == "pm_C");
  CHECK(a.card == std::optional(Card{"mastercard", "4444", 3, 2029}));
  CHECK_FALSE(b.store->card_of("pm_B")->has_value());  // detached
  CHECK(*b.store->card_removed("pm_B"));
  CHECK_FALSE(b.store->card_of("pm_X")->has_value());  // not our customer
  CHECK_FALSE(b.store->card_of("pm_Y")->has_value());  // no expiry year: nothing to keep
  CHECK(*b.store->card_of("pm_S") == std::optional(Card{"amex", "0005", 6, 2031}));
}

TEST_CASE("cards on file follow Stripe's events: described, made the default, removed") {
  test::FakeProvider fake{":memory:"};
  Books b(fake);
  auto events = card_events();
  // In order, watching each step: the Visa set up and shown.
  CHECK(b.deliver(events[0]) == 200);
  CHECK(b.store->account("A")->card == std::nullopt);  // described, not yet the one charged
  CHECK(b.deliver(events[1]) == 200);
  CHECK(b.store->account("A")->payment_method_id == "pm_B");
  CHECK(b.store->account("A")->card == std::optional(Card{"visa", "4242", 12, 2027}));
  for (std::size_t i = 2; i < events.size(); ++i) CHECK(b.deliver(events[i]) == 200);
  check_cards_end(b);
  // Another system's customer and a card without its expiry year: left alone, told by id.
  CHECK(b.ignored == std::vector<std::string>{"evt_c6", "evt_c7"});
}

TEST_CASE("cards on file: each event three times, shuffled, ends where one in order does") {
  test::FakeProvider fake{":memory:"};
  Books b(fake);
  std::vector<Signed> storm;
  for (const auto& e : card_events())
    for (int i = 0; i < 3; ++i) storm.push_back(e);
  const char* seed = std::getenv("TOLLGATE_SEED");
  std::mt19937 rng(seed ? static_cast<unsigned>(std::stoul(seed)) : 20240103u);
  std::shuffle(storm.begin(), storm.end(), rng);
  for (const auto& d : storm) CHECK(b.deliver(d) == 200);
  check_cards_end(b);
}

TEST_CASE("a card set up through Checkout: the completed session's expanded set-up is enough") {
  test::FakeProvider fake{":memory:"};
  Books b(fake);
  const std::string card =
      R"({"brand": "amex", "last4": "0005", "exp_month": 6, "exp_year": 2031})";
  // Expanded: the session names the payment method and its card.
  CHECK(b.deliver(signed_event(
            "evt_s1", "checkout.session.completed",
            R"({"id": "cs_s1", "object": "checkout.session", "mode": "setup", "status": "complete",
                "client_reference_id": "A", "metadata": {"tollgate_account": "A"},
                "setup_intent": {"id": "seti_9", "object": "setup_intent",
                  "payment_method": {"id": "pm_S", "object": "payment_method", "card": )" +
                card + "}}}",
            kJan2 + 10)) == 200);
  auto a = *b.store->account("A");
  CHECK(a.payment_method_id == "pm_S");
  CHECK(a.card == std::optional(Card{"amex", "0005", 6, 2031}));
  // Not expanded: left alone (setup_intent.succeeded brings it), told by id.
  CHECK(b.deliver(signed_event("evt_s2", "checkout.session.completed",
                               R"({"id": "cs_s2", "object": "checkout.session", "mode": "setup",
                                   "client_reference_id": "A", "setup_intent": "seti_10"})",
                               kJan2 + 20)) == 200);
  CHECK(b.store->account("A")->payment_method_id == "pm_S");
  CHECK(b.ignored == std::vector<std::string>{"evt_s2"});
}

TEST_CASE("the default card removed leaves the account with none until another is set up") {
  test::FakeProvider fake{":memory:"};
  Books b(fake);
  auto events = card_events();
  CHECK(b.deliver(events[0]) == 200);
  CHECK(b.deliver(events[1]) == 200);
  CHECK(b.deliver(events[4]) == 200);  // pm_B detached while it is the default
  auto a = *b.store->account("A");
  CHECK(a.payment_method_id.empty());
  CHECK_FALSE(a.card.has_value());
}

TEST_CASE(
    "a refund made in Stripe's dashboard is recorded once, by its running total when unlisted") {
  test::FakeProvider fake{":memory:"};
  fake.provider_name = "stripe";  // the run charged through Stripe
  Books b(fake);
  std::string pi = b.store->payments_of(b.invoice)->front().reference;
  // 5.00 refunded, the event delivered twice; then 8.00 in all.
  auto first = signed_event("evt_r1", "charge.refunded", charge_refunds(pi, "", 500));
  CHECK(b.deliver(first) == 200);
  CHECK(b.deliver(first) == 200);
  CHECK(*balance_of(*b.store, b.invoice) == d("5.00"));
  CHECK(b.deliver(signed_event("evt_r2", "charge.refunded", charge_refunds(pi, "", 800))) == 200);
  CHECK(*balance_of(*b.store, b.invoice) == d("8.00"));
  // An older total arriving late changes nothing.
  CHECK(b.deliver(signed_event("evt_r0", "charge.refunded", charge_refunds(pi, "", 300))) == 200);
  CHECK(*balance_of(*b.store, b.invoice) == d("8.00"));
  CHECK(b.store->invoice(b.invoice)->status == InvoiceStatus::unpaid);
  CHECK(b.notices(NotificationKind::refunded) == 2);
  // A charge Tollgate did not make is not ours: nothing recorded, no retry asked for.
  CHECK(b.deliver(signed_event("evt_r9", "charge.refunded", charge_refunds("pi_other", "", 100))) ==
        200);
}

TEST_CASE(
    "payment, refund and dispute events delivered three times each in shuffled order end with the "
    "balances of one in-order delivery") {
  auto events = [](const std::string& pi, const std::string& invoice) {
    return std::vector<Signed>{
        signed_event("evt_1", "payment_intent.succeeded", intent(pi, invoice)),
        signed_event(
            "evt_2", "charge.refunded",
            charge_refunds(pi, R"({"id": "re_1", "amount": 500, "status": "succeeded"})", 0)),
        signed_event("evt_3", "charge.refunded",
                     charge_refunds(pi,
                                    R"({"id": "re_1", "amount": 500, "status": "succeeded"},
                                       {"id": "re_2", "amount": 300, "status": "succeeded"})",
                                    0)),
        signed_event("evt_4", "charge.dispute.created",
                     dispute("du_1", pi, 1000, "needs_response")),
        signed_event("evt_5", "charge.dispute.closed", dispute("du_1", pi, 1000, "won")),
        signed_event("evt_6", "charge.dispute.created", dispute("du_2", pi, 700, "needs_response")),
        signed_event("evt_7", "charge.dispute.closed", dispute("du_2", pi, 700, "lost")),
        signed_event("evt_8", "charge.dispute.created",
                     dispute("du_3", pi, 900, "warning_needs_response")),
    };
  };
  // Paid 30.00; refunds 5.00 + 3.00; du_1 taken and given back; du_2 taken (7.00); du_3 an
  // inquiry that moves nothing: 30.00 - 30.00 + 8.00 + 7.00 = 15.00 owed again.
  auto settle = [&](Books& b, std::vector<Signed> deliveries) {
    for (const auto& e : deliveries) CHECK(b.deliver(e) == 200);
    auto moves = *b.store->payments_of(b.invoice);
    std::map<PaymentKind, Decimal> by_kind;
    for (const auto& m : moves) by_kind[m.kind] += m.amount;
    return std::tuple{*balance_of(*b.store, b.invoice), moves.size(), by_kind};
  };
  test::FakeProvider fake_in_order{":memory:"};
  fake_in_order.provider_name = "stripe";
  Books in_order(fake_in_order);
  std::string pi = in_order.store->payments_of(in_order.invoice)->front().reference;
  auto [balance, count, by_kind] = settle(in_order, events(pi, in_order.invoice));
  CHECK(balance == d("15.00"));
  CHECK(count == 6);  // the payment, 2 refunds, 2 chargebacks, 1 reversal
  CHECK(by_kind[PaymentKind::refund] == d("8.00"));
  CHECK(by_kind[PaymentKind::chargeback] == d("17.00"));
  CHECK(by_kind[PaymentKind::chargeback_reversal] == d("10.00"));
  CHECK(in_order.store->invoice(in_order.invoice)->status == InvoiceStatus::unpaid);

  const char* seed = std::getenv("TOLLGATE_SEED");
  std::mt19937 rng(seed ? static_cast<unsigned>(std::stoul(seed)) : 20260101u);
  for (int round = 0; round < 5; ++round) {
    test::FakeProvider fake{":memory:"};
    fake.provider_name = "stripe";
    Books stormed(fake);
    std::string charge = stormed.store->payments_of(stormed.invoice)->front().reference;
    std::vector<Signed> storm;
    for (const auto& e : events(charge, stormed.invoice))
      for (int i = 0; i < 3; ++i) storm.push_back(e);
    std::shuffle(storm.begin(), storm.end(), rng);
    INFO("round " << round);
    CHECK(settle(stormed, storm) == std::tuple{balance, count, by_kind});
    CHECK(stormed.store->invoice(stormed.invoice)->status == InvoiceStatus::unpaid);
  }
}
