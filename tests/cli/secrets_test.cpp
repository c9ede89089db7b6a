// Secrets never come back out. Every command and endpoint that takes one (a
// Stripe key, a webhook secret, an API secret, a password) is run with a
// recognisable value, on success and on failure, and the value must appear in
// no standard output, standard error, response (body or header) or database
// file. (PostgreSQL connection strings: tests/postgres/postgres_store_test.cpp;
// the TLS key: tests/cli/serve_test.cpp and tests/server/killbill_https.js.)

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tollgate/server/rest_api.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/sqlite/sqlite_tenant_store.hpp"

#include "../support/cli_runner.hpp"
#include "../support/peer.hpp"
#include "../support/rest_client.hpp"
#include "../support/stripe_events.hpp"

using tollgate::test::data;
using tollgate::test::tollgate_cli;
using namespace tollgate;

namespace {

// Each canary is distinctive enough that finding it can only mean a leak.
const std::string kStripeKey = "sk_test_CANARYstripe0001";
const std::string kLiveKey = "sk_live_CANARYlive0002";
const std::string kWebhookSecret = "whsec_CANARYwebhook0003";
const std::string kApiSecret = "CANARYapisecret0004";
const std::string kPassword = "CANARYpassword0005";
const std::string kWrongPassword = "CANARYwrongpassword0006";
const std::string kWrongSecret = "CANARYwrongsecret0007";

const std::vector<std::string>& canaries() {
  static const std::vector<std::string> all{kStripeKey, kLiveKey,       kWebhookSecret, kApiSecret,
                                            kPassword,  kWrongPassword, kWrongSecret};
  return all;
}

/// `text` (what `where` printed or answered) holds none of the canaries.
void holds_no_secret(const std::string& where, const std::string& text) {
  for (const auto& canary : canaries()) {
    INFO(where << " must not hold " << canary << ":\n" << text);
    CHECK(text.find(canary) == std::string::npos);
  }
}

/// Every byte of a SQLite database: its file, its write-ahead log, its shared memory.
std::string database_bytes(const std::string& path) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::ifstream in(path + suffix, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE(!all.empty());
  return all;
}

void holds_no_secret(const std::string& where, const tollgate::test::CliRun& run) {
  holds_no_secret(where + " (stdout)", run.out);
  holds_no_secret(where + " (stderr)", run.err);
}

// Sets an environment variable for one scope.
class Env {
 public:
  Env(const char* name, const std::string& value) : name_(name) {
    REQUIRE(setenv(name, value.c_str(), 1) == 0);
  }
  ~Env() { unsetenv(name_); }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

 private:
  const char* name_;
};

std::string response_text(const server::Response& r) {
  std::string all = std::to_string(r.status) + "\n";
  for (const auto& [name, value] : r.headers) all.append(name).append(": ").append(value) += '\n';
  return all + r.body;
}

}  // namespace

TEST_CASE("the Stripe key appears in no output of the daily run, nor in the database") {
  std::string db = tollgate::test::temp_dir() + "/stripe.db";
  REQUIRE(tollgate_cli({"import", "--db", db, "--scenario",
                        data("examples/saas-trial/scenario.json"), "--customer", "cus_canary"})
              .code == 0);
  tollgate::test::Peer mock("stripe_mock.js");

  {  // Stripe unreachable: the charge's outcome is unknown, and said so.
    Env key("STRIPE_SECRET_KEY", kStripeKey);
    Env base("STRIPE_API_BASE", "http://127.0.0.1:9");
    auto ran = tollgate_cli({"run", "--db", db, "--as-of", "2024-02-01", "--provider", "stripe"});
    CHECK(ran.code == 0);
    CHECK(ran.out.find("\"charges_unknown\": 1") != std::string::npos);
    holds_no_secret("run, Stripe unreachable", ran);
  }
  {  // Stripe answers, and refuses: it knows no such customer. (The mock cannot
     // list PaymentIntents, so February's charge stays unknown: an error, exit 1.)
    Env key("STRIPE_SECRET_KEY", kStripeKey);
    Env base("STRIPE_API_BASE", mock.url());
    auto ran = tollgate_cli({"run", "--db", db, "--as-of", "2024-03-01", "--provider", "stripe"});
    CHECK(ran.code == 1);
    CHECK(ran.out.find("\"charges_failed\": 1") != std::string::npos);
    holds_no_secret("run, Stripe refusing", ran);
  }
  {  // A live key to a plain-HTTP address: refused before anything is sent.
    Env key("STRIPE_SECRET_KEY", kLiveKey);
    Env base("STRIPE_API_BASE", mock.url());
    auto ran = tollgate_cli({"run", "--db", db, "--as-of", "2024-03-02", "--provider", "stripe"});
    CHECK(ran.code == 2);
    CHECK(ran.err == "tollgate run: a live key is only ever sent over HTTPS\n");
    holds_no_secret("run, a live key over HTTP", ran);
  }
  holds_no_secret("the database", database_bytes(db));
  holds_no_secret("export --invoices",
                  tollgate_cli({"export", "--db", db, "--invoices", "acme"}).out);
}

