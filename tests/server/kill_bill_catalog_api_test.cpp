// Kill Bill's catalog resource: a Kill Bill XML catalog uploaded, read back as
// XML and as Kill Bill's catalog JSON, its plans listed, and its <rules>
// applied to the tenant's accounts; bad XML refused with nothing changed.

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/problems.hpp"
#include "../support/served_store.hpp"
#include "tollgate/kill_bill_catalog.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

std::string location_id(const server::Response& r) {
  for (const auto& [k, v] : r.headers)
    if (k == "Location") return v.substr(v.rfind('/') + 1);
  return "";
}

// Opens an account through Kill Bill's API from `body`; returns its id.
std::string open_account_from(test::ServedStore& served, const std::string& body,
                              const std::string& external_key) {
  auto made = served.call("POST", "/1.0/kb/accounts", body);
  INFO(made.body);
  REQUIRE(made.status == 201);
  return std::string(json::parse(served.read("/1.0/kb/accounts?externalKey=" + external_key))
                         .at("accountId")
                         .as_string());
}

// Opens an account in `currency` billed on the 1st, named by its external key.
std::string open_account(test::ServedStore& served, const std::string& external_key,
                         const std::string& currency) {
  return open_account_from(served,
                           R"({"name": ")" + external_key + R"(", "externalKey": ")" +
                               external_key + R"(", "currency": ")" + currency +
                               R"(", "billCycleDayLocal": 1})",
                           external_key);
}

// Subscribes the account to sports-monthly on 2024-03-01; returns the subscription's id.
std::string subscribe_to_sports(test::ServedStore& served, const std::string& account) {
  auto made = served.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01",
                          R"({"accountId": ")" + account + R"(", "planName": "sports-monthly"})");
  INFO(made.body);
  REQUIRE(made.status == 201);
  return location_id(made);
}

// A store served at a date the test moves (`today`), with a Kill Bill catalog uploaded.
struct Clocked {
  Date today;
  test::ServedStore served{clock()};

  Clocked(Date start, const std::string& catalog_xml) : today(start) {
    auto uploaded = served.call("POST", "/1.0/kb/catalog/xml", catalog_xml);
    INFO(uploaded.body);
    REQUIRE(uploaded.status == 201);
  }

 private:
  server::ApiOptions clock() {
    server::ApiOptions options;
    options.clock = [this] { return Instant{date::sys_days{today}}; };
    return options;
  }
};

}  // namespace

TEST_CASE(
    "a Kill Bill XML catalog uploaded is read back as XML, as Kill Bill's JSON, and as plans") {
  test::ServedStore served;
  CHECK(served.call("GET", "/1.0/kb/catalog").status == 404);  // none yet
  auto up =
      served.call("POST", "/1.0/kb/catalog/xml", test::data_file("kill_bill/SpyCarBasic.xml"));
  INFO(up.body);
  REQUIRE(up.status == 201);

  json::array versions = json::parse(served.read("/1.0/kb/catalog")).as_array();
  REQUIRE(versions.size() == 1);
  const json::value& catalog = versions[0];
  CHECK(catalog.at("name") == "SpyCarBasic");
  CHECK(catalog.at("effectiveDate") == "2013-02-08T00:00:00.000Z");
  const json::value& sports = catalog.at("products").at(1);
  CHECK(sports.at("name") == "Sports");
  CHECK(sports.at("type") == "BASE");
  const json::value& plan = sports.at("plans").at(0);
  CHECK(plan.at("name") == "sports-monthly");
  CHECK(plan.at("billingPeriod") == "MONTHLY");
  CHECK(plan.at("phases").at(0).at("type") == "TRIAL");
  CHECK(plan.at("phases").at(0).at("duration").at("number") == 30);
  // Prices by currency, in ISO order: GBP 375, USD 500.
  CHECK(plan.at("phases").at(1).at("prices").at(0).at("currency") == "GBP");
  CHECK(plan.at("phases").at(1).at("prices").at(0).at("value").to_number<double>() == 375.0);
  CHECK(catalog.at("priceLists").at(0).at("plans").as_array().size() == 3);

  std::string xml = served.read("/1.0/kb/catalog/xml");
  CHECK(xml.find("<catalogName>SpyCarBasic</catalogName>") != std::string::npos);
  CHECK(xml.find("<plan name=\"super-monthly\">") != std::string::npos);
  CHECK(xml.find("<cancelPolicyCase>") != std::string::npos);  // its rules came back with it

  json::array bases = json::parse(served.read("/1.0/kb/catalog/availableBasePlans")).as_array();
  REQUIRE(bases.size() == 3);
  CHECK(bases[2].at("plan") == "super-monthly");
  CHECK(bases[2].at("priceList") == "DEFAULT");
  CHECK(bases[2].at("finalPhaseRecurringPrice").at(1).at("value").to_number<double>() == 1000.0);
}

