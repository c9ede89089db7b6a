// Kill Bill's XML catalogs read into Tollgate's catalog and rules: Kill Bill's
// own sample (SpyCarBasic.xml), a catalog of ours with usage and product rules,
// each billed with amounts worked out by hand; and what is refused, by XML path.

#include "tollgate/kill_bill_catalog.hpp"
#include "tollgate/rating.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"
#include "../support/problems.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::test::Harness;
using tollgate::test::has_problem;
using Lines = std::vector<std::string>;

namespace {

KillBillCatalog load_file(const std::string& name) {
  auto loaded = load_kill_bill_catalog(test::data_file("kill_bill/" + name));
  INFO((loaded ? "" : test::describe(loaded.error())));
  REQUIRE(loaded.has_value());
  return std::move(loaded).value();
}

Harness harness(const KillBillCatalog& kb, const char* currency) {
  return Harness(std::make_shared<const Catalog>(kb.catalog), kb.rules,
                 {"acct", currency, "UTC", 1});
}

Lines sorted(Lines lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

#define ON(h, date, call) \
  REQUIRE((h).on(date, [&](BillingEngine& e) { return e.call; }).has_value())

// A one-plan catalog with `extra` spliced into <catalog> and `phase` as its final phase.
std::string xml(const std::string& extra, const std::string& phase = R"(
      <finalPhase type="EVERGREEN"><duration><unit>UNLIMITED</unit></duration>
        <recurring><billingPeriod>MONTHLY</billingPeriod>
          <recurringPrice><price><currency>USD</currency><value>10.00</value></price></recurringPrice>
        </recurring></finalPhase>)") {
  return R"(<catalog><catalogName>small</catalogName>
    <currencies><currency>USD</currency></currencies>
    <units><unit name="calls"/></units>
    <products><product name="Basic"><category>BASE</category></product></products>
    <plans><plan name="basic"><product>Basic</product>)" +
         phase + R"(</plan></plans>
    <priceLists><defaultPriceList name="DEFAULT"><plans><plan>basic</plan></plans></defaultPriceList></priceLists>)" +
         extra + "</catalog>";
}

// The one-plan catalog whose final phase bills 10.00 a month and `usage` (a
// <usage> element), loaded.
KillBillCatalog with_usage(const std::string& usage) {
  auto loaded = load_kill_bill_catalog(xml("", R"(<finalPhase type="EVERGREEN">
      <duration><unit>UNLIMITED</unit></duration>
      <recurring><billingPeriod>MONTHLY</billingPeriod>
        <recurringPrice><price><currency>USD</currency><value>10.00</value></price></recurringPrice>
      </recurring><usages>)" + usage + "</usages></finalPhase>"));
  INFO((loaded ? "" : test::describe(loaded.error())));
  REQUIRE(loaded.has_value());
  return std::move(loaded).value();
}

// The catalog written as Kill Bill XML (which must contain `marker`) and read again.
KillBillCatalog written_back(const KillBillCatalog& kb, const std::string& marker) {
  auto written = to_kill_bill_xml(kb.catalog, kb.rules);
  INFO((written ? "" : test::describe(written.error())));
  REQUIRE(written.has_value());
  CHECK(written->find(marker) != std::string::npos);
  auto again = load_kill_bill_catalog(*written);
  INFO((again ? "" : test::describe(again.error())));
  REQUIRE(again.has_value());
  return std::move(again).value();
}

Problems problems_of(const std::string& text) {
  auto loaded = load_kill_bill_catalog(text);
  REQUIRE_FALSE(loaded.has_value());
  return loaded.error();
}

}  // namespace

TEST_CASE("SpyCarBasic.xml reads into the catalog and rules Kill Bill gives it") {
  KillBillCatalog kb = load_file("SpyCarBasic.xml");
  const Catalog& c = kb.catalog;
  CHECK(c.name == "SpyCarBasic");
  CHECK(c.effective_date == 2013_y / 2 / 8);
  CHECK(c.currencies == std::vector<std::string>{"USD", "GBP"});
  REQUIRE(c.products.size() == 3);
  CHECK(c.products[1].name == "Sports");
  CHECK(c.products[1].category == ProductCategory::base);
  const Plan* sports = c.find_plan("sports-monthly");
  REQUIRE(sports);
  CHECK(sports->product == "Sports");
  REQUIRE(sports->phases.size() == 2);
  CHECK(sports->phases[0].type == PhaseType::trial);
  CHECK(sports->phases[0].duration->unit == TimeUnit::days);
  CHECK(sports->phases[0].duration->length == 30);
  CHECK(sports->phases[0].fixed.empty());   // an empty <fixedPrice> is no fixed price
  CHECK_FALSE(sports->phases[1].duration);  // UNLIMITED
  CHECK(sports->phases[1].recurring->billing_period == BillingPeriod::monthly);
  CHECK(sports->phases[1].recurring->price.at("GBP") == Decimal(375));
  CHECK(sports->phases[1].recurring->price.at("USD") == Decimal(500));
  // Its <rules>: changes and cancels IMMEDIATE, ACCOUNT alignment.
  CHECK(kb.rules
            .change_policy({PhaseType::evergreen, ProductCategory::base, BillingPeriod::monthly,
                            ProductCategory::base, BillingPeriod::monthly, "Sports", "Super"})
            .value == BillingActionPolicy::immediate);
  CHECK(kb.rules
            .cancel_policy(
                {ProductCategory::base, BillingPeriod::monthly, PhaseType::trial, "Standard"})
            .value == BillingActionPolicy::immediate);
  CHECK(kb.rules.billing_alignment({}).source == "billingAlignment[0]");
  // What a store keeps is the catalog JSON, which loads to the same catalog.
  auto again = load_catalog(kb.catalog_json);
  REQUIRE(again.has_value());
  CHECK(again->plans.size() == 3);
  CHECK(again->find_plan("super-monthly")->phases[1].recurring->price.at("USD") == Decimal(1000));
}

TEST_CASE(
    "SpyCarBasic bills a GBP account: a 30-day trial, then monthly, cancelled IMMEDIATE by its "
    "rules") {
  KillBillCatalog kb = load_file("SpyCarBasic.xml");
  Harness h = harness(kb, "GBP");
  // Trial [Mar 1, Mar 31); the evergreen phase starts Mar 31. With BCD 1 its first
  // period [Mar 31, Apr 1) is 1 day of March's 31: 375.00 x 1/31 = 12.096... -> 12.10.
  // April: 375.00. Cancel on Apr 16 with no policy: the catalog's cancelPolicy says
  // IMMEDIATE, so [Apr 16, May 1), 15 of 30 days, is repaired: -375.00 x 15/30 = -187.50.
  ON(h, 2024_y / 3 / 1, create_subscription("car", "sports-monthly", 2024_y / 3 / 1));
  ON(h, 2024_y / 4 / 16, cancel("car", 2024_y / 4 / 16));
  h.bill_through(2024_y / 5 / 1);
  CHECK(h.lines() == Lines{"2024-03-31 RECURRING car 2024-03-31..2024-04-01 12.10",
                           "2024-04-01 RECURRING car 2024-04-01..2024-05-01 375.00",
                           "2024-04-16 REPAIR_ADJ car 2024-04-16..2024-05-01 -187.50"});
}

