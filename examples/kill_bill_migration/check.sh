#!/usr/bin/env bash
# Runs the kill_bill_migration example and checks its invoices, worked out by
# hand from Kill Bill's SpyCarBasic.xml (30-day trial from 03-01, so the
# monthly price starts 03-31; bill cycle day 1; March has 31 days, April 30):
# - alice, standard-monthly 100.00 USD: [03-31, 04-01) is 1/31 of 100.00 =
#   3.225... -> 3.23; then 100.00 on 04-01 and 05-01.
# - bob, sports-monthly 375.00 GBP: 1/31 = 12.096... -> 12.10 on 03-31; 375.00
#   on 04-01. On 04-16 the change to super-monthly (750.00) is IMMEDIATE by the
#   catalog's changePolicy: [04-16, 05-01) is 15/30: 750.00 x 1/2 = 375.00,
#   and -375.00 x 1/2 = -187.50 for sports; the invoice is 187.50. 05-01: 750.00.
# - carol, super-monthly 1000.00 USD: 1/31 = 32.258... -> 32.26; 1000.00 on
#   04-01; the cancel on 04-16 is IMMEDIATE by the catalog's cancelPolicy:
#   -1000.00 x 15/30 = -500.00, and no invoice on 05-01.
. "$(dirname "$0")/../common/check_support.sh" "$@"
expect '^catalog SpyCarBasic: 3 products, 3 plans, rules: cancel IMMEDIATE, change IMMEDIATE$'
expect '^2024-04-16 bob +change +-> super-monthly ACTIVE$'
expect '^2024-04-16 carol +cancel +-> super-monthly CANCELLED$'
expect '^invoice alice 2024-03-31 +3\.23 USD$'
expect '^invoice alice 2024-05-01 +100\.00 USD$'
expect '^invoice bob +2024-03-31 +12\.10 GBP$'
expect '^invoice bob +2024-04-16 +187\.50 GBP$'
expect '^  RECURRING +super-monthly +2024-04-16 \.\. 2024-05-01 +375\.00$'
expect '^  REPAIR_ADJ +sports-monthly +2024-04-16 \.\. 2024-05-01 +-187\.50$'
expect '^invoice bob +2024-05-01 +750\.00 GBP$'
expect '^invoice carol 2024-03-31 +32\.26 USD$'
expect '^invoice carol 2024-04-16 +-500\.00 USD$'
expect_count 3 '^invoice alice'
expect_count 4 '^invoice bob'
expect_count 3 '^invoice carol'
echo "check: the kill_bill_migration example billed Kill Bill's catalog by its own rules"
