// API monetization, as an API gateway would embed Tollgate.
//
// Each API provider on the gateway is a merchant with its own Stripe account
// (Stripe Connect): its paid tier (the catalog's gold-api plan: 100.00 a month
// plus graduated API-call pricing) is published on that account as a product
// and prices, once Stripe says the account can take charges; each application
// developer who subscribes becomes a customer of that provider; the gateway
// records API calls as usage; a daily job at 00:00 UTC finds the accounts
// whose billing cycle ended, invoices them and charges each on its provider's
// account (the gateway keeping a platform fee); the publisher is warned 3 days
// before a period ends. Subscriptions, proration and rating stay in Tollgate:
// Stripe collects the money.
//
//   api_manager --db FILE [--catalog FILE] [--manual]
// With STRIPE_API_BASE and STRIPE_SECRET_KEY set (scripts/with_stripe_fake.sh
// sets them for the loopback fake) it uses Stripe; --manual uses ManualProvider.

#include <iomanip>
#include <iostream>
#include <map>

#include "../common/example_support.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/merchant.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

// An API provider on the gateway: an organization with its own Stripe account.
struct Publisher {
  std::string organization;
  std::string stripe_account;  // connected to the gateway's Stripe platform
  int fee_percent;             // what the gateway keeps of each charge
};

struct Developer {
  std::string account;
  std::string name;
  std::string payment_method;  // from the card set-up (Checkout in setup mode, not shown here)
  std::string publisher;       // whose API it subscribes to
};

// Day by day: API calls per developer (id, quantity). app-dev-42 retries one
// report (c2 twice): the gateway's retry is counted once.
struct Calls {
  Date on;
  std::string account;
  std::string id;
  int quantity;
};

// new-co has not finished Stripe's onboarding: its tier is not published.
const Publisher kPublishers[] = {
    {"weather-co", "acct_weather", 10},
    {"maps-co", "acct_maps", 0},
    {"new-co", "acct_pending", 0},
};

const Developer kDevelopers[] = {
    {"app-dev-42", "Weather Widgets Ltd", "pm_fake_card", "weather-co"},
    {"app-dev-7", "Sketchy Scraper Inc", "pm_card_chargeDeclined", "maps-co"},
};

const Calls kCalls[] = {
    {2024_y / 3 / 15, "app-dev-42", "c1", 4000},
    {2024_y / 3 / 20, "app-dev-42", "c2", 8000},
    {2024_y / 3 / 21, "app-dev-42", "c2", 8000},
    {2024_y / 3 / 22, "app-dev-7", "x1", 300},
};

int fail(std::string_view what, const Error& e) {
  return example::fail("api_manager", what, e);
}

}  // namespace

