#pragma once
// Private: failed logins slowed down, per client address and per user name.
//
// A failed authentication costs the server a PBKDF2 run, so a client that
// keeps guessing can burn its CPU. After `failures_allowed` failures for one
// key (a client address, a user name), that key backs off: further attempts
// are answered 429 until the back-off ends, and each failure after it doubles
// the next one (up to `max_backoff`). A success clears the key. Pure: the
// caller passes the time.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace tollgate::server::detail {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Policy {
    int failures_allowed = 10;
    Clock::duration backoff = std::chrono::seconds(1);
    Clock::duration max_backoff = std::chrono::minutes(15);
  };

  explicit LoginThrottle(Policy policy) : policy_(policy) {}

  /// How long the longest-waiting of `keys` must still wait; zero when none must.
  Clock::duration wait(const std::vector<std::string>& keys, Clock::time_point now) const;
  /// A failed authentication for each of `keys`.
  void failed(const std::vector<std::string>& keys, Clock::time_point now);
  /// A successful one: the keys start afresh.
  void succeeded(const std::vector<std::string>& keys);

 private:
  struct Record {
    int failures = 0;
    Clock::time_point until{};
  };
  static constexpr std::size_t kMaxKeys = 100'000;  ///< beyond it, keys past their back-off go

  Policy policy_;
  std::map<std::string, Record> records_;
};

}  // namespace tollgate::server::detail
