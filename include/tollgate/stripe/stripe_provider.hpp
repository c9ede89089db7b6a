#pragma once
// StripeProvider: PaymentProvider over Stripe's REST API.
//
// It follows Stripe's SDKs: form-encoded requests, `Authorization: Bearer`, a
// pinned `Stripe-Version`, an `Idempotency-Key` on every POST that is reused
// across retries, success judged by the HTTP status, retries on connection
// errors, 409, 5xx and `Stripe-Should-Retry: true` (never when it is
// "false", not on 429 unless told), with exponential backoff and jitter.
// Bring any HttpTransport; tollgate::stripe_beast ships one.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tollgate/http_transport.hpp"
#include "tollgate/payment_provider.hpp"
#include "tollgate/stripe/form.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::stripe {

struct StripeConfig {
  std::string secret_key;  ///< sk_test_... or sk_live_... (never logged)
  std::string api_base = "https://api.stripe.com";
  std::string api_version = "2026-10-28.endive";
  int max_retries = 2;  ///< the retry budget of one request
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{5'000};
  std::chrono::milliseconds timeout{30'000};
  /// How the provider waits between retries (tests record instead of sleeping).
  std::function<void(std::chrono::milliseconds)> sleep;
  /// Credit packages sold through prices that already exist in Stripe, by
  /// package name ("credits-50" -> "price_..."). Each price must charge the
  /// package's price in its currency: start_credit_purchase checks it.
  std::map<std::string, std::string> credit_package_prices;
  /// The host's page where a customer confirms a charge that needs 3-D
  /// Secure, with "{PAYMENT_INTENT}" standing for the PaymentIntent's id
  /// ("https://example.com/confirm?payment_intent={PAYMENT_INTENT}"). The page
  /// confirms it with Stripe.js and the intent's client secret. Empty: the
  /// URL Stripe gives (next_action.redirect_to_url), when it gives one.
  std::string confirmation_url;
  /// Stripe Connect: the merchant's connected account ("acct_..."). Every
  /// call then carries `Stripe-Account`: customers, prices and charges live
  /// on that account and the money goes to it. One provider per merchant
  /// (RunOptions::provider_for picks it per account). Empty: the platform's own.
  std::string connected_account;
  /// The platform's fee on each charge of a connected account, sent as
  /// `application_fee_amount`: this percentage of the charge plus this fixed
  /// amount (in the charge's currency), rounded half up to its minor unit
  /// and never more than the charge. Zero: no fee.
  Decimal platform_fee_percent;
  Decimal platform_fee_fixed;
  /// Stripe Connect: the host's page where the merchant connects its account
  /// or finishes its onboarding, with "{ACCOUNT}" standing for
  /// `connected_account` ("https://example.com/connect?account={ACCOUNT}").
  /// Told in a MerchantNotice (merchant_onboarding_url); the page asks
  /// onboarding_link for Stripe's form and redirects there.
  std::string onboarding_url;
};

/// What Stripe says of a connected account (GET /v1/accounts/{id}).
struct ConnectedAccount {
  std::string id;
  bool charges_enabled = false;
  bool details_submitted = false;
  std::string disabled_reason;             ///< requirements.disabled_reason, when restricted
  std::vector<std::string> currently_due;  ///< requirements.currently_due
};

/// Stripe's zero-decimal currencies (amounts are sent in whole units).
bool is_zero_decimal(std::string_view currency);
/// An amount in the currency's smallest unit as Stripe counts it (cents; yen).
/// Errors: "stripe.amount" when the amount is not a whole number of them.
Result<std::int64_t> to_minor_units(const Money& money);
/// The inverse: an amount Stripe sends (an integer in `currency`'s smallest unit, as Stripe counts
/// it).
Decimal from_minor_units(std::int64_t amount, std::string_view currency);
/// A unit price in minor units with up to 12 decimals ("0.45" for 0.0045 USD).
std::string minor_unit_decimal(const Decimal& price, std::string_view currency);

class StripeProvider final : public PaymentProvider {
 public:
  /// Errors: "stripe.config" for a key that is not sk_/rk_, or a live key
  /// pointed at plain HTTP.
  static Result<std::unique_ptr<StripeProvider>> create(StripeConfig config,
                                                        HttpTransport& transport);

  std::string_view name() const override { return "stripe"; }
  ProviderResult<ProviderCustomer> create_customer(const CustomerInfo& info) override;
  ProviderResult<ProviderCustomer> update_customer(const std::string& customer_id,
                                                   const CustomerInfo& info) override;
  ProviderResult<SetupSession> start_payment_method_setup(const SetupRequest& request) override;
  ProviderResult<SetupOutcome> payment_method_setup_result(const std::string& session_id) override;
  /// Checkout in payment mode. A package named in `credit_package_prices` is
  /// sold through that Stripe price, after checking that it charges the
  /// package's price (errors: "price_mismatch"); else through an inline price
  /// carrying the package's name and description. `embedded_page` returns a
  /// client secret and takes `return_url` (errors: "return_url" when empty).
  ProviderResult<CheckoutSession> start_credit_purchase(
      const CreditPurchaseRequest& request) override;
  /// POST /v1/billing_portal/sessions.
  ProviderResult<PortalSession> start_customer_portal(const PortalRequest& request) override;
  /// Off-session and confirmed at once. A card that needs 3-D Secure (Stripe
  /// declines it "authentication_required", or the intent requires_action)
  /// answers requires_action with the intent's id and its confirmation URL.
  /// With no payment method (the card was removed) it is declined
  /// "payment_method_missing" without asking Stripe.
  ProviderResult<ChargeOutcome> charge(const ChargeRequest& request) override;
  /// POST /v1/payment_intents/{id}/cancel, unless the intent succeeded or
  /// was canceled already (read first); answers how the intent ended.
  ProviderResult<ChargeOutcome> cancel_charge(const std::string& charge_id) override;
  /// Lists the customer's PaymentIntents (newest first, strongly consistent,
  /// unlike search) for one whose metadata names the invoice and attempt.
  ProviderResult<std::optional<ChargeOutcome>> find_charge(const ChargeRequest& request) override;
  ProviderResult<RefundOutcome> refund(const RefundRequest& request) override;
  ProviderResult<CatalogMapping> publish_catalog(const Catalog& catalog,
                                                 std::string_view currency) override;
  ProviderResult<Ok> report_usage(const UsageReport& report) override;

  /// The connected account as Stripe sees it, asked as the platform.
  /// Errors (ProviderError codes): "account_missing" (no such account is
  /// connected to the platform), "connected_account" (none configured),
  /// Stripe's errors. publish_catalog asks this first for a connected account,
  /// and refuses one that cannot take charges with "account_restricted" and
  /// a message for the merchant (what Stripe still needs).
  ProviderResult<ConnectedAccount> connected_account_status();
  /// `onboarding_url` for this merchant's account (empty when not configured).
  std::string merchant_onboarding_url() const override;
  /// A Stripe-hosted onboarding form for the connected account, asked as the
  /// platform (POST /v1/account_links, type account_onboarding): Stripe sends
  /// the merchant to `return_url` when done, to `refresh_url` when the link
  /// expired. The URL is single-use and expires within minutes: redirect to
  /// it at once, never store or log it.
  /// Errors: "connected_account" (none configured), Stripe's errors.
  ProviderResult<std::string> onboarding_link(const std::string& refresh_url,
                                              const std::string& return_url);

  /// Every customer, following `starting_after` across pages.
  ProviderResult<std::vector<ProviderCustomer>> list_customers(int page_size = 100);

  /// One API call with the provider's retries: the response body on a 2xx.
  /// `idempotency_key` is generated for a POST when empty.
  ProviderResult<std::string> call(const std::string& method, const std::string& path,
                                   const Form& form, std::string idempotency_key = {});

 private:
  StripeProvider(StripeConfig config, HttpTransport& transport);
  std::chrono::milliseconds backoff(int retry);
  /// `call`, as the platform (no Stripe-Account) when `as_platform`.
  ProviderResult<std::string> send(const std::string& method, const std::string& path,
                                   const Form& form, std::string idempotency_key, bool as_platform);
  /// application_fee_amount for a charge of `amount`, in minor units (0: none).
  Result<std::int64_t> platform_fee(const Money& amount) const;

  StripeConfig config_;
  HttpTransport& transport_;
  std::uint64_t jitter_state_;
};

}  // namespace tollgate::stripe
TOLLGATE_API_END
