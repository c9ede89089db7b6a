#include "tollgate/rules.hpp"

#include <catch2/catch.hpp>

#include "../support/problems.hpp"

using namespace tollgate;
using tollgate::test::describe;
using tollgate::test::has_problem;

namespace {

// The rule set of docs/formats.md (rules section).
const char* kSpecRules = R"({
  "billingAlignment": [
    {"productCategory": "ADD_ON", "billingAlignment": "BUNDLE"},
    {"billingPeriod": "ANNUAL", "billingAlignment": "SUBSCRIPTION"},
    {"billingAlignment": "ACCOUNT"}
  ],
  "createAlignment": [
    {"planAlignmentCreate": "START_OF_BUNDLE"}
  ],
  "cancelPolicy": [
    {"productCategory": "ADD_ON", "billingActionPolicy": "IMMEDIATE"},
    {"phaseType": "TRIAL", "billingActionPolicy": "IMMEDIATE"},
    {"billingActionPolicy": "END_OF_TERM"}
  ],
  "changePolicy": [
    {"phaseType": "TRIAL", "billingActionPolicy": "IMMEDIATE"},
    {"fromBillingPeriod": "MONTHLY", "toBillingPeriod": "ANNUAL", "billingActionPolicy": "IMMEDIATE"},
    {"fromProductCategory": "BASE", "toProductCategory": "ADD_ON", "billingActionPolicy": "ILLEGAL"},
    {"billingActionPolicy": "END_OF_TERM"}
  ],
  "changeAlignment": [
    {"phaseType": "TRIAL", "planAlignmentChange": "START_OF_SUBSCRIPTION"},
    {"planAlignmentChange": "CHANGE_OF_PLAN"}
  ]
})";

RuleSet load(const std::string& json) {
  auto r = load_rules(json);
  INFO((r ? "" : describe(r.error())));
  REQUIRE(r.has_value());
  return *r;
}

Problems problems_of(const std::string& json) {
  auto r = load_rules(json);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

SubscriptionCase sub(ProductCategory c, BillingPeriod p, PhaseType t) {
  return {c, p, t, ""};
}

ChangeCase change(PhaseType t, ProductCategory fc, BillingPeriod fp, ProductCategory tc,
                  BillingPeriod tp) {
  return {t, fc, fp, tc, tp, "", ""};
}

constexpr auto BASE = ProductCategory::base;
constexpr auto ADD_ON = ProductCategory::add_on;
constexpr auto STANDALONE = ProductCategory::standalone;
constexpr auto MONTHLY = BillingPeriod::monthly;
constexpr auto ANNUAL = BillingPeriod::annual;
constexpr auto TRIAL = PhaseType::trial;
constexpr auto EVERGREEN = PhaseType::evergreen;

}  // namespace

TEST_CASE("billingAlignment: first match by productCategory, billingPeriod, then catch-all") {
  RuleSet rules = load(kSpecRules);
  auto addon = rules.billing_alignment(sub(ADD_ON, ANNUAL, EVERGREEN));
  CHECK(addon.value == BillingAlignment::bundle);  // rule 0 comes before the ANNUAL rule
  CHECK(addon.source == "billingAlignment[0]");
  auto annual = rules.billing_alignment(sub(BASE, ANNUAL, EVERGREEN));
  CHECK(annual.value == BillingAlignment::subscription);
  CHECK(annual.source == "billingAlignment[1]");
  CHECK(rules.billing_alignment(sub(BASE, MONTHLY, EVERGREEN)).source == "billingAlignment[2]");
}

TEST_CASE("billingAlignment: the phaseType condition") {
  RuleSet rules =
      load(R"({"billingAlignment": [{"phaseType": "TRIAL", "billingAlignment": "SUBSCRIPTION"}]})");
  CHECK(rules.billing_alignment(sub(BASE, MONTHLY, TRIAL)).value == BillingAlignment::subscription);
  CHECK(rules.billing_alignment(sub(BASE, MONTHLY, EVERGREEN)).value == BillingAlignment::account);
}

