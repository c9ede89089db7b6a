#include "tollgate/stripe/webhook.hpp"

#include <openssl/evp.h>
#include <openssl/params.h>

#include <charconv>
#include <optional>
#include <vector>

#include "../core/random_id.hpp"

namespace tollgate::stripe {
namespace {

Unexpected<WebhookError> fail(WebhookError::Kind kind, std::string message) {
  return {WebhookError{kind, std::move(message)}};
}

struct ParsedHeader {
  std::optional<std::int64_t> timestamp;
  std::vector<std::string_view> v1;
};

// Splits on ',' and each item at its first '=', exactly as the SDK does: a
// space after a comma makes the key " v1", which is not a v1 signature.
ParsedHeader parse_header(std::string_view header) {
  ParsedHeader parsed;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") {
      std::int64_t t = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
      if (ec == std::errc() && end == value.data() + value.size()) parsed.timestamp = t;
    } else if (key == "v1") {
      parsed.v1.push_back(value);
    }
  }
  return parsed;
}

// Lower-case hex HMAC-SHA256, written into a caller's buffer (no allocation:
// verification runs once per webhook and is measured against raw HMAC()).
struct HexDigest {
  char text[2 * 32];
  std::string_view view() const { return {text, sizeof text}; }
};

// HMAC-SHA256 of the concatenation of `parts`, fed to OpenSSL piece by piece
// so "<t>.<payload>" is never copied. The HMAC implementation is fetched once:
// the one-shot HMAC() fetches it on every call.
HexDigest hmac_hex(std::string_view key, std::initializer_list<std::string_view> parts) {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  char sha256[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", sha256, 0),
                         OSSL_PARAM_construct_end()};
  bool ok = ctx && EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                                params) == 1;
  for (std::string_view part : parts)
    ok = ok &&
         EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1;
  ok = ok && EVP_MAC_final(ctx, digest, &length, sizeof digest) == 1 && length == 32;
  EVP_MAC_CTX_free(ctx);
  HexDigest hex{};
  if (!ok) return hex;  // all zeros: matches no signature (lower-case hex never has '\0')
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 32; ++i) {
    hex.text[2 * i] = kHex[digest[i] >> 4];
    hex.text[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  return std::string(hmac_hex(key, {message}).view());
}

std::string sign_webhook(std::string_view payload, std::string_view secret,
                         std::int64_t timestamp) {
  return "t=" + std::to_string(timestamp) +
         ",v1=" + std::string(hmac_hex(secret, {std::to_string(timestamp), ".", payload}).view());
}

Result<std::int64_t, WebhookError> verify_webhook(std::string_view payload,
                                                  std::string_view signature_header,
                                                  std::string_view secret,
                                                  const WebhookVerification& options) {
  ParsedHeader header = parse_header(signature_header);
  if (!header.timestamp)
    return fail(WebhookError::malformed_header,
                "unable to extract the timestamp from the Stripe-Signature header");
  if (header.v1.empty())
    return fail(WebhookError::no_v1_signature,
                "no signature with the v1 scheme in the Stripe-Signature header");
  // Stripe signs "<t>.<raw body>".
  std::string t = std::to_string(*header.timestamp);
  HexDigest expected = hmac_hex(secret, {t, ".", payload});
  bool matched = false;
  for (std::string_view candidate : header.v1)
    matched |=
        tollgate::detail::equal_constant_time(expected.view(), candidate);  // lengths are public
  if (!matched)
    return fail(WebhookError::mismatch,
                "no signature matches the payload (is it the raw request body, and the endpoint's "
                "secret?)");
  if (options.tolerance_seconds > 0 &&
      options.now_unix - *header.timestamp > options.tolerance_seconds)
    return fail(WebhookError::too_old, "timestamp " + std::to_string(*header.timestamp) +
                                           " is outside the tolerance of " +
                                           std::to_string(options.tolerance_seconds) + " s");
  return *header.timestamp;
}

WebhookReceipt handle_webhook(std::string_view payload, std::string_view signature_header,
                              std::string_view secret, const WebhookVerification& options,
                              EventInbox& inbox,
                              const std::function<Result<Ok>(const Event&)>& apply) {
  auto verified = verify_webhook(payload, signature_header, secret, options);
  if (!verified) return {400, std::nullopt, "", verified.error().message};
  auto event = parse_event(payload);
  if (!event) return {400, std::nullopt, "", event.error().message};
  auto delivered = inbox.apply_once(event->id, [&] { return apply(*event); });
  if (!delivered) return {500, std::nullopt, event->id, delivered.error().message};
  return {200, *delivered, event->id, ""};
}

}  // namespace tollgate::stripe