TEST_CASE("usage tiers, a package-priced add-on and a product rule from an XML catalog") {
  KillBillCatalog kb = load_file("api-usage.xml");
  const Plan* api = kb.catalog.find_plan("api-monthly");
  REQUIRE(api);
  const UsagePrice& calls = api->phases[1].usages.at(0);
  CHECK(calls.metric == "api-calls");
  CHECK(calls.model == UsageModel::graduated);
  REQUIRE(calls.tiers.size() == 2);
  CHECK(calls.tiers[0].up_to == Decimal(1000));
  CHECK_FALSE(calls.tiers[1].up_to);
  const UsagePrice& storage = kb.catalog.find_plan("storage-monthly")->phases[0].usages.at(0);
  CHECK(storage.model == UsageModel::package);
  CHECK(storage.package_size == Decimal(100));
  // The add-on lists the bases that take it (Kill Bill lists them the other way round).
  CHECK(kb.catalog.find_product("Storage")->available_for == std::vector<std::string>{"Api"});

  Harness h = harness(kb, "USD");
  // Trial [Jan 1, Jan 15); [Jan 15, Feb 1) is 17 of January's 31 days: 29.00 x 17/31 =
  // 15.903... -> 15.90.
  ON(h, 2024_y / 1 / 1, create_subscription("s1", "api-monthly", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 20,
     record_usage({"s1", "api-calls", Decimal(1500), 2024_y / 1 / 20, "u1", ""}));
  ON(h, 2024_y / 1 / 20, create_subscription("st", "storage-monthly", 2024_y / 1 / 20, "s1"));
  ON(h, 2024_y / 1 / 25,
     record_usage({"st", "gigabytes", Decimal(250), 2024_y / 1 / 25, "u2", ""}));
  // Feb 1: February in advance, 29.00; January's calls in arrear: the first 1,000 free,
  // 500 x 0.01 = 5.00; storage: 250 GB is 3 started blocks of 100, 3 x 2.50 = 7.50.
  // Feb 10, Api -> ApiPro with no policy: IMMEDIATE by changePolicy[0] (fromProduct Api,
  // toProduct ApiPro). [Feb 10, Mar 1) is 20 of February 2024's 29 days:
  // -29.00 x 20/29 = -20.00, and 93.00 x 20/29 = 64.137... -> 64.14.
  ON(h, 2024_y / 2 / 10, change_plan("s1", "api-pro-monthly", 2024_y / 2 / 10));
  h.bill_through(2024_y / 3 / 1);
  CHECK(sorted(h.lines()) == sorted(Lines{"2024-01-15 RECURRING s1 2024-01-15..2024-02-01 15.90",
                                          "2024-02-01 RECURRING s1 2024-02-01..2024-03-01 29.00",
                                          "2024-02-01 USAGE s1 2024-01-15..2024-02-01 5.00",
                                          "2024-02-01 USAGE st 2024-01-20..2024-02-01 7.50",
                                          "2024-02-10 RECURRING s1 2024-02-10..2024-03-01 64.14",
                                          "2024-02-10 REPAIR_ADJ s1 2024-02-10..2024-03-01 -20.00",
                                          "2024-03-01 RECURRING s1 2024-03-01..2024-04-01 93.00"}));
}

TEST_CASE("the small catalog of these tests loads") {
  auto loaded = load_kill_bill_catalog(xml(""));
  INFO((loaded ? "" : test::describe(loaded.error())));
  CHECK(loaded.has_value());
}

TEST_CASE("text that is not a Kill Bill catalog is refused at the root") {
  CHECK(has_problem(problems_of("<catalog><plans>"), "/", "malformed XML"));
  CHECK(has_problem(problems_of("<pricing/>"), "/",
                    "the root element is neither <catalog> nor <catalogs>"));
}

TEST_CASE("what Tollgate does not support is refused with its XML path, never dropped") {
  std::string with_included = xml("");
  with_included.replace(
      with_included.find("<category>BASE</category>"), 25,
      "<category>BASE</category><included><addonProduct>X</addonProduct></included>");
  auto included = problems_of(with_included);
  CHECK(has_problem(included, "/catalog/products/product[@name='Basic']/included/addonProduct",
                    "unknown product \"X\""));
  // A base can include or take only add-ons: the JSON keeps those lists on them.
  std::string base_in_base = xml("");
  base_in_base.replace(
      base_in_base.find("<category>BASE</category>"), 25,
      "<category>BASE</category><available><addonProduct>Basic</addonProduct></available>");
  CHECK(has_problem(problems_of(base_in_base),
                    "/catalog/products/product[@name='Basic']/available/addonProduct",
                    "product \"Basic\" is not an ADD_ON"));
  std::string twice = xml("");
  twice.replace(
      twice.find("</defaultPriceList>"), 19,
      R"(</defaultPriceList><childPriceList name="Promo"><plans><plan>basic</plan></plans></childPriceList>)");
  CHECK(has_problem(problems_of(twice),
                    "/catalog/priceLists/childPriceList[@name='Promo']/plans/plan",
                    "plan \"basic\" is already in price list \"DEFAULT\""));
  std::string named_default = xml("");
  named_default.replace(
      named_default.find("</defaultPriceList>"), 19,
      R"(</defaultPriceList><childPriceList name="DEFAULT"><plans/></childPriceList>)");
  CHECK(has_problem(problems_of(named_default),
                    "/catalog/priceLists/childPriceList[@name='DEFAULT']", "a name of its own"));
  CHECK(has_problem(problems_of(xml("<plans/>")), "/catalog/plans", "appears more than once"));
  auto unknown = problems_of(xml("<surprise/>"));
  CHECK(has_problem(unknown, "/catalog/surprise", "unknown element <surprise>"));
  auto other_type = problems_of(
      xml("", R"(<finalPhase type="EVERGREEN"><duration><unit>UNLIMITED</unit></duration>
      <usages><usage name="seats" billingMode="IN_ARREAR" usageType="PREPAID"><billingPeriod>MONTHLY</billingPeriod>
      </usage></usages></finalPhase>)"));
  CHECK(has_problem(
      other_type,
      "/catalog/plans/plan[@name='basic']/finalPhase/usages/usage[@name='seats']/@usageType",
      "unknown value \"PREPAID\" (expected CONSUMABLE or CAPACITY)"));
}

TEST_CASE("price-list conditions and CHANGE_OF_PRICELIST load from an XML catalog") {
  auto ok = load_kill_bill_catalog(xml(R"(<rules><changeAlignment>
      <changeAlignmentCase><fromPriceList>Promo</fromPriceList><alignment>CHANGE_OF_PRICELIST</alignment></changeAlignmentCase>
      <changeAlignmentCase><alignment>START_OF_BUNDLE</alignment></changeAlignmentCase>
    </changeAlignment><cancelPolicy><cancelPolicyCase><priceList>DEFAULT</priceList>
      <policy>IMMEDIATE</policy></cancelPolicyCase></cancelPolicy></rules>)"));
  INFO((ok ? "" : test::describe(ok.error())));
  REQUIRE(ok.has_value());
  CHECK(ok->rules.with_price_lists);
  ChangeCase from_promo;
  from_promo.from_price_list = "Promo";
  CHECK(ok->rules.change_alignment(from_promo).value == PlanAlignmentChange::change_of_pricelist);
  CHECK(ok->rules.change_alignment({}).value == PlanAlignmentChange::start_of_bundle);
  // A DEFAULT condition is a condition: a plan of another list does not match it.
  CHECK(ok->rules.cancel_policy({}).value == BillingActionPolicy::immediate);
  SubscriptionCase on_promo;
  on_promo.price_list = "Promo";
  CHECK(ok->rules.cancel_policy(on_promo).source == "default");
  // The rules JSON a store keeps says it uses price lists, so it loads again.
  CHECK(ok->rules_json.find("\"with_price_lists\":true") != std::string::npos);
  auto again = load_rules(ok->rules_json);
  REQUIRE(again.has_value());
  CHECK(again->change_alignment(from_promo).value == PlanAlignmentChange::change_of_pricelist);
  // A catalog without price-list rules keeps the plain rules JSON.
  auto plain = load_kill_bill_catalog(xml(R"(<rules><cancelPolicy><cancelPolicyCase>
      <policy>IMMEDIATE</policy></cancelPolicyCase></cancelPolicy></rules>)"));
  REQUIRE(plain.has_value());
  CHECK(plain->rules_json.find("with_price_lists") == std::string::npos);
}

TEST_CASE("price lists: each plan in one list, Kill Bill's plan lookup and the priceList rules") {
  KillBillCatalog kb = load_file("price-lists.xml");
  const Catalog& c = kb.catalog;
  CHECK(c.price_lists() == std::vector<std::string>{"DEFAULT", "Promo", "Partner"});
  CHECK(c.find_plan("standard-monthly")->price_list == "DEFAULT");
  CHECK(c.find_plan("promo-premium-monthly")->price_list == "Promo");
  CHECK(c.find_plan("partner-standard-monthly")->price_list == "Partner");
  auto name_of = [](const Result<const Plan*>& p) { return p ? (*p)->name : p.error().code; };
  CHECK(name_of(c.plan_for("Standard", BillingPeriod::monthly, "Partner")) ==
        "partner-standard-monthly");
  // Partner has no Premium plan: Kill Bill falls back to DEFAULT's.
  CHECK(name_of(c.plan_for("Premium", BillingPeriod::monthly, "Partner")) == "premium-monthly");
  CHECK(name_of(c.plan_for("Premium", BillingPeriod::annual, "Promo")) == "catalog.plan_not_found");
  // A change that names a product and period but no list: priceListCase[0]
  // keeps Promo on Promo, priceListCase[1] sends any other list to DEFAULT.
  auto change_from = [&](const char* plan, const char* product,
                         std::optional<std::string_view> list = std::nullopt) {
    return name_of(
        plan_for_change(c, kb.rules, *c.find_plan(plan), product, BillingPeriod::monthly, list));
  };
  CHECK(change_from("promo-standard-monthly", "Premium") == "promo-premium-monthly");
  CHECK(change_from("partner-standard-monthly", "Premium") == "premium-monthly");
  CHECK(change_from("standard-monthly", "Premium", "Promo") == "promo-premium-monthly");
  // Without priceList rules a change stays on the list it is on (Kill Bill's default).
  CHECK(name_of(plan_for_change(c, RuleSet{}, *c.find_plan("promo-standard-monthly"), "Premium",
                                BillingPeriod::monthly)) == "promo-premium-monthly");
  // Two plans of one product and period in one list: the lookup cannot choose.
  auto twice = load_catalog(R"({"name": "t", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}],
    "plans": [{"name": "p1", "product": "P", "price_list": "X", "phases": [{"type": "EVERGREEN",
                 "recurring": {"billing_period": "MONTHLY", "price": {"USD": "1.00"}}}]},
              {"name": "p2", "product": "P", "price_list": "X", "phases": [{"type": "EVERGREEN",
                 "recurring": {"billing_period": "MONTHLY", "price": {"USD": "2.00"}}}]}]})");
  REQUIRE(twice.has_value());
  CHECK(name_of(twice->plan_for("P", BillingPeriod::monthly, "X")) == "catalog.ambiguous_plan");
}

TEST_CASE("price lists bill their own prices, and their rules decide changes and cancels") {
  KillBillCatalog kb = load_file("price-lists.xml");
  Harness h = harness(kb, "USD");
  ON(h, 2024_y / 1 / 1, create_subscription("a", "promo-standard-monthly", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 1, create_subscription("c", "promo-standard-monthly", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 1, create_subscription("p", "partner-standard-monthly", 2024_y / 1 / 1));
  // Jan 10, "c" Promo -> DEFAULT with no policy: changePolicy[0] says END_OF_TERM, so
  // premium-monthly starts Feb 1 and January stays at the promo price.
  ON(h, 2024_y / 1 / 10, change_plan("c", "premium-monthly", 2024_y / 1 / 10));
  // Jan 16, "a" Promo -> Promo: changePolicy[1], IMMEDIATE. [Jan 16, Feb 1) is 16 of
  // January's 31 days: -20.00 x 16/31 = -10.32, and 45.00 x 16/31 = 23.225... -> 23.23.
  ON(h, 2024_y / 1 / 16, change_plan("a", "promo-premium-monthly", 2024_y / 1 / 16));
  // Jan 20, "p" leaves Partner: changeAlignment[0] aligns it CHANGE_OF_PRICELIST, which
  // Kill Bill refuses to apply; nothing changes.
  auto refused = h.on(2024_y / 1 / 20, [&](BillingEngine& e) {
    return e.change_plan("p", "premium-monthly", 2024_y / 1 / 20);
  });
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == errors::engine_change_alignment);
  CHECK(refused.error().message.find("changeAlignment[0]") != std::string::npos);
  // Feb 10, "a" cancelled with no policy: cancelPolicy[0] (priceList Promo) is
  // IMMEDIATE. [Feb 10, Mar 1) is 20 of February 2024's 29 days: -45.00 x 20/29 = -31.03.
  ON(h, 2024_y / 2 / 10, cancel("a", 2024_y / 2 / 10));
  h.bill_through(2024_y / 2 / 15);
  CHECK(sorted(h.lines()) ==
        sorted(Lines{"2024-01-01 RECURRING a 2024-01-01..2024-02-01 20.00",
                     "2024-01-01 RECURRING c 2024-01-01..2024-02-01 20.00",
                     "2024-01-01 RECURRING p 2024-01-01..2024-02-01 25.00",
                     "2024-01-16 REPAIR_ADJ a 2024-01-16..2024-02-01 -10.32",
                     "2024-01-16 RECURRING a 2024-01-16..2024-02-01 23.23",
                     "2024-02-01 RECURRING a 2024-02-01..2024-03-01 45.00",
                     "2024-02-01 RECURRING c 2024-02-01..2024-03-01 60.00",
                     "2024-02-01 RECURRING p 2024-02-01..2024-03-01 25.00",
                     "2024-02-10 REPAIR_ADJ a 2024-02-10..2024-03-01 -31.03"}));
}

TEST_CASE("a catalog with price lists writes back to the same catalog and rules") {
  KillBillCatalog kb = load_file("price-lists.xml");
  auto written = to_kill_bill_xml(kb.catalog, kb.rules);
  INFO((written ? "" : test::describe(written.error())));
  REQUIRE(written.has_value());
  CHECK(written->find("<childPriceList name=\"Partner\">") != std::string::npos);
  auto read = load_kill_bill_catalog(*written);
  INFO((read ? "" : test::describe(read.error())));
  REQUIRE(read.has_value());
  REQUIRE(read->catalog.plans.size() == kb.catalog.plans.size());
  for (std::size_t i = 0; i < kb.catalog.plans.size(); ++i) {
    const Plan& was = kb.catalog.plans[i];
    const Plan& is = read->catalog.plans[i];
    CHECK(is.name == was.name);
    CHECK(is.price_list == was.price_list);
    CHECK(is.phases[0].recurring->price == was.phases[0].recurring->price);
  }
  CHECK(read->rules_json == kb.rules_json);
  auto again = to_kill_bill_xml(read->catalog, read->rules);
  REQUIRE(again.has_value());
  CHECK(*again == *written);
}

TEST_CASE("what the catalog validation finds is reported at the XML element") {
  auto negative = problems_of(
      xml("", R"(<finalPhase type="EVERGREEN"><duration><unit>UNLIMITED</unit></duration>
        <recurring><billingPeriod>MONTHLY</billingPeriod>
          <recurringPrice><price><currency>USD</currency><value>-1.00</value></price></recurringPrice>
        </recurring></finalPhase>)"));
  CHECK(has_problem(
      negative,
      "/catalog/plans/plan[@name='basic']/finalPhase/recurring/recurringPrice/price/value",
      "must not be negative"));
  auto period = problems_of(
      xml("", R"(<finalPhase type="EVERGREEN"><duration><unit>UNLIMITED</unit></duration>
        <recurring><billingPeriod>MONTHY</billingPeriod>
          <recurringPrice><price><currency>USD</currency><value>1.00</value></price></recurringPrice>
        </recurring></finalPhase>)"));
  CHECK(has_problem(period, "/catalog/plans/plan[@name='basic']/finalPhase/recurring/billingPeriod",
                    "unknown value \"MONTHY\""));
  auto days = problems_of(xml(
      "", R"(<finalPhase type="FIXEDTERM"><duration><unit>DAYS</unit><number>ten</number></duration>
        </finalPhase>)"));
  CHECK(has_problem(days, "/catalog/plans/plan[@name='basic']/finalPhase/duration/number",
                    "must be a whole number"));
}

TEST_CASE("looks_like_xml tells the two formats apart") {
  CHECK(looks_like_xml("  \n<?xml version=\"1.0\"?><catalog/>"));
  CHECK(looks_like_xml("\xEF\xBB\xBF<catalog/>"));
  CHECK_FALSE(looks_like_xml(R"({"name": "x"})"));
  CHECK_FALSE(looks_like_xml(""));
}

// --- Writing a catalog as Kill Bill XML -------------------------------------------

namespace {

std::string written(const Catalog& catalog, const RuleSet& rules = {}) {
  auto xml_text = to_kill_bill_xml(catalog, rules);
  INFO((xml_text ? "" : test::describe(xml_text.error())));
  REQUIRE(xml_text.has_value());
  return *xml_text;
}

KillBillCatalog read_back(const std::string& text) {
  auto loaded = load_kill_bill_catalog(text);
  INFO((loaded ? "" : test::describe(loaded.error())) << text);
  REQUIRE(loaded.has_value());
  return std::move(loaded).value();
}

}  // namespace

TEST_CASE("a catalog written as XML and read back is the same catalog, with the same rules") {
  for (const char* name : {"SpyCarBasic.xml", "api-usage.xml"}) {
    INFO(name);
    KillBillCatalog first = load_file(name);
    std::string once = written(first.catalog, first.rules);
    KillBillCatalog second = read_back(once);
    // What the writer says of the second is what it said of the first: nothing was lost.
    CHECK(written(second.catalog, second.rules) == once);
    CHECK(second.rules_json == first.rules_json);
    CHECK(second.catalog.effective_date == first.catalog.effective_date);
    CHECK(second.catalog.plans.size() == first.catalog.plans.size());
  }
  KillBillCatalog usage = read_back(written(load_file("api-usage.xml").catalog));
  const UsagePrice& calls = usage.catalog.find_plan("api-monthly")->phases[1].usages.at(0);
  CHECK(calls.tiers.at(0).up_to == Decimal(1000));
  CHECK(calls.tiers.at(1).unit_price.at("USD") == *Decimal::parse("0.01"));
  CHECK(usage.catalog.find_plan("api-pro-monthly")->phases[0].recurring->price.at("USD") ==
        Decimal(93));
  CHECK(usage.catalog.find_product("Storage")->available_for == std::vector<std::string>{"Api"});
}

TEST_CASE("a JSON catalog's OVERAGE is written as a free first tier, and bills the same") {
  auto json_catalog = load_catalog(R"({"name": "saas", "currencies": ["USD", "EUR"],
    "products": [{"name": "App", "category": "BASE"}],
    "plans": [{"name": "app-monthly", "product": "App", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "billing_mode": "IN_ARREAR", "price": {"USD": "50.00", "EUR": "46.00"}},
      "usages": [{"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY", "model": "OVERAGE",
        "included": "100", "unit_price": {"USD": "2.25", "EUR": "2.10"}}]}]}]})");
  REQUIRE(json_catalog.has_value());
  KillBillCatalog kb = read_back(written(*json_catalog));
  const Phase& phase = kb.catalog.plans.at(0).phases.at(0);
  CHECK(phase.recurring->billing_mode == BillingMode::in_arrear);
  const UsagePrice& calls = phase.usages.at(0);
  CHECK(calls.model == UsageModel::graduated);
  REQUIRE(calls.tiers.size() == 2);
  CHECK(calls.tiers[0].up_to == Decimal(100));
  CHECK(calls.tiers[0].unit_price.at("EUR") == Decimal(0));
  CHECK(calls.tiers[1].unit_price.at("EUR") == *Decimal::parse("2.10"));
  // 150 calls in a month: OVERAGE bills (150 - 100) x 2.25 = 112.50, and so do the tiers.
  Harness h(std::make_shared<const Catalog>(kb.catalog), kb.rules, {"acct", "USD", "UTC", 1});
  ON(h, 2024_y / 4 / 1, create_subscription("s", "app-monthly", 2024_y / 4 / 1));
  ON(h, 2024_y / 4 / 9, record_usage({"s", "api_calls", Decimal(150), 2024_y / 4 / 9, "u1", ""}));
  h.bill_through(2024_y / 5 / 1);
  CHECK(sorted(h.lines()) == sorted(Lines{"2024-05-01 RECURRING s 2024-04-01..2024-05-01 50.00",
                                          "2024-05-01 USAGE s 2024-04-01..2024-05-01 112.50"}));
}

TEST_CASE("what Kill Bill's format cannot say is refused by JSON path") {
  auto json_catalog = load_catalog(R"({"name": "credits", "currencies": ["USD"],
    "products": [{"name": "App", "category": "BASE"}],
    "plans": [{"name": "app", "product": "App", "after_trial": "REQUIRE_PAYMENT_METHOD", "phases": [
      {"type": "TRIAL", "duration": {"unit": "DAYS", "length": 14}},
      {"type": "EVERGREEN", "usages": [{"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY",
        "model": "OVERAGE", "included": "100", "prorate_included": true, "unit_price": {"USD": "1"}}]}]}],
    "credit_packages": [{"name": "fifty", "credits": "50", "price": {"USD": "5.00"}}]})");
  REQUIRE(json_catalog.has_value());
  auto refused = to_kill_bill_xml(*json_catalog);
  REQUIRE_FALSE(refused.has_value());
  CHECK(has_problem(refused.error(), "credit_packages", "no credit packages"));
  CHECK(has_problem(refused.error(), "plans[0].after_trial", "cannot require a payment method"));
  CHECK(has_problem(refused.error(), "plans[0].phases[1].usages[0].prorate_included",
                    "not prorated"));
}

TEST_CASE("TOP_TIER tiers read as VOLUME: every unit at the tier the quantity reaches") {
  auto tier = [](const char* max, const char* price) {
    return std::string(R"(<tier><blocks><tieredBlock><unit>calls</unit><size>1</size>
        <prices><price><currency>USD</currency><value>)") +
           price + "</value></price></prices><max>" + max + "</max></tieredBlock></blocks></tier>";
  };
  KillBillCatalog loaded = with_usage(
      R"(<usage name="calls" billingMode="IN_ARREAR" usageType="CONSUMABLE" tierBlockPolicy="TOP_TIER">
        <billingPeriod>MONTHLY</billingPeriod><tiers>)" +
      tier("100", "0.10") + tier("900", "0.05") + tier("1000", "0.02") + "</tiers></usage>");
  const UsagePrice& calls = loaded.catalog.find_plan("basic")->phases[0].usages.at(0);
  CHECK(calls.model == UsageModel::volume);
  REQUIRE(calls.tiers.size() == 3);
  // Running sums of max: 100, then 1,000; the last tier takes any quantity above
  // (Kill Bill's TOP_TIER falls back to its last tier), so it is unbounded.
  CHECK(calls.tiers[0].up_to == Decimal(100));
  CHECK(calls.tiers[1].up_to == Decimal(1000));
  CHECK_FALSE(calls.tiers[2].up_to);
  // 80 calls reach tier 1: 80 x 0.10 = 8.00. 500 reach tier 2 (within 1,000):
  // all 500 at 0.05 = 25.00. 1,500 pass both: all at 0.02 = 30.00.
  CHECK(rate(calls, "USD", Decimal(80)).value() == Decimal::parse("8.00").value());
  CHECK(rate(calls, "USD", Decimal(500)).value() == Decimal::parse("25.00").value());
  CHECK(rate(calls, "USD", Decimal(1500)).value() == Decimal::parse("30.00").value());

  Harness h = harness(loaded, "USD");
  ON(h, 2024_y / 1 / 1, create_subscription("s1", "basic", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 10, record_usage({"s1", "calls", Decimal(500), 2024_y / 1 / 10, "u1", ""}));
  h.bill_through(2024_y / 2 / 1);
  CHECK(sorted(h.lines()) == sorted(Lines{"2024-01-01 RECURRING s1 2024-01-01..2024-02-01 10.00",
                                          "2024-02-01 RECURRING s1 2024-02-01..2024-03-01 10.00",
                                          "2024-02-01 USAGE s1 2024-01-01..2024-02-01 25.00"}));

  // Written back as TOP_TIER, it reads as the same VOLUME tiers.
  KillBillCatalog again = written_back(loaded, "tierBlockPolicy=\"TOP_TIER\"");
  const UsagePrice& back = again.catalog.find_plan("basic")->phases[0].usages.at(0);
  CHECK(back.model == UsageModel::volume);
  CHECK(back.tiers[1].up_to == Decimal(1000));
  CHECK_FALSE(back.tiers[2].up_to);
}

TEST_CASE("CAPACITY usage: the period's highest value picks a tier, billed at the tier's price") {
  auto tier = [](const char* max, const char* price) {
    return std::string("<tier><limits><limit><unit>calls</unit><max>") + max +
           "</max></limit></limits><recurringPrice><price><currency>USD</currency><value>" + price +
           "</value></price></recurringPrice></tier>";
  };
  std::string usage = R"(<usage name="seats" billingMode="IN_ARREAR" usageType="CAPACITY">
        <billingPeriod>MONTHLY</billingPeriod><tiers>)" +
                      tier("10", "5.00") + tier("50", "20.00") + tier("-1", "50.00") +
                      "</tiers></usage>";
  KillBillCatalog loaded = with_usage(usage);
  const UsagePrice& seats = loaded.catalog.find_plan("basic")->phases[0].usages.at(0);
  CHECK(seats.aggregation == Aggregation::max);
  CHECK(seats.model == UsageModel::volume);
  REQUIRE(seats.tiers.size() == 3);
  CHECK(seats.tiers[0].up_to == Decimal(10));  // a limit, not a running sum
  CHECK(seats.tiers[1].up_to == Decimal(50));
  CHECK_FALSE(seats.tiers[2].up_to);

  Harness h = harness(loaded, "USD");
  ON(h, 2024_y / 1 / 1, create_subscription("s1", "basic", 2024_y / 1 / 1));
  // January's values 8, 30 and 12: the highest, 30, is within tier 2's 50: 20.00.
  ON(h, 2024_y / 1 / 5, record_usage({"s1", "calls", Decimal(8), 2024_y / 1 / 5, "u1", ""}));
  ON(h, 2024_y / 1 / 12, record_usage({"s1", "calls", Decimal(30), 2024_y / 1 / 12, "u2", ""}));
  ON(h, 2024_y / 1 / 20, record_usage({"s1", "calls", Decimal(12), 2024_y / 1 / 20, "u3", ""}));
  // February: 51, over tier 2's limit: the unbounded tier, 50.00.
  ON(h, 2024_y / 2 / 7, record_usage({"s1", "calls", Decimal(51), 2024_y / 2 / 7, "u4", ""}));
  h.bill_through(2024_y / 3 / 1);
  CHECK(sorted(h.lines()) == sorted(Lines{"2024-01-01 RECURRING s1 2024-01-01..2024-02-01 10.00",
                                          "2024-02-01 RECURRING s1 2024-02-01..2024-03-01 10.00",
                                          "2024-02-01 USAGE s1 2024-01-01..2024-02-01 20.00",
                                          "2024-03-01 RECURRING s1 2024-03-01..2024-04-01 10.00",
                                          "2024-03-01 USAGE s1 2024-02-01..2024-03-01 50.00"}));

  // Written back as CAPACITY, it reads as the same tiers.
  KillBillCatalog again = written_back(loaded, "usageType=\"CAPACITY\"");
  const UsagePrice& back = again.catalog.find_plan("basic")->phases[0].usages.at(0);
  CHECK(back.aggregation == Aggregation::max);
  CHECK(back.tiers[1].up_to == Decimal(50));
  CHECK(back.tiers[1].flat_price.at("USD") == Decimal(20));

  // Two units in one tier: Tollgate prices one unit a usage.
  std::string two_units = usage;
  two_units.replace(two_units.find("</limit></limits>"), 17,
                    "</limit><limit><unit>calls</unit><max>3</max></limit></limits>");
  CHECK(
      has_problem(problems_of(xml("",
                                  "<finalPhase type=\"EVERGREEN\"><duration><unit>UNLIMITED</unit>"
                                  "</duration><usages>" +
                                      two_units + "</usages></finalPhase>")),
                  "/catalog/plans/plan[@name='basic']/finalPhase/usages/usage[@name='seats']/"
                  "tiers/tier[1]/limits",
                  "exactly one limit"));
}

TEST_CASE(
    "an included add-on is not sold on the base that includes it, and ends when its base moves "
    "there") {
  KillBillCatalog kb = load_file("included-addon.xml");
  const Product* oil = kb.catalog.find_product("OilSlick");
  REQUIRE(oil);
  CHECK(oil->included_in == std::vector<std::string>{"Super"});
  // Super also lists it as available; Kill Bill checks "included" first.
  CHECK_FALSE(oil->available_for_base("Super"));
  CHECK(oil->available_for_base("Sports"));

  Harness h = harness(kb, "USD");
  ON(h, 2024_y / 1 / 1, create_subscription("b", "super-monthly", 2024_y / 1 / 1));
  auto refused = h.on(2024_y / 1 / 1, [&](BillingEngine& e) {
    return e.create_subscription("x", "oilslick-monthly", 2024_y / 1 / 1, "b");
  });
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == errors::refused_included);
  ON(h, 2024_y / 1 / 1, create_subscription("r", "remotecontrol-monthly", 2024_y / 1 / 1, "b"));
  ON(h, 2024_y / 1 / 1, create_subscription("s", "sports-monthly", 2024_y / 1 / 1));
  ON(h, 2024_y / 1 / 1, create_subscription("o", "oilslick-monthly", 2024_y / 1 / 1, "s"));
  // Jan 16, Sports -> Super with no rules: END_OF_TERM, so Super from Feb 1. Super
  // includes OilSlick, so the add-on "o" ends with the change and bills no February.
  ON(h, 2024_y / 1 / 16, change_plan("s", "super-monthly", 2024_y / 1 / 16));
  h.bill_through(2024_y / 2 / 1);
  CHECK(sorted(h.lines()) ==
        sorted(Lines{"2024-01-01 RECURRING b 2024-01-01..2024-02-01 1000.00",
                     "2024-01-01 RECURRING r 2024-01-01..2024-02-01 15.95",
                     "2024-01-01 RECURRING s 2024-01-01..2024-02-01 500.00",
                     "2024-01-01 RECURRING o 2024-01-01..2024-02-01 7.95",
                     "2024-02-01 RECURRING b 2024-02-01..2024-03-01 1000.00",
                     "2024-02-01 RECURRING r 2024-02-01..2024-03-01 15.95",
                     "2024-02-01 RECURRING s 2024-02-01..2024-03-01 1000.00"}));
  auto statuses = h.engine().statuses(2024_y / 2 / 1);
  auto o =
      std::find_if(statuses.begin(), statuses.end(), [](const auto& st) { return st.id == "o"; });
  REQUIRE(o != statuses.end());
  CHECK(o->state == SubscriptionState::cancelled);

  // Written back: <included> on the base, read again the same.
  KillBillCatalog again = written_back(kb, "<included>");
  CHECK(again.catalog.find_product("OilSlick")->included_in == std::vector<std::string>{"Super"});
}

