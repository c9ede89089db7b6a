#pragma once
// Private: the JSON names of the enums, shared by the loaders and to_string().
// They are Kill Bill's names, exactly.

#include "json_reader.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/rules.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::detail {

inline constexpr EnumName<ProductCategory> kProductCategories[] = {
    {"BASE", ProductCategory::base},
    {"ADD_ON", ProductCategory::add_on},
    {"STANDALONE", ProductCategory::standalone}};
inline constexpr EnumName<TimeUnit> kTimeUnits[] = {{"DAYS", TimeUnit::days},
                                                    {"WEEKS", TimeUnit::weeks},
                                                    {"MONTHS", TimeUnit::months},
                                                    {"YEARS", TimeUnit::years}};
inline constexpr EnumName<PhaseType> kPhaseTypes[] = {{"TRIAL", PhaseType::trial},
                                                      {"DISCOUNT", PhaseType::discount},
                                                      {"FIXEDTERM", PhaseType::fixedterm},
                                                      {"EVERGREEN", PhaseType::evergreen}};
inline constexpr EnumName<BillingMode> kBillingModes[] = {{"IN_ADVANCE", BillingMode::in_advance},
                                                          {"IN_ARREAR", BillingMode::in_arrear}};
inline constexpr EnumName<BillingPeriod> kBillingPeriods[] = {
    {"DAILY", BillingPeriod::daily},
    {"WEEKLY", BillingPeriod::weekly},
    {"BIWEEKLY", BillingPeriod::biweekly},
    {"THIRTY_DAYS", BillingPeriod::thirty_days},
    {"THIRTY_ONE_DAYS", BillingPeriod::thirty_one_days},
    {"SIXTY_DAYS", BillingPeriod::sixty_days},
    {"NINETY_DAYS", BillingPeriod::ninety_days},
    {"MONTHLY", BillingPeriod::monthly},
    {"BIMESTRIAL", BillingPeriod::bimestrial},
    {"QUARTERLY", BillingPeriod::quarterly},
    {"TRIANNUAL", BillingPeriod::triannual},
    {"BIANNUAL", BillingPeriod::biannual},
    {"ANNUAL", BillingPeriod::annual},
    {"SESQUIENNIAL", BillingPeriod::sesquiennial},
    {"BIENNIAL", BillingPeriod::biennial},
    {"TRIENNIAL", BillingPeriod::triennial},
    {"NO_BILLING_PERIOD", BillingPeriod::no_billing_period},
};

template <class E, std::size_t N>
std::string_view name_of(const EnumName<E> (&table)[N], E value) {
  for (const auto& entry : table)
    if (entry.value == value) return entry.name;
  return "?";
}

}  // namespace tollgate::detail
TOLLGATE_API_END
