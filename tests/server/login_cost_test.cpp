// A refused login costs the server the same whatever was wrong: an unknown user
// name or API key runs the PBKDF2 a wrong password runs, so how long a 401
// takes does not tell an attacker which names exist. Counted, not timed.

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "../../src/server/credentials.hpp"
#include "../support/rest_client.hpp"
#include "tollgate/server/rest_api.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/sqlite/sqlite_tenant_store.hpp"

using namespace tollgate;
using server::detail::secrets_hashed;
using tollgate::test::Client;

namespace {

// The PBKDF2 runs one request costs, and its status.
std::pair<std::uint64_t, int> cost_of(server::RestApi& api, const server::Request& request) {
  auto before = secrets_hashed();
  int status = api.handle(request).status;
  return {secrets_hashed() - before, status};
}

}  // namespace

TEST_CASE("an unknown user or API key costs one PBKDF2, as a wrong password or secret does") {
  auto path = std::filesystem::temp_directory_path() / "tollgate-login-cost.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  auto store = std::move(sqlite::SqliteStore::open(path.string())).value();
  auto owned_tenants = std::move(sqlite::SqliteTenantStore::open(*store)).value();
  sqlite::SqliteTenantStore& tenants = *owned_tenants;
  Client good;
  good.tenant = *server::create_tenant(tenants, "t", "", "");
  good.password = *server::put_user(tenants, "admin", "");
  server::RestApi api(*store, tenants);
  const std::string target = "/1.0/kb/accounts?externalKey=nobody";
  // The first good request hashes each credential once; later ones are cached.
  CHECK(cost_of(api, good.request("GET", target)) == std::pair<std::uint64_t, int>{2, 404});
  CHECK(cost_of(api, good.request("GET", target)) == std::pair<std::uint64_t, int>{0, 404});

  Client wrong_password = good;
  wrong_password.password = "not-it";
  Client unknown_user = good;
  unknown_user.user = "mallory";
  Client wrong_secret = good;
  wrong_secret.tenant.api_secret = "not-it";
  Client unknown_key = good;
  unknown_key.tenant.api_key = "no-such-key";
  for (const Client* c : {&wrong_password, &unknown_user, &wrong_secret, &unknown_key}) {
    auto [hashed, status] = cost_of(api, c->request("GET", target));
    CHECK(status == 401);
    CHECK(hashed == 1);
  }
}

namespace {

// A server whose failed-login back-off runs on a clock the test moves.
struct Throttled {
  std::unique_ptr<sqlite::SqliteStore> store;
  std::unique_ptr<sqlite::SqliteTenantStore> tenants;
  std::unique_ptr<server::RestApi> api;
  std::chrono::steady_clock::time_point now{};
  Client admin;

  Throttled() {
    auto path = std::filesystem::temp_directory_path() / "tollgate-login-throttle.db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    store = std::move(sqlite::SqliteStore::open(path.string())).value();
    tenants = std::move(sqlite::SqliteTenantStore::open(*store)).value();
    admin.tenant = *server::create_tenant(*tenants, "t", "", "");
    admin.password = *server::put_user(*tenants, "admin", "");
    server::ApiOptions options;
    options.login_failures_allowed = 3;
    options.login_backoff = std::chrono::seconds(1);
    options.monotonic = [this] { return now; };
    api = std::make_unique<server::RestApi>(*store, *tenants, options);
  }

  server::Response get(const Client& c, const std::string& peer) {
    auto r = c.request("GET", "/1.0/kb/accounts?externalKey=nobody");
    r.peer = peer;
    return api->handle(r);
  }
};

std::string retry_after(const server::Response& r) {
  for (const auto& [name, value] : r.headers)
    if (name == "Retry-After") return value;
  return "";
}

}  // namespace

TEST_CASE(
    "a burst of bad passwords backs that client off, with a doubling wait, others are served") {
  Throttled t;
  REQUIRE(t.get(t.admin, "10.0.0.2").status == 404);  // a client at work: its login is verified
  Client guess = t.admin;
  guess.password = "guess";
  for (int i = 0; i < 3; ++i) CHECK(t.get(guess, "10.0.0.66").status == 401);
  auto hashed = secrets_hashed();
  auto refused = t.get(guess, "10.0.0.66");
  CHECK(refused.status == 429);
  CHECK(retry_after(refused) == "1");
  CHECK(secrets_hashed() == hashed);  // refused without a PBKDF2 run
  // Another client of the same user, logged in before, is served at once; so is
  // a new login of another user from another address.
  CHECK(t.get(t.admin, "10.0.0.2").status == 404);
  Client ops = t.admin;
  ops.user = "ops";
  ops.password = *server::put_user(*t.tenants, "ops", "");
  CHECK(t.get(ops, "10.0.0.3").status == 404);
  // After the wait, one more try; its failure doubles the next wait: 2 s, then 4 s.
  t.now += std::chrono::seconds(1);
  CHECK(t.get(guess, "10.0.0.66").status == 401);
  CHECK(retry_after(t.get(guess, "10.0.0.66")) == "2");
  t.now += std::chrono::seconds(2);
  CHECK(t.get(guess, "10.0.0.66").status == 401);
  CHECK(retry_after(t.get(guess, "10.0.0.66")) == "4");
}

TEST_CASE("a successful login clears a client's failed ones") {
  Throttled t;
  Client guess = t.admin;
  guess.password = "guess";
  CHECK(t.get(guess, "10.0.0.9").status == 401);
  CHECK(t.get(guess, "10.0.0.9").status == 401);
  CHECK(t.get(t.admin, "10.0.0.9").status == 404);
  // Counted afresh: two more failures are still below the three allowed.
  CHECK(t.get(guess, "10.0.0.9").status == 401);
  CHECK(t.get(guess, "10.0.0.9").status == 401);
  CHECK(t.get(guess, "10.0.0.9").status == 401);
  CHECK(t.get(guess, "10.0.0.9").status == 429);
}
