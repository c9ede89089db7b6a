// Every route refuses what it cannot take (an unknown id 404, a malformed body
// 400, a body over the limit 413, a taken key 409), and a refused request
// changes nothing: the account, its bundles, invoices, payments and audit log
// read the same before and after.

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

const char* kCatalog = R"({"name": "bad-input", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}},
    "usages": [{"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY",
      "model": "PER_UNIT", "unit_price": {"USD": "0.01"}}]}]}]})";

struct Call {
  const char* method;
  std::string target;
};

}  // namespace

TEST_CASE("every route refuses bad input, and a refused request changes nothing") {
  server::ApiOptions options;
  options.clock = test::clock_at(date::year{2024} / 3 / 15);
  options.body_limit = 4096;
  test::ServedStore served(options);
  auto call = [&](const std::string& method, const std::string& target,
                  const std::string& body = "") { return served.call(method, target, body); };
  auto read = [&](const std::string& target) { return served.read(target); };

  // An account with a subscription, billed, and half paid.
  REQUIRE(call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);
  REQUIRE(call("POST", "/1.0/kb/accounts",
               R"({"name": "A", "externalKey": "a", "currency": "USD", "billCycleDayLocal": 1})")
              .status == 201);
  std::string a(json::parse(read("/1.0/kb/accounts?externalKey=a")).at("accountId").as_string());
  REQUIRE(
      call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01",
           R"({"accountId": ")" + a + R"(", "planName": "api-monthly", "bundleExternalKey": "b"})")
          .status == 201);
  auto bundle = json::parse(read("/1.0/kb/bundles?externalKey=b"));
  std::string b(bundle.at("bundleId").as_string());
  std::string s(bundle.at("subscriptions").at(0).at("subscriptionId").as_string());
  REQUIRE(call("POST", "/1.0/kb/invoices?accountId=" + a + "&targetDate=2024-03-01").status == 201);
  auto invoices = json::parse(read("/1.0/kb/accounts/" + a + "/invoices"));
  REQUIRE(invoices.as_array().size() == 1);
  std::string invoice(invoices.at(0).at("invoiceId").as_string());
  REQUIRE(call("POST", "/1.0/kb/invoices/" + invoice + "/payments?externalPayment=true",
               R"({"accountId": ")" + a + R"(", "purchasedAmount": 4})")
              .status == 201);

  // What a refused request must leave as it was.
  auto state = [&] {
    return read("/1.0/kb/accounts/" + a + "?accountWithBalanceAndCBA=true") +
           read("/1.0/kb/accounts/" + a + "/bundles") +
           read("/1.0/kb/accounts/" + a + "/invoices") +
           read("/1.0/kb/accounts/" + a + "/payments") +
           read("/1.0/kb/accounts/" + a + "/auditLogs") + read("/1.0/kb/subscriptions/" + s) +
           read("/1.0/kb/accounts/" + a + "/tags") +
           read("/1.0/kb/accounts/" + a + "/customFields") +
           read("/1.0/kb/usages/" + s + "?startDate=2024-03-01&endDate=2024-04-01");
  };
  const std::string before = state();

  SECTION("an id that does not exist: 404") {
    const std::vector<Call> unknown = {
        {"GET", "/1.0/kb/accounts/nope"},
        {"GET", "/1.0/kb/accounts/nope/bundles"},
        {"GET", "/1.0/kb/accounts/nope/invoices"},
        {"GET", "/1.0/kb/accounts/nope/block"},
        {"GET", "/1.0/kb/accounts/nope/invoicePayments"},
        {"GET", "/1.0/kb/accounts/nope/payments"},
        {"GET", "/1.0/kb/accounts/nope/paymentMethods"},
        {"GET", "/1.0/kb/invoices/nope"},
        {"GET", "/1.0/kb/invoices/nope/payments"},
        {"GET", "/1.0/kb/payments/nope"},
        {"GET", "/1.0/kb/invoicePayments/nope"},
        {"GET", "/1.0/kb/paymentMethods/nope"},
        {"GET", "/1.0/kb/credits/nope-1"},
        {"GET", "/1.0/kb/bundles/nope"},
        {"GET", "/1.0/kb/bundles?externalKey=nope"},
        {"PUT", "/1.0/kb/bundles/nope/pause"},
        {"PUT", "/1.0/kb/bundles/nope/resume"},
        {"GET", "/1.0/kb/subscriptions/nope"},
        {"GET", "/1.0/kb/subscriptions?externalKey=nope"},
        {"DELETE", "/1.0/kb/subscriptions/nope"},
        {"PUT", "/1.0/kb/subscriptions/nope/uncancel"},
        {"PUT", "/1.0/kb/subscriptions/nope/undoChangePlan"},
        {"GET", "/1.0/kb/usages/nope"},
        {"GET", "/1.0/kb/usages/nope/api_calls"},
        {"GET", "/1.0/kb/accounts/nope/tags"},
        {"DELETE", "/1.0/kb/bundles/nope/tags"},
        {"GET", "/1.0/kb/subscriptions/nope/customFields"},
        {"DELETE", "/1.0/kb/accounts/nope/customFields"},
        {"GET", "/1.0/kb/accounts/nope/auditLogs"},
        {"GET", "/1.0/kb/invoices/nope/tags"},
        {"POST", "/1.0/kb/invoices/nope/tags?tagList=00000000-0000-0000-0000-000000000004"},
        {"GET", "/1.0/kb/invoices/nope/customFields"},
        {"GET", "/1.0/tollgate/rules/nope"},
    };
    for (const auto& c : unknown) {
      auto r = call(c.method, c.target);
      INFO(c.method << " " << c.target << ": " << r.body);
      CHECK(r.status == 404);
    }
  }

  SECTION("a body that is not JSON: 400, on every route that takes one") {
    const std::vector<Call> writes = {
        {"POST", "/1.0/kb/accounts"},
        {"PUT", "/1.0/kb/accounts/" + a},
        {"POST", "/1.0/kb/invoices/dryRun?accountId=" + a},
        {"POST", "/1.0/kb/invoices/" + invoice + "/payments?externalPayment=true"},
        {"POST", "/1.0/kb/credits"},
        {"POST", "/1.0/kb/accounts/" + a + "/paymentMethods"},
        {"POST", "/1.0/kb/bundles/" + b},
        {"PUT", "/1.0/kb/bundles/" + b},
        {"POST", "/1.0/kb/bundles/" + b + "/block"},
        {"PUT", "/1.0/kb/bundles/" + b + "/block"},
        {"PUT", "/1.0/kb/bundles/" + b + "/renameKey"},
        {"POST", "/1.0/kb/subscriptions"},
        {"POST", "/1.0/kb/subscriptions/createSubscriptionWithAddOns"},
        {"POST", "/1.0/kb/subscriptions/createSubscriptionsWithAddOns"},
        {"POST", "/1.0/kb/subscriptions/createEntitlementWithAddOns"},
        {"POST", "/1.0/kb/subscriptions/createEntitlementsWithAddOns"},
        {"PUT", "/1.0/kb/subscriptions/" + s},
        {"PUT", "/1.0/kb/subscriptions/" + s + "/bcd"},
        {"POST", "/1.0/kb/subscriptions/" + s + "/block"},
        {"PUT", "/1.0/kb/subscriptions/" + s + "/block"},
        {"POST", "/1.0/kb/usages"},
        {"POST", "/1.0/kb/accounts/" + a + "/customFields"},
        {"PUT", "/1.0/kb/accounts/" + a + "/customFields"},
        {"PUT", "/1.0/tollgate/rules/acme"},
        {"POST", "/1.0/tollgate/catalog"},
    };
    for (const auto& c : writes) {
      auto r = call(c.method, c.target, R"({"name": )");
      INFO(c.method << " " << c.target << ": " << r.body);
      CHECK(r.status == 400);
    }
  }

  SECTION("a field of the wrong type: 400 naming it") {
    auto r = call("POST", "/1.0/kb/accounts", R"({"name": "B", "currency": 840})");
    CHECK(r.status == 400);
    CHECK(r.body.find("currency") != std::string::npos);
    r = call("POST", "/1.0/kb/usages",
             R"({"subscriptionId": ")" + s +
                 R"(", "unitUsageRecords": [{"unitType": "api_calls", "usageRecords": [
                   {"recordDate": "2024-03-10", "amount": "ten"}]}]})");
    CHECK(r.status == 400);
    CHECK(r.body.find("unitUsageRecords[0].usageRecords[0].amount") != std::string::npos);
  }

  SECTION("a query parameter or a value out of its range: 400 naming it") {
    const std::vector<Call> refused = {
        {"GET", "/1.0/kb/invoices/pagination?offset=-1"},
        {"GET", "/1.0/kb/invoices/search/USD?limit=ten"},
        {"GET", "/1.0/kb/accounts/pagination?limit=ten"},
        {"PUT", "/1.0/kb/bundles/" + b + "/pause?requestedDate=tomorrow"},
        {"PUT", "/1.0/kb/bundles/" + b + "/resume"},  // not paused
        {"GET", "/1.0/kb/usages/" + s + "?startDate=March"},
    };
    for (const auto& c : refused) {
      auto r = call(c.method, c.target);
      INFO(c.method << " " << c.target << ": " << r.body);
      CHECK(r.status == 400);
    }
    auto bcd = call("PUT", "/1.0/kb/subscriptions/" + s + "/bcd?effectiveFromDate=2024-13-01",
                    R"({"billCycleDayLocal": 15})");
    CHECK(bcd.status == 400);
    CHECK_THAT(bcd.body, Catch::Contains("effectiveFromDate"));
    auto currency = call("PUT", "/1.0/kb/accounts/" + a, R"({"currency": "XYZ"})");
    CHECK(currency.status == 400);
    CHECK_THAT(currency.body, Catch::Contains("currency"));
  }

  SECTION("a body over the limit: 413; a taken external key: 409") {
    CHECK(call("POST", "/1.0/kb/accounts", std::string(5000, ' ')).status == 413);
    CHECK(call("POST", "/1.0/kb/accounts", R"({"name": "A2", "externalKey": "a",
                                              "currency": "USD"})")
              .status == 409);
  }

  CHECK(state() == before);
}
