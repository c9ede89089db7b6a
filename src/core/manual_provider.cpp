#include "tollgate/manual_provider.hpp"

namespace tollgate {
namespace {

Unexpected<ProviderError> not_found(const std::string& what, const std::string& id) {
  return {ProviderError{404, "invalid_request_error", "resource_missing", "",
                        "no such " + what + ": " + id, "", false}};
}

}  // namespace

ProviderResult<ProviderCustomer> ManualProvider::create_customer(const CustomerInfo& info) {
  ProviderCustomer c{next_id("man_cus_"), info.account_id};
  customers_[c.id] = c;
  return c;
}

ProviderResult<ProviderCustomer> ManualProvider::update_customer(const std::string& customer_id,
                                                                 const CustomerInfo& info) {
  auto it = customers_.find(customer_id);
  if (it == customers_.end()) return not_found("customer", customer_id);
  it->second.account_id = info.account_id;
  return it->second;
}

ProviderResult<SetupSession> ManualProvider::start_payment_method_setup(
    const SetupRequest& request) {
  if (!customers_.contains(request.customer_id)) return not_found("customer", request.customer_id);
  SetupSession s{next_id("man_setup_"), ""};
  setups_[s.id] = SetupOutcome{};
  return s;
}

ProviderResult<SetupOutcome> ManualProvider::payment_method_setup_result(
    const std::string& session_id) {
  auto it = setups_.find(session_id);
  if (it == setups_.end()) return not_found("set-up", session_id);
  return it->second;
}

ProviderResult<Ok> ManualProvider::complete_setup(const std::string& session_id,
                                                  const std::string& payment_method_id) {
  auto it = setups_.find(session_id);
  if (it == setups_.end()) return not_found("set-up", session_id);
  it->second = SetupOutcome{SetupStatus::succeeded, payment_method_id};
  return Ok{};
}

ProviderResult<CheckoutSession> ManualProvider::start_credit_purchase(
    const CreditPurchaseRequest&) {
  return CheckoutSession{next_id("man_checkout_"), ""};
}

ProviderResult<ChargeOutcome> ManualProvider::charge(const ChargeRequest& request) {
  std::string key = charge_idempotency_key(request);
  if (auto it = charge_by_key_.find(key); it != charge_by_key_.end())
    return ChargeOutcome{it->second, charges_.at(it->second).status, ""};
  std::string id = next_id("man_charge_");
  charges_.emplace(id, ChargeRecord{request, ChargeStatus::pending});
  charge_by_key_.emplace(key, id);
  return ChargeOutcome{id, ChargeStatus::pending, ""};
}

ProviderResult<RefundOutcome> ManualProvider::refund(const RefundRequest& request) {
  if (!charges_.contains(request.charge_id)) return not_found("charge", request.charge_id);
  return RefundOutcome{next_id("man_refund_"), "pending"};
}

ProviderResult<CatalogMapping> ManualProvider::publish_catalog(const Catalog& catalog,
                                                               std::string_view) {
  CatalogMapping m;
  for (const auto& p : catalog.products) m.products[p.name] = "manual:" + p.name;
  return m;
}

ProviderResult<Ok> ManualProvider::report_usage(const UsageReport& report) {
  usage_identifiers_.emplace(report.identifier, report.metric);
  return Ok{};
}

ProviderResult<Ok> ManualProvider::mark_paid(const std::string& charge_id) {
  auto it = charges_.find(charge_id);
  if (it == charges_.end()) return not_found("charge", charge_id);
  it->second.status = ChargeStatus::succeeded;
  return Ok{};
}

ProviderResult<Ok> ManualProvider::mark_failed(const std::string& charge_id) {
  auto it = charges_.find(charge_id);
  if (it == charges_.end()) return not_found("charge", charge_id);
  it->second.status = ChargeStatus::failed;
  return Ok{};
}

}  // namespace tollgate
