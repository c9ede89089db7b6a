// Random ids and secrets, and salted secret hashes, on OpenSSL.

#include "credentials.hpp"

#include <openssl/crypto.h>
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

std::string random_hex(std::size_t bytes) {
  auto b = random_bytes(bytes);
  return hex(b.data(), b.size());
}

std::string uuid4() {
  auto b = random_bytes(16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string h = hex(b.data(), b.size());
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string hash_secret(std::string_view secret, std::string_view salt_hex) {
  std::array<unsigned char, 32> out{};
  PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                    reinterpret_cast<const unsigned char*>(salt_hex.data()),
                    static_cast<int>(salt_hex.size()), kIterations, EVP_sha256(), out.size(),
                    out.data());
  return hex(out.data(), out.size());
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return hex(out.data(), out.size());
}

}  // namespace tollgate::server::detail
