#pragma once
// Providers for the billing-run benchmarks: ManualProvider for everything but
// the charge, which each benchmark shapes (slow as a network round trip, or
// always paid).

#include <chrono>
#include <string>
#include <thread>

#include "tollgate/manual_provider.hpp"

namespace tollgate::bench {

// Everything ManualProvider does; a subclass decides what a charge answers.
class ManualExceptCharge : public PaymentProvider {
 public:
  ProviderResult<ProviderCustomer> create_customer(const CustomerInfo& c) override {
    return inner_.create_customer(c);
  }
  ProviderResult<ProviderCustomer> update_customer(const std::string& id,
                                                   const CustomerInfo& c) override {
    return inner_.update_customer(id, c);
  }
  ProviderResult<SetupSession> start_payment_method_setup(const SetupRequest& r) override {
    return inner_.start_payment_method_setup(r);
  }
  ProviderResult<SetupOutcome> payment_method_setup_result(const std::string& id) override {
    return inner_.payment_method_setup_result(id);
  }
  ProviderResult<CheckoutSession> start_credit_purchase(const CreditPurchaseRequest& r) override {
    return inner_.start_credit_purchase(r);
  }
  ProviderResult<RefundOutcome> refund(const RefundRequest& r) override { return inner_.refund(r); }
  ProviderResult<CatalogMapping> publish_catalog(const Catalog& c, std::string_view cur) override {
    return inner_.publish_catalog(c, cur);
  }
  ProviderResult<Ok> report_usage(const UsageReport& r) override { return inner_.report_usage(r); }

 protected:
  ManualProvider inner_;
};

// Every charge takes 1 ms, as a network round trip does, and is then ManualProvider's.
class SlowProvider final : public ManualExceptCharge {
 public:
  std::string_view name() const override { return "slow"; }
  ProviderResult<ChargeOutcome> charge(const ChargeRequest& r) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return inner_.charge(r);
  }
};

// Every charge succeeds at once.
class PaidProvider final : public ManualExceptCharge {
 public:
  std::string_view name() const override { return "paid"; }
  ProviderResult<ChargeOutcome> charge(const ChargeRequest& r) override {
    return ChargeOutcome{"pi_" + r.invoice_id + "_" + std::to_string(r.attempt),
                         ChargeStatus::succeeded, "", ""};
  }
};

}  // namespace tollgate::bench
