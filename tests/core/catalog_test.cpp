#include "tollgate/catalog.hpp"

#include <catch2/catch.hpp>

#include "../support/problems.hpp"

using namespace tollgate;
using tollgate::test::describe;
using tollgate::test::has_problem;

namespace {

// The catalog of docs/formats.md (the spec's example, model spelled OVERAGE).
const char* kApiGateway = R"({
  "name": "api-gateway",
  "effective_date": "2024-01-01",
  "currencies": ["USD", "EUR"],
  "rounding": "HALF_UP",
  "credit_unit_price": {"USD": "0.10", "EUR": "0.09"},
  "products": [
    {"name": "Basic",  "category": "BASE"},
    {"name": "Gold",   "category": "BASE"},
    {"name": "Boost",  "category": "ADD_ON", "available_for": ["Gold"]},
    {"name": "Credits", "category": "STANDALONE"}
  ],
  "plans": [
    {
      "name": "basic-monthly",
      "product": "Basic",
      "after_trial": "REQUIRE_PAYMENT_METHOD",
      "phases": [
        {"type": "TRIAL", "duration": {"unit": "DAYS", "length": 14}},
        {"type": "EVERGREEN",
         "recurring": {"billing_period": "MONTHLY", "billing_mode": "IN_ARREAR",
                       "price": {"USD": "50.00", "EUR": "46.00"}},
         "usages": [
           {"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY",
            "model": "OVERAGE", "included": "100", "prorate_included": true,
            "unit_price": {"USD": "2.25", "EUR": "2.10"}}
         ]}
      ]
    }
  ],
  "credit_packages": [
    {"name": "credits-50", "credits": "50", "price": {"USD": "5.00", "EUR": "4.60"}}
  ]
})";

Problems problems_of(const std::string& json) {
  auto c = load_catalog(json);
  REQUIRE_FALSE(c.has_value());
  return c.error();
}

// A minimal valid catalog with one plan whose last phase is `phase` (JSON).
std::string with_phase(const std::string& phase) {
  return R"({"name": "t", "currencies": ["USD", "EUR"], "products": [{"name": "P", "category": "BASE"}],
             "plans": [{"name": "p", "product": "P", "phases": [)" +
         phase + "]}]}";
}

std::string with_usage(const std::string& usage) {
  return with_phase(R"({"type": "EVERGREEN", "usages": [)" + usage + "]}");
}

}  // namespace

TEST_CASE("the spec's example catalog loads with every field") {
  auto loaded = load_catalog(kApiGateway);
  INFO((loaded ? "" : describe(loaded.error())));
  REQUIRE(loaded.has_value());
  const Catalog& c = *loaded;
  CHECK(c.name == "api-gateway");
  CHECK(c.effective_date == Date{date::year(2024), date::month(1), date::day(1)});
  CHECK(c.currencies == std::vector<std::string>{"USD", "EUR"});
  CHECK(c.rounding == RoundingMode::half_up);
  CHECK(c.find_product("Boost")->category == ProductCategory::add_on);
  CHECK(c.find_product("Boost")->available_for_base("Gold"));
  CHECK_FALSE(c.find_product("Boost")->available_for_base("Basic"));
  CHECK(c.find_product("Gold")->available_for_base("anything"));
  const Plan* plan = c.find_plan("basic-monthly");
  REQUIRE(plan);
  CHECK(plan->after_trial == AfterTrial::require_payment_method);
  REQUIRE(plan->phases.size() == 2);
  CHECK(plan->phases[0].type == PhaseType::trial);
  CHECK(plan->phases[0].duration->length == 14);
  CHECK_FALSE(plan->phases[1].duration.has_value());
  const auto& rec = *plan->phases[1].recurring;
  CHECK(rec.billing_mode == BillingMode::in_arrear);
  CHECK(rec.price.at("EUR") == *Decimal::parse("46"));
  const auto& usage = plan->phases[1].usages.at(0);
  CHECK(usage.model == UsageModel::overage);
  CHECK(usage.aggregation == Aggregation::sum);
  CHECK(usage.included == Decimal(100));
  CHECK(usage.prorate_included);
  CHECK(usage.unit_price.at("USD") == *Decimal::parse("2.25"));
  CHECK(c.find_credit_package("credits-50")->credits == Decimal(50));
  CHECK(&c.product_of(*plan) == c.find_product("Basic"));
}

TEST_CASE("every example catalog validates") {
  for (const char* name : {"addon-rules", "api-metering", "credits", "saas-trial"}) {
    INFO(name);
    auto loaded = load_catalog(test::data_file(std::string("examples/") + name + "/catalog.json"));
    INFO((loaded ? "" : describe(loaded.error())));
    CHECK(loaded.has_value());
  }
}

TEST_CASE("rounding defaults to HALF_UP and may be HALF_EVEN") {
  auto plain = load_catalog(with_phase(R"({"type": "EVERGREEN"})"));
  REQUIRE(plain.has_value());
  CHECK(plain->rounding == RoundingMode::half_up);
  std::string even = with_phase(R"({"type": "EVERGREEN"})");
  even.insert(1, R"("rounding": "HALF_EVEN", )");
  CHECK(load_catalog(even)->rounding == RoundingMode::half_even);
}

TEST_CASE("sub-cent and tiered prices load exactly") {
  auto c = load_catalog(
      with_usage(R"({"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY",
      "model": "GRADUATED", "tiers": [
        {"up_to": "1000", "unit_price": {"USD": "0", "EUR": "0"}},
        {"up_to": "10000", "unit_price": {"USD": "0.0125", "EUR": "0.0115"}, "flat_price": {"USD": "1", "EUR": "1"}},
        {"up_to": null, "unit_price": {"USD": "0.000000000001", "EUR": "0.0045"}}]})"));
  INFO((c ? "" : describe(c.error())));
  REQUIRE(c.has_value());
  const auto& tiers = c->plans[0].phases[0].usages[0].tiers;
  REQUIRE(tiers.size() == 3);
  CHECK(tiers[1].up_to == Decimal(10000));
  CHECK(tiers[1].flat_price.at("USD") == Decimal(1));
  CHECK_FALSE(tiers[2].up_to.has_value());
  CHECK(tiers[2].unit_price.at("USD") == Decimal::fraction(1, 1000000000000));
}

// --- One test each for the validation rules of the catalog spec ------------------

TEST_CASE("malformed JSON is one problem at the root") {
  auto p = problems_of(R"({"name": "x",)");
  CHECK(has_problem(p, "$", "malformed JSON at line 1"));
}

TEST_CASE("a duplicated name is refused") {
  auto p = problems_of(R"({"name": "t", "currencies": ["USD"],
      "products": [{"name": "P", "category": "BASE"}, {"name": "P", "category": "BASE"}],
      "plans": [{"name": "a", "product": "P", "phases": [{"type": "EVERGREEN"}]},
                {"name": "a", "product": "P", "phases": [{"type": "EVERGREEN"}]}],
      "credit_packages": [{"name": "c", "credits": "1", "price": {"USD": "1"}},
                          {"name": "c", "credits": "2", "price": {"USD": "2"}}]})");
  CHECK(has_problem(p, "products[1].name", "duplicate product name \"P\""));
  CHECK(has_problem(p, "plans[1].name", "duplicate plan name \"a\""));
  CHECK(has_problem(p, "credit_packages[1].name", "duplicate credit package name \"c\""));
}