TEST_CASE("the Stripe key appears in no output of a refund that Stripe refuses") {
  std::string db = tollgate::test::temp_dir() + "/refund.db";
  REQUIRE(tollgate_cli({"import", "--db", db, "--scenario",
                        data("examples/saas-trial/scenario.json"), "--customer", "cus_canary"})
              .code == 0);
  // The fake takes one key (sk_test_fake_key): with it, February's invoice is charged.
  tollgate::test::Peer fake("stripe_fake.js");
  Env base("STRIPE_API_BASE", fake.url());
  {
    Env key("STRIPE_SECRET_KEY", "sk_test_fake_key");
    auto ran = tollgate_cli({"run", "--db", db, "--as-of", "2024-02-01", "--provider", "stripe"});
    REQUIRE(ran.out.find("\"charges_succeeded\": 1") != std::string::npos);
  }
  {  // Any other key is answered 401 by Stripe: the refund is refused, the key not repeated.
    Env key("STRIPE_SECRET_KEY", kStripeKey);
    auto refused = tollgate_cli({"refund", "--db", db, "--payment", "pay-inv-acme-3-1", "--amount",
                                 "5.00", "--provider", "stripe"});
    CHECK(refused.code == 1);
    CHECK(refused.err == "tollgate refund: provider.api_key_invalid: Invalid API Key provided\n");
    holds_no_secret("refund, key refused", refused);
    auto ran = tollgate_cli({"run", "--db", db, "--as-of", "2024-03-01", "--provider", "stripe"});
    CHECK(ran.out.find("api_key_invalid") != std::string::npos);  // March's charge: refused too
    holds_no_secret("run, key refused", ran);
  }
  holds_no_secret("the database", database_bytes(db));
}