TEST_CASE("createAlignment answers for add-ons") {
  CHECK(load(kSpecRules).create_alignment().value == PlanAlignmentCreate::start_of_bundle);
  auto own = load(R"({"createAlignment": [{"planAlignmentCreate": "START_OF_SUBSCRIPTION"}]})")
                 .create_alignment();
  CHECK(own.value == PlanAlignmentCreate::start_of_subscription);
  CHECK(own.source == "createAlignment[0]");
}

TEST_CASE("cancelPolicy: productCategory, phaseType, billingPeriod conditions") {
  RuleSet rules = load(kSpecRules);
  CHECK(rules.cancel_policy(sub(ADD_ON, MONTHLY, EVERGREEN)).value ==
        BillingActionPolicy::immediate);
  CHECK(rules.cancel_policy(sub(BASE, MONTHLY, TRIAL)).value == BillingActionPolicy::immediate);
  CHECK(rules.cancel_policy(sub(BASE, MONTHLY, TRIAL)).source == "cancelPolicy[1]");
  CHECK(rules.cancel_policy(sub(BASE, MONTHLY, EVERGREEN)).value ==
        BillingActionPolicy::end_of_term);
  RuleSet by_period = load(
      R"({"cancelPolicy": [{"billingPeriod": "ANNUAL", "billingActionPolicy": "START_OF_TERM"}]})");
  CHECK(by_period.cancel_policy(sub(STANDALONE, ANNUAL, EVERGREEN)).value ==
        BillingActionPolicy::start_of_term);
  CHECK(by_period.cancel_policy(sub(STANDALONE, MONTHLY, EVERGREEN)).value ==
        BillingActionPolicy::end_of_term);
}

TEST_CASE("changePolicy: every condition property and first-match order") {
  RuleSet rules = load(kSpecRules);
  // In a trial, rule 0 wins even for a BASE -> ADD_ON change that rule 2 would forbid.
  CHECK(rules.change_policy(change(TRIAL, BASE, MONTHLY, ADD_ON, MONTHLY)).value ==
        BillingActionPolicy::immediate);
  CHECK(rules.change_policy(change(EVERGREEN, BASE, MONTHLY, BASE, ANNUAL)).source ==
        "changePolicy[1]");
  auto illegal = rules.change_policy(change(EVERGREEN, BASE, MONTHLY, ADD_ON, MONTHLY));
  CHECK(illegal.value == BillingActionPolicy::illegal);
  CHECK(illegal.source == "changePolicy[2]");
  CHECK(rules.change_policy(change(EVERGREEN, BASE, ANNUAL, BASE, MONTHLY)).source ==
        "changePolicy[3]");
  // fromBillingPeriod and toBillingPeriod must both match.
  CHECK(rules.change_policy(change(EVERGREEN, BASE, ANNUAL, BASE, ANNUAL)).source ==
        "changePolicy[3]");
}

TEST_CASE("changeAlignment: phase-dependent alignment") {
  RuleSet rules = load(kSpecRules);
  CHECK(rules.change_alignment(change(TRIAL, BASE, MONTHLY, BASE, MONTHLY)).value ==
        PlanAlignmentChange::start_of_subscription);
  CHECK(rules.change_alignment(change(EVERGREEN, BASE, MONTHLY, BASE, MONTHLY)).value ==
        PlanAlignmentChange::change_of_plan);
  RuleSet by_target = load(R"({"changeAlignment": [
      {"fromProductCategory": "ADD_ON", "toProductCategory": "ADD_ON", "toBillingPeriod": "ANNUAL",
       "fromBillingPeriod": "MONTHLY", "planAlignmentChange": "START_OF_BUNDLE"}]})");
  CHECK(by_target.change_alignment(change(EVERGREEN, ADD_ON, MONTHLY, ADD_ON, ANNUAL)).source ==
        "changeAlignment[0]");
  CHECK(by_target.change_alignment(change(EVERGREEN, ADD_ON, MONTHLY, ADD_ON, MONTHLY)).source ==
        "default");
}

// --- Product-name conditions (rules spec: product, fromProduct, toProduct) ---

