// The one source of random ids, and the one constant-time comparison.

#include "../../src/core/random_id.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <set>

using namespace tollgate::detail;

TEST_CASE("random_uuid gives version 4, RFC 4122 variant UUIDs, each different") {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = random_uuid();
    INFO(id);
    CHECK(std::regex_match(id, v4));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("random_hex gives twice as many hex digits as bytes asked") {
  for (std::size_t bytes : {std::size_t{0}, std::size_t{1}, std::size_t{16}, std::size_t{33}}) {
    std::string h = random_hex(bytes);
    CHECK(h.size() == 2 * bytes);
    CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(random_hex(16) != random_hex(16));
}

TEST_CASE("equal_constant_time compares content and length") {
  CHECK(equal_constant_time("", ""));
  CHECK(equal_constant_time("5257a869e7ec", "5257a869e7ec"));
  CHECK_FALSE(equal_constant_time("5257a869e7ec", "5257a869e7ed"));  // last byte
  CHECK_FALSE(equal_constant_time("5257a869e7ec", "4257a869e7ec"));  // first byte
  CHECK_FALSE(equal_constant_time("5257a869e7ec", "5257a869e7e"));   // a prefix
  CHECK_FALSE(equal_constant_time(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST_CASE("to_hex writes two lower-case digits a byte, high nibble first") {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  CHECK(to_hex(bytes) == "000fa5ff");
  CHECK(to_hex(std::span<const unsigned char>()) == "");
}