TEST_CASE("the webhook secret appears in no output of webhook-verify, valid or not") {
  auto now = std::to_string(1'700'000'000);
  auto event = tollgate::test::signed_event(kWebhookSecret, 1'700'000'000, "evt_1",
                                            "checkout.session.completed", "{}", 1'700'000'000);
  auto valid = tollgate_cli(
      {"webhook-verify", "--secret", kWebhookSecret, "--header", event.header, "--now", now},
      event.payload);
  CHECK(valid.code == 0);
  holds_no_secret("webhook-verify, valid", valid);

  auto forged = tollgate::test::signed_event("whsec_other", 1'700'000'000, "evt_1",
                                             "checkout.session.completed", "{}", 1'700'000'000);
  auto refused = tollgate_cli(
      {"webhook-verify", "--secret", kWebhookSecret, "--header", forged.header, "--now", now},
      forged.payload);
  CHECK(refused.code == 1);
  holds_no_secret("webhook-verify, forged", refused);

  auto stale = tollgate_cli({"webhook-verify", "--secret", kWebhookSecret, "--header", event.header,
                             "--now", std::to_string(1'700'000'000 + 3600)},
                            event.payload);
  CHECK(stale.code == 1);
  holds_no_secret("webhook-verify, stale", stale);
}

TEST_CASE("API secrets and passwords appear in no answer of the server, nor in the database") {
  std::string path = tollgate::test::temp_dir() + "/rest.db";
  tollgate::test::Client admin;
  std::vector<server::Response> answers;
  {
    auto store = std::move(sqlite::SqliteStore::open(path)).value();
    auto owned_tenants = std::move(sqlite::SqliteTenantStore::open(*store)).value();
    sqlite::SqliteTenantStore& tenants = *owned_tenants;
    admin.password = *server::put_user(tenants, "admin", kPassword);
    server::RestApi api(*store, tenants);

    // A tenant made over REST with a chosen secret, then read back.
    auto made = api.handle(admin.request("POST", "/1.0/kb/tenants",
                                         R"({"apiKey": "canary-tenant", "apiSecret": ")" +
                                             kApiSecret + R"(", "externalKey": "c"})"));
    CHECK(made.status == 201);
    answers.push_back(made);
    answers.push_back(api.handle(admin.request("GET", "/1.0/kb/tenants?apiKey=canary-tenant")));
    CHECK(answers.back().status == 200);
    // A body that is refused, with the secret in it: the error names the field, not the value.
    auto malformed = api.handle(admin.request(
        "POST", "/1.0/kb/tenants", R"({"apiKey": 7, "apiSecret": ")" + kWrongSecret + R"("})"));
    CHECK(malformed.status == 400);
    answers.push_back(malformed);

    admin.tenant = {"", "canary-tenant", kApiSecret};
    answers.push_back(api.handle(admin.request("GET", "/1.0/kb/accounts?externalKey=nobody")));
    CHECK(answers.back().status == 404);  // authenticated: there is no such account
    // A wrong password, then a wrong API secret: refused without repeating either.
    auto wrong_password = admin;
    wrong_password.password = kWrongPassword;
    answers.push_back(api.handle(wrong_password.request("GET", "/1.0/kb/accounts?externalKey=x")));
    CHECK(answers.back().status == 401);
    auto wrong_secret = admin;
    wrong_secret.tenant.api_secret = kWrongSecret;
    answers.push_back(api.handle(wrong_secret.request("GET", "/1.0/kb/accounts?externalKey=x")));
    CHECK(answers.back().status == 401);
  }
  for (std::size_t i = 0; i < answers.size(); ++i)
    holds_no_secret("answer " + std::to_string(i), response_text(answers[i]));
  holds_no_secret("the database", database_bytes(path));
}

TEST_CASE("tenant rotate-secret: the new secret is printed once, and the old one stops working") {
  std::string path = tollgate::test::temp_dir() + "/rotate.db";
  auto made = tollgate_cli(
      {"tenant", "create", "--db", path, "--external-key", "acme", "--api-key", "acme-key"});
  REQUIRE(made.code == 0);
  auto field = [](const std::string& out, const std::string& name) {
    auto at = out.find(name + " ");
    REQUIRE(at != std::string::npos);
    auto start = at + name.size() + 1;
    return out.substr(start, out.find('\n', start) - start);
  };
  tollgate::test::Client client;
  client.tenant = {field(made.out, "tenantId"), "acme-key", field(made.out, "apiSecret")};
  client.password = field(made.out, "password");
  auto old_secret = client.tenant.api_secret;

  auto store = std::move(sqlite::SqliteStore::open(path)).value();
  auto owned_tenants = std::move(sqlite::SqliteTenantStore::open(*store)).value();
  sqlite::SqliteTenantStore& tenants = *owned_tenants;
  server::RestApi api(*store, tenants);
  auto lookup = [&] {
    return api.handle(client.request("GET", "/1.0/kb/accounts?externalKey=nobody")).status;
  };
  CHECK(lookup() == 404);  // the old secret works, and the server remembers it verified

  auto rotated = tollgate_cli({"tenant", "rotate-secret", "--db", path, "--api-key", "acme-key"});
  REQUIRE(rotated.code == 0);
  CHECK(field(rotated.out, "tenantId") == client.tenant.tenant_id);
  CHECK(field(rotated.out, "apiKey") == "acme-key");
  auto new_secret = field(rotated.out, "apiSecret");
  CHECK(new_secret.size() == 32);  // 128 random bits, as hex
  CHECK(new_secret != old_secret);
  CHECK(rotated.err.empty());

  // The running server refuses the old secret at once, though it had verified it.
  CHECK(lookup() == 401);
  client.tenant.api_secret = new_secret;
  CHECK(lookup() == 404);
  auto bytes = database_bytes(path);
  CHECK(bytes.find(new_secret) == std::string::npos);  // kept only hashed

  auto unknown = tollgate_cli({"tenant", "rotate-secret", "--db", path, "--api-key", "nobody"});
  CHECK(unknown.code == 1);
  CHECK(unknown.err ==
        "tollgate tenant rotate-secret: store.not_found: no tenant with that api key\n");
  CHECK(unknown.out.empty());
}
