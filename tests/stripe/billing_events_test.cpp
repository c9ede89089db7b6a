// Stripe webhooks applied to stored billing, end to end: verify the raw bytes,
// record the event id and apply its effect in one transaction. A storm of
// duplicated, shuffled and forged deliveries ends where one in-order delivery does.

#include "tollgate/stripe/billing_events.hpp"

#include <algorithm>
#include <cstdlib>
#include <random>

#include <catch2/catch.hpp>

#include "../support/peer.hpp"
#include "../support/problems.hpp"
#include "../support/stripe_events.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/stripe/webhook.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

const std::string kSecret = "whsec_storm_test";
constexpr std::int64_t kNow = 1719835200;  // 2024-07-01T12:00:00Z

using Delivery_ = test::SignedEvent;

Delivery_ signed_event(const std::string& id, const std::string& type, const std::string& object,
                       std::int64_t created) {
  return test::signed_event(kSecret, kNow, id, type, object, created);
}

std::string session(const std::string& id, const std::string& account, const std::string& package) {
  return R"({"id": ")" + id +
         R"(", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
    "metadata": {"tollgate_account": ")" +
         account + R"(", "tollgate_package": ")" + package + R"("}})";
}

// Six events: a purchase and its async twin (one fact), two more purchases, a card set
// up and, an hour later, a second card that replaces it.
std::vector<Delivery_> events() {
  std::int64_t day = 86400;
  return {
      signed_event("evt_1", "checkout.session.completed", session("cs_1", "A", "credits-50"),
                   kNow - 3 * day),
      signed_event("evt_2", "checkout.session.async_payment_succeeded",
                   session("cs_1", "A", "credits-50"), kNow - 3 * day + 60),
      signed_event("evt_3", "checkout.session.completed", session("cs_2", "B", "credits-200"),
                   kNow - 2 * day),
      signed_event(
          "evt_4", "setup_intent.succeeded",
          R"({"id": "seti_1", "object": "setup_intent", "customer": "cus_A", "payment_method": "pm_A",
                       "metadata": {"tollgate_account": "A"}})",
          kNow - day),
      signed_event("evt_5", "checkout.session.completed", session("cs_3", "A", "credits-200"),
                   kNow),
      signed_event(
          "evt_6", "setup_intent.succeeded",
          R"({"id": "seti_2", "object": "setup_intent", "customer": "cus_A", "payment_method": "pm_A2",
                       "metadata": {"tollgate_account": "A"}})",
          kNow - day + 3600),
  };
}

struct Billing {
  std::unique_ptr<sqlite::SqliteStore> store;
  std::unique_ptr<BillingService> service;
  Billing() {
    auto s = sqlite::SqliteStore::open(test::temp_dir() + "/storm.db");
    REQUIRE(s.has_value());
    store = std::move(s).value();
    service = std::make_unique<BillingService>(*store);
    REQUIRE(store->put_catalog("v1", test::data_file("examples/credits/catalog.json")));
    for (const char* id : {"A", "B"}) {
      StoredAccount a;
      a.account = {id, "USD", "UTC", std::nullopt};
      a.catalog = "v1";
      REQUIRE(service->open_account(a));
    }
  }
  int deliver(const Delivery_& d) {
    stripe::WebhookVerification v{300, kNow};
    auto receipt = stripe::handle_webhook(
        d.payload, d.header, kSecret, v, *store,
        [&](const stripe::Event& e) { return stripe::apply_billing_event(*service, e); });
    return receipt.http_status;
  }
  Decimal credits(const std::string& account, Date on) {
    return service->engine(account)->credits().balance(on);
  }
};

}  // namespace

TEST_CASE("in order, once: each purchase is credited once and the card is on file") {
  Billing b;
  for (const auto& d : events()) CHECK(b.deliver(d) == 200);
  // A: credits-50 (cs_1, credited once for its two events) + credits-200 (cs_3) = 250; B: 200.
  CHECK(b.credits("A", 2024_y / 7 / 1) == Decimal(250));
  CHECK(b.credits("B", 2024_y / 7 / 1) == Decimal(200));
  CHECK(b.store->account("A")->payment_method_id == "pm_A2");  // the card set up last
}

TEST_CASE(
    "a storm of three deliveries of each event, shuffled, with forged ones mixed in, ends in the "
    "same state") {
  Billing b;
  std::vector<Delivery_> storm;
  for (const auto& d : events())
    for (int i = 0; i < 3; ++i) storm.push_back(d);
  // Forgeries: a valid event body with a wrong signature, and a replay signed long ago.
  Delivery_ forged = events()[2];
  forged.header = "t=" + std::to_string(kNow) + ",v1=" + std::string(64, '0');
  Delivery_ stale = events()[4];
  std::string old = std::to_string(kNow - 3600);
  stale.header = "t=" + old + ",v1=" + stripe::hmac_sha256_hex(kSecret, old + "." + stale.payload);
  storm.push_back(forged);
  storm.push_back(stale);
  // tests/soak/storm_and_faults.sh repeats this case under other seeds.
  const char* seed = std::getenv("TOLLGATE_SEED");
  std::mt19937 rng(seed ? static_cast<unsigned>(std::stoul(seed)) : 20240701u);
  std::shuffle(storm.begin(), storm.end(), rng);
  int refused = 0;
  for (const auto& d : storm) {
    int status = b.deliver(d);
    CHECK((status == 200 || status == 400));
    refused += status == 400;
  }
  CHECK(refused == 2);
  CHECK(b.credits("A", 2024_y / 7 / 1) == Decimal(250));
  CHECK(b.credits("B", 2024_y / 7 / 1) == Decimal(200));
  // The card set up last is on file, whichever of the two set-ups arrived first.
  CHECK(b.store->account("A")->payment_method_id == "pm_A2");
  // Each credited session is one journal entry: cs_1 and cs_3 for A, cs_2 for B.
  auto purchases = [&](const char* account) {
    int n = 0;
    auto journal = b.store->journal(account);  // kept alive: the loop reads through it
    for (const auto& e : *journal)
      n += e.operation && e.operation->type == OperationType::credit_purchase;
    return n;
  };
  CHECK(purchases("A") == 2);
  CHECK(purchases("B") == 1);
}

TEST_CASE("an event for an unknown account answers 500 and records nothing, so Stripe retries it") {
  Billing b;
  auto d = signed_event("evt_x", "checkout.session.completed",
                        session("cs_x", "nobody", "credits-50"), kNow);
  CHECK(b.deliver(d) == 500);
  CHECK(*b.store->apply_once("evt_x", [] { return Result<Ok>(Ok{}); }) ==
        tollgate::Delivery::applied);
}