TEST_CASE("product names a catalog product in billingAlignment and cancelPolicy") {
  RuleSet rules = load(R"({
    "billingAlignment": [{"product": "Sports", "billingAlignment": "SUBSCRIPTION"}],
    "cancelPolicy": [{"product": "Sports", "phaseType": "EVERGREEN", "billingActionPolicy": "IMMEDIATE"},
                     {"productCategory": "BASE", "billingActionPolicy": "START_OF_TERM"}]})");
  SubscriptionCase sports{BASE, MONTHLY, EVERGREEN, "Sports"};
  SubscriptionCase standard{BASE, MONTHLY, EVERGREEN, "Standard"};
  CHECK(rules.billing_alignment(sports).value == BillingAlignment::subscription);
  CHECK(rules.billing_alignment(standard).value == BillingAlignment::account);
  CHECK(rules.cancel_policy(sports).source == "cancelPolicy[0]");
  // Every present condition must match: Sports in its trial falls through to rule 1.
  CHECK(rules.cancel_policy({BASE, MONTHLY, TRIAL, "Sports"}).source == "cancelPolicy[1]");
  CHECK(rules.cancel_policy(standard).value == BillingActionPolicy::start_of_term);
  // Names are compared exactly: a catalog's "sports" is another product.
  CHECK(rules.billing_alignment({BASE, MONTHLY, EVERGREEN, "sports"}).source == "default");
}

TEST_CASE("fromProduct and toProduct must both match, in first-match order") {
  RuleSet rules = load(R"({"changePolicy": [
      {"fromProduct": "Standard", "toProduct": "Super", "billingActionPolicy": "ILLEGAL"},
      {"toProduct": "Super", "billingActionPolicy": "IMMEDIATE"},
      {"fromProduct": "Super", "billingActionPolicy": "END_OF_TERM"}],
    "changeAlignment": [{"fromProduct": "Standard", "planAlignmentChange": "CHANGE_OF_PLAN"}]})");
  auto c = [](std::string_view from, std::string_view to) {
    return ChangeCase{EVERGREEN, BASE, MONTHLY, BASE, MONTHLY, from, to};
  };
  CHECK(rules.change_policy(c("Standard", "Super")).value == BillingActionPolicy::illegal);
  CHECK(rules.change_policy(c("Standard", "Super")).source == "changePolicy[0]");
  CHECK(rules.change_policy(c("Sports", "Super")).source == "changePolicy[1]");
  CHECK(rules.change_policy(c("Super", "Standard")).source == "changePolicy[2]");
  CHECK(rules.change_policy(c("Sports", "Standard")).source == "default");
  CHECK(rules.change_alignment(c("Standard", "Sports")).value ==
        PlanAlignmentChange::change_of_plan);
  CHECK(rules.change_alignment(c("Sports", "Standard")).source == "default");
}

TEST_CASE("createAlignment: the first rule naming the add-on's product, or naming none") {
  RuleSet rules = load(R"({"createAlignment": [
      {"product": "Extra-Seats", "planAlignmentCreate": "START_OF_SUBSCRIPTION"},
      {"planAlignmentCreate": "START_OF_BUNDLE"}]})");
  CHECK(rules.create_alignment("Extra-Seats").value == PlanAlignmentCreate::start_of_subscription);
  CHECK(rules.create_alignment("Extra-Seats").source == "createAlignment[0]");
  CHECK(rules.create_alignment("Oil-Slick").source == "createAlignment[1]");
  RuleSet only_named = load(
      R"({"createAlignment": [{"product": "Extra-Seats", "planAlignmentCreate": "START_OF_SUBSCRIPTION"}]})");
  CHECK(only_named.create_alignment("Oil-Slick").source == "default");
}

TEST_CASE("product-name conditions: allowed only in their lists, and never empty") {
  auto p =
      problems_of(R"({"cancelPolicy": [{"fromProduct": "A", "billingActionPolicy": "IMMEDIATE"}],
                          "changePolicy": [{"product": "A", "billingActionPolicy": "IMMEDIATE"},
                                           {"toProduct": "", "billingActionPolicy": "IMMEDIATE"},
                                           {"fromProduct": 7, "billingActionPolicy": "IMMEDIATE"}]})");
  CHECK(has_problem(p, "cancelPolicy[0].fromProduct", "condition not allowed in cancelPolicy"));
  CHECK(has_problem(p, "changePolicy[0].product", "condition not allowed in changePolicy"));
  CHECK(has_problem(p, "changePolicy[1].toProduct", "must not be empty"));
  CHECK(has_problem(p, "changePolicy[2].fromProduct", "must be a string"));
}

