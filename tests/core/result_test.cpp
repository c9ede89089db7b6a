// Result: std::expected's monadic members and the early-return macros.

#include "tollgate/result.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "tollgate/decimal.hpp"

using namespace tollgate;

namespace {

Result<int> parse_count(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return make_error("count.syntax", "\"" + text + "\" is not a count");
  return std::stoi(text);
}

Result<int> halve(int n) {
  if (n % 2 != 0) return make_error("count.odd", std::to_string(n) + " is odd");
  return n / 2;
}

// Both macros, as a caller writes them: the second step runs only after the first.
int steps_run = 0;
Result<int> halve_text(const std::string& text) {
  TOLLGATE_ASSIGN_OR_RETURN(int n, parse_count(text));
  ++steps_run;
  TOLLGATE_RETURN_IF_ERROR(halve(n));
  ++steps_run;
  return n / 2;
}

}  // namespace

TEST_CASE("value_or gives the value, or the fallback on an error") {
  CHECK(parse_count("12").value_or(-1) == 12);
  CHECK(parse_count("x").value_or(-1) == -1);
  Result<std::unique_ptr<int>> moved = std::make_unique<int>(7);
  CHECK(*std::move(moved).value_or(nullptr) == 7);
}

TEST_CASE("and_then chains a fallible step and passes the first error through") {
  CHECK(parse_count("12").and_then(halve).value() == 6);
  auto odd = parse_count("7").and_then(halve);
  REQUIRE_FALSE(odd);
  CHECK(odd.error().code == "count.odd");
  CHECK(odd.error().message == "7 is odd");
  int calls = 0;
  auto bad = parse_count("seven").and_then([&](int n) {
    ++calls;
    return halve(n);
  });
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "count.syntax");
  CHECK(calls == 0);
}

TEST_CASE("transform maps the value, changes its type, and keeps an error") {
  auto cents = Decimal::parse("12.50").transform([](const Decimal& d) { return d * Decimal(100); });
  REQUIRE(cents);
  CHECK(cents->to_string() == "1250");
  Result<std::string> text = parse_count("40").transform([](int n) { return std::to_string(n + 2); });
  CHECK(text.value() == "42");
  auto bad = parse_count("").transform([](int n) { return n + 1; });
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "\"\" is not a count");
  int seen = 0;
  Result<Ok> done = parse_count("3").transform([&](int n) { seen = n; });
  CHECK(done.has_value());
  CHECK(seen == 3);
}

TEST_CASE("or_else recovers from an error, transform_error rewrites it") {
  auto recovered = parse_count("none").or_else([](const Error& e) -> Result<int> {
    if (e.code == "count.syntax") return 0;
    return unexpected(e);
  });
  CHECK(recovered.value() == 0);
  CHECK(parse_count("5").or_else([](const Error&) -> Result<int> { return 0; }).value() == 5);

  auto renamed = parse_count("x").transform_error(
      [](const Error& e) { return Error{"input." + e.code, "quantity: " + e.message}; });
  REQUIRE_FALSE(renamed);
  CHECK(renamed.error().code == "input.count.syntax");
  CHECK(renamed.error().message == "quantity: \"x\" is not a count");
  Result<int, std::string> as_text = parse_count("x").transform_error([](Error e) { return e.code; });
  CHECK(as_text.error() == "count.syntax");
}

TEST_CASE("the macros return the first error and stop there") {
  steps_run = 0;
  CHECK(halve_text("84").value() == 42);
  CHECK(steps_run == 2);

  steps_run = 0;
  auto odd = halve_text("9");
  REQUIRE_FALSE(odd);
  CHECK(odd.error().code == "count.odd");
  CHECK(steps_run == 1);

  steps_run = 0;
  auto bad = halve_text("nine");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "count.syntax");
  CHECK(steps_run == 0);
}
