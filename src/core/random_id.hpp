#pragma once
// Private: the one source of random ids (UUIDs, idempotency keys) for the core
// and every adapter, and the one constant-time comparison of secrets.
//
// Ids come from the OS's random source (getentropy, else std::random_device),
// never from a seeded PRNG whose next outputs its past ones give away.
// API secrets and salts are drawn by the server's credentials (OpenSSL).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::detail {

/// A random (version 4, RFC 4122) UUID in lower-case hex: "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string random_uuid();

/// `bytes` random bytes as 2 x `bytes` lower-case hex digits.
std::string random_hex(std::size_t bytes);

/// Bytes as lower-case hex, two digits a byte (digests, salts, secrets).
std::string to_hex(std::span<const unsigned char> bytes);

/// Whether a and b are equal, in a time that depends on their lengths only
/// (which are public: a hex digest, a stored hash), never on where they differ.
bool equal_constant_time(std::string_view a, std::string_view b) noexcept;

}  // namespace tollgate::detail
TOLLGATE_API_END
