// The Beast transport and the Stripe provider against real peers on 127.0.0.1:
// a TLS server with a throwaway PKI, stripe-stateful-mock, our fake of the
// endpoints the mock lacks, and the official Stripe SDK as an oracle. Nothing
// here reaches the internet.

#include <boost/json.hpp>

#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "../support/peer.hpp"
#include "../support/problems.hpp"
#include "../support/test_pki.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/manual_provider.hpp"
#include "tollgate/merchant.hpp"
#include "tollgate/stripe/beast_transport.hpp"
#include "tollgate/stripe/events.hpp"
#include "tollgate/stripe/stripe_provider.hpp"
#include "tollgate/stripe/webhook.hpp"

using namespace tollgate;
using namespace tollgate::stripe;
using tollgate::test::Peer;
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace date::literals;

namespace {

const test::TestPki& pki() {
  static const test::TestPki p = test::make_test_pki(test::temp_dir());
  return p;
}

HttpRequest get(const std::string& url, std::chrono::milliseconds timeout = 5000ms) {
  HttpRequest r;
  r.method = "GET";
  r.url = url;
  r.timeout = timeout;
  return r;
}

std::string https(int port, const std::string& host = "localhost") {
  return "https://" + host + ":" + std::to_string(port) + "/hello";
}

int connection_of(const HttpResponse& r) {
  return static_cast<int>(json::parse(r.body).at("connection").as_int64());
}

// The provider, over the Beast transport, against a plain-HTTP loopback peer.
struct LoopbackStripe {
  BeastTransport transport{BeastTransportOptions{"", true, {}}};
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<StripeProvider> provider;

  LoopbackStripe(const Peer& peer, std::string key,
                 const std::function<void(StripeConfig&)>& tune = {}) {
    StripeConfig config;
    config.secret_key = std::move(key);
    config.api_base = peer.url();
    config.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    if (tune) tune(config);
    provider = std::move(StripeProvider::create(config, transport)).value();
  }
};

}  // namespace

TEST_CASE("TLS: a certificate the given CA signed is accepted, with keep-alive reuse") {
  Peer server("tls_server.js", {"--key=" + pki().server_key, "--cert=" + pki().server_cert});
  BeastTransport transport({pki().ca_cert, false, {}});
  auto first = transport.send(get(https(server.port())));
  INFO((first ? "" : first.error().message));
  REQUIRE(first.has_value());
  CHECK(first->status == 200);
  auto second = transport.send(get(https(server.port())));
  REQUIRE(second.has_value());
  CHECK(connection_of(*first) == connection_of(*second));
  CHECK(transport.connections_opened() == 1);
}

TEST_CASE("TLS: an unknown CA, a wrong host name and an expired certificate are refused") {
  Peer server("tls_server.js", {"--key=" + pki().server_key, "--cert=" + pki().server_cert});
  SECTION("unknown CA: only the system's CAs are trusted") {
    BeastTransport transport;
    auto r = transport.send(get(https(server.port())));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == TransportErrorKind::tls);
  }
  SECTION("a name the certificate does not carry") {
    BeastTransport transport({pki().ca_cert, false, {{"tollgate-wrong.test", "127.0.0.1"}}});
    auto r = transport.send(get(https(server.port(), "tollgate-wrong.test")));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == TransportErrorKind::tls);
  }
  SECTION("an expired certificate") {
    Peer expired("tls_server.js", {"--key=" + pki().server_key, "--cert=" + pki().expired_cert});
    BeastTransport transport({pki().ca_cert, false, {}});
    auto r = transport.send(get(https(expired.port())));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == TransportErrorKind::tls);
  }
}

TEST_CASE("a kept-alive connection the server closed is reopened once") {
  Peer server("tls_server.js",
              {"--key=" + pki().server_key, "--cert=" + pki().server_cert, "--idle-close=100"});
  BeastTransport transport({pki().ca_cert, false, {}});
  REQUIRE(transport.send(get(https(server.port()))).has_value());
  std::this_thread::sleep_for(400ms);  // the server drops the idle connection
  auto again = transport.send(get(https(server.port())));
  INFO((again ? "" : again.error().message));
  REQUIRE(again.has_value());
  CHECK(connection_of(*again) == 2);
  CHECK(transport.connections_opened() == 2);
}

