// The Stripe provider against a scripted in-process transport: what it sends,
// how it retries, how it reads errors. Loopback tests against real peers are
// in stripe_loopback_test.

#include "tollgate/stripe/stripe_provider.hpp"

#include <boost/json.hpp>

#include <deque>
#include <functional>

#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"

using namespace tollgate;
using namespace tollgate::stripe;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// Answers requests from a script and records what was sent.
class ScriptedTransport : public HttpTransport {
 public:
  std::deque<Result<HttpResponse, TransportError>> script;
  std::vector<HttpRequest> sent;

  void reply(int status, std::string body, std::vector<HttpHeader> headers = {}) {
    script.push_back(HttpResponse{status, std::move(headers), std::move(body)});
  }
  void fail(TransportErrorKind kind) {
    script.push_back(unexpected(TransportError{kind, "scripted failure"}));
  }

  Result<HttpResponse, TransportError> send(const HttpRequest& request) override {
    sent.push_back(request);
    REQUIRE_FALSE(script.empty());
    auto next = script.front();
    script.pop_front();
    return next;
  }
};

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (h.name == name) return h.value;
  return "";
}

struct Fixture {
  ScriptedTransport transport;
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<StripeProvider> stripe;

  Fixture() {
    StripeConfig config;
    config.secret_key = "sk_test_secret_123";
    config.api_base = "http://127.0.0.1:12111";
    config.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    auto created = StripeProvider::create(config, transport);
    REQUIRE(created.has_value());
    stripe = std::move(created).value();
  }
};

Money usd(const char* amount) {
  return *Money::parse(amount, "USD");
}

const char* kCardError = R"({"error": {"type": "card_error", "code": "card_declined",
  "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}})";

}  // namespace

TEST_CASE("requests carry the key, the pinned version and an idempotency key, form-encoded") {
  Fixture f;
  f.transport.reply(200, R"({"id": "cus_1", "object": "customer"})");
  auto c = f.stripe->create_customer({"acme", "billing@acme.test", "Acme", {}});
  REQUIRE(c.has_value());
  CHECK(c->id == "cus_1");
  const HttpRequest& r = f.transport.sent.at(0);
  CHECK(r.method == "POST");
  CHECK(r.url == "http://127.0.0.1:12111/v1/customers");
  CHECK(header(r, "Authorization") == "Bearer sk_test_secret_123");
  CHECK(header(r, "Stripe-Version") == "2026-10-28.endive");
  CHECK(header(r, "Content-Type") == "application/x-www-form-urlencoded");
  CHECK(header(r, "Idempotency-Key") == "tollgate-customer-acme");
  CHECK(r.body == "email=billing%40acme.test&name=Acme&metadata[tollgate_account]=acme");
}

TEST_CASE("a charge sends minor units with a key derived from the invoice and attempt") {
  Fixture f;
  f.transport.reply(200, R"({"id": "pi_1", "object": "payment_intent", "status": "succeeded"})");
  auto charged = f.stripe->charge({"inv-42", 2, usd("19.35"), "cus_1", "pm_card_visa", ""});
  REQUIRE(charged.has_value());
  CHECK(charged->status == ChargeStatus::succeeded);
  const HttpRequest& r = f.transport.sent.at(0);
  CHECK(r.url == "http://127.0.0.1:12111/v1/payment_intents");
  CHECK(header(r, "Idempotency-Key") == "tollgate-charge-inv-42-2");
  CHECK(r.body ==
        "amount=1935&currency=usd&customer=cus_1&payment_method=pm_card_visa&off_session=true&"
        "confirm=true"
        "&metadata[tollgate_invoice]=inv-42&metadata[tollgate_attempt]=2");
}

