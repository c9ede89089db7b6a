// RestApi::handle_batch (group commit): requests answered together share one
// transaction, yet each one's changes stand or fall alone, and what a batch
// answered 201 is in the file once it returns.

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tollgate/server/rest_api.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/sqlite/sqlite_tenant_store.hpp"

#include "../support/rest_client.hpp"

using namespace tollgate;
using tollgate::test::Client;

namespace {

const char* kCatalog = R"({"name": "batch", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})";

std::string account(const std::string& key) {
  return R"({"name": "Batch", "externalKey": ")" + key + R"(", "currency": "USD"})";
}

}  // namespace

TEST_CASE("a batch commits once, and a request that fails in it undoes only itself") {
  auto path = std::filesystem::temp_directory_path() / "tollgate-group-commit.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  Client client;
  {
    auto store = std::move(sqlite::SqliteStore::open(path.string())).value();
    auto owned_tenants = std::move(sqlite::SqliteTenantStore::open(*store)).value();
    sqlite::SqliteTenantStore& tenants = *owned_tenants;
    client.tenant = *server::create_tenant(tenants, "t", "", "");
    client.password = *server::put_user(tenants, "admin", "");
    server::RestApi api(*store, tenants);
    REQUIRE(api.handle(client.request("POST", "/1.0/tollgate/catalog", kCatalog)).status < 300);

    std::vector<server::Request> batch{
        client.request("POST", "/1.0/kb/accounts", account("a1")),
        client.request("POST", "/1.0/kb/accounts", account("a1")),    // the same key: refused
        client.request("POST", "/1.0/kb/accounts", R"({"name": 7)"),  // malformed: refused
        client.request("POST", "/1.0/kb/accounts", account("a2")),
        client.request("GET", "/1.0/kb/accounts?externalKey=a1")};  // sees a1 in the batch
    auto answers = api.handle_batch(batch);
    REQUIRE(answers.size() == 5);
    CHECK(answers[0].status == 201);
    CHECK(answers[1].status == 409);
    CHECK(answers[2].status == 400);
    CHECK(answers[3].status == 201);
    CHECK(answers[4].status == 200);
  }
  // Committed: a new connection to the file finds both accounts, once each.
  auto store = std::move(sqlite::SqliteStore::open(path.string())).value();
  auto owned_tenants = std::move(sqlite::SqliteTenantStore::open(*store)).value();
  sqlite::SqliteTenantStore& tenants = *owned_tenants;
  server::RestApi api(*store, tenants);
  CHECK(api.handle(client.request("GET", "/1.0/kb/accounts?externalKey=a1")).status == 200);
  CHECK(api.handle(client.request("GET", "/1.0/kb/accounts?externalKey=a2")).status == 200);
  CHECK(api.handle(client.request("GET", "/1.0/kb/accounts?externalKey=a3")).status == 404);
}