TEST_CASE("deadlines: a server that never answers times out") {
  Peer server("tls_server.js", {"--plain"});
  BeastTransport transport({"", true, {}});
  auto start = std::chrono::steady_clock::now();
  auto r = transport.send(get(server.url() + "/hang", 300ms));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == TransportErrorKind::timeout);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("plain HTTP only to loopback peers when allowed, never with a live key") {
  Peer server("tls_server.js", {"--plain"});
  BeastTransport strict;
  CHECK(strict.send(get(server.url() + "/hello")).error().kind == TransportErrorKind::refused);
  BeastTransport loopback({"", true, {}});
  CHECK(loopback.send(get(server.url() + "/hello")).has_value());
  HttpRequest live = get(server.url() + "/hello");
  live.headers.push_back({"Authorization", "Bearer sk_live_abc"});
  CHECK(loopback.send(live).error().kind == TransportErrorKind::refused);
  CHECK(loopback.send(get("http://10.1.2.3/hello")).error().kind == TransportErrorKind::refused);
}

TEST_CASE("stripe-stateful-mock: customers with real pagination") {
  Peer mock("stripe_mock.js");
  LoopbackStripe s(mock, "sk_test_pagination");
  for (const char* account : {"a1", "a2", "a3"})
    REQUIRE(s.provider->create_customer({account, "", "", {}}));
  auto all = s.provider->list_customers(2);
  INFO((all ? "" : all.error().message));
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 3);
  std::set<std::string> accounts;
  for (const auto& c : *all) accounts.insert(c.account_id);
  CHECK(accounts == std::set<std::string>{"a1", "a2", "a3"});
}

TEST_CASE("stripe-stateful-mock: charges, declines, idempotent replays and injected faults") {
  Peer mock("stripe_mock.js");
  LoopbackStripe s(mock, "sk_test_charges");
  auto charge = [&](const std::string& source, const std::string& key) {
    Form f;
    f.set("amount", 1935).set("currency", "usd").set("source", source);
    return s.provider->call("POST", "/v1/charges", f, key);
  };
  auto ok = charge("tok_visa", "tollgate-charge-inv-1-1");
  REQUIRE(ok.has_value());
  auto id = json::parse(*ok).at("id").as_string();
  CHECK(json::parse(*ok).at("amount").as_int64() == 1935);
  // The same key replays the first outcome: one charge, not two.
  CHECK(json::parse(*charge("tok_visa", "tollgate-charge-inv-1-1")).at("id").as_string() == id);

  auto declined = charge("tok_chargeDeclinedInsufficientFunds", "tollgate-charge-inv-2-1");
  REQUIRE_FALSE(declined.has_value());
  CHECK(declined.error().http_status == 402);
  CHECK(declined.error().type == "card_error");
  CHECK(declined.error().decline_code == "insufficient_funds");
  CHECK_FALSE(declined.error().retryable);

  auto limited = charge("tok_429", "tollgate-charge-inv-3-1");
  REQUIRE_FALSE(limited.has_value());
  CHECK(limited.error().http_status == 429);
  CHECK(s.sleeps.empty());  // 429 is not retried unless Stripe says so

  // Fault injection: the first charge of this source gets a 500. Stripe stores the
  // outcome under the idempotency key, so the provider's two retries replay it; the
  // next attempt (a new key: charge keys name the attempt) succeeds.
  std::string chain = "tok_500|tok_visa|tollgate" + std::to_string(mock.port());
  auto failed = charge(chain, "tollgate-charge-inv-4-1");
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().http_status == 500);
  CHECK(failed.error().retryable);
  CHECK(s.sleeps.size() == 2);
  auto next_attempt = charge(chain, "tollgate-charge-inv-4-2");
  INFO((next_attempt ? "" : next_attempt.error().message));
  CHECK(next_attempt.has_value());
}

