// `tollgate import`, `run` and `export` over a database file.

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tollgate/billing_service.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

#include "../support/cli_runner.hpp"
#include "../support/peer.hpp"

using tollgate::test::data;
using tollgate::test::tollgate_cli;
namespace json = boost::json;

TEST_CASE(
    "a scenario imported into a database and run day by day bills the invoices of the worked "
    "example") {
  std::string db = tollgate::test::temp_dir() + "/cli.db";
  auto imported =
      tollgate_cli({"import", "--db", db, "--scenario", data("examples/saas-trial/scenario.json")});
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  auto ran = tollgate_cli({"run", "--db", db, "--as-of", "2024-01-01", "--through", "2024-04-01"});
  INFO(ran.err);
  REQUIRE(ran.code == 0);
  json::array runs = json::parse(ran.out).as_array();
  CHECK(runs.size() == 92);  // Jan 1 .. Apr 1 2024: 31 + 29 + 31 + 1 days
  auto exported = tollgate_cli({"export", "--db", db, "--invoices", "acme"});
  REQUIRE(exported.code == 0);
  json::array invoices = json::parse(exported.out).as_array();
  // ../shared/examples/saas-trial: Feb 1 base 50.00 prorated + overage; then full months (worked in
  // expected.json).
  REQUIRE(invoices.size() == 3);
  CHECK(invoices[0].at("date") == "2024-02-01");
  CHECK(invoices[0].at("total") == "112.25");
  CHECK(invoices[1].at("date") == "2024-03-01");
  CHECK(invoices[1].at("total") == "162.50");
  CHECK(invoices[2].at("date") == "2024-04-01");
  CHECK(invoices[2].at("total") == "50.00");
  // Manual collection: nothing is charged; reminders go out on Feb 1, 2, 5 and 12 (dunning
  // after 1, 3 and 7 days), then February's invoice is FAILED. April's, just issued, is UNPAID
  // until `tollgate pay` records a payment.
  CHECK(invoices[0].at("status") == "FAILED");
  CHECK(invoices[2].at("status") == "UNPAID");
  // Running the last day again (as a named worker) bills nothing new.
  auto again = tollgate_cli({"run", "--db", db, "--as-of", "2024-04-01", "--worker", "billing-1"});
  REQUIRE(again.code == 0);
  CHECK(json::parse(again.out).as_array()[0].at("invoices").as_int64() == 0);
}

TEST_CASE(
    "import --catalog takes a Kill Bill XML catalog: the store keeps its JSON, and its rules where "
    "told") {
  std::string db = tollgate::test::temp_dir() + "/cli-xml.db";
  auto alone = tollgate_cli({"import", "--db", db, "--catalog", data("kill_bill/SpyCarBasic.xml")});
  INFO(alone.err);
  REQUIRE(alone.code == 0);
  CHECK(alone.out == "imported catalog SpyCarBasic\n");
  // Kill Bill keeps rules in the catalog, Tollgate per organization: not lost in silence.
  CHECK(alone.err.find("the catalog's 5 rules were not imported") != std::string::npos);
  auto exported = tollgate_cli({"export", "--db", db, "--catalog", "SpyCarBasic"});
  REQUIRE(exported.code == 0);
  json::value catalog = json::parse(exported.out);
  CHECK(catalog.at("plans").as_array().size() == 3);
  CHECK(catalog.at("plans").at(1).at("phases").at(1).at("recurring").at("price").at("USD") ==
        "500.00");

  // export --xml writes it back as Kill Bill XML, with the same prices.
  auto as_xml = tollgate_cli({"export", "--db", db, "--catalog", "SpyCarBasic", "--xml"});
  INFO(as_xml.err);
  REQUIRE(as_xml.code == 0);
  CHECK(as_xml.out.find("<catalogName>SpyCarBasic</catalogName>") != std::string::npos);
  CHECK(as_xml.out.find("<value>1000</value>") != std::string::npos);
  // A catalog with credit packages has no Kill Bill form: refused, by JSON path.
  REQUIRE(tollgate_cli({"import", "--db", db, "--catalog", data("examples/credits/catalog.json"),
                        "--version", "cr"})
              .code == 0);
  auto credits = tollgate_cli({"export", "--db", db, "--catalog", "cr", "--xml"});
  CHECK(credits.code == 1);
  CHECK(credits.err.find("credit_packages: Kill Bill's catalog has no credit packages") !=
        std::string::npos);

  auto with_rules = tollgate_cli(
      {"import", "--db", db, "--catalog", data("kill_bill/SpyCarBasic.xml"), "--version", "v2",
       "--organization", "org-1", "--tenant", "t-1", "--registered-at", "2024-01-01"});
  INFO(with_rules.err);
  REQUIRE(with_rules.code == 0);
  CHECK(with_rules.err.empty());
  auto listed = json::parse(tollgate_cli({"export", "--db", db, "--rules"}).out).as_array();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].at("organization_id") == "org-1");
  CHECK(listed[0].at("rule").at("cancelPolicy").at(0).at("billingActionPolicy") == "IMMEDIATE");
}

