// Kill Bill's simple plan (simple_plan.hpp): a plan added to the latest
// version of a catalog, in place; the same plan again changes nothing.

#include "tollgate/simple_plan.hpp"

#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"
#include "../support/problems.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::test::Harness;
using tollgate::test::has_problem;
using Lines = std::vector<std::string>;

namespace {

SimplePlan basic(const char* currency = "USD", const char* amount = "10.00") {
  SimplePlan p;
  p.plan = "basic-monthly";
  p.product = "Basic";
  p.currency = currency;
  p.amount = *Decimal::parse(amount);
  p.trial = Duration{TimeUnit::days, 14};
  return p;
}

Catalog loaded(const std::string& text) {
  auto c = load_catalog(text);
  INFO((c ? "" : test::describe(c.error())));
  REQUIRE(c.has_value());
  return std::move(c).value();
}

}  // namespace

TEST_CASE("a simple plan makes a first catalog: a free trial, then its price in advance") {
  auto text = add_simple_plan("", basic(), 2024_y / 1 / 1);
  REQUIRE(text.has_value());
  Catalog c = loaded(*text);
  CHECK(c.name == "simple");
  CHECK(c.effective_date == 2024_y / 1 / 1);
  CHECK(c.currencies == std::vector<std::string>{"USD"});
  REQUIRE(c.find_product("Basic"));
  CHECK(c.find_product("Basic")->category == ProductCategory::base);
  const Plan* plan = c.find_plan("basic-monthly");
  REQUIRE(plan);
  REQUIRE(plan->phases.size() == 2);
  CHECK(plan->phases[0].type == PhaseType::trial);
  CHECK(plan->phases[0].duration->length == 14);
  CHECK(plan->phases[0].fixed.empty());

  // Billed: the trial from 01-01 ends 01-15; 17 of January's 31 days at
  // 10.00 = 5.4838... = 5.48, then 10.00 each month (BCD 1).
  Harness h(std::make_shared<const Catalog>(c), {}, Account{"acct", "USD", "UTC", 1});
  REQUIRE(h.on(2024_y / 1 / 1, [](BillingEngine& e) {
             return e.create_subscription("s", "basic-monthly", 2024_y / 1 / 1);
           }).has_value());
  h.bill_through(2024_y / 2 / 1);
  CHECK(h.lines() == Lines{"2024-01-15 RECURRING s 2024-01-15..2024-02-01 5.48",
                           "2024-02-01 RECURRING s 2024-02-01..2024-03-01 10.00"});
}

TEST_CASE("the same simple plan again changes nothing, another currency adds its price") {
  auto first = *add_simple_plan("", basic(), 2024_y / 1 / 1);
  auto again = add_simple_plan(first, basic(), 2024_y / 2 / 1);
  REQUIRE(again.has_value());
  CHECK(*again == first);
  auto euros = add_simple_plan(first, basic("EUR", "9.00"), 2024_y / 2 / 1);
  REQUIRE(euros.has_value());
  Catalog c = loaded(*euros);
  CHECK(c.currencies == std::vector<std::string>{"USD", "EUR"});
  CHECK(c.effective_date == 2024_y / 1 / 1);  // in place: the version keeps its day
  const auto& price = c.find_plan("basic-monthly")->phases[1].recurring->price;
  CHECK(price.at("USD") == *Decimal::parse("10.00"));
  CHECK(price.at("EUR") == *Decimal::parse("9.00"));
}

TEST_CASE("a simple plan that would change an existing plan or product is refused by field") {
  auto first = *add_simple_plan("", basic(), 2024_y / 1 / 1);
  auto dearer = add_simple_plan(first, basic("USD", "12.00"), 2024_y / 1 / 1);
  REQUIRE_FALSE(dearer.has_value());
  CHECK(has_problem(dearer.error(), "amount", "exists with another price in USD"));
  SimplePlan no_trial = basic();
  no_trial.trial.reset();
  CHECK(has_problem(add_simple_plan(first, no_trial, 2024_y / 1 / 1).error(), "planId",
                    "exists with another product, trial or billing period"));
  SimplePlan addon = basic();
  addon.plan = "basic-extra";
  addon.category = ProductCategory::add_on;
  CHECK(has_problem(add_simple_plan(first, addon, 2024_y / 1 / 1).error(), "productCategory",
                    "product Basic exists in another category than ADD_ON"));
  SimplePlan bad_currency = basic("XYZ");
  bad_currency.plan = "other";
  CHECK(has_problem(add_simple_plan(first, bad_currency, 2024_y / 1 / 1).error(), "currencies[1]",
                    "not an ISO 4217 currency code"));
}

TEST_CASE("an add-on simple plan names its bases, and under versions it joins the latest") {
  auto first = *add_simple_plan("", basic(), 2024_y / 1 / 1);
  SimplePlan later = basic("USD", "20.00");
  later.plan = "gold-monthly";
  later.product = "Gold";
  later.trial.reset();
  std::string v2 = *add_simple_plan("", later, 2024_y / 3 / 1);
  auto both = add_catalog_version(first, v2);
  REQUIRE(both.has_value());
  SimplePlan extra;
  extra.plan = "extra-monthly";
  extra.product = "Extra";
  extra.category = ProductCategory::add_on;
  extra.currency = "USD";
  extra.amount = Decimal(2);
  extra.available_for = {"Gold"};
  auto text = add_simple_plan(*both, extra, 2024_y / 4 / 1);
  REQUIRE(text.has_value());
  Catalog c = loaded(*text);
  REQUIRE(c.earlier_versions.size() == 1);
  CHECK(c.effective_date == 2024_y / 3 / 1);
  CHECK(c.find_product("Extra")->available_for == std::vector<std::string>{"Gold"});
  CHECK(c.find_plan("extra-monthly"));
  CHECK_FALSE(c.earlier_versions[0]->find_plan("extra-monthly"));
}