TEST_CASE(
    "a subscription's plan, phase, product and price list by date, the catalog's rules govern its "
    "cancel") {
  Clocked c(date::year{2024} / 4 / 1, test::data_file("kill_bill/SpyCarBasic.xml"));
  Date& today = c.today;
  test::ServedStore& served = c.served;
  std::string account = open_account(served, "spy", "GBP");
  std::string sub = subscribe_to_sports(served, account);
  // The catalog as the subscription sees it: the 30-day trial from 03-01 ends 03-31.
  auto at = [&](const std::string& what, const std::string& day) {
    return json::parse(served.read("/1.0/kb/catalog/" + what + "?subscriptionId=" + sub +
                                   "&requestedDate=" + day));
  };
  CHECK(at("plan", "2024-03-10").at("name") == "sports-monthly");
  CHECK(at("phase", "2024-03-30").at("type") == "TRIAL");
  json::value evergreen = at("phase", "2024-03-31");
  CHECK(evergreen.at("type") == "EVERGREEN");
  CHECK(evergreen.at("prices").at(0).at("value").to_number<double>() == 375.0);  // GBP first
  CHECK(at("product", "2024-03-31").at("name") == "Sports");
  CHECK(at("priceList", "2024-03-31").at("name") == "DEFAULT");
  CHECK(served.call("GET", "/1.0/kb/catalog/plan").status == 400);
  CHECK(
      served.call("GET", "/1.0/kb/catalog/plan?subscriptionId=00000000-0000-0000-0000-00000000dead")
          .status == 404);
  today = date::year{2024} / 4 / 16;
  // No policy asked: Kill Bill's default would be END_OF_TERM (May 1); the
  // catalog's cancelPolicy says IMMEDIATE, so the subscription ends today.
  auto cancelled = served.call("DELETE", "/1.0/kb/subscriptions/" + sub);
  INFO(cancelled.body);
  REQUIRE(cancelled.status == 204);
  json::value got = json::parse(served.read("/1.0/kb/subscriptions/" + sub));
  CHECK(got.at("cancelledDate").as_string().starts_with("2024-04-16"));
  // Ended: its last plan is still named, but it is in no phase.
  CHECK(served.read("/1.0/kb/catalog/plan?subscriptionId=" + sub).find("sports-monthly") !=
        std::string::npos);
  CHECK(served.call("GET", "/1.0/kb/catalog/phase?subscriptionId=" + sub).status == 404);
}

TEST_CASE("a catalog that cannot be billed from is refused by XML path, and the old one stays") {
  test::ServedStore served;
  REQUIRE(served.call("POST", "/1.0/kb/catalog/xml", test::data_file("kill_bill/SpyCarBasic.xml"))
              .status == 201);
  auto bad = served.call("POST", "/1.0/kb/catalog/xml",
                         test::data_file("invalid/kill-bill-bundle-limit.xml"));
  CHECK(bad.status == 400);
  CHECK(bad.body.find("/catalog/plans/plan[@name='shotgun-monthly']/plansAllowedInBundle") !=
        std::string::npos);
  CHECK(served.call("POST", "/1.0/kb/catalog/xml", "not xml").status == 400);
  // Kill Bill's validate: the same problems, as CatalogValidation, and nothing stored.
  auto checked = served.call("POST", "/1.0/kb/catalog/xml/validate",
                             test::data_file("invalid/kill-bill-bundle-limit.xml"));
  REQUIRE(checked.status == 200);
  json::array errors = json::parse(checked.body).at("catalogValidationErrors").as_array();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0]
            .at("errorDescription")
            .as_string()
            .starts_with("/catalog/plans/plan[@name='shotgun-monthly']/plansAllowedInBundle: "
                         "plansAllowedInBundle is not supported"));
  auto fine = served.call("POST", "/1.0/kb/catalog/xml/validate",
                          test::data_file("kill_bill/api-usage.xml"));
  CHECK(json::parse(fine.body).at("catalogValidationErrors").as_array().empty());
  CHECK(json::parse(served.read("/1.0/kb/catalog")).at(0).at("name") == "SpyCarBasic");
}