TEST_CASE("the five mistakes Kill Bill's own validation tests expect are refused, in its order") {
  auto loaded = load_kill_bill_catalog(test::data_file("invalid/kill-bill-validation-errors.xml"));
  REQUIRE_FALSE(loaded.has_value());
  const Problems& p = loaded.error();
  REQUIRE(p.size() == 5);
  // Kill Bill: "Invalid product for plan 'standard'".
  CHECK(p[0].path == "/catalog/plans/plan[@name='basic']/product");
  CHECK(p[0].reason == "unknown product \"basic\"");
  // "Duration can only have 'UNLIMITED' unit if the number is omitted".
  CHECK(p[1].path == "/catalog/plans/plan[@name='basic']/finalPhase/duration/number");
  // "Initial Phase ... cannot be of type EVERGREEN".
  CHECK(p[2].path == "/catalog/plans/plan[@name='basic-trial']/initialPhases/phase/@type");
  // "Finite Duration must have a well defined length".
  CHECK(p[3].path == "/catalog/plans/plan[@name='basic-trial']/initialPhases/phase/duration");
  CHECK(p[3].reason == "a DAYS duration needs its <number>");
  // "Final Phase ... cannot be of type TRIAL".
  CHECK(p[4].path == "/catalog/plans/plan[@name='basic-trial']/finalPhase/@type");
  // An UNLIMITED duration may say -1, as Kill Bill's samples do.
  CHECK(load_kill_bill_catalog(xml("", R"(<finalPhase type="EVERGREEN">
      <duration><unit>UNLIMITED</unit><number>-1</number></duration>
      <recurring><billingPeriod>MONTHLY</billingPeriod>
        <recurringPrice><price><currency>USD</currency><value>10.00</value></price></recurringPrice>
      </recurring></finalPhase>)"))
            .has_value());
}

TEST_CASE(
    "ALL_TIERS bills at most the last tier's max as Kill Bill does, and a capped package is "
    "refused") {
  auto usage_with = [](const std::string& tiers) {
    return std::string(R"(<finalPhase type="EVERGREEN"><duration><unit>UNLIMITED</unit></duration>
      <usages><usage name="calls" billingMode="IN_ARREAR" usageType="CONSUMABLE">
        <billingPeriod>MONTHLY</billingPeriod><tiers>)") +
           tiers + "</tiers></usage></usages></finalPhase>";
  };
  auto tier = [](const char* size, const char* max, const char* price) {
    return std::string("<tier><blocks><tieredBlock><unit>calls</unit><size>") + size +
           "</size><prices><price><currency>USD</currency><value>" + price +
           "</value></price></prices><max>" + max + "</max></tieredBlock></blocks></tier>";
  };
  auto usage_of = [](const KillBillCatalog& kb) {
    return kb.catalog.find_plan("basic")->phases[0].usages.at(0);
  };
  // One tier of at most 100: Kill Bill bills 100 of 150 calls, 100 x 0.10 = 10.00.
  auto one = load_kill_bill_catalog(xml("", usage_with(tier("1", "100", "0.10"))));
  INFO((one ? "" : test::describe(one.error())));
  REQUIRE(one.has_value());
  CHECK(rate(usage_of(*one), "USD", Decimal(150)).value() == Decimal::parse("10.00").value());
  CHECK(rate(usage_of(*one), "USD", Decimal(40)).value() == Decimal::parse("4.00").value());
  // Two tiers, the last of at most 200: of 500 calls, 100 x 0.10 + 200 x 0.05 = 20.00.
  auto two = load_kill_bill_catalog(
      xml("", usage_with(tier("1", "100", "0.10") + tier("1", "200", "0.05"))));
  REQUIRE(two.has_value());
  CHECK(rate(usage_of(*two), "USD", Decimal(500)).value() == Decimal::parse("20.00").value());
  // Unbounded (-1): every unit is billed.
  auto open = load_kill_bill_catalog(xml("", usage_with(tier("1", "-1", "0.10"))));
  REQUIRE(open.has_value());
  CHECK(usage_of(*open).model == UsageModel::per_unit);
  // A package of 10 capped at 5 blocks has no Tollgate equivalent.
  CHECK(has_problem(
      problems_of(xml("", usage_with(tier("10", "5", "1.00")))),
      "/catalog/plans/plan[@name='basic']/finalPhase/usages/usage[@name='calls']/tiers/tier/blocks/"
      "tieredBlock/max",
      "a package capped at max blocks is not supported"));
}

TEST_CASE(
    "Kill Bill catalog versions: each upload a version, existing subscriptions moved by date") {
  // Version 1 from 2024-01-01 at 10.00 a month; version 2 from 2024-03-01 at
  // 20.00, with effectiveDateForExistingSubscriptions 2024-04-01.
  std::string v1 = xml("<effectiveDate>2024-01-01T00:00:00+00:00</effectiveDate>");
  std::string v2 = xml("<effectiveDate>2024-03-01T00:00:00+00:00</effectiveDate>");
  v2.replace(v2.find("<value>10.00</value>"), 20, "<value>20.00</value>");
  v2.replace(v2.find("<product>Basic</product>"), 24,
             "<effectiveDateForExistingSubscriptions>2024-04-01T00:00:00+00:00"
             "</effectiveDateForExistingSubscriptions><product>Basic</product>");
  auto first = load_kill_bill_catalog(v1);
  auto second = load_kill_bill_catalog(v2);
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(second->catalog.find_plan("basic")->effective_for_existing == 2024_y / 4 / 1);
  // Written back, the date is kept.
  CHECK(read_back(written(second->catalog)).catalog.find_plan("basic")->effective_for_existing ==
        2024_y / 4 / 1);

  // Uploaded in either order, the versions are kept by date; a second upload
  // for the same day is refused.
  auto both = add_catalog_version(second->catalog_json, first->catalog_json);
  REQUIRE(both.has_value());
  CHECK(add_catalog_version(*both, second->catalog_json).error().at(0).reason ==
        "a version starting on 2024-03-01 exists already");
  auto catalog = load_catalog(*both);
  REQUIRE(catalog.has_value());
  Harness h(std::make_shared<const Catalog>(std::move(catalog).value()), {},
            Account{"acct", "USD", "UTC", 1});
  ON(h, 2024_y / 1 / 15, create_subscription("s", "basic", 2024_y / 1 / 15));
  h.bill_through(2024_y / 4 / 1);
  // 17/31 x 10.00 = 5.4838... = 5.48; grandfathered at 10.00 in March; moved
  // to 20.00 on April 1.
  CHECK(h.lines() == Lines{"2024-01-15 RECURRING s 2024-01-15..2024-02-01 5.48",
                           "2024-02-01 RECURRING s 2024-02-01..2024-03-01 10.00",
                           "2024-03-01 RECURRING s 2024-03-01..2024-04-01 10.00",
                           "2024-04-01 RECURRING s 2024-04-01..2024-05-01 20.00"});
}

TEST_CASE("Kill Bill limits: kept on the product and the phase, checked as compliesWithLimits") {
  KillBillCatalog read = load_file("limits.xml");
  const Product& shotgun = *read.catalog.find_product("Shotgun");
  REQUIRE(shotgun.limits.size() == 1);
  CHECK(shotgun.limits[0].unit == "shells");
  CHECK(shotgun.limits[0].max == Decimal(300));
  CHECK_FALSE(shotgun.limits[0].min);
  // The usage section of limits alone prices nothing: its limits are the phase's.
  const Phase& evergreen = read.catalog.find_plan("shotgun-monthly")->phases.at(0);
  CHECK(evergreen.usages.empty());
  REQUIRE(evergreen.limits.size() == 2);
  CHECK(evergreen.limits[0].unit == "targets");
  CHECK(evergreen.limits[0].min == Decimal(3));
  // Kill Bill checks the phase's limits first, then the product's: shells
  // must be at most 200 (the phase's) and 300 (the product's); targets at least 3.
  CHECK(complies_with_limits(shotgun, evergreen, "shells", Decimal(200)));
  CHECK_FALSE(complies_with_limits(shotgun, evergreen, "shells", Decimal(201)));
  CHECK(complies_with_limits(shotgun, evergreen, "targets", Decimal(3)));
  CHECK_FALSE(complies_with_limits(shotgun, evergreen, "targets", Decimal(2)));
  CHECK(complies_with_limits(shotgun, evergreen, "misfires", Decimal(1000)));  // no limit on it
  // Written back and read again: the same limits.
  KillBillCatalog again = read_back(written(read.catalog));
  CHECK(again.catalog.find_product("Shotgun")->limits[0].max == Decimal(300));
  CHECK(again.catalog.find_plan("shotgun-monthly")->phases.at(0).limits.size() == 2);

  // A limit's unit must be declared, and its bounds in order.
  std::string undeclared = test::data_file("kill_bill/limits.xml");
  undeclared.replace(undeclared.find("<unit name=\"targets\"/>"), 22, "");
  CHECK(has_problem(problems_of(undeclared),
                    "/catalog/plans/plan[@name='shotgun-monthly']/finalPhase/usages/usage/limits/"
                    "limit[1]/unit",
                    "unknown unit \"targets\""));
  auto json = load_catalog(R"({"name": "c", "currencies": ["USD"], "products": [{"name": "P",
    "category": "BASE", "limits": [{"unit": "seats", "min": "5", "max": "2"}, {"unit": "x"}]}],
    "plans": []})");
  REQUIRE_FALSE(json.has_value());
  CHECK(has_problem(json.error(), "products[0].limits[0].max", "is below min 5"));
  CHECK(
      has_problem(json.error(), "products[0].limits[1].max", "a limit needs a min, a max or both"));
}

