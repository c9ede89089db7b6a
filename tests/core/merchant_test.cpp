// publish_for_merchant (merchant.hpp): a merchant whose account cannot sell
// is told once the provider refuses for that reason, and only then.

#include "tollgate/merchant.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;
using namespace date::literals;

namespace {

// Publishing answers `refusal` when set; the rest is never called here.
class PublishingProvider final : public PaymentProvider {
 public:
  std::optional<ProviderError> refusal;
  int published = 0;

  std::string_view name() const override { return "test"; }
  std::string merchant_onboarding_url() const override { return "https://host.test/connect/m1"; }
  ProviderResult<CatalogMapping> publish_catalog(const Catalog&, std::string_view) override {
    if (refusal) return unexpected(*refusal);
    ++published;
    return CatalogMapping{};
  }
  ProviderResult<ProviderCustomer> create_customer(const CustomerInfo&) override { return no(); }
  ProviderResult<ProviderCustomer> update_customer(const std::string&,
                                                   const CustomerInfo&) override {
    return no();
  }
  ProviderResult<SetupSession> start_payment_method_setup(const SetupRequest&) override {
    return no();
  }
  ProviderResult<SetupOutcome> payment_method_setup_result(const std::string&) override {
    return no();
  }
  ProviderResult<CheckoutSession> start_credit_purchase(const CreditPurchaseRequest&) override {
    return no();
  }
  ProviderResult<ChargeOutcome> charge(const ChargeRequest&) override { return no(); }
  ProviderResult<RefundOutcome> refund(const RefundRequest&) override { return no(); }
  ProviderResult<Ok> report_usage(const UsageReport&) override { return no(); }

 private:
  static Unexpected<ProviderError> no() {
    return unexpected(
        ProviderError{0, "api_error", "unsupported", "", "not in this test", "", false});
  }
};

ProviderError refused(const char* code, const char* message) {
  return ProviderError{0, "invalid_request_error", code, "", message, "", false};
}

}  // namespace

TEST_CASE("a merchant whose account cannot take charges is told what is missing and where") {
  PublishingProvider provider;
  Catalog catalog;
  std::vector<MerchantNotice> told;
  auto notify = [&](const MerchantNotice& n) { told.push_back(n); };
  OrganizationKey org{"new-co", "gateway"};

  provider.refusal = refused("account_restricted", "Stripe still needs: external_account");
  auto r = publish_for_merchant(provider, catalog, "USD", org, 2024_y / 3 / 5, notify);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "account_restricted");  // the publisher gets the error as it was
  REQUIRE(told.size() == 1);
  CHECK(told[0].key == "MERCHANT_ACCOUNT:new-co:gateway:account_restricted:2024-03-05");
  CHECK(told[0].organization == org);
  CHECK(told[0].provider == "test");
  CHECK(told[0].reason == kMerchantAccountRestricted);
  CHECK(told[0].message == "Stripe still needs: external_account");
  CHECK(told[0].action_url == "https://host.test/connect/m1");
  CHECK(told[0].on == 2024_y / 3 / 5);

  provider.refusal = refused("account_missing", "no Stripe account acct_x is connected");
  CHECK_FALSE(publish_for_merchant(provider, catalog, "USD", org, 2024_y / 3 / 6, notify));
  REQUIRE(told.size() == 2);
  CHECK(told[1].reason == kMerchantAccountMissing);

  // Anything else is the publisher's to handle: a network failure, a bad key.
  provider.refusal = refused("api_key_invalid", "Invalid API Key provided");
  CHECK_FALSE(publish_for_merchant(provider, catalog, "USD", org, 2024_y / 3 / 7, notify));
  provider.refusal.reset();
  CHECK(publish_for_merchant(provider, catalog, "USD", org, 2024_y / 3 / 8, notify));
  CHECK(provider.published == 1);
  CHECK(told.size() == 2);
  // Without a way to tell the merchant, the error alone.
  provider.refusal = refused("account_missing", "no account");
  CHECK_FALSE(publish_for_merchant(provider, catalog, "USD", org, 2024_y / 3 / 9, nullptr));
}
