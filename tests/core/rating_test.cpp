#include "tollgate/rating.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;

namespace {

Decimal d(const char* s) { return *Decimal::parse(s); }

Tier tier(std::optional<const char*> up_to, const char* unit, const char* flat = "0") {
  Tier t;
  if (up_to) t.up_to = d(*up_to);
  t.unit_price = {{"USD", d(unit)}};
  t.flat_price = {{"USD", d(flat)}};
  return t;
}

UsagePrice tiered(UsageModel model, std::vector<Tier> tiers) {
  UsagePrice p;
  p.name = "fonts";
  p.model = model;
  p.tiers = std::move(tiers);
  return p;
}

Decimal rated(const UsagePrice& p, const char* quantity, Decimal fraction = Decimal(1)) {
  auto r = rate(p, "USD", d(quantity), fraction);
  REQUIRE(r.has_value());
  return *r;
}

// Stripe's documented tiers: 1-5 at 7, 6-10 at 6.50, 11+ at 6.
std::vector<Tier> stripe_tiers() { return {tier("5", "7"), tier("10", "6.5"), tier(std::nullopt, "6")}; }

}  // namespace

TEST_CASE("volume tiers price every unit at the tier that holds the quantity (Stripe's table)") {
  auto p = tiered(UsageModel::volume, stripe_tiers());
  CHECK(rated(p, "1") == d("7"));
  CHECK(rated(p, "5") == d("35"));
  CHECK(rated(p, "6") == d("39"));     // 6 x 6.5
  CHECK(rated(p, "20") == d("120"));
  CHECK(rated(p, "25") == d("150"));   // 25 x 6
}

TEST_CASE("graduated tiers price each unit in its own tier (Stripe's table)") {
  auto p = tiered(UsageModel::graduated, stripe_tiers());
  CHECK(rated(p, "5") == d("35"));
  CHECK(rated(p, "6") == d("41.5"));   // 5 x 7 + 1 x 6.5
  CHECK(rated(p, "25") == d("157.5"));  // 35 + 32.5 + 15 x 6
}

TEST_CASE("flat fees per tier") {
  // 1-5: 5/unit + 10 flat; 6-10: 4/unit + 20 flat; 11+: 3/unit + 30 flat.
  std::vector<Tier> tiers{tier("5", "5", "10"), tier("10", "4", "20"), tier(std::nullopt, "3", "30")};
  // Volume at 12: 12 x 3 + 30 = 66.
  CHECK(rated(tiered(UsageModel::volume, tiers), "12") == d("66"));
  // Graduated at 12: (25 + 10) + (20 + 20) + (6 + 30) = 111.
  CHECK(rated(tiered(UsageModel::graduated, tiers), "12") == d("111"));
  // A quantity of 0 is in the first tier: its flat fee is charged (Stripe).
  CHECK(rated(tiered(UsageModel::graduated, tiers), "0") == d("10"));
  CHECK(rated(tiered(UsageModel::volume, tiers), "0") == d("10"));
}

TEST_CASE("tier bounds are inclusive") {
  auto p = tiered(UsageModel::graduated, {tier("1000", "0"), tier("10000", "0.0125"), tier(std::nullopt, "0.0045")});
  CHECK(rated(p, "1000") == d("0"));
  CHECK(rated(p, "1001") == d("0.0125"));
  // api-metering example: 1000 x 0 + 9000 x 0.0125 + 2000 x 0.0045 = 121.50
  CHECK(rated(p, "12000") == d("121.5"));
  auto v = tiered(UsageModel::volume, {tier("10", "2"), tier(std::nullopt, "1")});
  CHECK(rated(v, "10") == d("20"));
  CHECK(rated(v, "10.5") == d("10.5"));
}

TEST_CASE("package pricing rounds packages up or down") {
  UsagePrice p;
  p.model = UsageModel::package;
  p.package_size = d("5");
  p.package_price = {{"USD", d("10")}};
  CHECK(rated(p, "6") == d("20"));  // $10 per 5 users, 6 users -> 2 packages
  CHECK(rated(p, "5") == d("10"));
  CHECK(rated(p, "0") == d("0"));
  p.package_rounding = PackageRounding::down;
  CHECK(rated(p, "6") == d("10"));
  CHECK(rated(p, "4") == d("0"));
}

