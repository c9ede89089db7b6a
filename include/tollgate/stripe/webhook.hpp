#pragma once
// Stripe webhook signatures: verify the raw bytes before anything parses them.
//
// Stripe signs "<t>.<raw body>" with HMAC-SHA256 keyed by the endpoint's whole
// `whsec_...` secret and sends `Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]`.
// The verdict agrees with Stripe's official SDK on every case of its test
// vectors: any v1 may match, v0 is ignored, hex is lower case, items are split
// on ',' exactly (no spaces), the comparison is constant-time, and a timestamp
// older than the tolerance is refused (one from the future is accepted, as the
// SDK does).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <functional>

#include "tollgate/event_inbox.hpp"
#include "tollgate/result.hpp"
#include "tollgate/stripe/events.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::stripe {

struct WebhookError {
  enum Kind {
    malformed_header,  ///< no timestamp or no signatures in the header
    no_v1_signature,   ///< no signature with the v1 scheme
    mismatch,          ///< no v1 signature matches the payload
    too_old,           ///< timestamp outside the tolerance
  } kind;
  std::string message;  ///< never contains the secret
};

struct WebhookVerification {
  std::int64_t tolerance_seconds = 300;  ///< 0 disables the timestamp check
  std::int64_t now_unix = 0;             ///< the current time, in Unix seconds
};

/// Verifies a `Stripe-Signature` header against the raw request body.
/// Returns the signed timestamp on success.
Result<std::int64_t, WebhookError> verify_webhook(std::string_view payload,
                                                  std::string_view signature_header,
                                                  std::string_view secret,
                                                  const WebhookVerification& options);

/// The `Stripe-Signature` header Stripe would send for `payload` at `timestamp`
/// (for tests and for local webhook delivery).
std::string sign_webhook(std::string_view payload, std::string_view secret, std::int64_t timestamp);

/// What a webhook endpoint should answer, and what happened.
struct WebhookReceipt {
  int http_status;  ///< 200 applied or duplicate; 400 refused (bad signature, not an event); 500
                    ///< effect failed
  std::optional<Delivery> delivery;  ///< set when the event was applied or was a duplicate
  std::string event_id;
  std::string message;  ///< why, when not 200 (never contains the secret)
};

/// The whole receipt of one webhook delivery: verify the raw bytes, parse the
/// event, and apply it once through `inbox` (its id recorded in the same
/// transaction as `apply`'s effect). Stripe retries a delivery that is not
/// answered 2xx, so a failed effect answers 500 and is tried again later.
WebhookReceipt handle_webhook(std::string_view payload, std::string_view signature_header,
                              std::string_view secret, const WebhookVerification& options,
                              EventInbox& inbox,
                              const std::function<Result<Ok>(const Event&)>& apply);

/// Lower-case hex HMAC-SHA256 of `message` keyed by `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

}  // namespace tollgate::stripe
TOLLGATE_API_END
