// What a support person opens on an account: its timeline (bundles with their
// events, invoices, payments) and its overdue state, in Kill Bill's shapes.

#include <map>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"
#include "tollgate/billing_service.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

const char* kCatalog = R"({"name": "views", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})";

struct Opened {
  test::ServedStore served;
  std::string account;

  Opened() : served(options()) {
    REQUIRE(served.call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);
    REQUIRE(served
                .call("POST", "/1.0/kb/accounts",
                      R"({"name": "A", "externalKey": "a", "currency": "USD"})")
                .status == 201);
    account = std::string(
        json::parse(served.read("/1.0/kb/accounts?externalKey=a")).at("accountId").as_string());
  }
  static server::ApiOptions options() {
    server::ApiOptions o;
    o.clock = test::clock_at(date::year{2024} / 3 / 15);
    return o;
  }
};

}  // namespace

TEST_CASE("an account's timeline: its bundles and events, invoices and payments") {
  Opened o;
  auto& served = o.served;
  const std::string& a = o.account;
  // Mar 1: api-monthly, billed now: [Mar 1, Apr 1) at 10.00; 4.00 paid by check.
  REQUIRE(served
              .call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01",
                    R"({"accountId": ")" + a + R"(", "planName": "api-monthly"})")
              .status == 201);
  REQUIRE(
      served.call("POST", "/1.0/kb/invoices?accountId=" + a + "&targetDate=2024-03-01").status ==
      201);
  auto invoice = json::parse(served.read("/1.0/kb/accounts/" + a + "/invoices")).at(0);
  std::string id(invoice.at("invoiceId").as_string());
  REQUIRE(served
              .call("POST", "/1.0/kb/invoices/" + id + "/payments?externalPayment=true",
                    R"({"accountId": ")" + a + R"(", "purchasedAmount": 4})")
              .status == 201);
  // A credit no double holds: the timeline keeps its digits.
  REQUIRE(served
              .call("POST", "/1.0/kb/credits",
                    R"([{"accountId": ")" + a + R"(", "amount": "12345678901234567.89"}])")
              .status == 201);

  auto r = served.call("GET", "/1.0/kb/accounts/" + a + "/timeline");
  REQUIRE(r.status == 200);
  CHECK_THAT(r.body, Catch::Contains("12345678901234567.89"));
  auto timeline = json::parse(r.body);
  CHECK(timeline.at("account").at("accountId") == a.c_str());
  auto events = timeline.at("bundles").at(0).at("subscriptions").at(0).at("events").as_array();
  REQUIRE(events.size() >= 2);
  CHECK(events[0].at("eventType") == "START_ENTITLEMENT");
  CHECK(events[0].at("effectiveDate") == "2024-03-01");
  auto invoices = timeline.at("invoices").as_array();
  REQUIRE(invoices.size() == 2);  // the 10.00 invoice, then the credit's
  CHECK(invoices[0].at("amount").to_number<double>() == 10.0);
  CHECK(invoices[0].at("balance").to_number<double>() == 6.0);  // 10.00 - 4.00
  auto payments = timeline.at("payments").as_array();
  REQUIRE(payments.size() == 1);
  CHECK(payments[0].at("purchasedAmount").to_number<double>() == 4.0);

  CHECK(served.call("GET", "/1.0/kb/accounts/no-such-account/timeline").status == 404);
}

TEST_CASE("an account's overdue state: clear, overdue and blocked, or overdue and not enforced") {
  Opened o;
  auto& served = o.served;
  const std::string& a = o.account;
  auto overdue = [&] { return json::parse(served.read("/1.0/kb/accounts/" + a + "/overdue")); };
  CHECK(overdue().at("isClearState") == true);
  CHECK(overdue().at("name") == "__KILLBILL__CLEAR__OVERDUE_STATE__");
  CHECK(overdue().at("isDisableEntitlementAndChangesBlocked") == false);

  // Dunning ran out (as the daily run records it).
  auto stored = served.store->account(a);
  stored->overdue = true;
  REQUIRE(served.store->update_account(*stored));
  CHECK(overdue().at("isClearState") == false);
  CHECK(overdue().at("name") == "OVERDUE");
  CHECK(overdue().at("isDisableEntitlementAndChangesBlocked") == true);

  // OVERDUE_ENFORCEMENT_OFF: still overdue, no longer blocked.
  REQUIRE(served
              .call("POST",
                    "/1.0/kb/accounts/" + a + "/tags?tagList=00000000-0000-0000-0000-000000000003")
              .status == 201);
  CHECK(overdue().at("name") == "OVERDUE");
  CHECK(overdue().at("isDisableEntitlementAndChangesBlocked") == false);
}

