// Stripe's responses and events as the provider reads them: the first byte picks
// the HTTP status, the rest is the body the (scripted) API answers with.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/stripe/events.hpp"
#include "tollgate/stripe/stripe_provider.hpp"

namespace {

class OneResponse : public tollgate::HttpTransport {
 public:
  int status = 200;
  std::string body;
  tollgate::Result<tollgate::HttpResponse, tollgate::TransportError> send(const tollgate::HttpRequest&) override {
    return tollgate::HttpResponse{status, {{"Stripe-Should-Retry", "false"}}, body};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const int statuses[] = {200, 200, 402, 404, 409, 429, 500};
  OneResponse transport;
  transport.status = statuses[data[0] % 7];
  transport.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  tollgate::stripe::StripeConfig config;
  config.secret_key = "sk_test_fuzz";
  config.max_retries = 0;
  auto stripe = tollgate::stripe::StripeProvider::create(config, transport);
  if (!stripe) std::abort();
  (void)(*stripe)->create_customer({"acme", "", "", {}});
  (void)(*stripe)->charge({"inv", 1, *tollgate::Money::parse("1.00", "USD"), "cus", "pm", ""});
  (void)(*stripe)->payment_method_setup_result("cs_1");
  (void)(*stripe)->list_customers(10);
  (void)tollgate::stripe::parse_event(transport.body);
  return 0;
}
