// Kill Bill's older spellings (clients written for Kill Bill 0.18 and before)
// do what today's names do, on the same handlers.

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

const char* kCatalog = R"({"name": "older", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})";

struct Fixture : test::ServedStore {
  Fixture() { REQUIRE(call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201); }

  json::value read(const std::string& target) { return json::parse(ServedStore::read(target)); }

  std::string account(const std::string& key) {
    REQUIRE(call("POST", "/1.0/kb/accounts",
                 R"({"name": "A", "externalKey": ")" + key + R"(", "currency": "USD"})")
                .status == 201);
    return std::string(read("/1.0/kb/accounts?externalKey=" + key).at("accountId").as_string());
  }
};

std::string state_of(const json::value& bundle) {
  return std::string(bundle.at("subscriptions").at(0).at("state").as_string());
}

}  // namespace

TEST_CASE("createEntitlementWithAddOns and createEntitlementsWithAddOns create bundles") {
  Fixture f;
  auto alpha = f.account("alpha");
  auto one = f.call("POST", "/1.0/kb/subscriptions/createEntitlementWithAddOns",
                    R"([{"accountId": ")" + alpha +
                        R"(", "planName": "api-monthly", "bundleExternalKey": "old-1"}])");
  INFO(one.body);
  CHECK(one.status == 201);
  auto bundle = f.read("/1.0/kb/bundles?externalKey=old-1");
  CHECK(bundle.at("accountId") == alpha.c_str());
  CHECK(bundle.at("subscriptions").as_array().size() == 1);

  auto two = f.call("POST", "/1.0/kb/subscriptions/createEntitlementsWithAddOns",
                    R"([{"baseEntitlementAndAddOns": [{"accountId": ")" + alpha +
                        R"(", "planName": "api-monthly", "bundleExternalKey": "old-2"}]}])");
  INFO(two.body);
  CHECK(two.status == 201);
  CHECK(f.read("/1.0/kb/bundles?externalKey=old-2").at("subscriptions").as_array().size() == 1);
}

TEST_CASE("PUT on a bundle transfers it, PUT .../block blocks and unblocks") {
  Fixture f;
  auto alpha = f.account("alpha");
  auto beta = f.account("beta");
  for (const char* key : {"moved", "blocked"})
    REQUIRE(f.call("POST", "/1.0/kb/subscriptions",
                   R"({"accountId": ")" + alpha + R"(", "planName": "api-monthly", )" +
                       R"("bundleExternalKey": ")" + key + R"("})")
                .status == 201);

  // Transfer, as PUT /1.0/kb/bundles/{id} (today: POST).
  auto moved = f.read("/1.0/kb/bundles?externalKey=moved");
  std::string moved_id(moved.at("bundleId").as_string());
  auto transferred =
      f.call("PUT", "/1.0/kb/bundles/" + moved_id, R"({"accountId": ")" + beta + R"("})");
  INFO(transferred.body);
  CHECK(transferred.status == 201);
  CHECK(f.read("/1.0/kb/accounts/" + beta + "/bundles").as_array().size() == 1);
  CHECK(state_of(f.read("/1.0/kb/bundles/" + moved_id)) == "CANCELLED");  // the source ends

  // Blocking states, as PUT .../block (today: POST): a subscription, then its bundle.
  auto blocked = f.read("/1.0/kb/bundles?externalKey=blocked");
  std::string bundle_id(blocked.at("bundleId").as_string());
  std::string subscription_id(blocked.at("subscriptions").at(0).at("subscriptionId").as_string());
  CHECK(f.call("PUT", "/1.0/kb/subscriptions/" + subscription_id + "/block",
               R"({"stateName": "STOP", "isBlockEntitlement": true, "isBlockBilling": true})")
            .status == 201);  // as Kill Bill answers a blocking state
  CHECK(state_of(f.read("/1.0/kb/bundles/" + bundle_id)) == "BLOCKED");
  CHECK(f.call("PUT", "/1.0/kb/bundles/" + bundle_id + "/block",
               R"({"stateName": "GO", "isBlockEntitlement": false, "isBlockBilling": false})")
            .status == 201);
  CHECK(state_of(f.read("/1.0/kb/bundles/" + bundle_id)) == "ACTIVE");
}
