#!/usr/bin/env bash
# Starts the loopback Stripe fake and the credits_webhook_server example, then
# plays the customer and Stripe against it (drive.py): each purchase credited
# exactly once, however often and however badly its webhook is delivered.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../scripts/with_stripe_fake.sh" python3 "$here/drive.py" "$1" "$2"