TEST_CASE("a plan in no price list loads, is sold by its name only, and stays unlisted") {
  // Kill Bill finds it by name (a subscription to "basic") but never by
  // product and billing period, and lists it in no price list.
  std::string unlisted = xml("");
  unlisted.replace(unlisted.find("<plan>basic</plan>"), 18, "");
  auto read = load_kill_bill_catalog(unlisted);
  INFO((read ? "" : test::describe(read.error())));
  REQUIRE(read.has_value());
  const Plan& basic = *read->catalog.find_plan("basic");
  CHECK(basic.price_list.empty());
  CHECK(read->catalog.price_lists() == std::vector<std::string>{"DEFAULT"});
  CHECK(read->catalog.plan_for("Basic", BillingPeriod::monthly).error().code ==
        errors::catalog_plan_not_found);
  CHECK(read_back(written(read->catalog)).catalog.find_plan("basic")->price_list.empty());
  Harness h(std::make_shared<const Catalog>(read->catalog), {}, Account{"acct", "USD", "UTC", 1});
  ON(h, 2024_y / 1 / 1, create_subscription("s", "basic", 2024_y / 1 / 1));
  CHECK(h.lines() == Lines{"2024-01-01 RECURRING s 2024-01-01..2024-02-01 10.00"});
  // In the JSON format: "price_list": null.
  CHECK(load_catalog(read->catalog_json)->find_plan("basic")->price_list.empty());
  CHECK(read->catalog_json.find("\"price_list\":null") != std::string::npos);
}