TEST_CASE("an empty rule set answers with Kill Bill's defaults") {
  RuleSet none = load("{}");
  CHECK(none.billing_alignment(sub(BASE, MONTHLY, EVERGREEN)).value == BillingAlignment::account);
  CHECK(none.create_alignment().value == PlanAlignmentCreate::start_of_bundle);
  CHECK(none.cancel_policy(sub(BASE, MONTHLY, EVERGREEN)).value ==
        BillingActionPolicy::end_of_term);
  auto c = change(EVERGREEN, BASE, MONTHLY, BASE, MONTHLY);
  CHECK(none.change_policy(c).value == BillingActionPolicy::end_of_term);
  CHECK(none.change_alignment(c).value == PlanAlignmentChange::start_of_bundle);
  CHECK(none.change_policy(c).source == "default");
}

TEST_CASE("an explicit override beats the rules, but ILLEGAL stays illegal") {
  RuleSet rules = load(kSpecRules);
  auto c = change(EVERGREEN, BASE, MONTHLY, BASE, MONTHLY);
  auto overridden = rules.change_policy(c, BillingActionPolicy::immediate);
  CHECK(overridden.value == BillingActionPolicy::immediate);
  CHECK(overridden.source == "override");
  auto forbidden = change(EVERGREEN, BASE, MONTHLY, ADD_ON, MONTHLY);
  CHECK(rules.change_policy(forbidden, BillingActionPolicy::immediate).value ==
        BillingActionPolicy::illegal);
  CHECK(rules.cancel_policy(sub(ADD_ON, MONTHLY, EVERGREEN), BillingActionPolicy::end_of_term)
            .value == BillingActionPolicy::end_of_term);
}

// --- One test each for the validation rules of the rules spec --------------------

TEST_CASE("an unknown list name is refused") {
  CHECK(
      has_problem(problems_of(R"({"cancelPolicies": []})"), "cancelPolicies", "unknown rule list"));
}

TEST_CASE("an unknown property name is refused") {
  CHECK(has_problem(
      problems_of(
          R"({"cancelPolicy": [{"productKategory": "BASE", "billingActionPolicy": "IMMEDIATE"}]})"),
      "cancelPolicy[0].productKategory", "unknown property"));
}

TEST_CASE("a property not allowed in its list is refused") {
  auto p = problems_of(
      R"({"cancelPolicy": [{"fromProductCategory": "BASE", "billingActionPolicy": "IMMEDIATE"}],
                          "createAlignment": [{"productCategory": "ADD_ON", "planAlignmentCreate": "START_OF_BUNDLE"}]})");
  CHECK(has_problem(p, "cancelPolicy[0].fromProductCategory",
                    "condition not allowed in cancelPolicy"));
  CHECK(has_problem(p, "createAlignment[0].productCategory", "allowed conditions: product)"));
}

TEST_CASE("an unknown enum value is refused") {
  CHECK(has_problem(
      problems_of(
          R"({"changePolicy": [{"toBillingPeriod": "MONTHY", "billingActionPolicy": "IMMEDIATE"}]})"),
      "changePolicy[0].toBillingPeriod", "unknown value \"MONTHY\""));
  CHECK(has_problem(problems_of(R"({"billingAlignment": [{"billingAlignment": "account"}]})"),
                    "billingAlignment[0].billingAlignment", "did you mean \"ACCOUNT\"?"));
}

TEST_CASE("a rule with no action is refused") {
  CHECK(has_problem(problems_of(R"({"changePolicy": [{"phaseType": "TRIAL"}]})"),
                    "changePolicy[0].billingActionPolicy", "the rule has no action"));
}

TEST_CASE("a rule with more than one action is refused") {
  CHECK(has_problem(
      problems_of(
          R"({"billingAlignment": [{"billingAlignment": "ACCOUNT", "billingActionPolicy": "IMMEDIATE"}]})"),
      "billingAlignment[0].billingActionPolicy", "exactly one action"));
}

