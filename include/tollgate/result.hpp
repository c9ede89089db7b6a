#pragma once
// Result<T, E>: the value of a fallible call, or the error that prevented it.
//
// Tollgate never lets an exception cross its public API: every call that can
// fail for a reason a caller must handle (bad input, an invalid catalog, a
// declined card) returns a Result. Check it with `if (r)` or `r.has_value()`,
// then read `*r` / `r.value()` or `r.error()`; or chain the next step with
// std::expected's members (`and_then`, `transform`, `or_else`,
// `transform_error`, `value_or`); or pass an error up with
// TOLLGATE_ASSIGN_OR_RETURN / TOLLGATE_RETURN_IF_ERROR.
//
//   Result<Money> total(const std::string& text) {
//     TOLLGATE_ASSIGN_OR_RETURN(Decimal amount, Decimal::parse(text));
//     return Money::of(amount, "EUR");
//   }
//   auto cents = Decimal::parse("12.50").transform([](Decimal d) { return d * Decimal(100); });

#include <cassert>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "tollgate/error_codes.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

/// A plain error: a stable machine-readable code and a human-readable message.
struct Error {
  std::string code;  ///< one of tollgate/error_codes.hpp: errors::decimal_syntax ("decimal.syntax")
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

/// Result of a call that returns nothing on success.
struct Ok {};

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

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
  E& error() & {
    assert(!has_value());
    return *std::get_if<1>(&state_);
  }
  E&& error() && {
    assert(!has_value());
    return std::move(*std::get_if<1>(&state_));
  }

  /// The value, or `fallback` when there is none.
  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  T value_or(U&& fallback) && {
    return has_value() ? std::move(*this).value() : static_cast<T>(std::forward<U>(fallback));
  }

  /// `f(value)`, itself a Result with the same error type; or this error.
  template <class F>
  auto and_then(F&& f) const& {
    return and_then_(*this, std::forward<F>(f));
  }
  template <class F>
  auto and_then(F&& f) && {
    return and_then_(std::move(*this), std::forward<F>(f));
  }

  /// `f(value)` as a Result (a `void` f gives Result<Ok, E>); or this error.
  template <class F>
  auto transform(F&& f) const& {
    return transform_(*this, std::forward<F>(f));
  }
  template <class F>
  auto transform(F&& f) && {
    return transform_(std::move(*this), std::forward<F>(f));
  }

  /// This value; or `f(error)`, a Result<T, G> that may recover or replace it.
  template <class F>
  auto or_else(F&& f) const& {
    return or_else_(*this, std::forward<F>(f));
  }
  template <class F>
  auto or_else(F&& f) && {
    return or_else_(std::move(*this), std::forward<F>(f));
  }

  /// This value; or the error `f(error)` makes of this one.
  template <class F>
  auto transform_error(F&& f) const& {
    return transform_error_(*this, std::forward<F>(f));
  }
  template <class F>
  auto transform_error(F&& f) && {
    return transform_error_(std::move(*this), std::forward<F>(f));
  }

 private:
  // Self is `const Result&` or `Result&&`: one body for both qualifications.
  template <class Self, class F>
  static auto and_then_(Self&& self, F&& f) {
    using Next =
        std::remove_cvref_t<std::invoke_result_t<F, decltype(std::forward<Self>(self).value())>>;
    static_assert(std::is_same_v<typename Next::error_type, E>,
                  "and_then: f must return a Result with the same error type");
    if (!self.has_value()) return Next(Unexpected<E>{std::forward<Self>(self).error()});
    return std::invoke(std::forward<F>(f), std::forward<Self>(self).value());
  }
  template <class Self, class F>
  static auto transform_(Self&& self, F&& f) {
    using U =
        std::remove_cvref_t<std::invoke_result_t<F, decltype(std::forward<Self>(self).value())>>;
    if constexpr (std::is_void_v<U>) {
      if (!self.has_value()) return Result<Ok, E>(Unexpected<E>{std::forward<Self>(self).error()});
      std::invoke(std::forward<F>(f), std::forward<Self>(self).value());
      return Result<Ok, E>(Ok{});
    } else {
      if (!self.has_value()) return Result<U, E>(Unexpected<E>{std::forward<Self>(self).error()});
      return Result<U, E>(std::invoke(std::forward<F>(f), std::forward<Self>(self).value()));
    }
  }
  template <class Self, class F>
  static auto or_else_(Self&& self, F&& f) {
    using Next =
        std::remove_cvref_t<std::invoke_result_t<F, decltype(std::forward<Self>(self).error())>>;
    static_assert(std::is_same_v<typename Next::value_type, T>,
                  "or_else: f must return a Result with the same value type");
    if (self.has_value()) return Next(std::forward<Self>(self).value());
    return std::invoke(std::forward<F>(f), std::forward<Self>(self).error());
  }
  template <class Self, class F>
  static auto transform_error_(Self&& self, F&& f) {
    using G =
        std::remove_cvref_t<std::invoke_result_t<F, decltype(std::forward<Self>(self).error())>>;
    if (self.has_value()) return Result<T, G>(std::forward<Self>(self).value());
    return Result<T, G>(
        Unexpected<G>{std::invoke(std::forward<F>(f), std::forward<Self>(self).error())});
  }

  std::variant<T, E> state_;
};

}  // namespace tollgate
TOLLGATE_API_END

// Early return of an error, inside a function that returns a Result:
//
//   TOLLGATE_ASSIGN_OR_RETURN(auto account, store.account(id));  // account: the value
//   TOLLGATE_RETURN_IF_ERROR(store.update_account(account));      // the value unused
//
// On an error, the enclosing function returns `unexpected(error)`.
#define TOLLGATE_RESULT_CONCAT_(a, b) a##b
#define TOLLGATE_RESULT_NAME_(line) TOLLGATE_RESULT_CONCAT_(tollgate_result_, line)
#define TOLLGATE_ASSIGN_OR_RETURN(decl, ...)                                           \
  auto TOLLGATE_RESULT_NAME_(__LINE__) = (__VA_ARGS__);                                \
  if (!TOLLGATE_RESULT_NAME_(__LINE__))                                                \
    return ::tollgate::unexpected(std::move(TOLLGATE_RESULT_NAME_(__LINE__)).error()); \
  decl = std::move(TOLLGATE_RESULT_NAME_(__LINE__)).value()
#define TOLLGATE_RETURN_IF_ERROR(...)                                     \
  do {                                                                    \
    if (auto tollgate_result_ = (__VA_ARGS__); !tollgate_result_)         \
      return ::tollgate::unexpected(std::move(tollgate_result_).error()); \
  } while (false)
