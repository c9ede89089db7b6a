#pragma once
// Private: random ids and secrets, and salted secret hashes (OpenSSL stays in credentials.cpp).

#include <cstdint>
#include <string>
#include <string_view>

#include "../core/random_id.hpp"

namespace tollgate::server::detail {

/// `bytes` random bytes as lower-case hex, for secrets and salts (OpenSSL's CSPRNG).
std::string secret_hex(std::size_t bytes);
/// A random (version 4) UUID, as Kill Bill's ids are.
inline std::string uuid4() {
  return tollgate::detail::random_uuid();
}
/// PBKDF2-HMAC-SHA256 of `secret` with a hex salt, as hex: slow on purpose, so
/// a stolen table costs an attacker dearly; callers cache what they verified.
std::string hash_secret(std::string_view secret, std::string_view salt_hex);
/// How many times hash_secret ran in this process: tests check that a wrong
/// user name or API key costs the server what a wrong password does.
std::uint64_t secrets_hashed() noexcept;
using tollgate::detail::equal_constant_time;
/// SHA-256 as hex: a fast fingerprint, for the cache of verified credentials.
std::string sha256_hex(std::string_view data);

}  // namespace tollgate::server::detail