TEST_CASE("a credit package may carry a description for the payment form") {
  auto c = load_catalog(R"({"name": "t", "currencies": ["USD"], "products": [], "plans": [],
      "credit_packages": [{"name": "c", "credits": "50", "price": {"USD": "5.00"},
                           "description": "Fifty API credits"},
                          {"name": "d", "credits": "1", "price": {"USD": "1"}}]})");
  REQUIRE(c.has_value());
  CHECK(c->find_credit_package("c")->description == "Fifty API credits");
  CHECK(c->find_credit_package("d")->description.empty());
  auto p = problems_of(R"({"name": "t", "currencies": ["USD"], "products": [], "plans": [],
      "credit_packages": [{"name": "c", "credits": "1", "price": {"USD": "1"}, "description": 7}]})");
  CHECK(has_problem(p, "credit_packages[0].description", "must be a string"));
}

TEST_CASE("a plan naming an unknown product is refused") {
  auto p = problems_of(R"({"name": "t", "currencies": ["USD"], "products": [],
      "plans": [{"name": "a", "product": "Nope", "phases": [{"type": "EVERGREEN"}]}]})");
  CHECK(has_problem(p, "plans[0].product", "unknown product \"Nope\""));
}

TEST_CASE("a price missing a catalog currency is refused") {
  auto p = problems_of(with_phase(
      R"({"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "50.00"}}})"));
  CHECK(has_problem(p, "plans[0].phases[0].recurring.price.EUR", "missing price for currency EUR"));
}

TEST_CASE("a price in a currency the catalog does not list is refused") {
  auto p = problems_of(
      with_phase(R"({"type": "EVERGREEN", "fixed": {"USD": "1", "EUR": "1", "GBP": "1"}})"));
  CHECK(has_problem(p, "plans[0].phases[0].fixed.GBP", "not in the catalog's currencies"));
}

