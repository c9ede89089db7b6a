#pragma once
// ManualProvider: payment outside any processor (bank transfer, cheque).
//
// Charges are recorded as pending until the host says they were paid or
// failed. It proves the PaymentProvider interface is not shaped around Stripe,
// and is what a billing run uses when no processor is configured.

#include <map>
#include <string>

#include "tollgate/payment_provider.hpp"

namespace tollgate {

class ManualProvider final : public PaymentProvider {
 public:
  std::string_view name() const override { return "manual"; }

  ProviderResult<ProviderCustomer> create_customer(const CustomerInfo& info) override;
  ProviderResult<ProviderCustomer> update_customer(const std::string& customer_id, const CustomerInfo& info) override;
  /// A manual set-up completes when the host calls complete_setup().
  ProviderResult<SetupSession> start_payment_method_setup(const SetupRequest& request) override;
  ProviderResult<SetupOutcome> payment_method_setup_result(const std::string& session_id) override;
  ProviderResult<CheckoutSession> start_credit_purchase(const CreditPurchaseRequest& request) override;
  /// Records a pending charge; the same invoice and attempt return the same charge.
  ProviderResult<ChargeOutcome> charge(const ChargeRequest& request) override;
  ProviderResult<RefundOutcome> refund(const RefundRequest& request) override;
  ProviderResult<CatalogMapping> publish_catalog(const Catalog& catalog, std::string_view currency) override;
  ProviderResult<Ok> report_usage(const UsageReport& report) override;

  /// The host confirms a transfer arrived (or did not). Errors: unknown charge.
  ProviderResult<Ok> mark_paid(const std::string& charge_id);
  ProviderResult<Ok> mark_failed(const std::string& charge_id);
  /// The host records the mandate or account the customer set up.
  ProviderResult<Ok> complete_setup(const std::string& session_id, const std::string& payment_method_id);

  struct ChargeRecord {
    ChargeRequest request;
    ChargeStatus status;
  };
  const std::map<std::string, ChargeRecord>& charges() const noexcept { return charges_; }

 private:
  std::string next_id(const char* prefix) { return std::string(prefix) + std::to_string(++sequence_); }

  int sequence_ = 0;
  std::map<std::string, ProviderCustomer> customers_;
  std::map<std::string, SetupOutcome> setups_;
  std::map<std::string, ChargeRecord> charges_;  ///< by charge id
  std::map<std::string, std::string> charge_by_key_;
  std::map<std::string, std::string> usage_identifiers_;
};

}  // namespace tollgate
