#!/usr/bin/env bash
# Runs the org_rules example against the loopback Stripe fake and checks the
# effect of each organization's rules, worked out by hand (../shared/spec/rules.md
# and proration.md; monthly plans in advance, bill cycle day 1, 2024 a leap year):
# - globex/us changes IMMEDIATE on 02-10: premium [02-10, 03-01) is 20 of 29
#   days of 60.00 = 41.379... -> 41.38; the standard month billed 30.00 is
#   repaired by -(30.00 x 20/29 = 20.689...) = -20.69; the 02-11 invoice: 20.69.
# - acme/eu (acme-v1) changes END_OF_TERM on 02-10: premium from 03-01 (60.00).
# - acme-b cancels on 02-20 under acme-v1 (END_OF_TERM): ends 03-01, no credit,
#   no March invoice.
# - acme-v2 (from 03-01) makes acme's cancels IMMEDIATE: acme-a's cancel on
#   03-10 credits 22 of 31 days of 60.00 = 42.580... -> -42.58, like globex-a's.
# - the broken registration is refused with both problems named; nothing changes.
. "$(dirname "$0")/../common/check_support.sh" "$@"
expect 'acme-broken.json: refused \(store.rules\)$'
expect 'cancelPolicy\[0\]\.billingPeriod: unknown value "MONTHY"'
expect 'changePolicy\[0\]\.billingActionPolicy: unknown value "SOMETIMES"'
expect '2024-02-10 acme-a +change to premium-monthly -> now standard-monthly ACTIVE$'
expect '2024-02-10 globex-a change to premium-monthly -> now premium-monthly ACTIVE$'
expect '2024-02-20 acme-b +cancel +-> now standard-monthly ACTIVE, ends 2024-03-01$'
expect '2024-03-10 acme-a +cancel +-> now premium-monthly CANCELLED$'
expect '^invoice globex-a 2024-02-11 +20\.69 PAID$'
expect '^  RECURRING +premium-monthly +2024-02-10 \.\. 2024-03-01 +41\.38$'
expect '^  REPAIR_ADJ +standard-monthly 2024-02-10 \.\. 2024-03-01 +-20\.69$'
expect '^invoice acme-a +2024-03-01 +60\.00 PAID$'
expect '^invoice acme-a +2024-03-11 +-42\.58 SETTLED$'
expect '^invoice globex-a 2024-03-11 +-42\.58 SETTLED$'
expect '^status acme-b +standard-monthly CANCELLED$'
expect_count 2 '^invoice acme-b'
expect_count 4 '^invoice acme-a'
echo "check: the org_rules example applied each organization's rules"
