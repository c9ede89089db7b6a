// Operations requested for a later date wait for it: until then they can be
// undone, and operations dated today are still taken (Kill Bill's behaviour).
// Every amount is worked out in the comment above it.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

// 31.00 a month in advance: March has 31 days, so a March day is worth 1.00.
const char* kCatalog = R"({"name": "pending", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [
    {"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "31.00"}}}]},
    {"name": "api-pro", "product": "Api", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "62.00"}}}]}]})";

struct Opened {
  test::ServedStore served{options()};
  std::string id;

  Opened() {
    REQUIRE(served.call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);
    REQUIRE(served
                .call("POST", "/1.0/kb/accounts",
                      R"({"name": "A", "externalKey": "a", "currency": "USD",
                            "billCycleDayLocal": 1})")
                .status == 201);
    id = std::string(
        json::parse(served.read("/1.0/kb/accounts?externalKey=a")).at("accountId").as_string());
  }
  static server::ApiOptions options() {
    server::ApiOptions o;
    o.clock = test::clock_at(date::year{2024} / 3 / 15);  // "today"
    return o;
  }
  std::string subscribe(const std::string& plan, const std::string& on) {
    auto r = served.call("POST", "/1.0/kb/subscriptions?entitlementDate=" + on,
                         R"({"accountId": ")" + id + R"(", "planName": ")" + plan + R"("})");
    INFO(r.body);
    REQUIRE(r.status == 201);
    for (const auto& [k, v] : r.headers)
      if (k == "Location") return v.substr(v.rfind('/') + 1);
    return "";
  }
  // The items of the invoice billed now for `target`: "TYPE start amount".
  std::vector<std::string> bill(const std::string& target) {
    auto r = served.call("POST", "/1.0/kb/invoices?accountId=" + id + "&targetDate=" + target);
    INFO(r.body);
    REQUIRE(r.status == 201);
    auto invoices = json::parse(served.read("/1.0/kb/accounts/" + id + "/invoices")).as_array();
    std::vector<std::string> out;
    for (const auto& item : invoices.back().at("items").as_array()) {
      char amount[32];
      std::snprintf(amount, sizeof amount, "%.2f", item.at("amount").to_number<double>());
      out.push_back(std::string(item.at("itemType").as_string()) + " " +
                    std::string(item.at("startDate").as_string()) + " " + amount);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

using Items = std::vector<std::string>;

}  // namespace

TEST_CASE("a cancel a week ahead waits: undone today, and a new subscription today is billed") {
  Opened a;
  // Mar 1: [Mar 1, Apr 1) at 31.00.
  std::string s1 = a.subscribe("api-monthly", "2024-03-01");
  CHECK(a.bill("2024-03-01") == Items{"RECURRING 2024-03-01 31.00"});

  // Today (Mar 15), a cancel for Mar 22: pending, the subscription still active.
  REQUIRE(a.served
              .call("DELETE", "/1.0/kb/subscriptions/" + s1 +
                                  "?requestedDate=2024-03-22&billingPolicy=IMMEDIATE")
              .status == 204);
  auto pending = json::parse(a.served.read("/1.0/kb/subscriptions/" + s1));
  CHECK(pending.at("state") == "ACTIVE");
  CHECK(pending.at("cancelledDate") == "2024-03-22T00:00:00.000Z");

  // Undone today, and a second subscription opened today.
  REQUIRE(a.served.call("PUT", "/1.0/kb/subscriptions/" + s1 + "/uncancel").status == 204);
  CHECK(json::parse(a.served.read("/1.0/kb/subscriptions/" + s1)).at("cancelledDate").is_null());
  std::string s2 = a.subscribe("api-monthly", "2024-03-15");
  // Billed today: s2's [Mar 15, Apr 1), 17 March days at 1.00: 17.00. s1 owes nothing more.
  CHECK(a.bill("2024-03-15") == Items{"RECURRING 2024-03-15 17.00"});
  // Apr 1: both at 31.00 for April.
  CHECK(a.bill("2024-04-01") == Items{"RECURRING 2024-04-01 31.00", "RECURRING 2024-04-01 31.00"});
}

TEST_CASE("a cancel a week ahead that is not undone takes effect on its date") {
  Opened a;
  std::string s1 = a.subscribe("api-monthly", "2024-03-01");
  CHECK(a.bill("2024-03-01") == Items{"RECURRING 2024-03-01 31.00"});
  REQUIRE(a.served
              .call("DELETE", "/1.0/kb/subscriptions/" + s1 +
                                  "?requestedDate=2024-03-22&billingPolicy=IMMEDIATE")
              .status == 204);
  // Billed Mar 22: [Mar 22, Apr 1) given back, 10 March days: a -10.00 repair,
  // which the invoice turns into 10.00 of account credit.
  CHECK(a.bill("2024-03-22") == Items{"CBA_ADJ 2024-03-22 10.00", "REPAIR_ADJ 2024-03-22 -10.00"});
  CHECK(json::parse(a.served.read("/1.0/kb/subscriptions/" + s1)).at("cancelledDate") ==
        "2024-03-22T00:00:00.000Z");
  // Once its date has come (a bill-now dated Mar 22 moved the account there),
  // nothing is left to undo.
  CHECK(a.served.call("PUT", "/1.0/kb/subscriptions/" + s1 + "/uncancel").status == 400);
}

TEST_CASE("a plan change a week ahead waits: undone today with undoChangePlan") {
  Opened a;
  std::string s1 = a.subscribe("api-monthly", "2024-03-01");
  CHECK(a.bill("2024-03-01") == Items{"RECURRING 2024-03-01 31.00"});
  REQUIRE(
      a.served
          .call("PUT",
                "/1.0/kb/subscriptions/" + s1 + "?requestedDate=2024-03-22&billingPolicy=IMMEDIATE",
                R"({"planName": "api-pro"})")
          .status == 204);
  CHECK(json::parse(a.served.read("/1.0/kb/subscriptions/" + s1)).at("planName") == "api-monthly");
  REQUIRE(a.served.call("PUT", "/1.0/kb/subscriptions/" + s1 + "/undoChangePlan").status == 204);
  // Nothing changed: April is 31.00 on api-monthly.
  CHECK(a.bill("2024-04-01") == Items{"RECURRING 2024-04-01 31.00"});

  // Done again and left: from Mar 22 api-pro at 2.00 a March day. Billed Mar 22:
  // [Mar 22, Apr 1) given back on api-monthly (-10.00), charged on api-pro (20.00).
  Opened b;
  std::string s2 = b.subscribe("api-monthly", "2024-03-01");
  CHECK(b.bill("2024-03-01") == Items{"RECURRING 2024-03-01 31.00"});
  REQUIRE(
      b.served
          .call("PUT",
                "/1.0/kb/subscriptions/" + s2 + "?requestedDate=2024-03-22&billingPolicy=IMMEDIATE",
                R"({"planName": "api-pro"})")
          .status == 204);
  CHECK(b.bill("2024-03-22") ==
        Items{"RECURRING 2024-03-22 20.00", "REPAIR_ADJ 2024-03-22 -10.00"});
}

namespace {

std::string bundle_of(Opened& a, const std::string& subscription) {
  return std::string(json::parse(a.served.read("/1.0/kb/subscriptions/" + subscription))
                         .at("bundleId")
                         .as_string());
}

}  // namespace

TEST_CASE(
    "a pause a week ahead waits: still active, today's operations taken, undone by a resume") {
  Opened a;
  std::string s1 = a.subscribe("api-monthly", "2024-03-01");
  CHECK(a.bill("2024-03-01") == Items{"RECURRING 2024-03-01 31.00"});
  std::string b = bundle_of(a, s1);
  // Today (Mar 15), a pause for Mar 22: pending, the subscription still active.
  REQUIRE(a.served.call("PUT", "/1.0/kb/bundles/" + b + "/pause?requestedDate=2024-03-22").status ==
          204);
  CHECK(json::parse(a.served.read("/1.0/kb/subscriptions/" + s1)).at("state") == "ACTIVE");
  // A subscription opened today: [Mar 15, Apr 1), 17 March days at 1.00.
  a.subscribe("api-monthly", "2024-03-15");
  CHECK(a.bill("2024-03-15") == Items{"RECURRING 2024-03-15 17.00"});
  // Resumed today, before the pause's date: the pause is undone. Nothing is
  // given back on Mar 22, and April is 31.00 for each.
  REQUIRE(a.served.call("PUT", "/1.0/kb/bundles/" + b + "/resume").status == 204);
  CHECK(a.bill("2024-04-01") == Items{"RECURRING 2024-04-01 31.00", "RECURRING 2024-04-01 31.00"});
}

TEST_CASE(
    "a pause a week ahead takes effect on its date, a resume for a later date bills from it") {
  Opened a;
  std::string s1 = a.subscribe("api-monthly", "2024-03-01");
  CHECK(a.bill("2024-03-01") == Items{"RECURRING 2024-03-01 31.00"});
  std::string b = bundle_of(a, s1);
  REQUIRE(a.served.call("PUT", "/1.0/kb/bundles/" + b + "/pause?requestedDate=2024-03-22").status ==
          204);
  // Billed Mar 22: [Mar 22, Apr 1) given back, 10 March days: -10.00, held as credit.
  CHECK(a.bill("2024-03-22") == Items{"CBA_ADJ 2024-03-22 10.00", "REPAIR_ADJ 2024-03-22 -10.00"});
  // The state is read at the server's today, Mar 15: the pause has not come yet.
  CHECK(json::parse(a.served.read("/1.0/kb/subscriptions/" + s1)).at("state") == "ACTIVE");
  // Resumed for Mar 27 (asked on Mar 22, the account's last date): [Mar 27,
  // Apr 1), 5 March days: 5.00, paid from the credit.
  REQUIRE(
      a.served.call("PUT", "/1.0/kb/bundles/" + b + "/resume?requestedDate=2024-03-27").status ==
      204);
  CHECK(a.bill("2024-03-27") == Items{"CBA_ADJ 2024-03-27 -5.00", "RECURRING 2024-03-27 5.00"});
}

TEST_CASE("a bill cycle day change for a later date keeps the periods before it") {
  Opened a;
  std::string s1 = a.subscribe("api-monthly", "2024-03-01");
  CHECK(a.bill("2024-03-01") == Items{"RECURRING 2024-03-01 31.00"});
  // Today (Mar 15): the 15th from Apr 10. The period holding Apr 10, [Apr 1,
  // May 1), keeps the 1st; the 15th applies from May 1.
  REQUIRE(a.served
              .call("PUT", "/1.0/kb/subscriptions/" + s1 + "/bcd?effectiveFromDate=2024-04-10",
                    R"({"billCycleDayLocal": 15})")
              .status == 204);
  // Today's operations are still taken: [Mar 15, Apr 1) at 17.00.
  a.subscribe("api-monthly", "2024-03-15");
  CHECK(a.bill("2024-03-15") == Items{"RECURRING 2024-03-15 17.00"});
  CHECK(a.bill("2024-04-01") == Items{"RECURRING 2024-04-01 31.00", "RECURRING 2024-04-01 31.00"});
  // May 1: s1's [May 1, May 15), 14 days of the period [Apr 15, May 15) it
  // belongs to, 30 days (proration.md): 31.00 x 14 / 30 = 14.47; the other's May: 31.00.
  CHECK(a.bill("2024-05-01") == Items{"RECURRING 2024-05-01 14.47", "RECURRING 2024-05-01 31.00"});
  // May 15: s1's [May 15, Jun 15) at 31.00.
  CHECK(a.bill("2024-05-15") == Items{"RECURRING 2024-05-15 31.00"});
}
