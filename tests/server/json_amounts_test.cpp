// Amounts in the server's answers are written from the exact decimal: an
// amount a double cannot hold comes back digit for digit.

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

const char* kCatalog = R"({"name": "amounts", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})";

}  // namespace

TEST_CASE("an amount no double holds is answered digit for digit") {
  tollgate::test::ServedStore served;
  auto call = [&](const std::string& method, const std::string& target, const std::string& body) {
    return served.call(method, target, body);
  };
  REQUIRE(call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);
  REQUIRE(call("POST", "/1.0/kb/accounts",
               R"({"name": "Big", "externalKey": "big", "currency": "USD"})")
              .status == 201);
  auto account = served.read("/1.0/kb/accounts?externalKey=big");
  std::string id(json::parse(account).at("accountId").as_string());

  // 12345678901234567.89 as a double is 12345678901234568: the cents would be lost.
  auto credited =
      served.call("POST", "/1.0/kb/credits",
                  R"([{"accountId": ")" + id + R"(", "amount": "12345678901234567.89"}])");
  INFO(credited.body);
  REQUIRE(credited.status == 201);
  CHECK(credited.body.find(R"("amount":-12345678901234567.89)") != std::string::npos);

  auto balance = served.call("GET", "/1.0/kb/accounts/" + id + "?accountWithBalanceAndCBA=true");
  INFO(balance.body);
  CHECK(balance.body.find(R"("accountBalance":-12345678901234567.89)") != std::string::npos);
  CHECK(balance.body.find(R"("accountCBA":12345678901234567.89)") != std::string::npos);
}
