// A billing run shared by four worker processes on one PostgreSQL database,
// one of them killed mid-run: the others finish its accounts once its lease
// runs out, and every due period is invoiced once and every invoice charged once.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "../support/fake_provider.hpp"
#include "../support/peer.hpp"
#include "../support/store_backends.hpp"
#include "tollgate/billing_run.hpp"

using namespace tollgate;
using namespace date::literals;
using namespace std::chrono_literals;
using tollgate::test::FakeProvider;

namespace {

const char* kCatalog = R"({"name": "workers", "currencies": ["USD"],
  "products": [{"name": "Std", "category": "BASE"}],
  "plans": [{"name": "std", "product": "Std", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})";

// Accounts acct-0000 .. acct-<n-1>, each subscribed to std on Mar 1 (bill cycle day 1).
void populate(BillingStore& store, int n) {
  REQUIRE(store.put_catalog("v1", kCatalog));
  BillingService service(store);
  auto r = store.atomically([&]() -> Result<Ok> {
    for (int i = 0; i < n; ++i) {
      char id[16];
      std::snprintf(id, sizeof id, "%04d", i);
      StoredAccount a;
      a.account = {std::string("acct-") + id, "USD", "UTC", 1};
      a.catalog = "v1";
      a.customer_id = std::string("cus_") + id;
      a.payment_method_id = std::string("pm_") + id;
      if (auto o = service.open_account(a); !o) return o;
      Operation create;
      create.date = 2024_y / 3 / 1;
      create.subscription = std::string("sub-") + id;
      create.plan = "std";
      if (auto c = service.apply(a.account.id, create, Instant{date::sys_days(create.date)}); !c)
        return unexpected(c.error());
    }
    return Ok{};
  });
  INFO((r ? "" : r.error().message));
  REQUIRE(r.has_value());
}

pid_t start_worker(const std::string& location, const std::string& charges, int index, Date as_of) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  auto store = test::open_location(location);  // a connection of its own
  FakeProvider provider(charges, 1ms);         // a network round trip per charge
  RunOptions options;
  options.batch_size = 25;
  options.worker.name = "worker-" + std::to_string(index);
  options.worker.lease = 2s;  // short, so that the test need not wait long for the killed one
  options.worker.wait_for_others = true;
  options.worker.poll = 100ms;
  BillingRun run(*store, provider, options);
  auto r = run.run(as_of);
  _exit(r && r->errors.empty() ? 0 : 3);
}

}  // namespace

TEST_CASE(
    "four workers, one killed mid-run: every due period invoiced once, every invoice "
    "charged once") {
  TOLLGATE_NEEDS_BACKEND(test::PostgresBackend);
  const int accounts = 2000;
  std::string location;
  {
    auto store = test::PostgresBackend::fresh(&location);
    populate(*store, accounts);
  }  // closed before forking: each worker connects on its own
  std::string charges = test::temp_dir() + "/charges.db";
  { FakeProvider create_table(charges); }

  std::vector<pid_t> workers;
  for (int i = 0; i < 4; ++i) workers.push_back(start_worker(location, charges, i, 2024_y / 3 / 1));
  REQUIRE(workers[0] > 0);
  std::this_thread::sleep_for(700ms);  // all four are mid-walk by now
  kill(workers[0], SIGKILL);
  int status = 0;
  REQUIRE(waitpid(workers[0], &status, 0) == workers[0]);
  CHECK(WIFSIGNALED(status));  // it was killed, not done
  auto store = test::open_location(location);
  auto left = store->accounts_due(2024_y / 3 / 1);
  INFO("accounts not yet invoiced when worker-0 was killed: " << left->size());
  CHECK(left->size() > 0);  // the kill came mid-run
  for (std::size_t i = 1; i < workers.size(); ++i) {
    REQUIRE(waitpid(workers[i], &status, 0) == workers[i]);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  // Mar 1: one invoice of 10.00 per account, PAID by exactly one charge.
  FakeProvider provider(charges);
  CHECK(store->accounts_due(2024_y / 3 / 1)->empty());
  for (int i = 0; i < accounts; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "acct-%04d", i);
    auto invoices = store->invoices_of(id);
    REQUIRE(invoices.has_value());
    REQUIRE(invoices->size() == 1);
    CHECK(invoices->front().invoice.total() == Decimal(10));
    CHECK(invoices->front().status == InvoiceStatus::paid);
    CHECK(provider.charges(invoices->front().id) == 1);
  }
  CHECK(provider.all_charges() == accounts);
  CHECK(store->attempts_in(AttemptStatus::started, std::nullopt)->empty());
}
