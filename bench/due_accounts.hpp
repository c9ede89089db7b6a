#pragma once
// Shared by the billing-run and ingestion benchmarks: n accounts acct-0 .. acct-<n-1>, each
// with one monthly subscription (29.00) created Mar 1 and due that day, written
// straight into a store in one transaction (not through BillingService: the
// benchmarks measure the run, not the set-up).

#include <cstdint>
#include <string>
#include <vector>

#include "tollgate/store.hpp"

namespace tollgate::bench {

inline Result<Ok> add_due_accounts(BillingStore& store, std::int64_t n) {
  using namespace date::literals;
  const char* catalog =
      R"({"name": "bench", "currencies": ["USD"], "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "29.00"}}}]}]})";
  if (auto r = store.put_catalog("v1", catalog); !r) return r;
  return store.atomically([&]() -> Result<Ok> {
    for (std::int64_t i = 0; i < n; ++i) {
      std::string id = "acct-" + std::to_string(i);
      StoredAccount a;
      a.account = {id, "USD", "UTC", 1};
      a.catalog = "v1";
      a.customer_id = "cus_" + std::to_string(i);
      a.next_run = 2024_y / 3 / 1;
      if (auto r = store.create_account(a); !r) return r;
      Operation create;
      create.date = 2024_y / 3 / 1;
      create.subscription = "sub-" + std::to_string(i);
      create.plan = "api-monthly";
      if (auto r = store.append(id, {0, create.date, create, Instant{}}); !r)
        return unexpected(r.error());
    }
    return Ok{};
  });
}

/// n usage events of "api_calls" on Mar 15, over subscriptions sub-0 .. sub-999,
/// ids evt-0 .. evt-<n-1>: the batch the ingestion benchmarks store.
inline std::vector<UsageEvent> usage_batch(std::int64_t n) {
  using namespace date::literals;
  std::vector<UsageEvent> events;
  events.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    events.push_back({"sub-" + std::to_string(i % 1000), "api_calls", Decimal(i % 97 + 1),
                      2024_y / 3 / 15, "evt-" + std::to_string(i), ""});
  return events;
}

}  // namespace tollgate::bench
