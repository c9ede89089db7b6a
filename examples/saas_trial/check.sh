#!/usr/bin/env bash
# Runs the saas_trial example against the loopback Stripe fake and checks it
# against the hand-worked values of ../shared/examples/saas-trial:
# - trial [01-01, 01-15); no card when it ends: blocked, access refused on 01-16;
# - the card set up on 01-20 (the webhook's second delivery is a duplicate)
#   starts the evergreen phase that day: access allowed on 01-21;
# - 02-01: [01-20, 02-01) is 12 of 31 days: base 50.00 x 12/31 = 19.35; included
#   100 x 12/31 = 38.709..., overage (80 - 38.709...) x 2.25 = 92.90; 112.25;
# - 03-01: 50.00 + (150 - 100) x 2.25 = 112.50 (u-2 counted once): 162.50;
# - 04-01: no usage: 50.00. Every invoice charged once, and paid.
. "$(dirname "$0")/../common/check_support.sh" "$@"
expect '2024-01-10 access allowed$'
expect '2024-01-16 access refused$'
expect '2024-01-21 access allowed$'
expect 'email: your trial ends on 2024-01-15'
expect 'delivery 1: HTTP 200 applied$'
expect 'delivery 2: HTTP 200 duplicate$'
expect 'card on file: pm_fake_card$'
expect 'usage u-2: 150 units \(a repeat: not counted again\)$'
expect '^invoice 2024-02-01 +112\.25 PAID +attempts 1$'
expect '^  RECURRING 2024-01-20 \.\. 2024-02-01 +19\.35$'
expect '^  USAGE +2024-01-20 \.\. 2024-02-01 +92\.90$'
expect '^invoice 2024-03-01 +162\.50 PAID +attempts 1$'
expect '^  USAGE +2024-02-01 \.\. 2024-03-01 +112\.50$'
expect '^invoice 2024-04-01 +50\.00 PAID +attempts 1$'
expect_count 3 '^invoice '
echo "check: the saas_trial example billed what the spec says"
