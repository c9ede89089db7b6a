// tollgate::core alone: a month billed, 50.00 x 12/31 = 19.35.
#include <tollgate/billing_engine.hpp>

#include <iostream>

int main() {
  using namespace date::literals;
  auto catalog = tollgate::load_catalog(R"({"name": "c", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}],
    "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "50.00"}}}]}]})");
  if (!catalog) return 1;
  auto engine = tollgate::BillingEngine::open(std::make_shared<const tollgate::Catalog>(*catalog),
                                              {}, {"acme", "USD", "UTC", 1});
  if (!engine || !engine->create_subscription("s1", "p", 2024_y / 1 / 20)) return 2;
  auto invoice = engine->invoice(2024_y / 1 / 20);
  if (!invoice || invoice->total() != *tollgate::Decimal::parse("19.35")) return 3;
  std::cout << "core_only ok\n";
  return 0;
}
