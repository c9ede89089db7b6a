// Kill Bill's JSON layer takes a number (or a boolean) where it expects free
// text, and keeps its text: Kill Bill's own client tests send a timestamp as
// an account's external key. Everything else stays strict.

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

const char* kCatalog = R"({"name": "leniency", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}},
    "usages": [{"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY",
      "model": "PER_UNIT", "unit_price": {"USD": "0.01"}}]}]}]})";

}  // namespace

TEST_CASE("numbers and booleans sent for free text are kept as their text") {
  test::ServedStore served;
  auto call = [&](const std::string& method, const std::string& target,
                  const std::string& body = "") { return served.call(method, target, body); };
  REQUIRE(call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);

  // The account of Kill Bill's client tests: a timestamp for its external key.
  auto created = call("POST", "/1.0/kb/accounts",
                      R"({"name": 42, "externalKey": 1732681234567, "currency": "USD"})");
  INFO(created.body);
  REQUIRE(created.status == 201);
  auto account = json::parse(served.read("/1.0/kb/accounts?externalKey=1732681234567"));
  CHECK(account.at("externalKey") == "1732681234567");
  CHECK(account.at("name") == "42");
  std::string a(account.at("accountId").as_string());

  // A bundle's key as a decimal number, a subscription's as a boolean.
  REQUIRE(
      call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01",
           R"({"accountId": ")" + a +
               R"(", "planName": "api-monthly", "bundleExternalKey": 2.5, "externalKey": true})")
          .status == 201);
  auto bundle = json::parse(served.read("/1.0/kb/bundles?externalKey=2.5"));
  CHECK(bundle.at("externalKey") == "2.5");
  CHECK(bundle.at("subscriptions").at(0).at("externalKey") == "true");
  std::string s(bundle.at("subscriptions").at(0).at("subscriptionId").as_string());

  // A custom field's value.
  REQUIRE(
      call("POST", "/1.0/kb/accounts/" + a + "/customFields", R"([{"name": "seats", "value": 12}])")
          .status == 201);
  auto fields = json::parse(served.read("/1.0/kb/accounts/" + a + "/customFields"));
  CHECK(fields.at(0).at("value") == "12");

  // A numeric tracking id is the same idempotency key as its text: a retry counts nothing.
  std::string usage = R"({"subscriptionId": ")" + s + R"(", "trackingId": 987654321,
    "unitUsageRecords": [{"unitType": "api_calls", "usageRecords": [
      {"recordDate": "2024-03-10", "amount": 7}]}]})";
  CHECK(call("POST", "/1.0/kb/usages", usage).status == 201);
  CHECK(call("POST", "/1.0/kb/usages", usage).status == 200);
  auto rolled = json::parse(served.read("/1.0/kb/usages/" + s + "/api_calls"));
  CHECK(rolled.at("rolledUpUnits").at(0).at("amount") == 7);
}

TEST_CASE("text fields still refuse objects, arrays and empty text, and ids stay strict") {
  test::ServedStore served;
  auto call = [&](const std::string& method, const std::string& target,
                  const std::string& body = "") { return served.call(method, target, body); };
  REQUIRE(call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);

  auto object = call("POST", "/1.0/kb/accounts",
                     R"({"name": "A", "externalKey": {"k": 1}, "currency": "USD"})");
  CHECK(object.status == 400);
  CHECK_THAT(object.body,
             Catch::Contains("externalKey") && Catch::Contains("must be text, not an object"));
  auto array = call("POST", "/1.0/kb/accounts", R"({"name": [1], "currency": "USD"})");
  CHECK(array.status == 400);
  CHECK_THAT(array.body, Catch::Contains("name") && Catch::Contains("must be text, not an array"));
  auto empty = call("POST", "/1.0/kb/accounts", R"({"name": "", "currency": "USD"})");
  CHECK(empty.status == 400);
  CHECK_THAT(empty.body, Catch::Contains("must not be empty"));
  // A number is no currency, and an unknown field stays unknown.
  CHECK(call("POST", "/1.0/kb/accounts", R"({"name": "A", "currency": 840})").status == 400);
  auto unknown = call("POST", "/1.0/kb/accounts", R"({"name": "A", "currency": "USD", "vip": 1})");
  CHECK(unknown.status == 400);
  CHECK_THAT(unknown.body, Catch::Contains("vip"));
  // None of those made an account.
  CHECK(call("GET", "/1.0/kb/accounts?externalKey=1").status == 404);

  // An account id must be an id: a number is refused with its path.
  auto number_id =
      call("POST", "/1.0/kb/subscriptions", R"({"accountId": 12, "planName": "api-monthly"})");
  CHECK(number_id.status == 400);
  CHECK_THAT(number_id.body, Catch::Contains("accountId") && Catch::Contains("must be a string"));
}
