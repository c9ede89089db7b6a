#pragma once
// PaymentProvider: how Tollgate collects money, whoever collects it.
//
// Stripe (tollgate::stripe) and ManualProvider (bank transfer, invoices paid
// offline) implement it; a host can bring its own. Every call returns a value:
// the result, or a ProviderError that says whether trying again may help. No
// card data ever passes through: only the provider's ids and tokens.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/catalog.hpp"
#include "tollgate/money.hpp"
#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct ProviderError {
  int http_status = 0;  ///< 0 when no response arrived (connection, timeout)
  std::string
      type;  ///< Stripe's error type ("card_error", "invalid_request_error"), or "transport"
  std::string code;          ///< "card_declined", "resource_missing", "timeout"...
  std::string decline_code;  ///< "insufficient_funds"...
  std::string message;       ///< safe to log: never carries keys or secrets
  std::string request_id;    ///< the provider's request id, for support
  bool retryable = false;    ///< trying the same request again (same idempotency key) may succeed
};

template <class T>
using ProviderResult = Result<T, ProviderError>;

using ProviderMetadata = std::map<std::string, std::string>;

struct CustomerInfo {
  std::string account_id;  ///< the host's account id, kept in the provider's metadata
  std::string email;
  std::string name;
  ProviderMetadata metadata;
};

struct ProviderCustomer {
  std::string id;  ///< "cus_..."
  std::string account_id;
};

struct SetupRequest {
  std::string account_id;
  std::string customer_id;
  Currency currency;  ///< the account's (a provider may want it lower case)
  std::string success_url;
  std::string cancel_url;
};

/// A payment-method set-up the customer completes on the provider's page.
struct SetupSession {
  std::string id;   ///< "cs_..." (Checkout in setup mode)
  std::string url;  ///< where to send the customer
};

enum class SetupStatus { pending, succeeded, failed };

struct SetupOutcome {
  SetupStatus status = SetupStatus::pending;
  std::string payment_method_id;  ///< "pm_..." once succeeded
};

struct CreditPurchaseRequest {
  std::string account_id;
  std::string customer_id;
  std::string package;  ///< the catalog credit package's name
  Decimal credits;
  Money price;
  std::string success_url;
  std::string cancel_url;
};

struct CheckoutSession {
  std::string id;
  std::string url;
};

struct ChargeRequest {
  std::string invoice_id;
  int attempt =
      1;  ///< with invoice_id, names the idempotency key: a retried charge never charges twice
  Money amount;
  std::string customer_id;
  std::string payment_method_id;
  std::string description;
};

enum class ChargeStatus { succeeded, pending, requires_action, failed };

struct ChargeOutcome {
  std::string id;  ///< "pi_..."
  ChargeStatus status = ChargeStatus::pending;
  std::string failure;  ///< failed: why ("card_declined: insufficient_funds"), when known
};

struct RefundRequest {
  std::string charge_id;
  std::optional<Money> amount;  ///< nullopt: the whole charge
  std::string idempotency_key;
};

struct RefundOutcome {
  std::string id;
  std::string status;  ///< "succeeded", "pending", "failed"
};

/// The provider's ids for what a catalog publishes.
struct CatalogMapping {
  std::map<std::string, std::string> products;  ///< product name -> provider product id
  std::map<std::string, std::string>
      prices;  ///< "plan/phase index/recurring" or "plan/phase/usage name" -> price id
  std::map<std::string, std::string> meters;  ///< usage metric -> meter id
};

struct UsageReport {
  std::string metric;  ///< the meter's event name
  std::string customer_id;
  Decimal quantity;
  std::string identifier;      ///< stable: the same report sent twice is counted once
  std::int64_t timestamp = 0;  ///< Unix seconds
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual std::string_view name() const = 0;

  virtual ProviderResult<ProviderCustomer> create_customer(const CustomerInfo& info) = 0;
  virtual ProviderResult<ProviderCustomer> update_customer(const std::string& customer_id,
                                                           const CustomerInfo& info) = 0;
  virtual ProviderResult<SetupSession> start_payment_method_setup(const SetupRequest& request) = 0;
  virtual ProviderResult<SetupOutcome> payment_method_setup_result(
      const std::string& session_id) = 0;
  virtual ProviderResult<CheckoutSession> start_credit_purchase(
      const CreditPurchaseRequest& request) = 0;
  /// Charges off-session. A decline is an error with type "card_error".
  virtual ProviderResult<ChargeOutcome> charge(const ChargeRequest& request) = 0;
  /// The charge already made for `request`'s invoice and attempt, if any
  /// (nullopt: none). A run re-sending an attempt a day or more after it was
  /// first sent asks this first, because a provider may forget idempotency
  /// keys (Stripe after 24 hours) and a blind re-send would charge twice. The
  /// default answers nullopt: for providers whose keys never expire.
  virtual ProviderResult<std::optional<ChargeOutcome>> find_charge(const ChargeRequest& request) {
    (void)request;
    return std::optional<ChargeOutcome>();
  }
  virtual ProviderResult<RefundOutcome> refund(const RefundRequest& request) = 0;
  virtual ProviderResult<CatalogMapping> publish_catalog(const Catalog& catalog,
                                                         std::string_view currency) = 0;
  virtual ProviderResult<Ok> report_usage(const UsageReport& report) = 0;
};

/// "tollgate-charge-<invoice>-<attempt>": the idempotency key of a charge.
inline std::string charge_idempotency_key(const ChargeRequest& r) {
  return "tollgate-charge-" + r.invoice_id + "-" + std::to_string(r.attempt);
}

}  // namespace tollgate
TOLLGATE_API_END
