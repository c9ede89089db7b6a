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
  sqlite::SqliteTenantStore tenants(*store);
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