TEST_CASE("add-ons by base product, and a JSON catalog Kill Bill's XML cannot say") {
  test::ServedStore served;
  REQUIRE(served.call("POST", "/1.0/kb/catalog/xml", test::data_file("kill_bill/api-usage.xml"))
              .status == 201);
  json::array addons =
      json::parse(served.read("/1.0/kb/catalog/availableAddons?baseProductName=Api")).as_array();
  REQUIRE(addons.size() == 1);
  CHECK(addons[0].at("plan") == "storage-monthly");
  CHECK(json::parse(served.read("/1.0/kb/catalog/availableAddons?baseProductName=ApiPro"))
            .as_array()
            .empty());
  CHECK(served.call("GET", "/1.0/kb/catalog/availableAddons").status == 400);
  CHECK(served.call("GET", "/1.0/kb/catalog/availableAddons?baseProductName=Storage").status ==
        400);

  REQUIRE(served
              .call("POST", "/1.0/tollgate/catalog", R"({"name": "credits", "currencies": ["USD"],
    "products": [{"name": "Api", "category": "BASE"}],
    "plans": [{"name": "api", "product": "Api", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}],
    "credit_packages": [{"name": "fifty", "credits": "50", "price": {"USD": "5.00"}}]})")
              .status == 201);
  auto as_xml = served.call("GET", "/1.0/kb/catalog/xml");
  CHECK(as_xml.status == 409);
  CHECK(as_xml.body.find("credit_packages") != std::string::npos);
  CHECK(json::parse(served.read("/1.0/kb/catalog")).at(0).at("name") == "credits");
}

TEST_CASE("an add-on its base's change of product does not take shows the day it ended") {
  Clocked c(date::year{2024} / 1 / 1, test::data_file("kill_bill/api-usage.xml"));
  Date& today = c.today;
  test::ServedStore& served = c.served;
  std::string account = open_account(served, "a", "USD");
  auto base = served.call("POST", "/1.0/kb/subscriptions",
                          R"({"accountId": ")" + account + R"(", "planName": "api-monthly"})");
  REQUIRE(base.status == 201);
  std::string base_id = location_id(base);
  std::string bundle = std::string(
      json::parse(served.read("/1.0/kb/subscriptions/" + base_id)).at("bundleId").as_string());
  today = date::year{2024} / 1 / 10;
  auto addon = served.call("POST", "/1.0/kb/subscriptions",
                           R"({"bundleId": ")" + bundle + R"(", "planName": "storage-monthly"})");
  INFO(addon.body);
  REQUIRE(addon.status == 201);
  std::string addon_id = location_id(addon);
  json::value before = json::parse(served.read("/1.0/kb/subscriptions/" + addon_id));
  CHECK(before.at("startDate") == "2024-01-10T00:00:00.000Z");
  CHECK(before.at("cancelledDate").is_null());

  // Api to ApiPro is IMMEDIATE, and Storage is available for Api only: the
  // add-on ends with the change, on Jan 16, as if cancelled that day.
  today = date::year{2024} / 1 / 16;
  auto changed =
      served.call("PUT", "/1.0/kb/subscriptions/" + base_id, R"({"planName": "api-pro-monthly"})");
  INFO(changed.body);
  REQUIRE(changed.status < 300);
  json::value after = json::parse(served.read("/1.0/kb/subscriptions/" + addon_id));
  CHECK(after.at("state") == "CANCELLED");
  CHECK(after.at("startDate") == "2024-01-10T00:00:00.000Z");
  CHECK(after.at("cancelledDate") == "2024-01-16T00:00:00.000Z");
  json::value base_now = json::parse(served.read("/1.0/kb/subscriptions/" + base_id));
  CHECK(base_now.at("startDate") == "2024-01-01T00:00:00.000Z");
  CHECK(base_now.at("cancelledDate").is_null());
}