TEST_CASE("BUNDLE alignment without productCategory ADD_ON is refused") {
  auto p = problems_of(R"({"billingAlignment": [{"billingAlignment": "BUNDLE"},
                                                {"productCategory": "BASE", "billingAlignment": "BUNDLE"}]})");
  CHECK(has_problem(p, "billingAlignment[0].billingAlignment", "only for add-ons"));
  CHECK(has_problem(p, "billingAlignment[1].billingAlignment", "only for add-ons"));
  CHECK(load_rules(
      R"({"billingAlignment": [{"productCategory": "ADD_ON", "billingAlignment": "BUNDLE"}]})"));
}

TEST_CASE("CHANGE_OF_PRICELIST and price-list conditions are refused") {
  auto p = problems_of(R"({"changeAlignment": [{"planAlignmentChange": "CHANGE_OF_PRICELIST"},
                                               {"toPriceList": "x", "planAlignmentChange": "CHANGE_OF_PLAN"}]})");
  CHECK(has_problem(p, "changeAlignment[0].planAlignmentChange", "no price lists"));
  CHECK(has_problem(p, "changeAlignment[1].toPriceList", "no price lists"));
}

TEST_CASE("a cancel can never be ILLEGAL") {
  CHECK(has_problem(problems_of(R"({"cancelPolicy": [{"billingActionPolicy": "ILLEGAL"}]})"),
                    "cancelPolicy[0].billingActionPolicy", "never be ILLEGAL"));
}

TEST_CASE("lists must be arrays of objects") {
  auto p = problems_of(R"({"cancelPolicy": {}, "changePolicy": ["IMMEDIATE"]})");
  CHECK(has_problem(p, "cancelPolicy", "must be an array"));
  CHECK(has_problem(p, "changePolicy[0]", "must be an object"));
}

TEST_CASE("the example rule set validates") {
  RuleSet rules = load(test::data_file("examples/addon-rules/rules.json"));
  CHECK(rules.change_policy_rules.size() == 3);
}

TEST_CASE("a rule set made for catalogs with price lists says so, and may then use them") {
  // Without the flag, a priceList list is refused like the conditions.
  auto p = problems_of(R"({"priceList": [{"toPriceList": "DEFAULT"}]})");
  CHECK(has_problem(p, "priceList", "no price lists"));
  RuleSet rules = load(R"({"with_price_lists": true,
    "changeAlignment": [{"fromPriceList": "Partner", "planAlignmentChange": "CHANGE_OF_PRICELIST"}],
    "cancelPolicy": [{"priceList": "Promo", "billingActionPolicy": "IMMEDIATE"}],
    "priceList": [{"fromProduct": "Standard", "fromPriceList": "Promo", "toPriceList": "Promo"},
                  {"fromBillingPeriod": "ANNUAL", "toPriceList": "Annual"}]})");
  CHECK(rules.with_price_lists);
  ChangeCase from_partner;
  from_partner.from_price_list = "Partner";
  CHECK(rules.change_alignment(from_partner).value == PlanAlignmentChange::change_of_pricelist);
  SubscriptionCase promo{ProductCategory::base, BillingPeriod::monthly, PhaseType::evergreen,
                         "Standard", "Promo"};
  CHECK(rules.cancel_policy(promo).value == BillingActionPolicy::immediate);
  CHECK(rules.price_list_for_change(promo).value == "Promo");
  CHECK(rules.price_list_for_change(promo).source == "priceList[0]");
  SubscriptionCase annual{ProductCategory::base, BillingPeriod::annual, PhaseType::evergreen,
                          "Other", "DEFAULT"};
  CHECK(rules.price_list_for_change(annual).value == "Annual");
  // No rule matches: the change stays on the list it is on.
  SubscriptionCase partner{ProductCategory::base, BillingPeriod::monthly, PhaseType::evergreen,
                           "Standard", "Partner"};
  CHECK(rules.price_list_for_change(partner).value == "Partner");
  CHECK(rules.price_list_for_change(partner).source == "default");
  // A priceList rule needs its action, and takes only its own conditions.
  auto bad = problems_of(R"({"with_price_lists": true,
    "priceList": [{"fromPriceList": "Promo"}, {"toProduct": "X", "toPriceList": "DEFAULT"}]})");
  CHECK(has_problem(bad, "priceList[0].toPriceList", "no action"));
  CHECK(has_problem(bad, "priceList[1].toProduct", "condition not allowed in priceList"));
}
