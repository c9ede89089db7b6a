// A team leaving Kill Bill: its XML catalog, rules included, billed by Tollgate.
//
// SpyCarBasic.xml is Kill Bill's own sample catalog, unchanged: three monthly
// car plans with a 30-day trial, in USD and GBP, and rules that make changes
// and cancels IMMEDIATE. The program reads it (tollgate::kill_bill), stores the
// catalog and registers its rules for the team's organization, opens three
// accounts, and lets the daily run bill them from 2024-03-01 to 2024-05-01:
// - alice (USD) keeps standard-monthly;
// - bob (GBP) moves from sports-monthly to super-monthly on 04-16;
// - carol (USD) cancels super-monthly on 04-16.
// Neither request names a policy: the catalog's rules decide, as in Kill Bill.
//
//   kill_bill_migration --db FILE

#include <iomanip>
#include <iostream>

#include "../common/example_support.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/kill_bill_catalog.hpp"
#include "tollgate/manual_provider.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

constexpr std::string_view kProgram = "kill_bill_migration";
const OrganizationKey kTeam{"spycar", "eu"};

Instant at(Date day, int hour) {
  return Instant{date::sys_days(day)} + std::chrono::hours(hour);
}

struct Customer {
  std::string account;
  std::string currency;
  std::string plan;
};
const Customer kCustomers[] = {
    {"alice", "USD", "standard-monthly"},
    {"bob", "GBP", "sports-monthly"},
    {"carol", "USD", "super-monthly"},
};

struct Request {
  Date on;
  std::string account;
  OperationType type;
  std::string plan;
};
const Request kRequests[] = {
    {2024_y / 4 / 16, "bob", OperationType::change, "super-monthly"},
    {2024_y / 4 / 16, "carol", OperationType::cancel, ""},
};

void print_invoices(BillingStore& store, const std::string& account) {
  auto invoices = store.invoices_of(account);
  if (!invoices) return;
  for (const auto& inv : *invoices) {
    std::cout << "invoice " << std::left << std::setw(6) << account << to_string(inv.invoice.date)
              << " " << std::right << std::setw(8) << inv.invoice.total().to_fixed(2) << " "
              << inv.invoice.currency.code() << "\n";
    for (const auto& item : inv.invoice.items)
      std::cout << "  " << std::left << std::setw(11) << to_string(item.type) << std::setw(17)
                << item.plan << to_string(item.start) << " .. "
                << (item.end ? to_string(*item.end) : "") << " " << std::right << std::setw(8)
                << item.amount.to_fixed(2) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--db") db = argv[++i];
  if (db.empty()) {
    std::cerr << "usage: kill_bill_migration --db FILE\n";
    return 2;
  }

  std::cout << "== Kill Bill's catalog\n";
  auto read = load_kill_bill_catalog(example::read_file(TOLLGATE_EXAMPLE_DIR "/SpyCarBasic.xml"));
  if (!read) {
    for (const auto& p : read.error()) std::cerr << kProgram << ": " << to_string(p) << "\n";
    return 1;
  }
  const Catalog& catalog = read->catalog;
  std::cout << "catalog " << catalog.name << ": " << catalog.products.size() << " products, "
            << catalog.plans.size() << " plans, rules: cancel "
            << to_string(read->rules.cancel_policy({}).value) << ", change "
            << to_string(read->rules.change_policy({}).value) << "\n";

  auto opened = sqlite::SqliteStore::open(db);
  if (!opened) return example::fail(kProgram, "store", opened.error());
  sqlite::SqliteStore& store = **opened;
  // The store keeps the catalog as JSON; Kill Bill's rules become the team's rule set.
  if (auto r = store.put_catalog(catalog.name, read->catalog_json); !r)
    return example::fail(kProgram, "catalog", r.error());
  if (auto r = store.register_rules(kTeam, read->rules_json, at(2024_y / 1 / 1, 0)); !r)
    return example::fail(kProgram, "rules", r.error());

  BillingService billing(store);
  for (const auto& c : kCustomers) {
    StoredAccount account;
    account.account = {c.account, c.currency, "UTC", 1};
    account.catalog = catalog.name;
    account.organization = kTeam;
    account.payment_method_id = "pm_on_file";
    if (auto r = billing.open_account(account); !r)
      return example::fail(kProgram, "account", r.error());
    Operation subscribe;
    subscribe.date = 2024_y / 3 / 1;
    subscribe.type = OperationType::create;
    subscribe.subscription = c.account + "-car";
    subscribe.plan = c.plan;
    if (auto r = billing.apply(c.account, subscribe, at(subscribe.date, 9)); !r)
      return example::fail(kProgram, "subscribe", r.error());
  }

  std::cout << "\n== Requests (no policy named: the catalog's rules decide)\n";
  ManualProvider provider;
  BillingRun daily(store, provider);
  for (Date day = 2024_y / 3 / 1; !(2024_y / 5 / 1 < day); day = add_days(day, 1)) {
    for (const auto& r : kRequests) {
      if (r.on != day) continue;
      Operation op;
      op.date = day;
      op.type = r.type;
      op.subscription = r.account + "-car";
      op.plan = r.plan;
      if (auto applied = billing.apply(r.account, op, at(day, 9)); !applied)
        return example::fail(kProgram, "request", applied.error());
      auto engine = billing.engine(r.account);
      if (!engine) return example::fail(kProgram, "engine", engine.error());
      const SubscriptionStatus status =
          engine->statuses(day).at(0);  // a copy: the list is a temporary
      std::cout << to_string(day) << " " << std::left << std::setw(6) << r.account << std::setw(7)
                << to_string(r.type) << " -> " << status.plan << " " << to_string(status.state)
                << "\n";
    }
    auto report = daily.run(at(day, 12));
    if (!report) return example::fail(kProgram, "run", report.error());
    for (const auto& e : report->errors)
      std::cerr << "  run error: " << e.code << ": " << e.message << "\n";
  }

  std::cout << "\n== Invoices\n";
  for (const auto& c : kCustomers) print_invoices(store, c.account);
  return 0;
}