TEST_CASE(
    "import and export of catalogs and rule sets, bad input is refused with the field and the "
    "reason") {
  std::string db = tollgate::test::temp_dir() + "/cli.db";
  auto catalog = tollgate_cli({"import", "--db", db, "--catalog",
                               data("examples/addon-rules/catalog.json"), "--version", "v7"});
  INFO(catalog.err);
  REQUIRE(catalog.code == 0);
  auto exported = tollgate_cli({"export", "--db", db, "--catalog", "v7"});
  CHECK(exported.code == 0);
  CHECK(json::parse(exported.out).at("currencies").as_array().size() >= 1);
  auto rules =
      tollgate_cli({"import", "--db", db, "--rules", data("examples/addon-rules/rules.json"),
                    "--organization", "org-1", "--tenant", "t-1", "--registered-at", "2024-01-01"});
  INFO(rules.err);
  REQUIRE(rules.code == 0);
  auto listed = json::parse(tollgate_cli({"export", "--db", db, "--rules"}).out).as_array();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].at("organization_id") == "org-1");
  CHECK(listed[0].at("reg_dt") == "2024-01-01T00:00:00Z");

  auto bad =
      tollgate_cli({"import", "--db", db, "--catalog", data("invalid/catalog-two-problems.json")});
  CHECK(bad.code == 2);
  CHECK_FALSE(bad.err.empty());
  CHECK(tollgate_cli({"run", "--db", db}).code == 2);  // --as-of is required
  CHECK(tollgate_cli({"run", "--db", db, "--as-of", "2024-02-30"}).code == 2);
  CHECK(tollgate_cli({"export", "--db", db, "--catalog", "v8"}).code == 1);  // not stored
}

