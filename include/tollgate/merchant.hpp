#pragma once
// Merchant: an organization that sells on its own account with the payment
// provider (Stripe Connect: an API provider selling its paid tier). Before
// its catalog is published, the account must exist and take charges; when it
// does not, the publisher gets the error and the merchant a notice saying
// what is missing and where to finish.

#include <functional>
#include <string>
#include <string_view>

#include "tollgate/calendar.hpp"
#include "tollgate/payment_provider.hpp"
#include "tollgate/rule_book.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

/// The provider knows no such account for the merchant (ProviderError::code).
inline constexpr std::string_view kMerchantAccountMissing = "account_missing";
/// The merchant's account exists but cannot take charges yet (ProviderError::code).
inline constexpr std::string_view kMerchantAccountRestricted = "account_restricted";

/// What a merchant is told when its account cannot sell yet.
struct MerchantNotice {
  std::string key;  ///< "MERCHANT_ACCOUNT:<organization>:<tenant>:<reason>:<on>": once a day
  OrganizationKey organization;
  std::string provider;    ///< PaymentProvider::name()
  std::string reason;      ///< kMerchantAccountMissing or kMerchantAccountRestricted
  std::string message;     ///< for the merchant: what the provider still needs
  std::string action_url;  ///< where it connects or finishes its account
                           ///< (PaymentProvider::merchant_onboarding_url); may be empty
  Date on;                 ///< the day it was raised
};

/// How the host delivers a merchant notice (an e-mail, its dashboard).
using MerchantNotify = std::function<void(const MerchantNotice&)>;

/// Publishes `catalog` in `currency` on the merchant's account through its
/// provider (PaymentProvider::publish_catalog). When the provider refuses
/// because the merchant's account is missing or cannot take charges, the
/// refusal is returned and the merchant `organization` is told through
/// `notify`; other errors are only returned.
/// Errors: those of PaymentProvider::publish_catalog.
ProviderResult<CatalogMapping> publish_for_merchant(PaymentProvider& provider,
                                                    const Catalog& catalog,
                                                    std::string_view currency,
                                                    const OrganizationKey& organization,
                                                    const Date& on, const MerchantNotify& notify);

}  // namespace tollgate
TOLLGATE_API_END