TEST_CASE("stripe-stateful-mock: a connected account onboarding, its customers its own") {
  Peer mock("stripe_mock.js");
  LoopbackStripe platform(mock, "sk_test_connect");
  // The platform connects a merchant (onboarding is Stripe's, not Tollgate's).
  auto made = platform.provider->call("POST", "/v1/accounts", Form().set("type", "custom"));
  REQUIRE(made.has_value());
  std::string merchant_id(json::parse(*made).at("id").as_string());
  LoopbackStripe merchant(mock, "sk_test_connect",
                          [&](StripeConfig& c) { c.connected_account = merchant_id; });
  auto status = merchant.provider->connected_account_status();
  REQUIRE(status.has_value());
  CHECK(status->id == merchant_id);
  CHECK_FALSE(status->charges_enabled);  // a new account takes no charges yet
  CHECK_FALSE(status->currently_due.empty());
  auto catalog = load_catalog(test::data_file("examples/api-metering/catalog.json"));
  REQUIRE(catalog.has_value());
  CHECK(merchant.provider->publish_catalog(*catalog, "USD").error().code == "account_restricted");
  // Its customers live on its account (Stripe-Account), not on the platform's.
  auto customer = merchant.provider->create_customer({"dev-1", "", "", {}});
  REQUIRE(customer.has_value());
  CHECK(merchant.provider->call("GET", "/v1/customers/" + customer->id, Form()).has_value());
  CHECK(
      platform.provider->call("GET", "/v1/customers/" + customer->id, Form()).error().http_status ==
      404);
  // An account the platform never connected.
  LoopbackStripe stranger(mock, "sk_test_connect",
                          [](StripeConfig& c) { c.connected_account = "acct_neverconnected"; });
  CHECK(stranger.provider->connected_account_status().error().code == "account_missing");
}

TEST_CASE("our fake: set-up through Checkout, credit purchases, off-session charges, meters") {
  Peer fake("stripe_fake.js", {"--secret=whsec_loopback"});
  LoopbackStripe s(fake, "sk_test_fake_key");
  auto setup = s.provider->start_payment_method_setup(
      {"acme", "cus_1", "usd", "https://a/ok", "https://a/no"});
  REQUIRE(setup.has_value());
  CHECK(setup->url.find(setup->id) != std::string::npos);
  CHECK(s.provider->payment_method_setup_result(setup->id)->status == SetupStatus::pending);

  // The customer completes the page: the fake returns the webhook Stripe would send.
  auto delivery =
      s.provider->call("POST", "/__complete/" + setup->id, Form().set("timestamp", 1700000000));
  REQUIRE(delivery.has_value());
  auto outcome = s.provider->payment_method_setup_result(setup->id);
  CHECK(outcome->status == SetupStatus::succeeded);
  CHECK(outcome->payment_method_id == "pm_fake_card");

  CreditPurchaseRequest request;
  request.account_id = "acme";
  request.customer_id = "cus_1";
  request.package = "credits-50";
  request.credits = Decimal(50);
  request.price = *Money::parse("5.00", "USD");
  request.success_url = "https://a/ok";
  request.cancel_url = "https://a/no";
  auto purchase = s.provider->start_credit_purchase(request);
  REQUIRE(purchase.has_value());
  auto completed =
      s.provider->call("POST", "/__complete/" + purchase->id, Form().set("timestamp", 1700000000));
  REQUIRE(completed.has_value());
  auto signed_event = json::parse(*completed);
  std::string payload(signed_event.at("payload").as_string()),
      header(signed_event.at("header").as_string());
  REQUIRE(verify_webhook(payload, header, "whsec_loopback", {300, 1700000005}).has_value());
  auto event = parse_event(payload);
  REQUIRE(event.has_value());
  const auto& session = std::get<CheckoutSessionEvent>(event->data);
  CHECK(session.id == purchase->id);
  CHECK(session.payment_status == "paid");
  CHECK(session.amount_total == 500);
  CHECK(session.metadata.at("credits") == "50");
  CHECK(session.metadata.at("tollgate_account") == "acme");

  auto charge =
      s.provider->charge({"inv-9", 1, *Money::parse("12.00", "USD"), "cus_1", "pm_fake_card", ""});
  REQUIRE(charge.has_value());
  CHECK(charge->status == ChargeStatus::succeeded);
  CHECK(s.provider->charge({"inv-9", 1, *Money::parse("12.00", "USD"), "cus_1", "pm_fake_card", ""})
            ->id == charge->id);
  auto declined = s.provider->charge(
      {"inv-10", 1, *Money::parse("12.00", "USD"), "cus_1", "pm_card_chargeDeclined", ""});
  REQUIRE_FALSE(declined.has_value());
  CHECK(declined.error().code == "card_declined");

  auto catalog = test::data_file("examples/api-metering/catalog.json");
  REQUIRE(s.provider->report_usage({"api_calls", "cus_1", Decimal(4000), "c1", 1710460800}));
  REQUIRE(s.provider->report_usage({"api_calls", "cus_1", Decimal(4000), "c1", 1710460800}));
  auto count = s.provider->call("GET", "/__meter_events", Form());
  CHECK(json::parse(*count).at("count").as_int64() == 1);
}

