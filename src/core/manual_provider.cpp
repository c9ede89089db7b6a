#include "tollgate/manual_provider.hpp"

namespace tollgate {

ProviderResult<ProviderCustomer> ManualProvider::create_customer(const CustomerInfo& info) {
  return ProviderCustomer{"manual-" + info.account_id, info.account_id};
}

ProviderResult<ProviderCustomer> ManualProvider::update_customer(const std::string& customer_id,
                                                                 const CustomerInfo& info) {
  return ProviderCustomer{customer_id, info.account_id};
}

ProviderResult<SetupSession> ManualProvider::start_payment_method_setup(
    const SetupRequest& request) {
  return SetupSession{"manual-setup-" + request.account_id, ""};
}

ProviderResult<SetupOutcome> ManualProvider::payment_method_setup_result(const std::string&) {
  return SetupOutcome{};
}

ProviderResult<CheckoutSession> ManualProvider::start_credit_purchase(
    const CreditPurchaseRequest& request) {
  return CheckoutSession{"manual-checkout-" + request.account_id + "-" + request.package, "", ""};
}

ProviderResult<ChargeOutcome> ManualProvider::charge(const ChargeRequest& request) {
  return ChargeOutcome{"manual-" + request.invoice_id + "-" + std::to_string(request.attempt),
                       ChargeStatus::failed, "awaiting_payment", ""};
}

ProviderResult<RefundOutcome> ManualProvider::refund(const RefundRequest& request) {
  return unexpected(
      ProviderError{.http_status = 404,
                    .type = "invalid_request_error",
                    .code = "resource_missing",
                    .decline_code = "",
                    .message = "manual collection makes no charge to refund: " + request.charge_id,
                    .request_id = "",
                    .retryable = false});
}

ProviderResult<CatalogMapping> ManualProvider::publish_catalog(const Catalog& catalog,
                                                               std::string_view) {
  CatalogMapping m;
  for (const auto& p : catalog.products) m.products[p.name] = "manual:" + p.name;
  return m;
}

ProviderResult<Ok> ManualProvider::report_usage(const UsageReport&) {
  return Ok{};
}

}  // namespace tollgate