TEST_CASE("a bad decimal and a JSON number used as a price are refused") {
  auto p =
      problems_of(with_phase(R"({"type": "EVERGREEN", "fixed": {"USD": "3O.00", "EUR": 30.0}})"));
  CHECK(has_problem(p, "plans[0].phases[0].fixed.USD", "not a decimal number"));
  CHECK(has_problem(p, "plans[0].phases[0].fixed.EUR", "not a JSON number"));
  auto q = problems_of(
      with_phase(R"({"type": "EVERGREEN", "fixed": {"USD": "-1.00", "EUR": "1.1234567890123"}})"));
  CHECK(has_problem(q, "plans[0].phases[0].fixed.USD", "must not be negative"));
  CHECK(has_problem(q, "plans[0].phases[0].fixed.EUR", "more than 12 digits"));
}

TEST_CASE("tiers that are not strictly increasing are refused") {
  auto p = problems_of(
      with_usage(R"({"name": "u", "metric": "m", "billing_period": "MONTHLY", "model": "VOLUME",
      "tiers": [{"up_to": "10", "unit_price": {"USD": "1", "EUR": "1"}},
                {"up_to": "10", "unit_price": {"USD": "1", "EUR": "1"}},
                {"up_to": null, "unit_price": {"USD": "1", "EUR": "1"}}]})"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[0].tiers[1].up_to", "strictly increasing"));
}

TEST_CASE("an unbounded tier that is not last is refused") {
  auto p = problems_of(
      with_usage(R"({"name": "u", "metric": "m", "billing_period": "MONTHLY", "model": "GRADUATED",
      "tiers": [{"up_to": null, "unit_price": {"USD": "1", "EUR": "1"}},
                {"up_to": "10", "unit_price": {"USD": "1", "EUR": "1"}}]})"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[0].tiers[0].up_to",
                    "only the last tier may be unbounded"));
  CHECK(
      has_problem(p, "plans[0].phases[0].usages[0].tiers[1].up_to", "last tier must be unbounded"));
}

TEST_CASE("a non-last phase without a duration is refused") {
  auto p = problems_of(with_phase(R"({"type": "TRIAL"}, {"type": "EVERGREEN"})"));
  CHECK(has_problem(p, "plans[0].phases[0].duration", "not the last must have a duration"));
}

TEST_CASE("only a FIXEDTERM last phase has a duration") {
  auto p = problems_of(
      with_phase(R"({"type": "EVERGREEN", "duration": {"unit": "MONTHS", "length": 1}})"));
  CHECK(has_problem(p, "plans[0].phases[0].duration", "unless it is FIXEDTERM"));
  CHECK(load_catalog(
      with_phase(R"({"type": "FIXEDTERM", "duration": {"unit": "MONTHS", "length": 12}})")));
  auto q = problems_of(with_phase(R"({"type": "FIXEDTERM"})"));
  CHECK(has_problem(q, "plans[0].phases[0].duration", "FIXEDTERM phase must have a duration"));
}

TEST_CASE("an ADD_ON available for a non-BASE product is refused") {
  auto p = problems_of(R"({"name": "t", "currencies": ["USD"], "plans": [], "products": [
      {"name": "S", "category": "STANDALONE"},
      {"name": "A", "category": "ADD_ON", "available_for": ["S", "Missing"]},
      {"name": "B", "category": "BASE", "available_for": []}]})");
  CHECK(has_problem(p, "products[1].available_for[0]", "is STANDALONE, not BASE"));
  CHECK(has_problem(p, "products[1].available_for[1]", "unknown product \"Missing\""));
  CHECK(has_problem(p, "products[2].available_for", "only an ADD_ON product"));
}

TEST_CASE("an unknown field is refused at every level") {
  auto p = problems_of(R"({"name": "t", "currency": "USD", "currencies": ["USD"],
      "products": [{"name": "P", "category": "BASE", "colour": "red"}],
      "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
        "recurring": {"billing_period": "MONTHLY", "price": {"USD": "1"}, "billing_modes": "IN_ADVANCE"}}]}]})");
  CHECK(has_problem(p, "currency", "unknown field"));
  CHECK(has_problem(p, "products[0].colour", "unknown field"));
  CHECK(has_problem(p, "plans[0].phases[0].recurring.billing_modes", "unknown field"));
}

TEST_CASE("an unknown enum value is refused, suggesting the right spelling") {
  auto p = problems_of(
      with_usage(R"({"name": "u", "metric": "m", "billing_period": "MONTHY", "model": "overage",
      "included": "1", "unit_price": {"USD": "1", "EUR": "1"}, "aggregation": "AVG"})"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[0].billing_period", "unknown value \"MONTHY\""));
  CHECK(has_problem(p, "plans[0].phases[0].usages[0].model", "did you mean \"OVERAGE\"?"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[0].aggregation", "unknown value \"AVG\""));
  CHECK_FALSE(has_problem(p, "plans[0].phases[0].usages[0].included", "unknown field"));
}