TEST_CASE(
    "our fake: a card that needs 3-D Secure waits for the customer, and is voided or found paid") {
  Peer fake("stripe_fake.js", {"--secret=whsec_loopback"});
  LoopbackStripe s(fake, "sk_test_fake_key", [](StripeConfig& c) {
    c.confirmation_url = "https://shop.test/confirm?intent={PAYMENT_INTENT}";
  });
  auto usd = [](const char* amount) { return *Money::parse(amount, "USD"); };
  // Off-session, Stripe declines the card "authentication_required" and keeps the intent.
  auto asked = s.provider->charge(
      {"inv-3ds", 1, usd("12.00"), "cus_3ds", "pm_card_authenticationRequired", ""});
  REQUIRE(asked.has_value());
  CHECK(asked->status == ChargeStatus::requires_action);
  CHECK(asked->failure == "authentication_required");
  CHECK(asked->id.rfind("pi_", 0) == 0);
  CHECK(asked->action_url == "https://shop.test/confirm?intent=" + asked->id);
  // Looked up again later (a run that lost the answer), it still waits for the customer.
  auto found = s.provider->find_charge({"inv-3ds", 1, usd("12.00"), "cus_3ds", "", ""});
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->id == asked->id);
  CHECK((*found)->status == ChargeStatus::requires_action);
  // Never confirmed: voided; voiding it again reads it and calls nothing more.
  auto voided = s.provider->cancel_charge(asked->id);
  REQUIRE(voided.has_value());
  CHECK(voided->status == ChargeStatus::failed);
  CHECK(voided->failure == "authentication_required");
  CHECK(s.provider->cancel_charge(asked->id)->status == ChargeStatus::failed);

  // Confirmed by the customer before the wait ended: not voided, paid.
  auto second = s.provider->charge(
      {"inv-3ds", 2, usd("12.00"), "cus_3ds", "pm_card_authenticationRequired", ""});
  REQUIRE(second.has_value());
  REQUIRE(s.provider->call("POST", "/__confirm/" + second->id, Form()).has_value());
  auto settled = s.provider->cancel_charge(second->id);
  REQUIRE(settled.has_value());
  CHECK(settled->status == ChargeStatus::succeeded);
  CHECK(settled->id == second->id);
  CHECK_FALSE(s.provider->cancel_charge("").has_value());
}

