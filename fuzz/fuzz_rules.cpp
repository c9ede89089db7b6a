// The rule-set loader on arbitrary bytes, and the five questions on what it accepts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto rules = tollgate::load_rules({reinterpret_cast<const char*>(data), size});
  if (!rules) {
    if (rules.error().empty()) std::abort();
    return 0;
  }
  // Product names too: a rule naming a product the case lacks must simply not match.
  tollgate::SubscriptionCase c{tollgate::ProductCategory::add_on, tollgate::BillingPeriod::monthly,
                               tollgate::PhaseType::trial, "Gold"};
  tollgate::ChangeCase change{};
  change.from_product = "Gold";
  change.to_product = "Silver";
  (void)rules->billing_alignment(c);
  (void)rules->create_alignment("Gold");
  if (rules->cancel_policy(c).value == tollgate::BillingActionPolicy::illegal) std::abort();
  (void)rules->change_policy(change);
  (void)rules->change_alignment(change);
  return 0;
}