TEST_CASE("subscriptions on a price list: made and changed by product, period and price list") {
  Clocked c(date::year{2024} / 1 / 1, test::data_file("kill_bill/price-lists.xml"));
  Date& today = c.today;
  test::ServedStore& served = c.served;
  json::value catalog = json::parse(served.read("/1.0/kb/catalog")).at(0);
  REQUIRE(catalog.at("priceLists").as_array().size() == 3);
  CHECK(catalog.at("priceLists").at(1).at("name") == "Promo");
  CHECK(catalog.at("priceLists").at(1).at("plans") ==
        json::parse(R"(["promo-standard-monthly", "promo-premium-monthly"])"));
  std::string account = open_account(served, "p", "USD");
  auto make = [&](const std::string& fields) {
    return served.call("POST", "/1.0/kb/subscriptions",
                       R"({"accountId": ")" + account + R"(", )" + fields + "}");
  };
  auto unknown =
      make(R"("productName": "Standard", "billingPeriod": "MONTHLY", "priceList": "Gold")");
  INFO(unknown.body);
  CHECK(unknown.status == 400);
  CHECK(unknown.body.find(R"(priceList: unknown price list \"Gold\")") != std::string::npos);
  auto promo =
      make(R"("productName": "Standard", "billingPeriod": "MONTHLY", "priceList": "Promo")");
  INFO(promo.body);
  REQUIRE(promo.status == 201);
  std::string sub = location_id(promo);
  json::value got = json::parse(served.read("/1.0/kb/subscriptions/" + sub));
  CHECK(got.at("planName") == "promo-standard-monthly");
  CHECK(got.at("priceList") == "Promo");
  CHECK(json::parse(served.read("/1.0/kb/catalog/priceList?subscriptionId=" + sub)).at("name") ==
        "Promo");
  // A change naming Premium and MONTHLY but no list: priceListCase[0] keeps it on Promo.
  today = date::year{2024} / 1 / 16;
  auto changed = served.call("PUT", "/1.0/kb/subscriptions/" + sub,
                             R"({"productName": "Premium", "billingPeriod": "MONTHLY"})");
  INFO(changed.body);
  REQUIRE(changed.status < 300);
  CHECK(json::parse(served.read("/1.0/kb/subscriptions/" + sub)).at("planName") ==
        "promo-premium-monthly");
  // Leaving Partner is aligned CHANGE_OF_PRICELIST, which Kill Bill refuses too.
  auto partner =
      make(R"("productName": "Standard", "billingPeriod": "MONTHLY", "priceList": "Partner")");
  REQUIRE(partner.status == 201);
  std::string partner_sub = location_id(partner);
  CHECK(json::parse(served.read("/1.0/kb/subscriptions/" + partner_sub)).at("planName") ==
        "partner-standard-monthly");
  auto refused = served.call("PUT", "/1.0/kb/subscriptions/" + partner_sub,
                             R"({"planName": "premium-monthly"})");
  CHECK(refused.status == 400);
  CHECK(refused.body.find("CHANGE_OF_PRICELIST") != std::string::npos);
  CHECK(json::parse(served.read("/1.0/kb/subscriptions/" + partner_sub)).at("planName") ==
        "partner-standard-monthly");
}

