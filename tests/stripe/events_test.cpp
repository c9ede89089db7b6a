#include "tollgate/stripe/events.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include "../support/problems.hpp"

using namespace tollgate::stripe;
namespace json = boost::json;

namespace {

// Stripe's own example object of a resource, from fixtures3.json.
json::object fixture(const char* resource) {
  static const json::value doc = json::parse(tollgate::test::data_file("stripe/fixtures3.json"));
  return doc.at("resources").at(resource).as_object();
}

std::string envelope(const char* type, const json::object& object) {
  json::object e{{"id", "evt_test_1"}, {"object", "event"},
                 {"type", type},       {"created", 1700000000},
                 {"livemode", false},  {"api_version", "2026-10-28.endive"}};
  e["data"] = json::object{{"object", object}};
  return json::serialize(e);
}

}  // namespace

TEST_CASE("checkout.session.completed from Stripe's example session") {
  json::object session = fixture("checkout.session");
  session["payment_status"] = "paid";
  session["metadata"] = json::object{{"account", "acme"}, {"package", "credits-50"}};
  auto e = parse_event(envelope("checkout.session.completed", session));
  REQUIRE(e.has_value());
  CHECK(e->id == "evt_test_1");
  CHECK(e->created == 1700000000);
  const auto& s = std::get<CheckoutSessionEvent>(e->data);
  CHECK(s.id == "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY");
  CHECK(s.mode == "payment");
  CHECK(s.payment_status == "paid");
  CHECK(s.customer.empty());  // null in the example
  CHECK(s.metadata.at("package") == "credits-50");
  auto async = parse_event(envelope("checkout.session.async_payment_succeeded", session));
  CHECK(std::holds_alternative<CheckoutSessionEvent>(async->data));
}

TEST_CASE("setup intents, payment methods, invoices and subscriptions from Stripe's examples") {
  auto setup = parse_event(envelope("setup_intent.succeeded", fixture("setup_intent")));
  CHECK(std::get<SetupIntentSucceeded>(setup->data).id == "seti_1Pgag7B7WZ01zgkWSgwGdb8Z");
  auto pm = parse_event(envelope("payment_method.attached", fixture("payment_method")));
  CHECK(std::get<PaymentMethodAttached>(pm->data).type == "card");
  auto paid = parse_event(envelope("invoice.paid", fixture("invoice")));
  const auto& invoice = std::get<InvoiceEvent>(paid->data);
  CHECK(invoice.customer == "cus_QXg1o8vcGmoR32");
  CHECK(invoice.amount_due == 1000);
  CHECK(invoice.currency == "usd");
  CHECK(std::holds_alternative<InvoiceEvent>(
      parse_event(envelope("invoice.payment_failed", fixture("invoice")))->data));
  for (const char* type : {"customer.subscription.updated", "customer.subscription.deleted",
                           "customer.subscription.trial_will_end"}) {
    auto sub = parse_event(envelope(type, fixture("subscription")));
    REQUIRE(sub.has_value());
    CHECK(std::get<SubscriptionEvent>(sub->data).trial_end == 1234567890);
  }
}

TEST_CASE("a card's brand, last 4 digits and expiry from Stripe's example payment method") {
  auto pm = parse_event(envelope("payment_method.attached", fixture("payment_method")));
  const auto& attached = std::get<PaymentMethodAttached>(pm->data);
  CHECK(attached.id == "pm_1Pgc75B7WZ01zgkWlHVgdEGJ");
  CHECK(attached.card == std::optional(tollgate::Card{"visa", "4242", 8, 2030}));
  // A set-up whose payment method came expanded carries the card too; as an id, it does not.
  json::object setup = fixture("setup_intent");
  setup["payment_method"] = fixture("payment_method");
  auto expanded = parse_event(envelope("setup_intent.succeeded", setup));
  const auto& succeeded = std::get<SetupIntentSucceeded>(expanded->data);
  CHECK(succeeded.payment_method == "pm_1Pgc75B7WZ01zgkWlHVgdEGJ");
  CHECK(succeeded.card == std::optional(tollgate::Card{"visa", "4242", 8, 2030}));
  CHECK_FALSE(std::get<SetupIntentSucceeded>(
                  parse_event(envelope("setup_intent.succeeded", fixture("setup_intent")))->data)
                  .card.has_value());
  // A card missing a part is no card to show.
  json::object partial = fixture("payment_method");
  partial["card"].as_object().erase("exp_year");
  CHECK_FALSE(std::get<PaymentMethodAttached>(
                  parse_event(envelope("payment_method.attached", partial))->data)
                  .card.has_value());
}

TEST_CASE("unknown event types pass through untouched") {
  auto e = parse_event(envelope("plan.created", fixture("plan")));
  REQUIRE(e.has_value());
  const auto& unknown = std::get<UnknownEvent>(e->data);
  CHECK(json::parse(unknown.object_json) == fixture("plan"));
}

TEST_CASE("Stripe's example event parses, and non-events are refused") {
  auto e = parse_event(json::serialize(fixture("event")));
  REQUIRE(e.has_value());
  CHECK(e->id == "evt_1Pgc76B7WZ01zgkWwyRHS12y");
  CHECK(parse_event("not json").error().code == "stripe.event");
  CHECK(parse_event(R"({"id": "evt_1", "type": "x"})").error().code == "stripe.event");
}

TEST_CASE("every example object the provider reads parses as event data") {
  // The provider reads these resources from events; each parses without error.
  for (const char* resource : {"checkout.session", "setup_intent", "payment_method", "invoice",
                               "subscription", "payment_intent", "customer", "price", "product",
                               "refund", "billing.meter_event", "billing.meter"}) {
    INFO(resource);
    CHECK(parse_event(envelope("any.type", fixture(resource))).has_value());
  }
}
