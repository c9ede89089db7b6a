// Random ids and secrets, and salted secret hashes, on OpenSSL.

#include "credentials.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <atomic>
#include <stdexcept>
#include <vector>

namespace tollgate::server::detail {
namespace {

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  // RAND_bytes fails only when the OS has no entropy to give: nothing safe can continue.
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();
  return out;
}

constexpr int kIterations = 10000;
std::atomic<std::uint64_t> hashed{0};

}  // namespace

std::string secret_hex(std::size_t bytes) {
  auto b = random_bytes(bytes);
  return tollgate::detail::to_hex(b);
}

std::string hash_secret(std::string_view secret, std::string_view salt_hex) {
  hashed.fetch_add(1, std::memory_order_relaxed);
  std::array<unsigned char, 32> out{};
  PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                    reinterpret_cast<const unsigned char*>(salt_hex.data()),
                    static_cast<int>(salt_hex.size()), kIterations, EVP_sha256(), out.size(),
                    out.data());
  return tollgate::detail::to_hex(out);
}

std::uint64_t secrets_hashed() noexcept {
  return hashed.load(std::memory_order_relaxed);
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return tollgate::detail::to_hex(out);
}

}  // namespace tollgate::server::detail