TEST_CASE("per-unit pricing with sub-cent prices stays exact") {
  UsagePrice p;
  p.model = UsageModel::per_unit;
  p.unit_price = {{"USD", d("0.0005")}};
  CHECK(rated(p, "12345") == d("6.1725"));
  CHECK(rated(p, "0.5") == d("0.00025"));
}

TEST_CASE("overage charges units above the included allowance, prorated when asked") {
  UsagePrice p;
  p.model = UsageModel::overage;
  p.included = d("100");
  p.unit_price = {{"USD", d("2.25")}};
  CHECK(rated(p, "150") == d("112.5"));
  CHECK(rated(p, "80") == d("0"));
  // Without prorate_included the fraction is ignored.
  CHECK(rated(p, "80", Decimal::fraction(12, 31)) == d("0"));
  // Seed case: 100 included, card on the 20th of a 31-day month -> 38.709677... included.
  p.prorate_included = true;
  Decimal amount = rated(p, "80", Decimal::fraction(12, 31));
  CHECK(amount == (Decimal(80) - Decimal(100) * Decimal::fraction(12, 31)) * d("2.25"));
  CHECK(amount.round(2, RoundingMode::half_up) == d("92.90"));
}

TEST_CASE("rating refuses a missing currency and a negative quantity") {
  auto p = tiered(UsageModel::volume, stripe_tiers());
  auto eur = rate(p, "EUR", Decimal(1));
  REQUIRE_FALSE(eur.has_value());
  CHECK(eur.error().code == "rating.currency");
  CHECK(rate(p, "USD", Decimal(-1)).error().code == "rating.quantity");
}

TEST_CASE("aggregations") {
  std::vector<UsageSample> s{{d("3"), "a"}, {d("7"), "b"}, {d("2"), "a"}};
  CHECK(aggregate(Aggregation::sum, s) == d("12"));
  CHECK(aggregate(Aggregation::count, s) == d("3"));
  CHECK(aggregate(Aggregation::max, s) == d("7"));
  CHECK(aggregate(Aggregation::unique_count, s) == d("2"));
  CHECK(aggregate(Aggregation::latest, s) == d("2"));
  CHECK(aggregate(Aggregation::max, {}) == d("0"));
  CHECK(aggregate(Aggregation::latest, {}) == d("0"));
}

TEST_CASE("the fixed-point path for whole quantities agrees with the exact fraction path") {
  // Whole quantities take the integer path; q + 1/2 takes the general one. Inside one
  // tier the price is linear, so rate(q + 1/2) must be the mean of rate(q) and rate(q + 1).
  auto p = tiered(UsageModel::graduated, {tier("1000", "0", "5.00"), tier("10000", "0.0125"),
                                          tier("100000", "0.0085", "1.25"), tier(std::nullopt, "0.000000000001")});
  Rater rater = *Rater::compile(p, "USD");
  for (std::int64_t q : {1, 17, 999, 1001, 4321, 9999, 10001, 55555, 99999, 100001, 123456789}) {
    INFO(q);
    Decimal at = rater.rate(Decimal(q)), next = rater.rate(Decimal(q + 1));
    Decimal half = rater.rate(Decimal(q) + Decimal::fraction(1, 2));
    CHECK(half == (at + next) / Decimal(2));
  }
  // A whole quantity by hand: 1000 x 0 + 5.00 + 9000 x 0.0125 + 2000 x 0.0085 + 1.25 = 5 + 112.5 + 17 + 1.25.
  CHECK(rater.rate(Decimal(12000)) == d("135.75"));
  auto v = Rater::compile(tiered(UsageModel::volume, stripe_tiers()), "USD");
  CHECK(v->rate(Decimal(6)) == d("39"));
  CHECK(v->rate(d("6.5")) == d("42.25"));
}
