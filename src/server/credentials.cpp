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

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

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
  return hex(b.data(), b.size());
}

std::string hash_secret(std::string_view secret, std::string_view salt_hex) {
  std::array<unsigned char, 32> out{};
  PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                    reinterpret_cast<const unsigned char*>(salt_hex.data()),
                    static_cast<int>(salt_hex.size()), kIterations, EVP_sha256(), out.size(),
                    out.data());
  return hex(out.data(), out.size());
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return hex(out.data(), out.size());
}

}  // namespace tollgate::server::detail