namespace {

// One <version> of Kill Bill's versioned catalog: the one-plan catalog from
// `effective` at `price` a month, with `rules` (an XML <rules> element) in it.
std::string version(const std::string& effective, const std::string& price,
                    const std::string& rules = "") {
  std::string v = xml("<effectiveDate>" + effective + "T00:00:00+00:00</effectiveDate>" + rules);
  v.replace(v.find("<catalog>"), 9, "<version>");
  v.replace(v.find("</catalog>"), 10, "</version>");
  v.replace(v.find("10.00"), 5, price);
  return v;
}

std::string versioned(const std::string& versions) {
  return "<catalogs><versions>" + versions +
         "</versions><catalogName>small</catalogName></catalogs>";
}

const std::string kImmediate =
    "<rules><cancelPolicy><cancelPolicyCase><policy>IMMEDIATE</policy></cancelPolicyCase>"
    "</cancelPolicy></rules>";

}  // namespace

TEST_CASE(
    "Kill Bill's versioned catalog (<catalogs>, as GET /1.0/kb/catalog/xml writes it) reads as "
    "one catalog of several versions") {
  auto loaded = load_kill_bill_catalog(versioned(version("2024-01-01", "10.00", kImmediate) +
                                                 version("2024-04-01", "20.00", kImmediate)));
  INFO((loaded ? "" : test::describe(loaded.error())));
  REQUIRE(loaded.has_value());
  REQUIRE(loaded->catalog.versions().size() == 2);
  CHECK(loaded->catalog.versions()[0]->effective_date == std::optional(2024_y / 1 / 1));
  CHECK(loaded->catalog.effective_date == std::optional(2024_y / 4 / 1));
  CHECK(loaded->rules.cancel_policy_rules.size() == 1);
  // A subscription made in February keeps version 1's 10.00; one made in
  // April pays version 2's 20.00. April 16 to May 1 is 15 of April's 30 days:
  // 20.00 x 15/30 = 10.00.
  Harness h = harness(*loaded, "USD");
  ON(h, 2024_y / 2 / 1, create_subscription("old", "basic", 2024_y / 2 / 1));
  ON(h, 2024_y / 4 / 16, create_subscription("new", "basic", 2024_y / 4 / 16));
  h.bill_through(2024_y / 5 / 1);
  CHECK(sorted(h.lines()) == sorted({"2024-02-01 RECURRING old 2024-02-01..2024-03-01 10.00",
                                     "2024-03-01 RECURRING old 2024-03-01..2024-04-01 10.00",
                                     "2024-04-01 RECURRING old 2024-04-01..2024-05-01 10.00",
                                     "2024-04-16 RECURRING new 2024-04-16..2024-05-01 10.00",
                                     "2024-05-01 RECURRING old 2024-05-01..2024-06-01 10.00",
                                     "2024-05-01 RECURRING new 2024-05-01..2024-06-01 20.00"}));

  // Written back the same way, it reads back to the same versions.
  auto written = to_kill_bill_versions_xml(loaded->catalog, loaded->rules);
  INFO((written ? "" : test::describe(written.error())));
  REQUIRE(written.has_value());
  CHECK(written->find("<catalogs>") != std::string::npos);
  auto again = load_kill_bill_catalog(*written);
  REQUIRE(again.has_value());
  REQUIRE(again->catalog.versions().size() == 2);
  CHECK(again->catalog.versions()[0]->effective_date == std::optional(2024_y / 1 / 1));
  CHECK(again->rules_json == loaded->rules_json);
  CHECK(to_kill_bill_versions_xml(again->catalog, again->rules).value() == *written);

  // One version alone is a catalog without versions.
  auto single = load_kill_bill_catalog(versioned(version("2024-01-01", "10.00")));
  REQUIRE(single.has_value());
  CHECK(single->catalog.earlier_versions.empty());
  CHECK(single->catalog.effective_date == std::optional(2024_y / 1 / 1));
}

