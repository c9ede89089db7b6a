// A SaaS product with a free trial, then a monthly base charge plus usage.
//
// A customer signs up on 2024-01-01 to the basic plan (the catalog's
// basic-monthly: a 14-day trial, then 50.00 a month in arrears plus 2.25 per
// unit above 100 included units). The trial ends without a card, so the app
// refuses access. On 2024-01-20 the customer sets a card up through Stripe
// Checkout in setup mode; its signed checkout.session.completed webhook puts
// the card on file (Stripe delivers it twice: it counts once) and access comes
// back. The first month, and its included units, are prorated to the end of
// the calendar month (bill cycle day 1); later months are whole. A daily run
// at 00:00 UTC invoices and charges.
//
//   saas_trial --db FILE
// Needs STRIPE_API_BASE, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
// (scripts/with_stripe_fake.sh sets them for the loopback fake).

#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "../common/example_support.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/stripe/billing_events.hpp"
#include "tollgate/stripe/webhook.hpp"

using namespace tollgate;
using namespace date::literals;

namespace {

constexpr std::string_view kProgram = "saas_trial";
const std::string kAccount = "acme";

// The customer's usage, as the app reports it (u-2 is reported twice: a
// retry of the app's own; it counts once).
struct Units {
  Date on;
  std::string id;
  int quantity;
};
const Units kUnits[] = {
    {2024_y / 1 / 25, "u-1", 80},
    {2024_y / 2 / 10, "u-2", 150},
    {2024_y / 2 / 11, "u-2", 150},
};

Instant at(Date day, int hour) {
  return Instant{date::sys_days(day)} + std::chrono::hours(hour);
}

// Stands in for the customer on Stripe's Checkout page: the loopback fake
// completes the session and hands back the webhook Stripe would deliver.
struct Webhook {
  std::string payload;           // the raw body, exactly as signed
  std::string signature_header;  // Stripe-Signature
};

Result<Webhook> customer_completes_checkout(HttpTransport& transport,
                                            const std::string& session_id) {
  HttpRequest request{"POST",
                      example::env("STRIPE_API_BASE") + "/__complete/" + session_id,
                      {{"Authorization", "Bearer " + example::env("STRIPE_SECRET_KEY")}},
                      ""};
  auto response = transport.send(request);
  if (!response || response->status != 200)
    return make_error("example.checkout", "the fake did not complete " + session_id);
  auto delivery = boost::json::parse(response->body).as_object();
  return Webhook{std::string(delivery.at("payload").as_string()),
                 std::string(delivery.at("header").as_string())};
}

void print_invoices(BillingStore& store) {
  auto invoices = store.invoices_of(kAccount);
  if (!invoices) return;
  for (const auto& inv : *invoices) {
    auto attempts = store.attempts_of(inv.id);
    std::cout << "invoice " << to_string(inv.invoice.date) << " " << std::right << std::setw(8)
              << inv.invoice.total().to_fixed(2) << " " << std::left << std::setw(7)
              << to_string(inv.status) << " attempts " << (attempts ? attempts->size() : 0) << "\n";
    for (const auto& item : inv.invoice.items)
      std::cout << "  " << std::left << std::setw(10) << to_string(item.type)
                << to_string(item.start) << " .. "
                << (item.end ? to_string(*item.end) : std::string("          ")) << " "
                << std::right << std::setw(8) << item.amount.to_fixed(2) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string db = argc == 3 && std::string(argv[1]) == "--db" ? argv[2] : "";
  std::string webhook_secret = example::env("STRIPE_WEBHOOK_SECRET");
  if (db.empty() || webhook_secret.empty()) {
    std::cerr << "usage: saas_trial --db FILE   (with STRIPE_API_BASE, STRIPE_SECRET_KEY and "
                 "STRIPE_WEBHOOK_SECRET set, e.g. by scripts/with_stripe_fake.sh)\n";
    return 2;
  }
  stripe::BeastTransport transport(stripe::BeastTransportOptions{"", true, {}});
  auto provider = example::make_provider(false, transport);
  if (!provider) return example::fail(kProgram, "stripe", provider.error());

  auto opened = sqlite::SqliteStore::open(db);
  if (!opened) return example::fail(kProgram, "store", opened.error());
  sqlite::SqliteStore& store = **opened;
  if (auto r =
          store.put_catalog("saas-v1", example::read_file(TOLLGATE_EXAMPLE_DIR "/catalog.json"));
      !r)
    return example::fail(kProgram, "catalog", r.error());
  BillingService billing(store);

  RunOptions options;
  options.notify = [](const Notification& n) {
    if (n.kind == NotificationKind::trial_ending)
      std::cout << "  " << to_string(n.on) << " email: your trial ends on " << to_string(*n.date)
                << "\n";
    if (n.kind == NotificationKind::blocked)
      std::cout << "  " << to_string(n.on) << " email: add a card to keep using the product\n";
  };
  BillingRun daily(store, **provider, options);

  auto access = [&](Date day) -> Result<Ok> {
    auto entitled = billing.is_entitled(kAccount, "Basic", day);
    if (!entitled) return unexpected(entitled.error());
    std::cout << "  " << to_string(day) << " access " << (*entitled ? "allowed" : "refused")
              << "\n";
    return Ok{};
  };

  std::cout << "== 2024-01-01 .. 2024-04-01, a day at a time\n";
  for (Date day = 2024_y / 1 / 1; !(2024_y / 4 / 1 < day); day = add_days(day, 1)) {
    auto report = daily.run(at(day, 0));
    if (!report) return example::fail(kProgram, "run", report.error());
    for (const auto& e : report->errors)
      std::cerr << "  run error: " << e.code << ": " << e.message << "\n";

    if (day == 2024_y / 1 / 1) {  // sign-up: a Stripe customer, an account, a trial
      auto customer =
          (*provider)->create_customer({kAccount, "billing@acme.test", "Acme Corp", {}});
      if (!customer) {
        std::cerr << "saas_trial: customer: " << customer.error().message << "\n";
        return 1;
      }
      StoredAccount account;
      account.account = {kAccount, "USD", "UTC", 1};  // bill cycle day 1: calendar months
      account.catalog = "saas-v1";
      account.customer_id = customer->id;
      if (auto r = billing.open_account(account); !r)
        return example::fail(kProgram, "account", r.error());
      Operation subscribe;
      subscribe.date = day;
      subscribe.type = OperationType::create;
      subscribe.subscription = "s1";
      subscribe.plan = "basic-monthly";
      if (auto r = billing.apply(kAccount, subscribe, at(day, 9)); !r)
        return example::fail(kProgram, "sign-up", r.error());
      std::cout << "  2024-01-01 sign-up: " << customer->id << ", basic-monthly, 14-day trial\n";
    }

    if (day == 2024_y / 1 / 20) {  // the customer adds a card through Checkout (setup mode)
      auto session = (*provider)->start_payment_method_setup(
          {kAccount, store.account(kAccount)->customer_id, "usd", "https://app.test/billing/done",
           "https://app.test/billing"});
      if (!session) {
        std::cerr << "saas_trial: checkout: " << session.error().message << "\n";
        return 1;
      }
      std::cout << "  " << to_string(day) << " card set-up: send the customer to " << session->url
                << "\n";
      auto webhook = customer_completes_checkout(transport, session->id);
      if (!webhook) return example::fail(kProgram, "checkout", webhook.error());

      // The webhook endpoint: verify the raw bytes, then apply the event once.
      // A completed set-up session carries no card: ask Stripe for its
      // SetupIntent's payment method, and put that on file today.
      auto apply = [&](const stripe::Event& event) -> Result<Ok> {
        const auto* completed = std::get_if<stripe::CheckoutSessionEvent>(&event.data);
        if (!completed || event.type != "checkout.session.completed" || completed->mode != "setup")
          return stripe::apply_billing_event(billing, event);
        auto outcome = (*provider)->payment_method_setup_result(completed->id);
        if (!outcome) return make_error("example.setup", outcome.error().message);
        if (outcome->status != SetupStatus::succeeded) return Ok{};
        Operation card;
        card.date = day;
        card.type = OperationType::payment_method;
        card.id = outcome->payment_method_id;
        if (auto r = billing.apply(kAccount, card, at(day, 10)); !r) return unexpected(r.error());
        return Ok{};
      };
      stripe::WebhookVerification verification{
          300, std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count()};
      for (int delivery = 1; delivery <= 2; ++delivery) {  // Stripe delivers at least once
        auto receipt = stripe::handle_webhook(webhook->payload, webhook->signature_header,
                                              webhook_secret, verification, store, apply);
        std::cout << "  " << to_string(day) << " webhook " << receipt.event_id << " delivery "
                  << delivery << ": HTTP " << receipt.http_status << " "
                  << (receipt.delivery == Delivery::applied     ? "applied"
                      : receipt.delivery == Delivery::duplicate ? "duplicate"
                                                                : receipt.message)
                  << "\n";
      }
      std::cout << "  " << to_string(day)
                << " card on file: " << store.account(kAccount)->payment_method_id << "\n";
    }

    for (const auto& u : kUnits)
      if (u.on == day) {
        UsageEvent units{"s1", "units", Decimal(u.quantity), day, u.id, ""};
        auto r = billing.record_usage(std::span(&units, 1));
        if (!r) return example::fail(kProgram, "usage", r.error());
        std::cout << "  " << to_string(day) << " usage " << u.id << ": " << u.quantity << " units"
                  << (r->duplicates ? " (a repeat: not counted again)" : "") << "\n";
      }

    if (day == 2024_y / 1 / 10 || day == 2024_y / 1 / 16 || day == 2024_y / 1 / 21)
      if (auto r = access(day); !r) return example::fail(kProgram, "entitlement", r.error());
  }

  std::cout << "\n== Invoices of " << kAccount << "\n";
  print_invoices(store);
  return 0;
}
