// The Stripe-Signature parser and verifier: input is "<header>\n<payload>".
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/stripe/events.hpp"
#include "tollgate/stripe/webhook.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t newline = input.find('\n');
  std::string_view header = input.substr(0, newline);
  std::string_view payload = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  const std::string_view secret = "whsec_fuzz";
  auto verdict = tollgate::stripe::verify_webhook(payload, header, secret, {300, 1700000000});
  // Signing what we read must always verify: the parser and signer agree.
  std::string signed_header = tollgate::stripe::sign_webhook(payload, secret, 1700000000);
  if (!tollgate::stripe::verify_webhook(payload, signed_header, secret, {300, 1700000000})) std::abort();
  if (verdict) (void)tollgate::stripe::parse_event(payload);
  return 0;
}