TEST_CASE(
    "our fake: Stripe Connect, a merchant's charges on its own account with the platform's fee") {
  Peer fake("stripe_fake.js", {"--secret=whsec_loopback"});
  auto usd = [](const char* amount) { return *Money::parse(amount, "USD"); };
  // acct_ready takes charges: 10% + 0.30 of 12.00 = 1.20 + 0.30 = 1.50 goes to the platform.
  LoopbackStripe merchant(fake, "sk_test_fake_key", [](StripeConfig& c) {
    c.connected_account = "acct_ready";
    c.platform_fee_percent = Decimal(10);
    c.platform_fee_fixed = *Decimal::parse("0.30");
  });
  auto status = merchant.provider->connected_account_status();
  REQUIRE(status.has_value());
  CHECK(status->id == "acct_ready");
  CHECK(status->charges_enabled);
  auto catalog = load_catalog(test::data_file("examples/api-metering/catalog.json"));
  REQUIRE(catalog.has_value());
  CHECK(merchant.provider->publish_catalog(*catalog, "USD").has_value());
  auto charged =
      merchant.provider->charge({"inv-c1", 1, usd("12.00"), "cus_m", "pm_fake_card", ""});
  REQUIRE(charged.has_value());
  CHECK(charged->status == ChargeStatus::succeeded);
  // The charge lives on the merchant's account (Stripe-Account), with the fee on it.
  auto seen =
      json::parse(*merchant.provider->call("GET", "/v1/payment_intents/" + charged->id, Form()));
  CHECK(seen.at("application_fee_amount").as_int64() == 150);
  CHECK(seen.at("amount").as_int64() == 1200);
  LoopbackStripe platform(fake, "sk_test_fake_key");
  CHECK(platform.provider->call("GET", "/v1/payment_intents/" + charged->id, Form())
            .error()
            .http_status == 404);
  // A fee is never more than the charge: 10% + 0.30 of 0.20 is capped at 0.20.
  auto tiny = merchant.provider->charge({"inv-c2", 1, usd("0.20"), "cus_m", "pm_fake_card", ""});
  REQUIRE(tiny.has_value());
  CHECK(json::parse(*merchant.provider->call("GET", "/v1/payment_intents/" + tiny->id, Form()))
            .at("application_fee_amount")
            .as_int64() == 20);

  // A merchant still onboarding: refused before anything is published, saying what Stripe needs.
  // The merchant is told, with the host's page where it finishes onboarding.
  auto onboarding = [](const char* account) {
    return [account](StripeConfig& c) {
      c.connected_account = account;
      c.onboarding_url = "https://gateway.test/connect?account={ACCOUNT}";
    };
  };
  std::vector<MerchantNotice> told;
  auto notify = [&](const MerchantNotice& n) { told.push_back(n); };
  LoopbackStripe pending(fake, "sk_test_fake_key", onboarding("acct_pending"));
  auto refused = publish_for_merchant(*pending.provider, *catalog, "USD", {"new-co", "gw"},
                                      2024_y / 3 / 1, notify);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "account_restricted");
  CHECK(refused.error().message.find("external_account, tos_acceptance.date") != std::string::npos);
  REQUIRE(told.size() == 1);
  CHECK(told[0].reason == "account_restricted");
  CHECK(told[0].message == refused.error().message);
  CHECK(told[0].action_url == "https://gateway.test/connect?account=acct_pending");
  // That page asks Stripe for the onboarding form, as the platform.
  auto form = pending.provider->onboarding_link("https://gateway.test/connect/refresh",
                                                "https://gateway.test/connect/done");
  REQUIRE(form.has_value());
  CHECK(form->rfind("https://connect.stripe.test/setup/e/acct_pending/", 0) == 0);
  // An account that is not connected to the platform at all.
  LoopbackStripe missing(fake, "sk_test_fake_key", onboarding("acct_nobody"));
  auto absent = publish_for_merchant(*missing.provider, *catalog, "USD", {"lost-co", "gw"},
                                     2024_y / 3 / 1, notify);
  REQUIRE_FALSE(absent.has_value());
  CHECK(absent.error().code == "account_missing");
  CHECK(absent.error().message.find("acct_nobody") != std::string::npos);
  REQUIRE(told.size() == 2);
  CHECK(told[1].key == "MERCHANT_ACCOUNT:lost-co:gw:account_missing:2024-03-01");
  CHECK(missing.provider->onboarding_link("https://r.test", "https://d.test").error().code ==
        "resource_missing");
  // A ready merchant publishes, and nobody is told anything.
  LoopbackStripe ready(fake, "sk_test_fake_key", onboarding("acct_ready"));
  CHECK(publish_for_merchant(*ready.provider, *catalog, "USD", {"ready-co", "gw"}, 2024_y / 3 / 1,
                             notify)
            .has_value());
  CHECK(told.size() == 2);
}

