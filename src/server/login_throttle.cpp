#include "login_throttle.hpp"

#include <algorithm>

namespace tollgate::server::detail {

LoginThrottle::Clock::duration LoginThrottle::wait(const std::vector<std::string>& keys,
                                                   Clock::time_point now) const {
  Clock::duration longest{0};
  for (const auto& key : keys)
    if (auto it = records_.find(key); it != records_.end() && now < it->second.until)
      longest = std::max(longest, it->second.until - now);
  return longest;
}

void LoginThrottle::failed(const std::vector<std::string>& keys, Clock::time_point now) {
  if (records_.size() > kMaxKeys)  // forget what no longer holds anyone back
    std::erase_if(records_, [&](const auto& r) { return !(now < r.second.until); });
  for (const auto& key : keys) {
    Record& r = records_[key];
    ++r.failures;
    int over = r.failures - policy_.failures_allowed;
    if (over < 0) continue;
    Clock::duration backoff = policy_.backoff;
    for (int i = 0; i < over && backoff < policy_.max_backoff; ++i) backoff *= 2;
    r.until = now + std::min(backoff, policy_.max_backoff);
  }
}

void LoginThrottle::succeeded(const std::vector<std::string>& keys) {
  for (const auto& key : keys) records_.erase(key);
}

}  // namespace tollgate::server::detail