int main(int argc, char** argv) {
  std::string db, catalog_path = TOLLGATE_EXAMPLE_DIR "/catalog.json";
  bool manual = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--db" && i + 1 < argc)
      db = argv[++i];
    else if (arg == "--catalog" && i + 1 < argc)
      catalog_path = argv[++i];
    else if (arg == "--manual")
      manual = true;
  }
  if (db.empty()) {
    std::cerr << "usage: api_manager --db FILE [--catalog FILE] [--manual]\n"
                 "  (Stripe: set STRIPE_API_BASE and STRIPE_SECRET_KEY, e.g. with "
                 "scripts/with_stripe_fake.sh)\n";
    return 2;
  }

  // --- one payment provider per API provider: Stripe on its own account, or ManualProvider ----
  // (make_provider in ../common/example_support.hpp: `std::make_unique<ManualProvider>()`
  // or StripeProvider::create(config, transport) with config.connected_account set.)
  stripe::BeastTransport transport(
      stripe::BeastTransportOptions{"", true, {}});  // plain HTTP to loopback only
  std::map<std::string, std::unique_ptr<PaymentProvider>> providers;
  for (const auto& p : kPublishers) {
    auto made = example::make_provider(manual, transport, [&](stripe::StripeConfig& c) {
      c.connected_account = p.stripe_account;
      c.platform_fee_percent = Decimal(p.fee_percent);
      // Where a provider finishes its Stripe onboarding: the gateway's page,
      // which asks StripeProvider::onboarding_link for Stripe's form.
      c.onboarding_url = "https://gateway.example/connect?account={ACCOUNT}";
    });
    if (!made) return fail("provider", made.error());
    providers[p.organization] = std::move(made).value();
  }

  // --- storage and the catalog ------------------------------------------------------------
  auto opened = sqlite::SqliteStore::open(db);
  if (!opened) return fail("store", opened.error());
  sqlite::SqliteStore& store = **opened;
  std::string catalog_text = example::read_file(catalog_path);
  if (auto r = store.put_catalog("api-tiers-v1", catalog_text); !r)
    return fail("catalog", r.error());
  BillingService billing(store);
  auto catalog = billing.catalog("api-tiers-v1");
  if (!catalog) return fail("catalog", catalog.error());

  // Each provider's paid tier becomes a product and prices on its own Stripe
  // account, once that account can take charges; the one that cannot is told
  // what is missing and where to finish (a MerchantNotice, e-mailed here).
  std::cout << "== The paid tier, published per API provider\n";
  auto tell_provider = [](const MerchantNotice& n) {
    std::cout << "notice to " << n.organization.organization_id << ": " << n.reason
              << ", finish at " << n.action_url << "\n";
  };
  for (const auto& p : kPublishers) {
    auto published =
        publish_for_merchant(*providers[p.organization], **catalog, "USD",
                             {p.organization, "gateway"}, 2024_y / 3 / 1, tell_provider);
    if (!published) {
      std::cout << p.organization << ": not published: " << published.error().message << "\n";
      continue;
    }
    std::cout << p.organization << ": published on " << p.stripe_account << " ("
              << providers[p.organization]->name() << ", gateway fee " << p.fee_percent << "%)\n";
    for (const auto& [product, id] : published->products)
      std::cout << "  product " << product << " -> " << id << "\n";
    for (const auto& [price, id] : published->prices)
      std::cout << "  price   " << price << " -> " << id << "\n";
  }

  // --- developers subscribe: each becomes a customer, then a subscription ---------------
  std::cout << "\n== Developers\n";
  for (const auto& dev : kDevelopers) {
    PaymentProvider& provider = *providers[dev.publisher];
    auto customer =
        provider.create_customer({dev.account, dev.account + "@example.test", dev.name, {}});
    if (!customer) {
      std::cerr << "api_manager: customer: " << customer.error().message << "\n";
      return 1;
    }
    StoredAccount account;
    account.account = {dev.account, "USD", "UTC", std::nullopt};
    account.catalog = "api-tiers-v1";
    account.customer_id = customer->id;
    account.payment_method_id = dev.payment_method;
    account.organization = {dev.publisher, "gateway"};
    if (auto r = billing.open_account(account); !r) return fail("account", r.error());
    std::cout << "  " << std::left << std::setw(12) << dev.account << std::setw(22) << dev.name
              << std::setw(12) << dev.publisher << customer->id << "\n";
  }

  // --- the daily job at 00:00 UTC, and each day's traffic --------------------------------
  RunOptions options;
  options.notify = [](const Notification& n) {
    if (n.kind == NotificationKind::period_ending)
      std::cout << "  " << to_string(n.on) << " notice to the publisher: " << n.account_id
                << "'s period ends on " << to_string(*n.date) << "\n";
    else if (n.kind == NotificationKind::payment_failed)
      std::cout << "  " << to_string(n.on) << " payment failed: " << n.account_id << " ("
                << n.invoice_id << ")\n";
  };
  // Each developer is charged on its API provider's Stripe account.
  options.provider_for = [&](const StoredAccount& a) -> PaymentProvider* {
    auto found = providers.find(a.organization.organization_id);
    return found == providers.end() ? nullptr : found->second.get();
  };
  BillingRun daily(store, *providers.begin()->second, options);
  std::cout << "\n== Daily runs, 2024-03-10 .. 2024-04-10\n";
  for (Date day = 2024_y / 3 / 10; !(2024_y / 4 / 10 < day); day = add_days(day, 1)) {
    auto report = daily.run(Instant{date::sys_days(day)});  // 00:00 UTC
    if (!report) return fail("run", report.error());
    for (const auto& e : report->errors)
      std::cerr << "  run error: " << e.code << ": " << e.message << "\n";
    if (day == 2024_y / 3 / 10)
      for (const auto& dev : kDevelopers) {
        Operation subscribe;
        subscribe.date = day;
        subscribe.type = OperationType::create;
        subscribe.subscription = dev.account + "-gold";
        subscribe.plan = "gold-api";
        if (auto r = billing.apply(dev.account, subscribe,
                                   Instant{date::sys_days(day)} + std::chrono::hours(9));
            !r)
          return fail("subscribe", r.error());
      }
    for (const auto& c : kCalls)
      if (c.on == day) {
        UsageEvent calls{c.account + "-gold", "api_calls", Decimal(c.quantity), day, c.id, ""};
        if (auto r = billing.record_usage(std::span(&calls, 1)); !r)
          return fail("usage", r.error());
      }
  }

  // --- what happened ---------------------------------------------------------------------
  std::cout << "\n== Invoices\n";
  for (const auto& dev : kDevelopers) {
    auto invoices = store.invoices_of(dev.account);
    if (!invoices) return fail("invoices", invoices.error());
    for (const auto& inv : *invoices) {
      auto attempts = store.attempts_of(inv.id);
      std::cout << "invoice " << std::left << std::setw(12) << dev.account
                << to_string(inv.invoice.date) << " " << std::right << std::setw(8)
                << inv.invoice.total().to_fixed(2) << " " << std::left << std::setw(7)
                << to_string(inv.status) << " attempts " << (attempts ? attempts->size() : 0)
                << "\n";
    }
  }
  std::cout << "\n== Charges (each attempt, with the provider's charge id)\n";
  for (const auto& dev : kDevelopers) {
    auto invoices = store.invoices_of(dev.account);
    if (!invoices) return fail("invoices", invoices.error());
    for (const auto& inv : *invoices) {
      auto attempts = store.attempts_of(inv.id);
      if (!attempts) return fail("attempts", attempts.error());
      std::string merchant;
      for (const auto& p : kPublishers)
        if (p.organization == dev.publisher) merchant = p.stripe_account;
      for (const auto& a : *attempts)
        std::cout << "charge " << std::left << std::setw(22) << inv.id << " #" << a.attempt << " "
                  << to_string(a.scheduled_on) << " " << std::setw(10) << to_string(a.status)
                  << std::setw(16) << (a.charge_id.empty() ? "-" : a.charge_id) << std::setw(16)
                  << (a.failure.empty() ? "-" : a.failure) << " on " << merchant << "\n";
    }
  }
  std::cout << "\n== The gateway asks before each call (2024-04-10)\n";
  for (const auto& dev : kDevelopers) {
    auto entitled = billing.is_entitled(dev.account, "GoldAPI", 2024_y / 4 / 10);
    if (!entitled) return fail("entitlement", entitled.error());
    std::cout << "access " << std::left << std::setw(12) << dev.account
              << (*entitled ? "allowed" : "refused") << "\n";
  }
  return 0;
}
