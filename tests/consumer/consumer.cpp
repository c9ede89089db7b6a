// A host program as a user writes it: link Tollgate, bill a month, verify a webhook.
// Exits 0 only when the amounts are the hand-worked ones.
#include <tollgate/billing_engine.hpp>
#include <tollgate/stripe/webhook.hpp>
#include <tollgate/version.hpp>

#include <iostream>

int main() {
  using namespace date::literals;
  auto catalog = tollgate::load_catalog(R"({"name": "c", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}],
    "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "50.00"}}}]}]})");
  if (!catalog) return 1;
  auto engine = tollgate::BillingEngine::open(std::make_shared<const tollgate::Catalog>(*catalog), {},
                                              {"acme", "USD", "UTC", 1});
  if (!engine || !engine->create_subscription("s1", "p", 2024_y / 1 / 20)) return 2;
  auto invoice = engine->invoice(2024_y / 1 / 20);
  // 50.00 x 12/31 = 19.354838... -> 19.35
  if (!invoice || invoice->total() != *tollgate::Decimal::parse("19.35")) return 3;
  std::string header = tollgate::stripe::sign_webhook("{}", "whsec_consumer", 1700000000);
  if (!tollgate::stripe::verify_webhook("{}", header, "whsec_consumer", {300, 1700000001})) return 4;
  std::cout << "tollgate " << tollgate::version_string << ": consumer ok\n";
  return 0;
}