TEST_CASE(
    "our fake: credit packages on an embedded page, through a Stripe price, with tax, the portal") {
  Peer fake("stripe_fake.js", {"--secret=whsec_loopback"});
  LoopbackStripe admin(fake, "sk_test_fake_key");
  auto make_price = [&](int cents) {
    Form f;
    f.set("currency", "usd").set("unit_amount", cents).set("product", "prod_credits");
    auto made = admin.provider->call("POST", "/v1/prices", f);
    REQUIRE(made.has_value());
    return std::string(json::parse(*made).at("id").as_string());
  };
  // credits-50 costs 5.00 and its Stripe price charges 500 cents; credits-10's has
  // drifted to 400 cents while the catalog says 1.00.
  std::string good = make_price(500), drifted = make_price(400);
  LoopbackStripe s(fake, "sk_test_fake_key", [&](StripeConfig& c) {
    c.credit_package_prices = {{"credits-50", good}, {"credits-10", drifted}};
  });
  auto session_sent = [&](const std::string& id) {
    return json::parse(*s.provider->call("GET", "/v1/checkout/sessions/" + id, Form()));
  };

  CreditPurchaseRequest r;
  r.account_id = "acme";
  r.customer_id = "cus_1";
  r.package = "credits-50";
  r.credits = Decimal(50);
  r.price = *Money::parse("5.00", "USD");
  r.ui = CheckoutUi::embedded_page;
  r.return_url = "https://a/credits/done?session={CHECKOUT_SESSION_ID}";
  r.automatic_tax = true;
  auto embedded = s.provider->start_credit_purchase(r);
  INFO((embedded ? "" : embedded.error().message));
  REQUIRE(embedded.has_value());
  CHECK(embedded->url.empty());
  CHECK(embedded->client_secret == embedded->id + "_secret_fake");
  json::value sent = session_sent(embedded->id);
  CHECK(sent.at("ui_mode") == "embedded_page");
  CHECK(sent.at("return_url") == "https://a/credits/done?session={CHECKOUT_SESSION_ID}");
  CHECK(sent.at("line_items").at("0").at("price").as_string() == good);
  CHECK(sent.at("amount_total").to_number<std::int64_t>() == 500);
  CHECK(sent.at("automatic_tax").at("enabled") == "true");
  CHECK(sent.at("customer_update").at("address") == "auto");

  // A configured price that no longer charges the package's price sells nothing.
  r.package = "credits-10";
  r.price = *Money::parse("1.00", "USD");
  auto mismatch = s.provider->start_credit_purchase(r);
  REQUIRE_FALSE(mismatch.has_value());
  CHECK(mismatch.error().code == "price_mismatch");

  // An embedded page needs somewhere to return to.
  r.return_url.clear();
  CHECK(s.provider->start_credit_purchase(r).error().code == "return_url");

  // A package with no Stripe price: an inline price with its name and description.
  r.package = "credits-7";
  r.price = *Money::parse("0.70", "USD");
  r.ui = CheckoutUi::hosted_page;
  r.automatic_tax = false;
  r.success_url = "https://a/ok";
  r.cancel_url = "https://a/no";
  r.description = "Seven API credits, valid a year";
  auto hosted = s.provider->start_credit_purchase(r);
  REQUIRE(hosted.has_value());
  CHECK_FALSE(hosted->url.empty());
  json::value inline_sent = session_sent(hosted->id);
  const json::value& data = inline_sent.at("line_items").at("0").at("price_data");
  CHECK(data.at("unit_amount") == "70");
  CHECK(data.at("product_data").at("name") == "credits-7");
  CHECK(data.at("product_data").at("description") == "Seven API credits, valid a year");
  CHECK(inline_sent.at("success_url") == "https://a/ok");

  auto portal = s.provider->start_customer_portal({"cus_1", "https://a/account"});
  REQUIRE(portal.has_value());
  CHECK(portal->url == "https://billing.stripe.test/p/session/" + portal->id);
  CHECK(s.provider->start_customer_portal({"", "https://a/account"}).error().code == "customer");
  ManualProvider manual;
  CHECK(manual.start_customer_portal({"cus_1", ""}).error().code == "unsupported");
}