TEST_CASE("retries reuse one idempotency key and back off 0.5 s doubling, with jitter") {
  Fixture f;
  f.transport.reply(500, R"({"error": {"type": "api_error"}})");
  f.transport.reply(503, "");
  f.transport.reply(200, R"({"id": "pi_1", "status": "succeeded"})");
  REQUIRE(f.stripe->charge({"inv-1", 1, usd("5.00"), "cus_1", "pm_1", ""}).has_value());
  REQUIRE(f.transport.sent.size() == 3);
  for (const auto& r : f.transport.sent)
    CHECK(header(r, "Idempotency-Key") == "tollgate-charge-inv-1-1");
  REQUIRE(f.sleeps.size() == 2);
  CHECK(f.sleeps[0] == 500ms);  // 500 ms x [0.5, 1), never below 500 ms
  CHECK(f.sleeps[1] >= 500ms);
  CHECK(f.sleeps[1] < 1000ms);  // 1 s x [0.5, 1)
}

TEST_CASE("generated idempotency keys are reused across retries too") {
  Fixture f;
  f.transport.fail(TransportErrorKind::connect);
  f.transport.reply(200, R"({"id": "cs_1", "url": "https://checkout.stripe.test/cs_1"})");
  REQUIRE(f.stripe->start_payment_method_setup(
      {"acme", "cus_1", "USD", "https://a/ok", "https://a/no"}));
  REQUIRE(f.transport.sent.size() == 2);
  CHECK(header(f.transport.sent[0], "Idempotency-Key").rfind("tollgate-", 0) == 0);
  CHECK(header(f.transport.sent[0], "Idempotency-Key") ==
        header(f.transport.sent[1], "Idempotency-Key"));
}

TEST_CASE("what is retried and what is not") {
  SECTION("409 is retried") {
    Fixture f;
    f.transport.reply(409, R"({"error": {"type": "idempotency_error"}})");
    f.transport.reply(200, R"({"id": "cus_1"})");
    CHECK(f.stripe->create_customer({"a", "", "", {}}).has_value());
  }
  SECTION("429 is not retried unless Stripe says so") {
    Fixture f;
    f.transport.reply(429, R"({"error": {"type": "rate_limit_error", "code": "rate_limit"}})");
    auto r = f.stripe->create_customer({"a", "", "", {}});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().http_status == 429);
    CHECK(r.error().retryable);  // not now, but a later try may succeed
    CHECK(f.transport.sent.size() == 1);
    Fixture g;
    g.transport.reply(429, "{}", {{"Stripe-Should-Retry", "true"}});
    g.transport.reply(200, R"({"id": "cus_1"})");
    CHECK(g.stripe->create_customer({"a", "", "", {}}).has_value());
  }
  SECTION("Stripe-Should-Retry: false stops even a 500") {
    Fixture f;
    f.transport.reply(500, "{}", {{"Stripe-Should-Retry", "false"}});
    auto r = f.stripe->create_customer({"a", "", "", {}});
    REQUIRE_FALSE(r.has_value());
    CHECK_FALSE(r.error().retryable);
    CHECK(f.transport.sent.size() == 1);
  }
  SECTION("TLS failures are not retried; the budget bounds the rest") {
    Fixture f;
    f.transport.fail(TransportErrorKind::tls);
    auto tls = f.stripe->create_customer({"a", "", "", {}});
    CHECK(tls.error().code == "tls");
    CHECK(f.transport.sent.size() == 1);
    Fixture g;
    for (int i = 0; i < 3; ++i) g.transport.fail(TransportErrorKind::timeout);
    auto timeout = g.stripe->create_customer({"a", "", "", {}});
    CHECK(timeout.error().code == "timeout");
    CHECK(timeout.error().retryable);
    CHECK(g.transport.sent.size() == 3);  // the first try and max_retries = 2
  }
}

TEST_CASE("a declined card is an error value with Stripe's codes and request id") {
  Fixture f;
  f.transport.reply(402, kCardError, {{"Request-Id", "req_123"}});
  auto r = f.stripe->charge({"inv-1", 1, usd("5.00"), "cus_1", "pm_1", ""});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().http_status == 402);
  CHECK(r.error().type == "card_error");
  CHECK(r.error().code == "card_declined");
  CHECK(r.error().decline_code == "insufficient_funds");
  CHECK(r.error().request_id == "req_123");
  CHECK_FALSE(r.error().retryable);
  CHECK(r.error().message.find("sk_test") == std::string::npos);
}

