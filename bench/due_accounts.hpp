#pragma once
// Shared by the billing-run benchmarks: n accounts acct-0 .. acct-<n-1>, each
// with one monthly subscription (29.00) created Mar 1 and due that day, written
// straight into a store in one transaction (not through BillingService: the
// benchmarks measure the run, not the set-up).

#include <cstdint>
#include <string>

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

}  // namespace tollgate::bench
