// Billing rules per organization and tenant, as a multi-tenant platform keeps them.
//
// Two organizations sell the same hosting catalog to their customers, each
// with its own rule set stored in SQLite (the organization_billing_rule table):
// - acme/eu starts with END_OF_TERM for cancels and plan changes (acme-v1.json);
// - globex/us lets both take effect IMMEDIATELY, crediting the unused days;
// - on 2024-03-01 acme registers a newer rule set (acme-v2.json): cancels are
//   IMMEDIATE from that instant on. A broken registration before it is refused
//   with every problem named, and changes nothing.
// Each request is judged by the rules in force at the moment it was made, so
// acme-b's cancel in February and acme-a's cancel in March end differently.
//
//   org_rules --db FILE [--manual]
// Stripe at STRIPE_API_BASE with STRIPE_SECRET_KEY collects the invoices
// (scripts/with_stripe_fake.sh); --manual uses ManualProvider instead.

#include <iomanip>
#include <iostream>

#include "../common/example_support.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

constexpr std::string_view kProgram = "org_rules";

Instant at(Date day, int hour) {
  return Instant{date::sys_days(day)} + std::chrono::hours(hour);
}

struct Registration {
  Instant at;
  OrganizationKey organization;
  const char* file;
};
const Registration kRegistrations[] = {
    {at(2023_y / 12 / 1, 0), {"acme", "eu"}, "acme-v1.json"},
    {at(2023_y / 12 / 1, 0), {"globex", "us"}, "globex.json"},
    {at(2024_y / 2 / 25, 12), {"acme", "eu"}, "acme-broken.json"},
    {at(2024_y / 3 / 1, 0), {"acme", "eu"}, "acme-v2.json"},
};

struct Customer {
  std::string account;
  OrganizationKey organization;
};
const Customer kCustomers[] = {
    {"acme-a", {"acme", "eu"}},
    {"acme-b", {"acme", "eu"}},
    {"globex-a", {"globex", "us"}},
};

// What the customers ask for, at 09:00 UTC on the day.
struct Request {
  Date on;
  std::string account;
  OperationType type;
  std::string plan;  // a change's new plan
};
const Request kRequests[] = {
    {2024_y / 2 / 10, "acme-a", OperationType::change, "premium-monthly"},
    {2024_y / 2 / 10, "globex-a", OperationType::change, "premium-monthly"},
    {2024_y / 2 / 20, "acme-b", OperationType::cancel, ""},
    {2024_y / 3 / 10, "acme-a", OperationType::cancel, ""},
    {2024_y / 3 / 10, "globex-a", OperationType::cancel, ""},
};

// "2024-03-01T00:00Z"
std::string when(Instant t) {
  return date::format("%FT%RZ", t);
}

std::string describe(const SubscriptionStatus& s) {
  std::string text = s.plan + " " + std::string(to_string(s.state));
  if (s.pending_cancel) text += ", ends " + to_string(*s.pending_cancel);
  return text;
}