TEST_CASE("an earlier charge is found by the invoice and attempt in its metadata, across pages") {
  Fixture f;
  f.transport.reply(200, R"({"object": "list", "has_more": true, "data": [
    {"id": "pi_9", "status": "succeeded", "metadata": {"tollgate_invoice": "inv-42", "tollgate_attempt": "1"}},
    {"id": "pi_8", "status": "succeeded", "metadata": {}}]})");
  f.transport.reply(200, R"({"object": "list", "has_more": false, "data": [
    {"id": "pi_7", "status": "requires_payment_method",
     "metadata": {"tollgate_invoice": "inv-42", "tollgate_attempt": "2"}}]})");
  auto found = f.stripe->find_charge({"inv-42", 2, usd("19.35"), "cus_1", "pm_card_visa", ""});
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->id == "pi_7");
  CHECK((*found)->status == ChargeStatus::failed);
  CHECK(f.transport.sent[0].url ==
        "http://127.0.0.1:12111/v1/payment_intents?customer=cus_1&limit=100");
  CHECK(f.transport.sent[1].url ==
        "http://127.0.0.1:12111/v1/payment_intents?customer=cus_1&limit=100&starting_after=pi_8");
  // None made: nothing found, and the run may charge.
  f.transport.reply(200, R"({"object": "list", "has_more": false, "data": []})");
  auto none = f.stripe->find_charge({"inv-43", 1, usd("1.00"), "cus_1", "pm_card_visa", ""});
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  // Declined for want of 3-D Secure, decline code and all: it waits for the customer.
  f.transport.reply(200, R"({"object": "list", "has_more": false, "data": [
    {"id": "pi_6", "status": "requires_payment_method",
     "last_payment_error": {"code": "authentication_required", "decline_code": "authentication_required"},
     "metadata": {"tollgate_invoice": "inv-44", "tollgate_attempt": "1"}}]})");
  auto waiting = f.stripe->find_charge({"inv-44", 1, usd("1.00"), "cus_1", "pm_card_visa", ""});
  REQUIRE(waiting.has_value());
  REQUIRE(waiting->has_value());
  CHECK((*waiting)->status == ChargeStatus::requires_action);
  CHECK((*waiting)->failure == "authentication_required: authentication_required");
}

TEST_CASE("pagination follows starting_after") {
  Fixture f;
  f.transport.reply(200, R"({"object": "list", "has_more": true, "data": [
    {"id": "cus_1", "metadata": {"tollgate_account": "a"}}, {"id": "cus_2", "metadata": {}}]})");
  f.transport.reply(
      200, R"({"object": "list", "has_more": false, "data": [{"id": "cus_3", "metadata": {}}]})");
  auto all = f.stripe->list_customers(2);
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].account_id == "a");
  CHECK(f.transport.sent[0].url == "http://127.0.0.1:12111/v1/customers?limit=2");
  CHECK(f.transport.sent[1].url ==
        "http://127.0.0.1:12111/v1/customers?limit=2&starting_after=cus_2");
  CHECK(f.transport.sent[1].method == "GET");
  CHECK(header(f.transport.sent[1], "Idempotency-Key").empty());
}

TEST_CASE("amounts in Stripe's minor units") {
  CHECK(*to_minor_units(usd("19.35")) == 1935);
  CHECK(*to_minor_units(*Money::parse("387", "JPY")) == 387);
  CHECK(*to_minor_units(*Money::parse("3.871", "BHD")) == 3871);
  CHECK(to_minor_units(usd("0.001")).error().code == "stripe.amount");
  CHECK(minor_unit_decimal(*Decimal::parse("0.0045"), "USD") == "0.45");
  CHECK(minor_unit_decimal(*Decimal::parse("100.00"), "USD") == "10000");
  CHECK(minor_unit_decimal(*Decimal::parse("0.5"), "JPY") == "0.5");
  CHECK(is_zero_decimal("jpy"));
  CHECK_FALSE(is_zero_decimal("usd"));
  // What Stripe sends back (refunds, disputes): 1935 cents is 19.35 USD, 387 yen is 387 JPY.
  CHECK(from_minor_units(1935, "usd") == *Decimal::parse("19.35"));
  CHECK(from_minor_units(387, "jpy") == Decimal(387));
  CHECK(from_minor_units(3871, "bhd") == *Decimal::parse("3.871"));
}

