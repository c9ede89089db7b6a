#!/usr/bin/env bash
# Runs the api_manager example against the loopback Stripe fake and checks its
# results against hand-worked values (../shared/examples/api-metering):
# - app-dev-42 subscribes on 2024-03-10 (after the 00:00 run), so the 03-11 run
#   bills [03-10, 04-10) in advance: 100.00. On 04-10: the next month 100.00
#   plus 12,000 calls (the repeated c2 counts once) on the graduated tiers:
#   1,000 free, 9,000 x 0.0125 = 112.50, 2,000 x 0.0045 = 9.00: 221.50.
# - app-dev-7's card is declined: attempts on 03-11, 03-12, 03-15 and 03-22,
#   then FAILED and overdue: the gateway refuses its calls.
# - Stripe Connect: app-dev-42 is weather-co's customer and is charged on
#   acct_weather, app-dev-7 maps-co's on acct_maps; new-co's account is still
#   onboarding, so its tier is not published and it is told what Stripe needs
#   and where to finish (its MerchantNotice).
. "$(dirname "$0")/../common/check_support.sh" "$@"
expect '^invoice app-dev-42 +2024-03-11 +100\.00 PAID +attempts 1$'
expect '^invoice app-dev-42 +2024-04-10 +221\.50 PAID +attempts 1$'
expect '^invoice app-dev-7 +2024-03-11 +100\.00 FAILED +attempts 4$'
expect "notice to the publisher: app-dev-42's period ends on 2024-04-10"
expect '^access app-dev-42 +allowed$'
expect '^access app-dev-7 +refused$'
expect 'product GoldAPI -> prod_'
expect_count 2 ': published on acct_(weather|maps) '
expect '^new-co: not published: the Stripe account acct_pending cannot take charges yet.*external_account'
expect '^notice to new-co: account_restricted, finish at https://gateway.example/connect\?account=acct_pending$'
expect '^charge inv-app-dev-42-[0-9]+ .* on acct_weather$'
expect '^charge inv-app-dev-7-[0-9]+ .* on acct_maps$'
expect '^charge inv-app-dev-42-[0-9]+ +#1 2024-03-11 SUCCEEDED pi_'
expect '^charge inv-app-dev-7-[0-9]+ +#4 2024-03-22 FAILED +- +card_declined'
echo "check: the api_manager example billed what the spec says"
