#include "tollgate/manual_provider.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;

TEST_CASE("manual collection never charges: every attempt awaits an external payment") {
  ManualProvider manual;
  PaymentProvider& provider = manual;  // usable wherever a provider is expected
  auto customer = provider.create_customer({"acme", "", "", {}});
  REQUIRE(customer.has_value());
  CHECK(customer->id == "manual-acme");
  ChargeRequest request{"inv-1", 1, *Money::parse("50.00", "EUR"), customer->id, "", "January"};
  auto charge = provider.charge(request);
  REQUIRE(charge.has_value());
  CHECK(charge->status == ChargeStatus::failed);
  CHECK(charge->failure == "awaiting_payment");
  CHECK(charge->id == "manual-inv-1-1");
  // It keeps nothing: the same request gives the same answer, from any instance.
  CHECK(ManualProvider().charge(request)->id == charge->id);
  CHECK(provider.refund({charge->id, std::nullopt, "k"}).error().code == "resource_missing");
}

TEST_CASE("a manual set-up stays pending: the host records the method as an operation") {
  ManualProvider manual;
  auto setup = manual.start_payment_method_setup({"acme", "manual-acme", "EUR", "", ""});
  REQUIRE(setup.has_value());
  CHECK(manual.payment_method_setup_result(setup->id)->status == SetupStatus::pending);
}
