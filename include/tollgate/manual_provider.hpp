#pragma once
// ManualProvider: collection outside any processor (bank transfer, cheque).
//
// It keeps no state: whatever manual collection needs is in the store. An
// invoice is never charged; each attempt answers "awaiting_payment", so the
// daily run sends the dunning notices on their schedule (PAYMENT_FAILED with
// that reason, then FAILED and overdue when the delays run out), and the
// invoice stays UNPAID until an external payment is recorded
// (Collections::pay, `tollgate pay`), which settles it and cancels the
// reminders still scheduled. A payment method set up by hand is recorded with
// a `payment_method` operation. It proves the PaymentProvider interface is not
// shaped around Stripe, and is what a billing run uses when no processor is
// configured.

#include <string>

#include "tollgate/payment_provider.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

class ManualProvider final : public PaymentProvider {
 public:
  std::string_view name() const override { return "manual"; }

  /// "manual-<account id>".
  ProviderResult<ProviderCustomer> create_customer(const CustomerInfo& info) override;
  ProviderResult<ProviderCustomer> update_customer(const std::string& customer_id,
                                                   const CustomerInfo& info) override;
  /// A session id for the host's own set-up page; its result stays pending:
  /// the host records the method it set up as a `payment_method` operation.
  ProviderResult<SetupSession> start_payment_method_setup(const SetupRequest& request) override;
  ProviderResult<SetupOutcome> payment_method_setup_result(const std::string& session_id) override;
  ProviderResult<CheckoutSession> start_credit_purchase(
      const CreditPurchaseRequest& request) override;
  /// Never charges: a failed outcome, reason "awaiting_payment", id
  /// "manual-<invoice>-<attempt>".
  ProviderResult<ChargeOutcome> charge(const ChargeRequest& request) override;
  /// Errors: "resource_missing": nothing is ever collected through it (an
  /// external payment is refunded with Collections::refund).
  ProviderResult<RefundOutcome> refund(const RefundRequest& request) override;
  ProviderResult<CatalogMapping> publish_catalog(const Catalog& catalog,
                                                 std::string_view currency) override;
  ProviderResult<Ok> report_usage(const UsageReport& report) override;
};

}  // namespace tollgate
TOLLGATE_API_END
