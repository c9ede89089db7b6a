// Amounts in the server's answers are written from the exact decimal: an
// amount a double cannot hold comes back digit for digit.

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tollgate/server/rest_api.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/sqlite/sqlite_tenant_store.hpp"

#include "../support/peer.hpp"
#include "../support/rest_client.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

const char* kCatalog = R"({"name": "amounts", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})";

}  // namespace

TEST_CASE("an amount no double holds is answered digit for digit") {
  auto path = tollgate::test::temp_dir() + "/amounts.db";
  auto store = std::move(sqlite::SqliteStore::open(path)).value();
  auto owned_tenants = std::move(sqlite::SqliteTenantStore::open(*store)).value();
  sqlite::SqliteTenantStore& tenants = *owned_tenants;
  tollgate::test::Client client;
  client.tenant = *server::create_tenant(tenants, "t", "", "");
  client.password = *server::put_user(tenants, "admin", "");
  server::RestApi api(*store, tenants);
  REQUIRE(api.handle(client.request("POST", "/1.0/tollgate/catalog", kCatalog)).status == 201);
  REQUIRE(api.handle(client.request("POST", "/1.0/kb/accounts",
                                    R"({"name": "Big", "externalKey": "big", "currency": "USD"})"))
              .status == 201);
  auto account = api.handle(client.request("GET", "/1.0/kb/accounts?externalKey=big"));
  REQUIRE(account.status == 200);
  std::string id(json::parse(account.body).at("accountId").as_string());

  // 12345678901234567.89 as a double is 12345678901234568: the cents would be lost.
  auto credited = api.handle(
      client.request("POST", "/1.0/kb/credits",
                     R"([{"accountId": ")" + id + R"(", "amount": "12345678901234567.89"}])"));
  INFO(credited.body);
  REQUIRE(credited.status == 201);
  CHECK(credited.body.find(R"("amount":-12345678901234567.89)") != std::string::npos);

  auto balance = api.handle(
      client.request("GET", "/1.0/kb/accounts/" + id + "?accountWithBalanceAndCBA=true"));
  INFO(balance.body);
  CHECK(balance.body.find(R"("accountBalance":-12345678901234567.89)") != std::string::npos);
  CHECK(balance.body.find(R"("accountCBA":12345678901234567.89)") != std::string::npos);
}
