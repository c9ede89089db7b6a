#pragma once
// Private: random ids and secrets, and salted secret hashes (OpenSSL stays in credentials.cpp).

#include <string>
#include <string_view>

namespace tollgate::server::detail {

/// `bytes` random bytes as lower-case hex (from the OS's CSPRNG through OpenSSL).
std::string random_hex(std::size_t bytes);
/// A random (version 4) UUID, as Kill Bill's ids are.
std::string uuid4();
/// PBKDF2-HMAC-SHA256 of `secret` with a hex salt, as hex: slow on purpose, so
/// a stolen table costs an attacker dearly; callers cache what they verified.
std::string hash_secret(std::string_view secret, std::string_view salt_hex);
/// Compares in constant time (for equal lengths).
bool equal_constant_time(std::string_view a, std::string_view b);
/// SHA-256 as hex: a fast fingerprint, for the cache of verified credentials.
std::string sha256_hex(std::string_view data);

}  // namespace tollgate::server::detail
