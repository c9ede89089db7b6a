#include "tollgate/merchant.hpp"

namespace tollgate {

ProviderResult<CatalogMapping> publish_for_merchant(PaymentProvider& provider,
                                                    const Catalog& catalog,
                                                    std::string_view currency,
                                                    const OrganizationKey& organization,
                                                    const Date& on, const MerchantNotify& notify) {
  auto published = provider.publish_catalog(catalog, currency);
  if (published || !notify) return published;
  const ProviderError& e = published.error();
  if (e.code != kMerchantAccountMissing && e.code != kMerchantAccountRestricted) return published;
  MerchantNotice n;
  n.key = "MERCHANT_ACCOUNT:" + organization.organization_id + ":" + organization.tenant_id + ":" +
          e.code + ":" + to_string(on);
  n.organization = organization;
  n.provider = std::string(provider.name());
  n.reason = e.code;
  n.message = e.message;
  n.action_url = provider.merchant_onboarding_url();
  n.on = on;
  notify(n);
  return published;
}

}  // namespace tollgate