TEST_CASE("an account's contact emails: added once, listed, removed, bad input changes nothing") {
  Opened o;
  auto& served = o.served;
  const std::string& a = o.account;
  const std::string path = "/1.0/kb/accounts/" + a + "/emails";
  REQUIRE(served.call("POST", path, R"({"accountId": ")" + a + R"(", "email": "ops@a.example"})")
              .status == 201);
  REQUIRE(served.call("POST", path, R"({"email": "cfo@a.example"})").status == 201);
  REQUIRE(served.call("POST", path, R"({"email": "ops@a.example"})").status == 201);  // once
  auto emails = json::parse(served.read(path)).as_array();
  REQUIRE(emails.size() == 2);
  CHECK(emails[0].at("email") == "ops@a.example");
  CHECK(emails[0].at("accountId") == a.c_str());
  CHECK(emails[1].at("email") == "cfo@a.example");

  auto bad = served.call("POST", path, R"({"email": "nobody"})");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("email") && Catch::Contains("not an email address"));
  CHECK(served.call("POST", path, R"({"accountId": "other", "email": "x@y.example"})").status ==
        400);
  CHECK(served.call("POST", path, R"({})").status == 400);
  CHECK(json::parse(served.read(path)).as_array().size() == 2);

  // An address with an @ arrives percent-encoded in the path.
  CHECK(served.call("DELETE", path + "/ops%40a.example").status == 204);
  CHECK(served.call("DELETE", path + "/ops%40a.example").status == 404);
  CHECK(json::parse(served.read(path)).as_array().size() == 1);
  CHECK(served.call("GET", "/1.0/kb/accounts/nope/emails").status == 404);
}

TEST_CASE("accounts page by page with Kill Bill's pagination headers, and searched") {
  Opened o;  // account "a" (name A)
  auto& served = o.served;
  for (const char* body : {R"({"name": "Beta Corp", "externalKey": "b", "currency": "USD"})",
                           R"({"name": "Gamma", "externalKey": "beta-2", "currency": "USD",
                               "email": "ops@gamma.example"})"})
    REQUIRE(served.call("POST", "/1.0/kb/accounts", body).status == 201);
  auto header = [](const server::Response& r, const std::string& name) -> std::string {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "(none)";
  };
  auto page = served.call("GET", "/1.0/kb/accounts/pagination?offset=1&limit=1");
  REQUIRE(page.status == 200);
  auto one = json::parse(page.body).as_array();
  REQUIRE(one.size() == 1);
  CHECK(one[0].at("externalKey") == "b");  // the second made
  CHECK(header(page, "X-Killbill-Pagination-CurrentOffset") == "1");
  CHECK(header(page, "X-Killbill-Pagination-NextOffset") == "2");
  CHECK(header(page, "X-Killbill-Pagination-TotalNbRecords") == "3");
  auto last = served.call("GET", "/1.0/kb/accounts/pagination?offset=2&limit=5");
  CHECK(json::parse(last.body).as_array().size() == 1);
  CHECK(header(last, "X-Killbill-Pagination-NextOffset") == "(none)");

  // Case as given: "Be" starts the name Beta Corp (not the key beta-2), "beta"
  // the key beta-2, "ops@" (percent-encoded in the path) the email.
  auto names = [&](const std::string& key) {
    std::vector<std::string> out;
    auto found = json::parse(served.read("/1.0/kb/accounts/search/" + key));
    for (const auto& a : found.as_array()) out.emplace_back(a.at("externalKey").as_string());
    return out;
  };
  using Keys = std::vector<std::string>;
  CHECK(names("Be") == Keys{"b"});
  CHECK(names("beta") == Keys{"beta-2"});
  CHECK(names("ops%40") == Keys{"beta-2"});
  CHECK(names(o.account) == Keys{"a"});  // by id
  CHECK(names("nobody").empty());
  CHECK(served.call("GET", "/1.0/kb/accounts/pagination?offset=-1").status == 400);
  CHECK(served.call("GET", "/1.0/kb/accounts/pagination?limit=ten").status == 400);
}