TEST_CASE("each usage model takes its own fields") {
  auto p = problems_of(
      with_usage(R"({"name": "u", "metric": "m", "billing_period": "MONTHLY", "model": "PER_UNIT",
      "unit_price": {"USD": "1", "EUR": "1"}, "included": "5"},
      {"name": "v", "metric": "m", "billing_period": "MONTHLY", "model": "PACKAGE", "package_size": "0"},
      {"name": "w", "metric": "m", "billing_period": "MONTHLY", "model": "OVERAGE", "unit_price": {"USD": "1", "EUR": "1"}},
      {"name": "x", "metric": "m", "billing_period": "MONTHLY", "model": "GRADUATED"})"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[0].included", "not used by model PER_UNIT"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[1].package_size", "greater than 0"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[1].package_price", "required field is missing"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[2].included", "required field is missing"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[3].tiers", "required field is missing"));
}

TEST_CASE("duplicate usage names in a phase and credits without a credit price are refused") {
  auto p = problems_of(
      with_usage(R"({"name": "u", "metric": "m", "billing_period": "MONTHLY", "model": "PER_UNIT",
      "unit_price": {"USD": "1", "EUR": "1"}, "pay_with_credits": true},
      {"name": "u", "metric": "n", "billing_period": "MONTHLY", "model": "PER_UNIT", "unit_price": {"USD": "1", "EUR": "1"}})"));
  CHECK(has_problem(p, "plans[0].phases[0].usages[1].name", "duplicate usage name \"u\""));
  CHECK(has_problem(p, "plans[0].phases[0].usages[0].pay_with_credits", "credit_unit_price"));
}

TEST_CASE("currencies must be known ISO codes, listed once") {
  auto p = problems_of(
      R"({"name": "t", "currencies": ["USD", "usd", "USD"], "products": [], "plans": []})");
  CHECK(has_problem(p, "currencies[1]", "not an ISO 4217 currency code"));
  CHECK(has_problem(p, "currencies[2]", "duplicate currency USD"));
}

TEST_CASE("required top-level fields and types are checked") {
  auto p = problems_of(R"({"products": {}, "plans": []})");
  CHECK(has_problem(p, "name", "required field is missing"));
  CHECK(has_problem(p, "currencies", "required field is missing"));
  CHECK(has_problem(p, "products", "must be an array, not an object"));
  // An array is a versioned catalog: an empty one has no version to bill from.
  CHECK(has_problem(problems_of("[]"), "$", "lists no catalog version"));
  CHECK(has_problem(problems_of("1"), "$", "must be an object, not a number"));
}

TEST_CASE("all problems are reported at once") {
  auto p = problems_of(
      R"({"name": "t", "currencies": ["USD"], "products": [{"name": "P", "category": "BAS"}],
      "plans": [{"name": "p", "product": "Q", "phases": []}], "x": 1})");
  CHECK(p.size() == 4);
}

TEST_CASE("a plan is in the DEFAULT price list unless it names another") {
  auto c = load_catalog(R"({"name": "x", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}],
    "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN"}]},
              {"name": "q", "product": "P", "price_list": "Promo", "phases": [{"type": "EVERGREEN"}]}]})");
  REQUIRE(c.has_value());
  CHECK(c->find_plan("p")->price_list == "DEFAULT");
  CHECK(c->find_plan("q")->price_list == "Promo");
  CHECK(has_problem(problems_of(R"({"name": "x", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}],
    "plans": [{"name": "p", "product": "P", "price_list": "", "phases": [{"type": "EVERGREEN"}]}]})"),
                    "plans[0].price_list", "must not be empty"));
}

TEST_CASE("an add-on lists the bases that include it, and is then not sold on them") {
  auto c = load_catalog(R"({"name": "x", "currencies": ["USD"],
    "products": [{"name": "Car", "category": "BASE"}, {"name": "Van", "category": "BASE"},
                 {"name": "Gps", "category": "ADD_ON", "included_in": ["Van"]}],
    "plans": [{"name": "gps", "product": "Gps", "phases": [{"type": "EVERGREEN"}]}]})");
  REQUIRE(c.has_value());
  const Product* gps = c->find_product("Gps");
  CHECK(gps->included_in_base("Van"));
  CHECK_FALSE(gps->available_for_base("Van"));
  CHECK(gps->available_for_base("Car"));  // no available_for: any base that does not include it
  auto p = problems_of(R"({"name": "x", "currencies": ["USD"],
    "products": [{"name": "Car", "category": "BASE", "included_in": ["Car"]},
                 {"name": "Gps", "category": "ADD_ON", "included_in": ["Boat", 3]}],
    "plans": []})");
  CHECK(has_problem(p, "products[0].included_in", "only an ADD_ON product may list included_in"));
  CHECK(has_problem(p, "products[1].included_in[0]", "unknown product \"Boat\""));
  CHECK(has_problem(p, "products[1].included_in[1]", "must be a product name string"));
}