TEST_CASE("DELETE /1.0/kb/catalog: the tenant has no catalog, bound accounts bill on") {
  test::ServedStore served;
  REQUIRE(served.call("POST", "/1.0/kb/catalog/xml", test::data_file("kill_bill/SpyCarBasic.xml"))
              .status == 201);
  std::string bound = open_account(served, "a", "GBP");
  std::string sub = subscribe_to_sports(served, bound);

  CHECK(served.call("DELETE", "/1.0/kb/catalog").status == 204);
  CHECK(served.call("GET", "/1.0/kb/catalog").status == 404);
  CHECK(served.call("GET", "/1.0/kb/catalog/xml").status == 404);
  // The bound account still reads its subscription from its version.
  CHECK(json::parse(served.read("/1.0/kb/subscriptions/" + sub)).at("planName") ==
        "sports-monthly");
  // A new account waits for a catalog: it cannot subscribe yet.
  std::string waiting = open_account_from(served, R"({"name": "B", "externalKey": "b"})", "b");
  auto refused =
      served.call("POST", "/1.0/kb/subscriptions",
                  R"({"accountId": ")" + waiting + R"(", "planName": "sports-monthly"})");
  CHECK(refused.status == 400);
  CHECK(refused.body.find("no catalog yet") != std::string::npos);
  // Uploading again gives new accounts a catalog.
  REQUIRE(served.call("POST", "/1.0/kb/catalog/xml", test::data_file("kill_bill/SpyCarBasic.xml"))
              .status == 201);
  CHECK(served
            .call("POST", "/1.0/kb/subscriptions",
                  R"({"accountId": ")" + waiting + R"(", "planName": "sports-monthly"})")
            .status == 201);
}

namespace {

// A one-plan Kill Bill catalog version: "basic" at `price` USD a month from
// `effective`, moving existing subscriptions on `existing` when given.
std::string basic_version(const std::string& effective, const std::string& price,
                          const std::string& existing = "") {
  std::string moved = existing.empty()
                          ? ""
                          : "<effectiveDateForExistingSubscriptions>" + existing +
                                "T00:00:00+00:00</effectiveDateForExistingSubscriptions>";
  return R"(<catalog><effectiveDate>)" + effective +
         R"(T00:00:00+00:00</effectiveDate><catalogName>versions</catalogName>
    <currencies><currency>USD</currency></currencies>
    <products><product name="Basic"><category>BASE</category></product></products>
    <plans><plan name="basic">)" +
         moved + R"(<product>Basic</product><finalPhase type="EVERGREEN">
      <duration><unit>UNLIMITED</unit></duration><recurring><billingPeriod>MONTHLY</billingPeriod>
      <recurringPrice><price><currency>USD</currency><value>)" +
         price + R"(</value></price></recurringPrice></recurring></finalPhase></plan></plans>
    <priceLists><defaultPriceList name="DEFAULT"><plans><plan>basic</plan></plans></defaultPriceList></priceLists>
    </catalog>)";
}

// The amount of the account's invoice made for `target` (Kill Bill's POST /1.0/kb/invoices).
double invoice_amount(test::ServedStore& served, const std::string& account,
                      const std::string& target) {
  auto made =
      served.call("POST", "/1.0/kb/invoices?accountId=" + account + "&targetDate=" + target);
  INFO(made.body);
  REQUIRE(made.status == 201);
  json::array invoices =
      json::parse(served.read("/1.0/kb/accounts/" + account + "/invoices")).as_array();
  for (const auto& invoice : invoices)
    if (invoice.at("targetDate").as_string() == target)
      return invoice.at("amount").to_number<double>();
  FAIL("no invoice for " << target);
  return 0;
}

// A server whose clock reads `today` (the test moves it), with version 1 of
// "basic" uploaded (10.00 a month from 2024-01-01), and an account (BCD 1)
// subscribed to it on March 1.
struct VersionOne : Clocked {
  std::string account;
  std::string subscription;

  explicit VersionOne(const std::string& key)
      : Clocked(date::year{2024} / 3 / 1, basic_version("2024-01-01", "10.00")) {
    account = open_account(served, key, "USD");
    auto made = served.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01",
                            R"({"accountId": ")" + account + R"(", "planName": "basic"})");
    REQUIRE(made.status == 201);
    subscription = location_id(made);
  }
};

}  // namespace

