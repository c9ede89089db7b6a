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

using namespace tollgate;

namespace {

std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s : {18, 12, 6, 0}) out += k[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    for (int s : {18, 12, 6}) out += k[(v >> s) & 63];
    out += '=';
  }
  return out;
}

struct Client {
  server::TenantCredentials tenant;
  std::string password;

  server::Request request(std::string method, std::string target, std::string body = "") const {
    server::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = {{"authorization", "Basic " + base64("admin:" + password)},
                 {"x-killbill-apikey", tenant.api_key},
                 {"x-killbill-apisecret", tenant.api_secret},
                 {"x-killbill-createdby", "test"},
                 {"content-type", "application/json"}};
    return r;
  }
};

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
    sqlite::SqliteTenantStore tenants(*store);
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
  sqlite::SqliteTenantStore tenants(*store);
  server::RestApi api(*store, tenants);
  CHECK(api.handle(client.request("GET", "/1.0/kb/accounts?externalKey=a1")).status == 200);
  CHECK(api.handle(client.request("GET", "/1.0/kb/accounts?externalKey=a2")).status == 200);
  CHECK(api.handle(client.request("GET", "/1.0/kb/accounts?externalKey=a3")).status == 404);
}