TEST_CASE("a live key is never sent over plain HTTP, only secret keys are accepted") {
  ScriptedTransport t;
  StripeConfig live;
  live.secret_key = "sk_live_abc";
  live.api_base = "http://127.0.0.1:12111";
  CHECK(StripeProvider::create(live, t).error().code == "stripe.config");
  StripeConfig publishable;
  publishable.secret_key = "pk_test_abc";
  CHECK(StripeProvider::create(publishable, t).error().code == "stripe.config");
}

TEST_CASE("a connected account read from Stripe's example account, asked as the platform") {
  ScriptedTransport t;
  StripeConfig config;
  config.secret_key = "sk_test_secret_123";
  config.api_base = "http://127.0.0.1:12111";
  config.connected_account = "acct_1PgafTB7WZ01zgkW";
  auto stripe = std::move(StripeProvider::create(config, t)).value();
  auto doc = json::parse(tollgate::test::data_file("stripe/fixtures3.json"));
  t.reply(200, json::serialize(doc.at("resources").at("account")));
  auto status = stripe->connected_account_status();
  REQUIRE(status.has_value());
  CHECK(status->id == "acct_1PgafTB7WZ01zgkW");
  CHECK_FALSE(status->charges_enabled);
  CHECK(status->disabled_reason == "requirements.past_due");
  CHECK(status->currently_due.size() == 6);
  CHECK(status->currently_due[3] == "external_account");
  REQUIRE(t.sent.size() == 1);
  CHECK(t.sent[0].url == "http://127.0.0.1:12111/v1/accounts/acct_1PgafTB7WZ01zgkW");
  CHECK(header(t.sent[0], "Stripe-Account").empty());  // the platform asks about its account
  // Every other call carries it.
  t.reply(200, R"({"id": "cus_1"})");
  REQUIRE(stripe->create_customer({"acme", "", "", {}}));
  CHECK(header(t.sent[1], "Stripe-Account") == "acct_1PgafTB7WZ01zgkW");
}

TEST_CASE("a charge with no card on file is declined without asking Stripe") {
  Fixture f;  // no reply scripted: a request would fail the transport's REQUIRE
  auto declined = f.stripe->charge({"inv-1", 1, *Money::parse("10.00", "USD"), "cus_1", "", ""});
  REQUIRE_FALSE(declined.has_value());
  CHECK(declined.error().type == "card_error");
  CHECK(declined.error().code == "payment_method_missing");
  CHECK(declined.error().http_status == 402);
  CHECK_FALSE(declined.error().retryable);
  CHECK(f.transport.sent.empty());
}

TEST_CASE(
    "Stripe Connect's settings are checked: an acct_ id, a fee only with one, never negative") {
  ScriptedTransport t;
  auto with = [&](const std::function<void(StripeConfig&)>& tune) {
    StripeConfig c;
    c.secret_key = "sk_test_abc";
    tune(c);
    return StripeProvider::create(c, t);
  };
  CHECK(with([](StripeConfig& c) { c.connected_account = "acct_1"; }).has_value());
  CHECK(with([](StripeConfig& c) { c.connected_account = "cus_1"; }).error().code ==
        "stripe.config");
  CHECK(with([](StripeConfig& c) { c.connected_account = "acct_1\r\nX: y"; }).error().code ==
        "stripe.config");
  CHECK(with([](StripeConfig& c) { c.platform_fee_percent = Decimal(5); }).error().code ==
        "stripe.config");  // a fee with no connected account
  CHECK(with([](StripeConfig& c) {
          c.connected_account = "acct_1";
          c.platform_fee_fixed = Decimal(-1);
        })
            .error()
            .code == "stripe.config");
  CHECK(with([](StripeConfig& c) {
          c.connected_account = "acct_1";
          c.platform_fee_percent = Decimal(101);
        })
            .error()
            .code == "stripe.config");
}