TEST_CASE("catalog versions: each upload a version, read by date, existing subscriptions moved") {
  VersionOne v1("a");
  Date& today = v1.today;
  test::ServedStore& served = v1.served;
  const std::string& first = v1.account;
  CHECK(invoice_amount(served, first, "2024-03-01") == 10.00);

  // Version 2 from April 1 at 20.00, moving existing subscriptions on May 1.
  today = date::year{2024} / 4 / 10;
  auto up = served.call("POST", "/1.0/kb/catalog/xml",
                        basic_version("2024-04-01", "20.00", "2024-05-01"));
  INFO(up.body);
  REQUIRE(up.status == 201);
  // The same day again is refused, and nothing changes.
  CHECK(served.call("POST", "/1.0/kb/catalog/xml", basic_version("2024-04-01", "30.00")).status ==
        400);
  json::array versions = json::parse(served.read("/1.0/kb/catalog")).as_array();
  REQUIRE(versions.size() == 2);
  CHECK(versions[0].at("effectiveDate") == "2024-01-01T00:00:00.000Z");
  CHECK(versions[1].at("effectiveDate") == "2024-04-01T00:00:00.000Z");
  json::array march =
      json::parse(served.read("/1.0/kb/catalog?requestedDate=2024-03-15")).as_array();
  REQUIRE(march.size() == 1);
  CHECK(march[0].at("effectiveDate") == "2024-01-01T00:00:00.000Z");
  CHECK(json::parse(served.read("/1.0/kb/catalog/versions")) ==
        json::parse(R"(["2024-01-01T00:00:00.000Z", "2024-04-01T00:00:00.000Z"])"));
  // As Kill Bill writes its versioned catalog: <catalogs>, one <version> each,
  // or the one in force on requestedDate alone in it.
  auto count = [](const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  std::string in_march = served.read("/1.0/kb/catalog/xml?requestedDate=2024-03-15");
  CHECK(in_march.find("<catalogs>") != std::string::npos);
  CHECK(count(in_march, "<version>") == 1);
  CHECK(in_march.find("<effectiveDate>2024-01-01") != std::string::npos);
  CHECK(in_march.find("<value>10") != std::string::npos);
  CHECK(in_march.find("<value>20") == std::string::npos);
  std::string every = served.read("/1.0/kb/catalog/xml");
  CHECK(count(every, "<version>") == 2);
  CHECK(every.find("<effectiveDate>2024-01-01") < every.find("<effectiveDate>2024-04-01"));
  CHECK(every.find("<value>20") != std::string::npos);
  // What a team leaving Kill Bill exports is what Tollgate imports: both versions.
  auto exported = load_kill_bill_catalog(every);
  REQUIRE(exported.has_value());
  CHECK(exported->catalog.versions().size() == 2);
  CHECK(served.call("GET", "/1.0/kb/catalog?requestedDate=March").status == 400);

  // The first account keeps 10.00 in April and moves to 20.00 on May 1:
  // its phase as the catalog resource shows it, then as it is billed.
  std::string sub_a = json::parse(served.read("/1.0/kb/accounts/" + first + "/bundles"))
                          .at(0)
                          .at("subscriptions")
                          .at(0)
                          .at("subscriptionId")
                          .as_string()
                          .c_str();
  auto price_on = [&](const std::string& day) {
    return json::parse(served.read("/1.0/kb/catalog/phase?subscriptionId=" + sub_a +
                                   "&requestedDate=" + day))
        .at("prices")
        .at(0)
        .at("value")
        .to_number<double>();
  };
  CHECK(price_on("2024-04-30") == 10.0);
  CHECK(price_on("2024-05-01") == 20.0);
  CHECK(invoice_amount(served, first, "2024-04-01") == 10.00);
  CHECK(invoice_amount(served, first, "2024-05-01") == 20.00);
  // A subscription made on April 15 is priced by version 2: 16/30 x 20.00 = 10.666... = 10.67.
  std::string second = open_account(served, "b", "USD");
  today = date::year{2024} / 4 / 15;
  REQUIRE(served
              .call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-04-15",
                    R"({"accountId": ")" + second + R"(", "planName": "basic"})")
              .status == 201);
  CHECK(invoice_amount(served, second, "2024-04-15") == Approx(10.67).margin(1e-9));
  // Each event names the version that prices the subscription that day
  // (Kill Bill's catalogEffectiveDate): version 1 for the first account's
  // start, version 2 for the second's.
  auto first_event_version = [&](const std::string& account) {
    json::value bundle = json::parse(served.read("/1.0/kb/accounts/" + account + "/bundles")).at(0);
    return bundle.at("subscriptions").at(0).at("events").at(0).at("catalogEffectiveDate");
  };
  CHECK(first_event_version(first) == "2024-01-01T00:00:00.000Z");
  CHECK(first_event_version(second) == "2024-04-01T00:00:00.000Z");
}

