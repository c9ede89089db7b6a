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

/// Where a customer pays: on the provider's own page (a URL to send them to),
/// or on a form embedded in the host's page (a client secret for the
/// provider's script; Stripe's `embedded_page`).
enum class CheckoutUi { hosted_page, embedded_page };

struct CreditPurchaseRequest {
  std::string account_id;
  std::string customer_id;
  std::string package;  ///< the catalog credit package's name
  Decimal credits;
  Money price{Decimal(0), Currency()};  ///< set by the caller: no currency is no price
  std::string success_url;              ///< hosted_page: where the customer lands after paying
  std::string cancel_url;               ///< hosted_page: where the customer lands after giving up
  std::string description;  ///< shown on the payment form (the package's, from the catalog)
  CheckoutUi ui = CheckoutUi::hosted_page;
  std::string return_url;      ///< embedded_page: where the customer returns (instead of both URLs)
  bool automatic_tax = false;  ///< the provider adds the tax it computes (Stripe Tax)
};

struct CheckoutSession {
  std::string id;
  std::string url;            ///< hosted_page: where to send the customer
  std::string client_secret;  ///< embedded_page: what the host's form mounts with; never logged
};

/// A session of the provider's customer portal, where customers manage their
/// cards themselves.
struct PortalRequest {
  std::string customer_id;
  std::string return_url;  ///< where the portal's "back" link goes
};

struct PortalSession {
  std::string id;
  std::string url;  ///< where to send the customer; it expires soon after
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
  std::string failure;     ///< failed: why ("card_declined: insufficient_funds"), when known
  std::string action_url;  ///< requires_action: where the customer confirms it, when known
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
  /// A customer-portal session. The default answers "unsupported": a provider
  /// without a portal (ManualProvider) has nothing to send the customer to.
  virtual ProviderResult<PortalSession> start_customer_portal(const PortalRequest& request) {
    return unexpected(ProviderError{
        .http_status = 0,
        .type = "invalid_request_error",
        .code = "unsupported",
        .decline_code = "",
        .message =
            std::string(name()) + " has no customer portal (for " + request.customer_id + ")",
        .request_id = "",
        .retryable = false});
  }
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
  /// Voids a charge the customer never confirmed (requires_action), so that
  /// a later confirmation cannot take the money a retry takes again. Answers
  /// the charge as it ends: failed once voided, succeeded when the customer
  /// confirmed it first. The default answers it failed without asking: for
  /// providers whose unconfirmed charges cannot be confirmed later.
  virtual ProviderResult<ChargeOutcome> cancel_charge(const std::string& charge_id) {
    return ChargeOutcome{charge_id, ChargeStatus::failed, "authentication_required", ""};
  }
  virtual ProviderResult<RefundOutcome> refund(const RefundRequest& request) = 0;
  virtual ProviderResult<CatalogMapping> publish_catalog(const Catalog& catalog,
                                                         std::string_view currency) = 0;
  /// Where a merchant selling through this provider connects or finishes its
  /// account (the host's page), told in a MerchantNotice. Empty by default.
  virtual std::string merchant_onboarding_url() const { return {}; }
  virtual ProviderResult<Ok> report_usage(const UsageReport& report) = 0;
};

/// "tollgate-charge-<invoice>-<attempt>": the idempotency key of a charge.
inline std::string charge_idempotency_key(const ChargeRequest& r) {
  return "tollgate-charge-" + r.invoice_id + "-" + std::to_string(r.attempt);
}

}  // namespace tollgate
TOLLGATE_API_END