Result<Ok> register_rules(sqlite::SqliteStore& store, const Registration& r) {
  const auto& org = r.organization;
  auto id = store.register_rules(
      org, example::read_file(std::string(TOLLGATE_EXAMPLE_DIR "/") + r.file), r.at);
  std::cout << "  " << when(r.at) << " " << org.organization_id << "/" << org.tenant_id
            << " registers " << r.file << ": ";
  if (!id) {
    std::cout << "refused (" << id.error().code << ")\n    " << id.error().message << "\n";
    return id.error().code == "store.rules" ? Result<Ok>(Ok{}) : unexpected(id.error());
  }
  std::cout << "in force from then on\n";
  return Ok{};
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  bool manual = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--db" && i + 1 < argc) db = argv[++i];
    if (arg == "--manual") manual = true;
  }
  if (db.empty()) {
    std::cerr << "usage: org_rules --db FILE [--manual]\n";
    return 2;
  }
  stripe::BeastTransport transport(stripe::BeastTransportOptions{"", true, {}});
  auto provider = example::make_provider(manual, transport);
  if (!provider) return example::fail(kProgram, "provider", provider.error());
  auto opened = sqlite::SqliteStore::open(db);
  if (!opened) return example::fail(kProgram, "store", opened.error());
  sqlite::SqliteStore& store = **opened;
  if (auto r =
          store.put_catalog("hosting-v1", example::read_file(TOLLGATE_EXAMPLE_DIR "/catalog.json"));
      !r)
    return example::fail(kProgram, "catalog", r.error());

  std::cout << "== Rule sets, per organization and tenant\n";
  for (const auto& r : kRegistrations)
    if (r.at < at(2024_y / 1 / 1, 0))
      if (auto ok = register_rules(store, r); !ok)
        return example::fail(kProgram, "rules", ok.error());

  BillingService billing(store);
  std::cout << "\n== Customers subscribe on 2024-01-01 (standard-monthly, 30.00 in advance)\n";
  for (const auto& c : kCustomers) {
    auto customer =
        (*provider)->create_customer({c.account, c.account + "@example.test", c.account, {}});
    if (!customer) {
      std::cerr << "org_rules: customer: " << customer.error().message << "\n";
      return 1;
    }
    StoredAccount account;
    account.account = {c.account, "USD", "UTC", 1};
    account.catalog = "hosting-v1";
    account.organization = c.organization;  // whose rule set judges its requests
    account.customer_id = customer->id;
    account.payment_method_id = "pm_fake_card";
    if (auto r = billing.open_account(account); !r)
      return example::fail(kProgram, "account", r.error());
    Operation subscribe;
    subscribe.date = 2024_y / 1 / 1;
    subscribe.type = OperationType::create;
    subscribe.subscription = c.account + "-site";
    subscribe.plan = "standard-monthly";
    if (auto r = billing.apply(c.account, subscribe, at(subscribe.date, 9)); !r)
      return example::fail(kProgram, "subscribe", r.error());
    std::cout << "  " << std::left << std::setw(9) << c.account << c.organization.organization_id
              << "/" << c.organization.tenant_id << "\n";
  }

  std::cout << "\n== Requests, each judged by its organization's rules at that moment\n";
  BillingRun daily(store, **provider);
  for (Date day = 2024_y / 1 / 2; !(2024_y / 3 / 11 < day); day = add_days(day, 1)) {
    for (const auto& r : kRegistrations)  // a registration at 00:00 is in force for that day's run
      if (Date(date::floor<date::days>(r.at)) == day)
        if (auto ok = register_rules(store, r); !ok)
          return example::fail(kProgram, "rules", ok.error());
    auto report = daily.run(at(day, 0));
    if (!report) return example::fail(kProgram, "run", report.error());
    for (const auto& e : report->errors)
      std::cerr << "  run error: " << e.code << ": " << e.message << "\n";

    for (const auto& r : kRequests) {
      if (r.on != day) continue;
      Operation op;
      op.date = day;
      op.type = r.type;
      op.subscription = r.account + "-site";
      op.plan = r.plan;  // no policy given: the organization's rules decide
      if (auto applied = billing.apply(r.account, op, at(day, 9)); !applied)
        return example::fail(kProgram, "request", applied.error());
      auto engine = billing.engine(r.account);
      if (!engine) return example::fail(kProgram, "engine", engine.error());
      std::cout << "  " << to_string(day) << " " << std::left << std::setw(9) << r.account
                << std::setw(7) << to_string(r.type) << (r.plan.empty() ? "" : "to " + r.plan)
                << " -> now " << describe(engine->statuses(day).at(0)) << "\n";
    }
  }

  std::cout << "\n== Invoices\n";
  for (const auto& c : kCustomers) {
    auto invoices = store.invoices_of(c.account);
    if (!invoices) return example::fail(kProgram, "invoices", invoices.error());
    for (const auto& inv : *invoices) {
      std::cout << "invoice " << std::left << std::setw(9) << c.account
                << to_string(inv.invoice.date) << " " << std::right << std::setw(7)
                << inv.invoice.total().to_fixed(2) << " " << to_string(inv.status) << "\n";
      for (const auto& item : inv.invoice.items)
        std::cout << "  " << std::left << std::setw(11) << to_string(item.type) << std::setw(17)
                  << item.plan << to_string(item.start) << " .. "
                  << (item.end ? to_string(*item.end) : "") << " " << std::right << std::setw(7)
                  << item.amount.to_fixed(2) << "\n";
    }
  }
  std::cout << "\n== On 2024-03-11\n";
  for (const auto& c : kCustomers) {
    auto engine = billing.engine(c.account);
    if (!engine) return example::fail(kProgram, "engine", engine.error());
    std::cout << "status " << std::left << std::setw(9) << c.account
              << describe(engine->statuses(2024_y / 3 / 11).at(0)) << "\n";
  }
  return 0;
}
