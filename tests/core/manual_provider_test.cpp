#include "tollgate/manual_provider.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;

TEST_CASE("manual charges stay pending until the host marks them") {
  ManualProvider manual;
  PaymentProvider& provider = manual;  // usable wherever a provider is expected
  auto customer = provider.create_customer({"acme", "", "", {}});
  REQUIRE(customer.has_value());
  ChargeRequest request{"inv-1", 1, *Money::parse("50.00", "EUR"), customer->id, "", "January"};
  auto charge = provider.charge(request);
  REQUIRE(charge.has_value());
  CHECK(charge->status == ChargeStatus::pending);
  // The same invoice and attempt is the same charge, never a second one.
  CHECK(provider.charge(request)->id == charge->id);
  CHECK(manual.charges().size() == 1);
  REQUIRE(manual.mark_paid(charge->id));
  CHECK(provider.charge(request)->status == ChargeStatus::succeeded);
  request.attempt = 2;
  CHECK(provider.charge(request)->id != charge->id);
  CHECK(manual.mark_failed("nope").error().code == "resource_missing");
}

TEST_CASE("a manual set-up completes when the host records it") {
  ManualProvider manual;
  auto customer = manual.create_customer({"acme", "", "", {}});
  auto setup = manual.start_payment_method_setup({"acme", customer->id, "EUR", "", ""});
  REQUIRE(setup.has_value());
  CHECK(manual.payment_method_setup_result(setup->id)->status == SetupStatus::pending);
  REQUIRE(manual.complete_setup(setup->id, "mandate-7"));
  auto done = manual.payment_method_setup_result(setup->id);
  CHECK(done->status == SetupStatus::succeeded);
  CHECK(done->payment_method_id == "mandate-7");
  CHECK(manual.start_payment_method_setup({"x", "unknown", "EUR", "", ""}).error().http_status == 404);
}
