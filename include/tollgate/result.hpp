#pragma once
// Result<T, E>: the value of a fallible call, or the error that prevented it.
//
// Tollgate never lets an exception cross its public API: every call that can
// fail for a reason a caller must handle (bad input, an invalid catalog, a
// declined card) returns a Result. Check it with `if (r)` or `r.has_value()`,
// then read `*r` / `r.value()` or `r.error()`.

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace tollgate {

/// A plain error: a stable machine-readable code and a human-readable message.
struct Error {
  std::string code;     ///< e.g. "decimal.syntax", "money.currency_mismatch"
  std::string message;  ///< one line, safe to log (never carries secrets)
};

/// Wraps an error so that `Result<T, E>` can be built from it unambiguously.
template <class E>
struct Unexpected {
  E error;
};

template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
  return {std::forward<E>(e)};
}

inline Unexpected<Error> make_error(std::string code, std::string message) {
  return {Error{std::move(code), std::move(message)}};
}

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  template <class G>
  Result(Unexpected<G> e) : state_(std::in_place_index<1>, std::move(e.error)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// Precondition: has_value().
  T& value() & {
    assert(has_value());
    return *std::get_if<0>(&state_);
  }
  const T& value() const& {
    assert(has_value());
    return *std::get_if<0>(&state_);
  }
  T&& value() && {
    assert(has_value());
    return std::move(*std::get_if<0>(&state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// Precondition: !has_value().
  const E& error() const& {
    assert(!has_value());
    return *std::get_if<1>(&state_);
  }
  E&& error() && {
    assert(!has_value());
    return std::move(*std::get_if<1>(&state_));
  }

 private:
  std::variant<T, E> state_;
};

/// Result of a call that returns nothing on success.
struct Ok {};

}  // namespace tollgate