TEST_CASE("POST /1.0/kb/catalog/simplePlan: a first catalog made for it, bad fields named") {
  Date today = date::year{2024} / 1 / 10;
  server::ApiOptions options;
  options.clock = [&today] { return Instant{date::sys_days{today}}; };
  test::ServedStore served(options);
  auto missing = served.call("POST", "/1.0/kb/catalog/simplePlan",
                             R"({"productName": "Basic", "currency": "USD", "amount": 10,
                                 "billingPeriod": "MONTHLY", "trialTimeUnit": "FORTNIGHTS"})");
  CHECK(missing.status == 400);
  CHECK(missing.body.find("planId") != std::string::npos);
  CHECK(missing.body.find("trialTimeUnit") != std::string::npos);
  CHECK(served.call("GET", "/1.0/kb/catalog").status == 404);  // nothing was made

  auto made = served.call("POST", "/1.0/kb/catalog/simplePlan",
                          R"({"planId": "basic-monthly", "productName": "Basic",
                              "productCategory": "BASE", "currency": "USD", "amount": 10,
                              "billingPeriod": "MONTHLY", "trialLength": 7,
                              "trialTimeUnit": "DAYS"})");
  INFO(made.body);
  REQUIRE(made.status == 201);
  json::array versions = json::parse(served.read("/1.0/kb/catalog")).as_array();
  REQUIRE(versions.size() == 1);
  CHECK(versions[0].at("effectiveDate") == "2024-01-10T00:00:00.000Z");  // made today
  json::value plan = versions[0].at("products").at(0).at("plans").at(0);
  CHECK(plan.at("name") == "basic-monthly");
  CHECK(plan.at("phases").at(0).at("type") == "TRIAL");
  CHECK(plan.at("phases").at(0).at("duration").at("number") == 7);
  CHECK(plan.at("phases").at(1).at("prices").at(0).at("value").to_number<double>() == 10.0);
}

TEST_CASE("a plan a later version retires still bills and reads for the subscriptions on it") {
  VersionOne v1("r");
  Date& today = v1.today;
  test::ServedStore& served = v1.served;
  const std::string& account = v1.account;
  const std::string& sub = v1.subscription;
  // Version 2 sells "premium" of product Premium only: "basic" is retired.
  std::string v2 = basic_version("2024-04-01", "30.00");
  for (auto [from, to] : {std::pair<std::string, std::string>{"name=\"basic\"", "name=\"premium\""},
                          {"<plan>basic</plan>", "<plan>premium</plan>"},
                          {"name=\"Basic\"", "name=\"Premium\""},
                          {"<product>Basic</product>", "<product>Premium</product>"}})
    v2.replace(v2.find(from), from.size(), to);
  today = date::year{2024} / 4 / 10;
  REQUIRE(served.call("POST", "/1.0/kb/catalog/xml", v2).status == 201);
  json::value got = json::parse(served.read("/1.0/kb/subscriptions/" + sub));
  CHECK(got.at("planName") == "basic");
  CHECK(got.at("productName") == "Basic");
  CHECK(got.at("billingPeriod") == "MONTHLY");
  // Still billed at version 1's 10.00: March, April and May on one invoice, 30.00.
  CHECK(invoice_amount(served, account, "2024-05-01") == 30.00);
  // A new subscription may still name it, as Kill Bill's lookup walks back to
  // the version that sells it (a team re-creating its customers' subscriptions
  // on grandfathered plans). Version 1's price: April 10 to May 1 is 21 of
  // April's 30 days, 10.00 x 21/30 = 7.00; then May, 10.00: 17.00.
  auto again = served.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-04-10",
                           R"({"accountId": ")" + account + R"(", "planName": "basic"})");
  INFO(again.body);
  REQUIRE(again.status == 201);
  CHECK(json::parse(served.read("/1.0/kb/subscriptions/" + location_id(again))).at("productName") ==
        "Basic");
  CHECK(invoice_amount(served, account, "2024-05-02") == 17.00);
  // A plan no version sells is still unknown.
  CHECK(served
            .call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-04-10",
                  R"({"accountId": ")" + account + R"(", "planName": "gold"})")
            .status == 400);
}