TEST_CASE("the form encoder matches the official SDK's on a table of nested parameters") {
  // Each set is encoded by stripe-node 23.1.0 (form_oracle.js) and by Form.
  const char* table = R"([
    {"amount": 1935, "currency": "usd", "confirm": true, "off_session": false},
    {"metadata": {"order": "A-1", "note": "a b&c=d!*'()~"}, "email": "x+y@acme.test"},
    {"line_items": [{"price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Crédits 50"}},
                     "quantity": 1}], "mode": "payment"},
    {"expand": ["customer", "invoice.subscription"], "limit": 3, "starting_after": "cus_2"},
    {"tiers": [{"up_to": 1000, "unit_amount_decimal": "0"}, {"up_to": "inf", "unit_amount_decimal": "0.45"}],
     "recurring": {"interval": "month", "usage_type": "metered"}},
    {"description": "", "metadata": {"k[x]": "v[0]", "empty": ""}},
    {"payload": {"stripe_customer_id": "cus_1", "value": "80"}, "identifier": "u-1", "timestamp": 1706140800},
    {"amount": 1200, "currency": "usd", "off_session": true, "confirm": true, "application_fee_amount": 150,
     "metadata": {"tollgate_invoice": "inv-1", "tollgate_attempt": 1}},
    {"cancellation_reason": "abandoned"},
    {"ui_mode": "embedded_page", "automatic_tax": {"enabled": true}, "customer_update": {"address": "auto"},
     "payment_intent_data": {"metadata": {"credits": "50"}}},
    {"account": "acct_pending", "type": "account_onboarding",
     "refresh_url": "https://gw.test/connect?account=acct_pending&again=1", "return_url": "https://gw.test/done"}
  ])";
  std::string file = test::temp_dir() + "/params.json";
  std::ofstream(file) << table;
  std::string expected = test::run_node("form_oracle.js", {file});

  std::function<Form(const json::object&)> to_form = [&](const json::object& o) {
    Form f;
    auto scalar = [](const json::value& v) {
      if (v.is_string()) return std::string(v.get_string());
      if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
      if (v.is_null()) return std::string();
      return json::serialize(v);
    };
    for (const auto& [key, value] : o) {
      if (value.is_object()) {
        f.set(key, to_form(value.get_object()));
      } else if (value.is_array()) {
        for (const auto& item : value.get_array())
          item.is_object() ? f.append(key, to_form(item.get_object()))
                           : f.append(key, scalar(item));
      } else {
        f.set(key, scalar(value));
      }
    }
    return f;
  };
  std::string actual;
  const json::value parsed = json::parse(table);  // kept alive: the loop borrows from it
  for (const auto& params : parsed.as_array())
    actual += to_form(params.as_object()).encode() + "\n";
  CHECK(actual == expected);
}

TEST_CASE("headers generated by the official SDK verify") {
  const char* payloads =
      R"(["{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\"}", "{}", "caf\u00e9 \n bytes"])";
  std::string file = test::temp_dir() + "/payloads.json";
  std::ofstream(file) << payloads;
  std::string lines =
      test::run_node("webhook_oracle.js", {file, "whsec_oracle_secret", "1700000000"});
  int verified = 0;
  std::size_t start = 0;
  for (std::size_t end; (end = lines.find('\n', start)) != std::string::npos; start = end + 1) {
    auto line = json::parse(lines.substr(start, end - start));
    auto ok = verify_webhook(line.at("payload").as_string(), line.at("header").as_string(),
                             "whsec_oracle_secret", {300, 1700000030});
    CHECK(ok.has_value());
    ++verified;
  }
  CHECK(verified == 3);
}