TEST_CASE("an account's card as the provider described it, masked, on its payment method") {
  Opened o;
  auto& served = o.served;
  const std::string& a = o.account;
  REQUIRE(served
              .call("POST", "/1.0/kb/accounts/" + a + "/paymentMethods?isDefault=true",
                    R"({"pluginName": "killbill-stripe", "pluginInfo": {"properties": [
                      {"key": "customerId", "value": "cus_v"},
                      {"key": "paymentMethodId", "value": "pm_v"}]}})")
              .status == 201);
  auto properties = [&] {
    auto methods = json::parse(served.read("/1.0/kb/accounts/" + a + "/paymentMethods"));
    std::map<std::string, std::string> out;
    for (const auto& p : methods.at(0).at("pluginInfo").at("properties").as_array())
      out[std::string(p.at("key").as_string())] = std::string(p.at("value").as_string());
    return out;
  };
  CHECK_FALSE(properties().contains("ccLast4"));  // not described yet
  // Stripe describes it (payment_method.attached): brand, last 4 digits, expiry.
  REQUIRE(BillingService(*served.store)
              .describe_card(a, "pm_v", Card{"visa", "4242", 8, 2028}, date::year{2024} / 3 / 15));
  auto shown = properties();
  CHECK(shown["ccType"] == "visa");
  CHECK(shown["ccLast4"] == "4242");
  CHECK(shown["ccExpirationMonth"] == "8");
  CHECK(shown["ccExpirationYear"] == "2028");
  CHECK(shown["card"] == "visa **** 4242, expires 08/2028");
}

TEST_CASE("a payment method deleted as Kill Bill does: the default only when asked, AUTO_PAY_OFF") {
  Opened o;
  auto& served = o.served;
  const std::string& a = o.account;
  auto add = [&](const char* pm, bool as_default) {
    auto made = served.call(
        "POST",
        "/1.0/kb/accounts/" + a + "/paymentMethods?isDefault=" + (as_default ? "true" : "false"),
        std::string(R"({"pluginName": "killbill-stripe", "pluginInfo": {"properties": [
                      {"key": "customerId", "value": "cus_d"},
                      {"key": "paymentMethodId", "value": ")") +
            pm + R"("}]}})");
    REQUIRE(made.status == 201);
    std::string location;
    for (const auto& [k, v] : made.headers)
      if (k == "Location") location = v.substr(v.rfind('/') + 1);
    return location;
  };
  std::string first = add("pm_d1", true);
  std::string second = add("pm_d2", false);
  auto methods = [&] {
    return json::parse(served.read("/1.0/kb/accounts/" + a + "/paymentMethods")).as_array().size();
  };
  REQUIRE(methods() == 2);
  // Not the default: gone.
  CHECK(served.call("DELETE", "/1.0/kb/paymentMethods/" + second).status == 204);
  CHECK(methods() == 1);
  CHECK(served.call("GET", "/1.0/kb/paymentMethods/" + second).status == 404);
  // The default, not asked for as such: 400, kept.
  auto refused = served.call("DELETE", "/1.0/kb/paymentMethods/" + first);
  CHECK(refused.status == 400);
  CHECK(refused.body.find("deleteDefaultPmWithAutoPayOff") != std::string::npos);
  CHECK(methods() == 1);
  // Asked for with AUTO_PAY_OFF: gone, and the account is tagged so.
  CHECK(
      served
          .call("DELETE", "/1.0/kb/paymentMethods/" + first + "?deleteDefaultPmWithAutoPayOff=true")
          .status == 204);
  CHECK(methods() == 0);
  auto tags = json::parse(served.read("/1.0/kb/accounts/" + a + "/tags")).as_array();
  REQUIRE(tags.size() == 1);
  CHECK(tags[0].at("tagDefinitionName") == "AUTO_PAY_OFF");
  CHECK(served.store->account(a)->controls.auto_pay_off);
  CHECK(served.store->account(a)->payment_method_id.empty());
  CHECK(served.call("DELETE", "/1.0/kb/paymentMethods/" + first).status == 404);
}
