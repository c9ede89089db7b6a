#pragma once
// What every example needs besides Tollgate: reading a file, reporting an
// error, and the payment provider chosen from the environment. Kept here so
// each example's main.cpp reads as the story of its user.

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "tollgate/manual_provider.hpp"
#include "tollgate/result.hpp"
#include "tollgate/stripe/beast_transport.hpp"
#include "tollgate/stripe/stripe_provider.hpp"

namespace example {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Prints "<program>: <what>: <code>: <message>" and returns the exit code 1.
inline int fail(std::string_view program, std::string_view what, const tollgate::Error& e) {
  std::cerr << program << ": " << what << ": " << e.code << ": " << e.message << "\n";
  return 1;
}

inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

/// Stripe at STRIPE_API_BASE with STRIPE_SECRET_KEY (scripts/with_stripe_fake.sh
/// points both at the loopback fake), or ManualProvider when `manual`: the
/// provider is one line of the host's code. Errors: "example.stripe_env"
/// when Stripe is wanted and the variables are missing, and StripeProvider's.
/// `tune` sets what differs per merchant (Stripe Connect's connected_account, a platform fee).
inline tollgate::Result<std::unique_ptr<tollgate::PaymentProvider>> make_provider(
    bool manual, tollgate::HttpTransport& transport,
    const std::function<void(tollgate::stripe::StripeConfig&)>& tune = {}) {
  if (manual)
    return std::unique_ptr<tollgate::PaymentProvider>(std::make_unique<tollgate::ManualProvider>());
  tollgate::stripe::StripeConfig config;
  config.secret_key = env("STRIPE_SECRET_KEY");
  config.api_base = env("STRIPE_API_BASE");
  if (config.secret_key.empty() || config.api_base.empty())
    return tollgate::make_error(
        "example.stripe_env",
        "set STRIPE_API_BASE and STRIPE_SECRET_KEY (scripts/with_stripe_fake.sh does)");
  if (tune) tune(config);
  auto stripe = tollgate::stripe::StripeProvider::create(config, transport);
  if (!stripe) return tollgate::unexpected(stripe.error());
  return std::unique_ptr<tollgate::PaymentProvider>(std::move(stripe).value());
}

}  // namespace example