TEST_CASE("a versioned catalog's problems are found in their own <version>") {
  // Tollgate keeps one rule set for every version: an earlier version whose
  // rules differ from the latest's is refused, not billed by rules it lacked.
  auto rules = load_kill_bill_catalog(
      versioned(version("2024-01-01", "10.00") + version("2024-04-01", "20.00", kImmediate)));
  REQUIRE_FALSE(rules.has_value());
  CHECK(has_problem(rules.error(), "/catalogs/versions/version[1]/rules",
                    "differ from the latest version's rules"));
  // A price that is no number, in the second version, by that version's path.
  auto price = load_kill_bill_catalog(
      versioned(version("2024-01-01", "10.00") + version("2024-04-01", "ten")));
  REQUIRE_FALSE(price.has_value());
  bool second = std::any_of(price.error().begin(), price.error().end(), [](const Problem& p) {
    return p.path.rfind("/catalogs/versions/version[2]/plans/plan[@name='basic']", 0) == 0;
  });
  INFO(test::describe(price.error()));
  CHECK(second);
  // Two versions on one day: the versions' own rule, at the second one's date.
  auto same_day = load_kill_bill_catalog(
      versioned(version("2024-01-01", "10.00") + version("2024-01-01", "20.00")));
  REQUIRE_FALSE(same_day.has_value());
  CHECK(has_problem(same_day.error(), "/catalogs/versions/version[2]/effectiveDate",
                    "must be after the version before it"));
  CHECK(has_problem(load_kill_bill_catalog("<catalogs><versions/></catalogs>").error(),
                    "/catalogs/versions", "no <version>"));
}
