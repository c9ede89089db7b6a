// Account credit (balance.md), worked out by hand: negative invoices become
// credit, later invoices use it, operator credits arrive as CREDIT_ADJ items.
// In USD, JPY (no minor unit) and BHD (three decimals).

#include <catch2/catch.hpp>

#include "../support/engine_harness.hpp"
#include "tollgate/account_credit.hpp"

using namespace tollgate;
using namespace date::literals;
using tollgate::test::catalog_from;
using tollgate::test::Harness;

namespace {

const char* kCatalog = R"({"name": "credit-tests", "currencies": ["USD", "JPY", "BHD"],
  "products": [{"name": "P", "category": "BASE"}],
  "plans": [{"name": "m", "product": "P", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "30.00", "JPY": "3000", "BHD": "31.000"}}}]}]})";

Harness harness(const char* currency) {
  return Harness(catalog_from(kCatalog), {}, Account{"a", currency, "UTC", 1});
}

Decimal d(const char* s) {
  return *Decimal::parse(s);
}

struct Row {
  Date date;
  const char* total;
  const char* credit_adj;
  const char* due;
};

void check_invoices(const BillingEngine& e, const std::vector<Row>& rows) {
  const auto& invoices = e.invoices();
  REQUIRE(invoices.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("invoice " << to_string(invoices[i].date));
    CHECK(invoices[i].date == rows[i].date);
    CHECK(invoices[i].total() == d(rows[i].total));
    CHECK(invoices[i].credit_adj == d(rows[i].credit_adj));
    CHECK(invoices[i].amount_due() == d(rows[i].due));
  }
}

// balance.md's worked example: billed in advance on the 1st, paused 04-11, resumed 04-21.
void pause_and_resume(Harness& h) {
  REQUIRE(h.on(2024_y / 4 / 1,
               [](BillingEngine& e) { return e.create_subscription("s", "m", 2024_y / 4 / 1); }));
  REQUIRE(h.on(2024_y / 4 / 11, [](BillingEngine& e) { return e.pause("s", 2024_y / 4 / 11); }));
  REQUIRE(h.on(2024_y / 4 / 21, [](BillingEngine& e) { return e.resume("s", 2024_y / 4 / 21); }));
  h.bill_through(2024_y / 5 / 1);
}

}  // namespace

TEST_CASE("AccountCredit: a negative total adds credit, a positive one uses it, oldest first") {
  AccountCredit c;
  CHECK(c.settle(d("0")) == d("0"));
  CHECK(c.settle(d("-21.00")) == d("21.00"));
  CHECK(c.balance() == d("21.00"));
  CHECK(c.settle(d("5.00")) == d("-5.00"));  // uses 5.00 of it
  CHECK(c.balance() == d("16.00"));
  CHECK(c.settle(d("31.00")) == d("-16.00"));  // uses what is left; 15.00 is due
  CHECK(c.balance() == d("0"));
  CHECK(c.settle(d("31.00")) == d("0"));
}

TEST_CASE("balance.md's worked example: a pause's credit pays the resume and part of May (USD)") {
  // 04-11: -round(30.00 x 20/30) = -20.00 -> credit 20.00; 04-21: [04-21, 05-01) 10.00 uses 10.00;
  // 05-01: 30.00 uses the last 10.00 -> 20.00 due.
  Harness h = harness("USD");
  pause_and_resume(h);
  check_invoices(h.engine(), {{2024_y / 4 / 1, "30.00", "0", "30.00"},
                              {2024_y / 4 / 11, "-20.00", "20.00", "0"},
                              {2024_y / 4 / 21, "10.00", "-10.00", "0"},
                              {2024_y / 5 / 1, "30.00", "-10.00", "20.00"}});
  CHECK(h.engine().account_credit().balance() == d("0"));
}

TEST_CASE("account credit in a currency without a minor unit (JPY)") {
  // 3000 a month: 04-11 -round(3000 x 20/30) = -2000; 04-21: 3000 x 10/30 = 1000; 05-01: 3000 -
  // 1000.
  Harness h = harness("JPY");
  pause_and_resume(h);
  check_invoices(h.engine(), {{2024_y / 4 / 1, "3000", "0", "3000"},
                              {2024_y / 4 / 11, "-2000", "2000", "0"},
                              {2024_y / 4 / 21, "1000", "-1000", "0"},
                              {2024_y / 5 / 1, "3000", "-1000", "2000"}});
}