TEST_CASE("publishing a catalog creates products, prices, meters and tiered prices") {
  Fixture f;
  auto catalog =
      tollgate::test::catalog_from(tollgate::test::data_file("examples/api-metering/catalog.json"));
  f.transport.reply(200, R"({"id": "prod_1"})");
  f.transport.reply(200, R"({"id": "price_recurring"})");
  f.transport.reply(200, R"({"id": "mtr_1"})");
  f.transport.reply(200, R"({"id": "price_calls"})");
  auto mapping = f.stripe->publish_catalog(*catalog, "USD");
  REQUIRE(mapping.has_value());
  CHECK(mapping->products.at("GoldAPI") == "prod_1");
  CHECK(mapping->prices.at("gold-api/0/recurring") == "price_recurring");
  CHECK(mapping->meters.at("api_calls") == "mtr_1");
  CHECK(mapping->prices.at("gold-api/0/calls") == "price_calls");
  const auto& sent = f.transport.sent;
  REQUIRE(sent.size() == 4);
  CHECK(sent[1].body ==
        "product=prod_1&currency=usd&unit_amount_decimal=10000&recurring[interval]=month&recurring["
        "interval_count]=1"
        "&metadata[tollgate_plan]=gold-api&metadata[tollgate_phase]=EVERGREEN");
  CHECK(sent[2].url == "http://127.0.0.1:12111/v1/billing/meters");
  CHECK(sent[3].body ==
        "product=prod_1&currency=usd&recurring[interval]=month&recurring[interval_count]=1"
        "&recurring[usage_type]=metered&recurring[meter]=mtr_1&billing_scheme=tiered&tiers_mode="
        "graduated"
        "&tiers[0][up_to]=1000&tiers[0][unit_amount_decimal]=0&tiers[0][flat_amount_decimal]=0"
        "&tiers[1][up_to]=10000&tiers[1][unit_amount_decimal]=1.25&tiers[1][flat_amount_decimal]=0"
        "&tiers[2][up_to]=inf&tiers[2][unit_amount_decimal]=0.45&tiers[2][flat_amount_decimal]=0"
        "&metadata[tollgate_plan]=gold-api&metadata[tollgate_usage]=calls");
  for (const auto& r : sent)
    CHECK(header(r, "Idempotency-Key").rfind("tollgate-publish-api-manager-tiers-", 0) == 0);
}

TEST_CASE("usage reports carry a stable identifier") {
  Fixture f;
  f.transport.reply(200, R"({"object": "billing.meter_event", "identifier": "u-1"})");
  REQUIRE(f.stripe->report_usage({"api_calls", "cus_1", Decimal(80), "u-1", 1706140800}));
  CHECK(f.transport.sent[0].body ==
        "event_name=api_calls&payload[stripe_customer_id]=cus_1&payload[value]=80&identifier=u-1&"
        "timestamp=1706140800");
  CHECK(header(f.transport.sent[0], "Idempotency-Key") == "tollgate-usage-u-1");
}

TEST_CASE("form encoding: nesting, arrays, and RFC 3986 escapes") {
  Form f;
  f.set("expand", Form());  // an empty nested form sends nothing
  f.append("expand", "customer").append("expand", "invoice.subscription");
  f.set("metadata", Form().set("note", "a b&c=d!*'()~").set("k[x]", "v"));
  f.append("items", Form().set("price", "price_1").set("quantity", 2));
  CHECK(f.encode() ==
        "expand[0]=customer&expand[1]=invoice.subscription&metadata[note]=a%20b%26c%3Dd%21%2A%27%"
        "28%29~"
        "&metadata[k[x]]=v&items[0][price]=price_1&items[0][quantity]=2");
  CHECK(percent_encode("é") == "%C3%A9");
}