TEST_CASE(
    "pay, refund, credit and export --balance: external payments, refusals that change nothing, "
    "the account's balance and credit") {
  std::string db = tollgate::test::temp_dir() + "/money.db";
  REQUIRE(tollgate_cli({"import", "--db", db, "--scenario", data("scenarios/money.json")}).code ==
          0);
  REQUIRE(
      tollgate_cli({"run", "--db", db, "--as-of", "2024-01-01", "--through", "2024-03-01"}).code ==
      0);
  // 01-01 31.00, 02-01 31.00, 02-20 CREDIT_ADJ -10.00 (credit 10.00), 03-01 31.00 - 10.00 = 21.00.
  auto listed =
      json::parse(tollgate_cli({"export", "--db", db, "--invoices", "acme"}).out).as_array();
  REQUIRE(listed.size() == 4);
  std::string jan(listed[0].at("id").as_string()), feb(listed[1].at("id").as_string());
  CHECK(listed[2].at("total") == "-10.00");
  CHECK(listed[2].at("credit_adj") == "10.00");
  CHECK(listed[3].at("credit_adj") == "-10.00");
  CHECK(listed[3].at("balance") == "21.00");

  auto paid = tollgate_cli({"pay", "--db", db, "--invoice", jan, "--amount", "31.00", "--reference",
                            "bank-1", "--date", "2024-03-02"});
  INFO(paid.err);
  REQUIRE(paid.code == 0);
  auto payment = json::parse(paid.out);
  CHECK(payment.at("invoice_status") == "PAID");
  CHECK(payment.at("invoice_balance") == "0.00");
  std::string payment_id(payment.at("id").as_string());

  // Refused (exit 1), nothing written: an overpayment, an unknown invoice.
  auto over =
      tollgate_cli({"pay", "--db", db, "--invoice", feb, "--amount", "40.00", "--reference", "x"});
  CHECK(over.code == 1);
  CHECK(over.err.find("refused.overpayment") != std::string::npos);
  CHECK(tollgate_cli({"pay", "--db", db, "--invoice", "nope", "--amount", "1", "--reference", "x"})
            .code == 1);
  // Bad input (exit 2), naming the flag.
  auto bad =
      tollgate_cli({"pay", "--db", db, "--invoice", feb, "--amount", "abc", "--reference", "x"});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("--amount") != std::string::npos);
  auto fine =
      tollgate_cli({"pay", "--db", db, "--invoice", feb, "--amount", "1.001", "--reference", "x"});
  CHECK(fine.code == 2);
  CHECK(fine.err.find("--amount") != std::string::npos);
  CHECK(tollgate_cli({"pay", "--db", db, "--invoice", feb, "--amount", "1"}).code ==
        2);  // --reference

  // A partial refund raises January's balance again; more than the payment holds is refused.
  auto refund = tollgate_cli({"refund", "--db", db, "--payment", payment_id, "--amount", "11.00"});
  INFO(refund.err);
  REQUIRE(refund.code == 0);
  CHECK(json::parse(refund.out).at("invoice_balance") == "11.00");
  CHECK(json::parse(refund.out).at("invoice_status") == "UNPAID");
  CHECK(tollgate_cli({"refund", "--db", db, "--payment", payment_id, "--amount", "25.00"}).code ==
        1);

  auto credit = tollgate_cli({"credit", "--db", db, "--account", "acme", "--amount", "5.00",
                              "--reason", "goodwill", "--date", "2024-03-05"});
  INFO(credit.err);
  REQUIRE(credit.code == 0);
  CHECK(json::parse(credit.out).at("account_credit") == "5.00");

  // Owed: January 11.00 + February 31.00 + March 21.00, less 5.00 of credit = 58.00.
  auto balance = tollgate_cli({"export", "--db", db, "--balance", "acme"});
  REQUIRE(balance.code == 0);
  auto statement = json::parse(balance.out);
  CHECK(statement.at("credit") == "5.00");
  CHECK(statement.at("balance") == "58.00");
  CHECK(statement.at("invoices").as_array().size() == 5);
  CHECK(statement.at("invoices").at(0).at("number").as_int64() + 1 ==
        statement.at("invoices").at(1).at("number").as_int64());
  const auto& moves = statement.at("payments").as_array();
  REQUIRE(moves.size() == 2);
  CHECK(moves[0].at("kind") == "PAYMENT");
  CHECK(moves[1].at("kind") == "REFUND");
  CHECK(moves[1].at("amount") == "11.00");

  // The card charged, masked: none yet; then the provider describes it.
  CHECK(statement.at("card").is_null());
  {
    auto store = tollgate::sqlite::SqliteStore::open(db);
    REQUIRE(store.has_value());
    auto acme = *(*store)->account("acme");
    acme.payment_method_id = "pm_t";
    REQUIRE((*store)->update_account(acme));
    tollgate::BillingService billing(**store);
    REQUIRE(billing.describe_card("acme", "pm_t", tollgate::Card{"visa", "4242", 12, 2027},
                                  date::year{2024} / 3 / 1));
  }
  auto shown = json::parse(tollgate_cli({"export", "--db", db, "--balance", "acme"}).out);
  CHECK(shown.at("card") == "visa **** 4242, expires 12/2027");
}
