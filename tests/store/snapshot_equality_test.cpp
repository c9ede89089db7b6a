// Snapshots change what billing costs, never what it bills (issue #18): over
// random histories with late usage, backdated operations (some dated within
// what a snapshot keeps, some before it) and operations requested for a later
// date, billed by the daily run through
// snapshots, (1) every day an account's dry run the fast way (its snapshot and
// the journal since) equals the dry run of a full replay, and (2) the invoices
// the run stored equal those a full replay of the whole journal computes.

#include <random>
#include <sstream>

#include <catch2/catch.hpp>

#include "../support/fake_provider.hpp"
#include "../support/store_backends.hpp"
#include "../support/usage_histories.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/billing_service.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

std::string render(const Invoice& invoice) {
  std::ostringstream out;
  out << to_string(invoice.date) << " credit_adj " << invoice.credit_adj.to_string() << "\n";
  for (const auto& i : invoice.items)
    out << "  " << to_string(i.type) << " " << i.subscription << " " << i.plan << " "
        << (i.phase ? to_string(*i.phase) : "-") << " " << i.usage << " " << to_string(i.start)
        << " " << (i.end ? to_string(*i.end) : "-") << " "
        << (i.quantity ? i.quantity->to_string() : "-") << " " << i.amount.to_string() << "\n";
  return out.str();
}

// A dry run as a REST client gets it: on an engine that needs the whole
// history for it, it is made again on one rebuilt from the whole journal.
std::string dry_run(BillingService& service, const Date& on) {
  auto account = service.store().account("a");
  REQUIRE(account.has_value());
  Result<Invoice> invoice = Invoice{};
  auto engine = service.engine(*account, [&](BillingEngine& e) -> Result<Ok> {
    invoice = e.preview(on);
    return Ok{};
  });
  REQUIRE(engine.has_value());
  REQUIRE(invoice.has_value());
  return render(*invoice);
}

// An operation dated back to any day since the last one applied (the engine
// takes none dated earlier): before the last invoice, so before the snapshot,
// and, after a long quiet spell, before what the snapshot keeps (35 days).
Date backdated(const Date& last_operation, const Date& today, std::mt19937& rng) {
  int span = static_cast<int>(days_between(last_operation, today));
  return add_days(last_operation, std::uniform_int_distribution<int>(0, span)(rng));
}

// The operations Kill Bill takes for a later date (Operation::effective).
bool later_dated(OperationType t) {
  return t == OperationType::change || t == OperationType::cancel || t == OperationType::pause ||
         t == OperationType::resume;
}

}  // namespace

TEMPLATE_TEST_CASE("billing through snapshots equals a full replay, backdated operations included",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  std::mt19937 rng(181126);
  int compared = 0, backdated_applied = 0, backdated_past_snapshot = 0, invoices_compared = 0,
      snapshots_kept = 0, later_applied = 0;
  for (int n = 0; n < 6; ++n) {
    auto store = TestType::fresh();
    BillingService service(*store);
    BillingService whole(*store, OverdueAccess::block, Replay::whole_journal);
    REQUIRE(test::open_history_account(*store, service, 1 + n * 5));
    test::FakeProvider provider{":memory:"};
    BillingRun run(*store, provider);

    auto history = test::generate_usage_history(rng, add_days(2024_y / 1 / 1, n * 7));
    bool quiet = n % 2 == 1;  // no operations but one, backdated across a long spell
    Date last_operation = history.first;
    std::size_t next = 0;
    for (Date d = history.first; !(history.until < d); d = add_days(d, 1)) {
      auto report = run.run(d);
      REQUIRE(report.has_value());
      for (const auto& e : report->errors) FAIL_CHECK(e.code << ": " << e.message);
      for (; next < history.steps.size() && history.steps[next].on == d; ++next) {
        Operation op = history.steps[next].op;
        if (op.type != OperationType::usage) {
          if (quiet && next > 0) continue;  // only the first create
          if (op.type != OperationType::create) {
            int how = std::uniform_int_distribution<int>(0, 3)(rng);
            if (how < 2) op.date = backdated(last_operation, d, rng);
            // Requested for a later date: it waits (and its repair with it).
            if (how == 2 && later_dated(op.type))
              op.effective = add_days(d, std::uniform_int_distribution<int>(1, 20)(rng));
          }
          auto applied = service.apply("a", op, Instant{date::sys_days(d)});
          if (!applied) continue;
          last_operation = op.date;
          if (op.date < d) ++backdated_applied;
          if (op.effective) ++later_applied;
          continue;
        }
        UsageEvent e{op.subscription, op.metric, op.quantity, op.date, op.id, ""};
        (void)service.record_usage(std::span(&e, 1));
      }
      if (quiet && d == add_days(history.first, 140)) {
        // After 140 quiet days (several invoices, snapshots kept), a change
        // dated 120 days back: before what the snapshot keeps.
        Operation change;
        change.type = OperationType::change;
        change.subscription = "s1";
        change.plan = "a";
        change.policy = BillingActionPolicy::immediate;
        change.date = add_days(history.first, 20);
        auto applied = service.apply("a", change, Instant{date::sys_days(d)});
        if (applied) ++backdated_past_snapshot;
      }
      Date ahead = add_days(d, 35);
      INFO("history " << n << ", dry run on " << to_string(ahead) << " made on " << to_string(d));
      CHECK(dry_run(service, ahead) == dry_run(whole, ahead));
      ++compared;
    }
    auto stored = store->invoices_of("a");
    REQUIRE(stored.has_value());
    auto replayed = whole.engine("a");
    REQUIRE(replayed.has_value());
    REQUIRE(stored->size() == replayed->invoices().size());
    for (std::size_t i = 0; i < stored->size(); ++i) {
      INFO("history " << n << ", invoice " << i);
      CHECK(render((*stored)[i].invoice) == render(replayed->invoices()[i]));
      ++invoices_compared;
    }
    // The subscription events (Kill Bill's timeline) read the same from a snapshot.
    auto restored = service.engine("a");
    REQUIRE(restored.has_value());
    for (const auto& st : replayed->statuses(Date{})) {  // any date lists them all
      INFO("history " << n << ", events of " << st.id);
      CHECK(restored->events(st.id) == replayed->events(st.id));
      CHECK_FALSE(replayed->events(st.id).empty());
    }
    auto snapshot = store->snapshot("a");
    REQUIRE(snapshot.has_value());
    if (snapshot->has_value()) ++snapshots_kept;
  }
  // The histories exercise both paths: snapshots used, and (the quiet ones)
  // rebuilt from the whole journal when an operation reached back before one.
  CHECK(compared > 500);
  CHECK(backdated_applied > 5);
  CHECK(backdated_past_snapshot > 0);
  CHECK(later_applied > 5);
  CHECK(invoices_compared > 30);
  CHECK(snapshots_kept >= 4);  // the run keeps them (not after a short replay)
}
