#pragma once
// Stripe events as Stripe delivers them, for the webhook tests: the event's
// JSON around a data.object, and its Stripe-Signature header.

#include <cstdint>
#include <string>

#include "tollgate/stripe/webhook.hpp"

namespace tollgate::test {

struct SignedEvent {
  std::string payload;
  std::string header;
};

/// Event `id` of `type` around `object`, created at `created`, signed with
/// `secret` at `signed_at` (Unix seconds).
inline SignedEvent signed_event(const std::string& secret, std::int64_t signed_at,
                                const std::string& id, const std::string& type,
                                const std::string& object, std::int64_t created) {
  std::string payload = R"({"id": ")" + id + R"(", "object": "event", "type": ")" + type +
                        R"(", "created": )" + std::to_string(created) +
                        R"(, "livemode": false, "data": {"object": )" + object + "}}";
  std::string t = std::to_string(signed_at);
  return {payload, "t=" + t + ",v1=" + stripe::hmac_sha256_hex(secret, t + "." + payload)};
}

}  // namespace tollgate::test
