#include "tollgate/stripe/webhook.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include "../support/problems.hpp"

using namespace tollgate::stripe;
namespace json = boost::json;

TEST_CASE("the verifier agrees with Stripe's official SDK on every test vector") {
  // webhook-vectors.json was produced with stripe-node 23.1.0 (generateTestHeaderString/constructEvent).
  auto doc = json::parse(tollgate::test::data_file("stripe/webhook-vectors.json"));
  const auto& vectors = doc.at("vectors").as_array();
  REQUIRE(vectors.size() >= 36);
  for (const auto& v : vectors) {
    INFO(v.at("name").as_string().c_str());
    WebhookVerification options{v.at("tolerance").to_number<std::int64_t>(), v.at("now").to_number<std::int64_t>()};
    auto verdict = verify_webhook(v.at("payload").as_string(), v.at("header").as_string(), v.at("secret").as_string(),
                                  options);
    CHECK(verdict.has_value() == v.at("valid").as_bool());
  }
}

TEST_CASE("each refusal says why, without the secret") {
  const std::string body = R"({"id":"evt_1","object":"event"})";
  const std::string secret = "whsec_do_not_print";
  std::string header = sign_webhook(body, secret, 1700000000);
  WebhookVerification at{300, 1700000010};
  CHECK(verify_webhook(body, header, secret, at).value() == 1700000000);

  auto kind = [&](std::string_view h, std::string_view b, WebhookVerification o) {
    auto r = verify_webhook(b, h, secret, o);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find(secret) == std::string::npos);
    return r.error().kind;
  };
  CHECK(kind("v1=abc", body, at) == WebhookError::malformed_header);
  CHECK(kind("t=1700000000,v0=abc", body, at) == WebhookError::no_v1_signature);
  CHECK(kind(header, body + " ", at) == WebhookError::mismatch);
  CHECK(kind(header, body, {300, 1700000301}) == WebhookError::too_old);
  // Exactly at the tolerance is still accepted; a tolerance of 0 disables the check.
  CHECK(verify_webhook(body, header, secret, {300, 1700000300}).has_value());
  CHECK(verify_webhook(body, header, secret, {0, 1800000000}).has_value());
}

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test case 2") {
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("handle_webhook applies an event once, however often it is delivered") {
  const std::string secret = "whsec_inbox";
  const std::string payload = R"({"id":"evt_credit_1","object":"event","type":"checkout.session.completed",
    "data":{"object":{"id":"cs_test_a1","object":"checkout.session","payment_status":"paid","metadata":{"credits":"50"}}}})";
  std::string header = sign_webhook(payload, secret, 1700000000);
  WebhookVerification at{300, 1700000010};
  tollgate::MemoryEventInbox inbox;
  int credited = 0;
  auto credit = [&](const Event& e) -> tollgate::Result<tollgate::Ok> {
    credited += std::stoi(std::get<CheckoutSessionEvent>(e.data).metadata.at("credits"));
    return tollgate::Ok{};
  };
  for (int delivery = 0; delivery < 3; ++delivery) {
    auto receipt = handle_webhook(payload, header, secret, at, inbox, credit);
    CHECK(receipt.http_status == 200);
    CHECK(receipt.event_id == "evt_credit_1");
    CHECK(receipt.delivery == (delivery == 0 ? tollgate::Delivery::applied : tollgate::Delivery::duplicate));
  }
  CHECK(credited == 50);
  auto forged = handle_webhook(payload, header, "whsec_other", at, inbox, credit);
  CHECK(forged.http_status == 400);
  CHECK(forged.message.find("whsec") == std::string::npos);
}

TEST_CASE("a failed effect is not recorded, so Stripe's retry applies it") {
  const std::string payload = R"({"id":"evt_2","object":"event","type":"invoice.paid","data":{"object":{"id":"in_1"}}})";
  std::string header = sign_webhook(payload, "whsec_x", 1700000000);
  tollgate::MemoryEventInbox inbox;
  bool database_up = false;
  int applied = 0;
  auto apply = [&](const Event&) -> tollgate::Result<tollgate::Ok> {
    if (!database_up) return tollgate::make_error("store.unavailable", "the database is down");
    ++applied;
    return tollgate::Ok{};
  };
  CHECK(handle_webhook(payload, header, "whsec_x", {300, 1700000001}, inbox, apply).http_status == 500);
  database_up = true;
  CHECK(handle_webhook(payload, header, "whsec_x", {300, 1700000002}, inbox, apply).http_status == 200);
  CHECK(applied == 1);
}
