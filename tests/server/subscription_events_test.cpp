// Kill Bill's subscription events on GET /1.0/kb/subscriptions/{id} and in a
// bundle's timeline, with dates worked out from the catalog by hand.

#include <regex>
#include <set>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

// A 14-day trial, then 10.00 a month.
const char* kCatalog = R"({"name": "events", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-trial", "product": "Api", "phases": [
    {"type": "TRIAL", "duration": {"unit": "DAYS", "length": 14}},
    {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})";

/// "2024-01-01 START_ENTITLEMENT entitlement-service ENT_STARTED api-trial-trial"
std::vector<std::string> lines(const json::array& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    const auto& o = e.as_object();
    std::string phase = o.at("phase").is_null() ? "-" : std::string(o.at("phase").as_string());
    out.push_back(std::string(o.at("effectiveDate").as_string()) + " " +
                  std::string(o.at("eventType").as_string()) + " " +
                  std::string(o.at("serviceName").as_string()) + " " +
                  std::string(o.at("serviceStateName").as_string()) + " " + phase);
  }
  return out;
}

}  // namespace

TEST_CASE("a subscription's events: start, the trial's end, a cancel, the bundle's timeline") {
  server::ApiOptions options;
  options.clock = test::clock_at(date::year{2024} / 6 / 1);
  test::ServedStore served(options);
  auto call = [&](const std::string& method, const std::string& target,
                  const std::string& body = "") { return served.call(method, target, body); };
  REQUIRE(call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);
  REQUIRE(call("POST", "/1.0/kb/accounts",
               R"({"name": "E", "externalKey": "e", "currency": "USD", "billCycleDayLocal": 1})")
              .status == 201);
  auto account = json::parse(call("GET", "/1.0/kb/accounts?externalKey=e").body);
  std::string account_id(account.at("accountId").as_string());
  REQUIRE(call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-01-01",
               R"({"accountId": ")" + account_id +
                   R"(", "planName": "api-trial", "bundleExternalKey": "b"})")
              .status == 201);
  auto bundle = json::parse(call("GET", "/1.0/kb/bundles?externalKey=b").body);
  std::string id(bundle.at("subscriptions").at(0).at("subscriptionId").as_string());
  // Cancelled at once on Mar 10.
  REQUIRE(call("DELETE", "/1.0/kb/subscriptions/" + id +
                             "?requestedDate=2024-03-10&entitlementPolicy=IMMEDIATE&"
                             "billingPolicy=IMMEDIATE")
              .status == 204);

  auto read = call("GET", "/1.0/kb/subscriptions/" + id);
  REQUIRE(read.status == 200);
  auto events = json::parse(read.body).at("events").as_array();
  // Trial Jan 1 + 14 days: EVERGREEN from Jan 15.
  CHECK(lines(events) ==
        std::vector<std::string>{
            "2024-01-01 START_ENTITLEMENT entitlement-service ENT_STARTED api-trial-trial",
            "2024-01-01 START_BILLING billing-service START_BILLING api-trial-trial",
            "2024-01-15 PHASE entitlement+billing-service PHASE api-trial-evergreen",
            "2024-03-10 STOP_ENTITLEMENT entitlement-service ENT_CANCELLED api-trial-evergreen",
            "2024-03-10 STOP_BILLING billing-service STOP_BILLING api-trial-evergreen"});
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::set<std::string> ids;
  for (const auto& e : events) {
    CHECK(e.at("plan") == "api-trial");
    CHECK(e.at("product") == "Api");
    CHECK(e.at("billingPeriod") == "MONTHLY");
    std::string event_id(e.at("eventId").as_string());
    CHECK(std::regex_match(event_id, uuid));
    ids.insert(event_id);
  }
  CHECK(ids.size() == events.size());
  // Read again: the same ids (clients keep them).
  CHECK(json::parse(call("GET", "/1.0/kb/subscriptions/" + id).body).at("events") == events);

  auto timeline = json::parse(call("GET", "/1.0/kb/bundles?externalKey=b").body).at("timeline");
  CHECK(timeline.at("accountId") == account_id.c_str());
  CHECK(lines(timeline.at("events").as_array()) == lines(events));
}
