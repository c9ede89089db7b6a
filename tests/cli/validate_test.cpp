#include <sstream>

#include <catch2/catch.hpp>

#include "../support/cli_runner.hpp"

namespace {

using Run = tollgate::test::CliRun;
using tollgate::test::data;
using tollgate::test::tollgate_cli;

}  // namespace

TEST_CASE("validate-catalog accepts every example catalog") {
  for (const char* name : {"addon-rules", "api-metering", "credits", "saas-trial"}) {
    INFO(name);
    std::string path = data(std::string("examples/") + name + "/catalog.json");
    Run r = tollgate_cli({"validate-catalog", path});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
  }
}

TEST_CASE("validate-catalog lists each problem as path: reason and exits 2") {
  std::string path = data("invalid/catalog-two-problems.json");
  Run r = tollgate_cli({"validate-catalog", path});
  CHECK(r.code == 2);
  // In the order the fields are read: billing_mode before price.
  CHECK(r.err ==
        "plans[0].phases[0].recurring.billing_mode: unknown value \"IN_ADVANCED\" (expected one of "
        "IN_ADVANCE, "
        "IN_ARREAR)\n"
        "plans[0].phases[0].recurring.price.EUR: missing price for currency EUR\n");
}

TEST_CASE("validate-rules accepts the example and refuses a bad rule set") {
  Run ok = tollgate_cli({"validate-rules", data("examples/addon-rules/rules.json")});
  CHECK(ok.code == 0);
  Run bad = tollgate_cli({"validate-rules", data("invalid/rules-monthy.json")});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("changePolicy[2].toBillingPeriod: unknown value \"MONTHY\"") == 0);
}

TEST_CASE("unreadable files and malformed JSON exit 2 with a clear message") {
  Run missing = tollgate_cli({"validate-catalog", "/nonexistent/catalog.json"});
  CHECK(missing.code == 2);
  CHECK(missing.err == "/nonexistent/catalog.json: cannot read (No such file or directory)\n");
  Run malformed = tollgate_cli({"validate-rules", data("invalid/malformed.json")});
  CHECK(malformed.code == 2);
  CHECK(malformed.err.find("$: malformed JSON at line 3") == 0);
}

TEST_CASE("usage errors exit 2") {
  CHECK(tollgate_cli({}).code == 2);
  CHECK(tollgate_cli({"validate-catalog"}).code == 2);
  CHECK(tollgate_cli({"frobnicate"}).code == 2);
  CHECK(tollgate_cli({"--version"}).out.rfind("tollgate ", 0) == 0);
}

TEST_CASE(
    "validate-catalog reads a Kill Bill XML catalog, and names XML paths when it refuses one") {
  Run ok = tollgate_cli({"validate-catalog", data("kill_bill/SpyCarBasic.xml")});
  CHECK(ok.code == 0);
  CHECK(
      ok.out ==
      "valid Kill Bill catalog \"SpyCarBasic\": 3 products, 3 plans, 0 credit packages, 5 rules\n");
  Run bad = tollgate_cli({"validate-catalog", data("invalid/kill-bill-bundle-limit.xml")});
  CHECK(bad.code == 2);
  CHECK(
      bad.err ==
      "/catalog/plans/plan[@name='shotgun-monthly']/plansAllowedInBundle: plansAllowedInBundle is "
      "not supported: Tollgate does not limit the plans of a bundle\n");
}
