// Random ids and secrets, and salted secret hashes, on OpenSSL.

#include "credentials.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
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

}  // namespace

std::string secret_hex(std::size_t bytes) {
  auto b = random_bytes(bytes);
  return tollgate::detail::to_hex(b);
}

std::string hash_secret(std::string_view secret, std::string_view salt_hex) {
  std::array<unsigned char, 32> out{};
  PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                    reinterpret_cast<const unsigned char*>(salt_hex.data()),
                    static_cast<int>(salt_hex.size()), kIterations, EVP_sha256(), out.size(),
                    out.data());
  return tollgate::detail::to_hex(out);
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return tollgate::detail::to_hex(out);
}

}  // namespace tollgate::server::detail
