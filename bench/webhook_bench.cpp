// Webhook verification against raw OpenSSL HMAC-SHA256 over the same bytes.
//   BM_VerifyWebhook   tollgate::stripe::verify_webhook (parse header, HMAC, constant-time compare)
//   BM_RawHmac         HMAC() over "<t>.<payload>" only: the floor any verifier pays

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "tollgate/stripe/webhook.hpp"

namespace {

std::string payload(std::size_t size) {
  std::string p =
      R"({"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{"padding":")";
  p.append(size, 'x');
  return p + R"("}}})";
}

void BM_VerifyWebhook(benchmark::State& state) {
  std::string body = payload(static_cast<std::size_t>(state.range(0)));
  std::string header = tollgate::stripe::sign_webhook(body, "whsec_bench", 1700000000);
  for (auto _ : state) {
    auto r = tollgate::stripe::verify_webhook(body, header, "whsec_bench", {300, 1700000001});
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_VerifyWebhook)->Arg(256)->Arg(4096)->Arg(65536);

void BM_RawHmac(benchmark::State& state) {
  std::string body = payload(static_cast<std::size_t>(state.range(0)));
  std::string signed_payload = "1700000000." + body;
  const std::string key = "whsec_bench";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  for (auto _ : state) {
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(signed_payload.data()), signed_payload.size(),
         digest, &length);
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_RawHmac)->Arg(256)->Arg(4096)->Arg(65536);

}  // namespace

BENCHMARK_MAIN();