TEST_CASE("account credit in a currency with three decimals (BHD)") {
  // 31.000 a month: 04-11 -round(31 x 20/30 = 20.6666...) = -20.667; 04-21: 31 x 10/30 = 10.3333...
  // -> 10.333, paid from the credit, 10.334 left; 05-01: 31.000 - 10.334 = 20.666 due.
  Harness h = harness("BHD");
  pause_and_resume(h);
  check_invoices(h.engine(), {{2024_y / 4 / 1, "31.000", "0", "31.000"},
                              {2024_y / 4 / 11, "-20.667", "20.667", "0"},
                              {2024_y / 4 / 21, "10.333", "-10.333", "0"},
                              {2024_y / 5 / 1, "31.000", "-10.334", "20.666"}});
}

TEST_CASE("an operator's credit is a CREDIT_ADJ on that date's invoice, counted once") {
  // 01-01: 30.00. 01-10: credit 15.00 -> CREDIT_ADJ -15.00, total -15.00, credit 15.00.
  // 02-01: 30.00 uses it: 15.00 due. 03-01: 30.00 due.
  Harness h = harness("USD");
  REQUIRE(h.on(2024_y / 1 / 1,
               [](BillingEngine& e) { return e.create_subscription("s", "m", 2024_y / 1 / 1); }));
  REQUIRE(h.on(2024_y / 1 / 10, [](BillingEngine& e) -> Result<Ok> {
    auto r = e.credit_account(d("15.00"), "sla-1", 2024_y / 1 / 10);
    if (!r) return unexpected(r.error());
    CHECK(*r == Recorded::applied);
    CHECK(*e.credit_account(d("15.00"), "sla-1", 2024_y / 1 / 10) == Recorded::duplicate);
    return Ok{};
  }));
  h.bill_through(2024_y / 3 / 1);
  check_invoices(h.engine(), {{2024_y / 1 / 1, "30.00", "0", "30.00"},
                              {2024_y / 1 / 10, "-15.00", "15.00", "0"},
                              {2024_y / 2 / 1, "30.00", "-15.00", "15.00"},
                              {2024_y / 3 / 1, "30.00", "0", "30.00"}});
  const InvoiceItem& adj = h.engine().invoices()[1].items.at(0);
  CHECK(adj.type == InvoiceItemType::credit_adj);
  CHECK(adj.subscription.empty());
  CHECK(adj.amount == d("-15.00"));
  CHECK(to_string(adj.type) == "CREDIT_ADJ");
}

TEST_CASE("an operator's credit smaller than the day's charges lowers that invoice only") {
  // 02-01: RECURRING 30.00 and CREDIT_ADJ -12.50 on one invoice: total 17.50, no credit carried.
  Harness h = harness("USD");
  REQUIRE(h.on(2024_y / 1 / 1,
               [](BillingEngine& e) { return e.create_subscription("s", "m", 2024_y / 1 / 1); }));
  h.bill_through(2024_y / 1 / 31);
  REQUIRE(h.engine().credit_account(d("12.50"), "goodwill", 2024_y / 2 / 1));
  h.bill_through(2024_y / 2 / 1);
  check_invoices(h.engine(), {{2024_y / 1 / 1, "30.00", "0", "30.00"},
                              {2024_y / 2 / 1, "17.50", "0", "17.50"}});
}

TEST_CASE("an operator's credit must be positive and fit the currency's minor unit") {
  Harness usd = harness("USD");
  auto& e = usd.engine();
  CHECK(e.credit_account(d("0"), "z", 2024_y / 1 / 1).error().code == "refused.amount");
  CHECK(e.credit_account(d("-1.00"), "n", 2024_y / 1 / 1).error().code == "refused.amount");
  CHECK(e.credit_account(d("10.005"), "f", 2024_y / 1 / 1).error().code == "refused.amount");
  CHECK(e.credit_account(d("1.00"), "", 2024_y / 1 / 1).error().code == "refused.credit_id");
  // Refused ids stay free.
  CHECK(*e.credit_account(d("10.00"), "f", 2024_y / 1 / 1) == Recorded::applied);
  Harness jpy = harness("JPY");
  CHECK(jpy.engine().credit_account(d("500.5"), "y", 2024_y / 1 / 1).error().code ==
        "refused.amount");
  CHECK(*jpy.engine().credit_account(d("500"), "y", 2024_y / 1 / 1) == Recorded::applied);
  Harness bhd = harness("BHD");
  CHECK(bhd.engine().credit_account(d("1.0005"), "b", 2024_y / 1 / 1).error().code ==
        "refused.amount");
  CHECK(*bhd.engine().credit_account(d("1.005"), "b", 2024_y / 1 / 1) == Recorded::applied);
}
