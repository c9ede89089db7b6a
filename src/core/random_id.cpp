#include "random_id.hpp"

#include <array>
#include <random>

#if defined(__linux__) || defined(__APPLE__)
#include <sys/random.h>  // getentropy (macOS)
#include <unistd.h>      // getentropy (glibc 2.25+)
#define TOLLGATE_HAVE_GETENTROPY 1
#endif

namespace tollgate::detail {
namespace {

constexpr char kHex[] = "0123456789abcdef";

template <std::size_t N>
std::array<unsigned char, N> random_bytes() {
  static_assert(N <= 256, "getentropy fills at most 256 bytes a call");
  std::array<unsigned char, N> out{};
#ifdef TOLLGATE_HAVE_GETENTROPY
  // The kernel's generator, one system call. libstdc++'s random_device takes
  // the CPU's RDSEED when it has one, which under load keeps failing and
  // spinning on retries: it was a third of a busy server's time.
  if (getentropy(out.data(), out.size()) == 0) return out;
#endif
  // One random_device a thread: opening it may cost a file descriptor.
  static thread_local std::random_device source;
  for (std::size_t i = 0; i < N; i += 4) {
    auto word = source();
    for (std::size_t j = 0; j < 4 && i + j < N; ++j)
      out[i + j] = static_cast<unsigned char>(word >> (8 * j));
  }
  return out;
}

void append_hex(std::string& out, unsigned char byte) {
  out.push_back(kHex[byte >> 4]);
  out.push_back(kHex[byte & 0xf]);
}

}  // namespace

std::string random_uuid() {
  auto b = random_bytes<16>();
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string id;
  id.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    append_hex(id, b[i]);
  }
  return id;
}

std::string random_hex(std::size_t bytes) {
  std::string out;
  out.reserve(bytes * 2);
  while (out.size() < bytes * 2) {
    auto chunk = random_bytes<16>();
    for (unsigned char c : chunk)
      if (out.size() < bytes * 2) append_hex(out, c);
  }
  return out;
}

std::string to_hex(std::span<const unsigned char> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) append_hex(out, c);
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  // Every byte is read whatever came before; volatile keeps the compiler from
  // turning the loop into an early exit (as libsodium's sodium_memcmp does).
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  return diff == 0;
}

}  // namespace tollgate::detail
