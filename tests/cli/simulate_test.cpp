// Runs `tollgate simulate` in-process on the example scenarios (copies under
// tests/data/examples) and compares with their hand-worked expected.json, with
// the semantics of the shared checker: every expected invoice appears with its
// date and total, every expected item appears with the listed fields, no other
// invoice or non-zero item appears, and states and refused events match.

#include <boost/json.hpp>
#include <sstream>

#include <catch2/catch.hpp>

#include "../support/cli_runner.hpp"
#include "tollgate/decimal.hpp"

namespace json = boost::json;

namespace {

using Run = tollgate::test::CliRun;
using tollgate::test::data;
using tollgate::test::tollgate_cli;

tollgate::Decimal dec(const json::value& v) {
  return *tollgate::Decimal::parse(v.as_string());
}

bool is_nonzero(const json::value& item) {
  const auto* amount = item.as_object().if_contains("amount");
  return amount && !dec(*amount).is_zero();
}

bool item_matches(const json::object& want, const json::object& got) {
  for (const auto& [key, value] : want) {
    const json::value* g = got.if_contains(key);
    if (!g) return false;
    if (key == "amount" || key == "quantity") {
      if (!(dec(*g) == dec(value))) return false;
    } else if (*g != value) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> compare(const json::object& expected, const json::object& actual) {
  std::vector<std::string> problems;
  std::vector<json::object> got;
  for (const auto& inv : actual.at("invoices").as_array()) {
    const auto& items = inv.as_object().at("items").as_array();
    if (std::any_of(items.begin(), items.end(), is_nonzero)) got.push_back(inv.as_object());
  }
  for (const auto& w : expected.at("invoices").as_array()) {
    const auto& want = w.as_object();
    auto it = std::find_if(got.begin(), got.end(),
                           [&](const json::object& g) { return g.at("date") == want.at("date"); });
    std::string date(want.at("date").as_string());
    if (it == got.end()) {
      problems.push_back("missing invoice " + date);
      continue;
    }
    for (const char* field : {"total", "credit_adj", "balance"})
      if (want.contains(field) &&
          !(it->contains(field) && dec(it->at(field)) == dec(want.at(field))))
        problems.push_back("invoice " + date + ": " + field + " " +
                           (it->contains(field) ? json::serialize(it->at(field)) : "missing"));
    std::vector<json::object> items;
    for (const auto& i : it->at("items").as_array())
      if (is_nonzero(i)) items.push_back(i.as_object());
    for (const auto& wi : want.at("items").as_array()) {
      auto hit = std::find_if(items.begin(), items.end(), [&](const json::object& g) {
        return item_matches(wi.as_object(), g);
      });
      if (hit == items.end())
        problems.push_back("invoice " + date + ": no item like " + json::serialize(wi));
      else
        items.erase(hit);
    }
    for (const auto& extra : items)
      problems.push_back("invoice " + date + ": unexpected " + json::serialize(extra));
    got.erase(it);
  }
  for (const auto& extra : got)
    problems.push_back("unexpected invoice " + json::serialize(extra.at("date")));
  if (const auto* rejected = expected.if_contains("rejected")) {
    std::vector<std::int64_t> want, have;
    for (const auto& r : rejected->as_array())
      want.push_back(r.at("event").to_number<std::int64_t>());
    for (const auto& r : actual.at("rejected").as_array())
      have.push_back(r.at("event").to_number<std::int64_t>());
    if (want != have)
      problems.push_back("rejected events differ: " + json::serialize(actual.at("rejected")));
  }
  const json::array no_subscriptions;
  const auto* want_subs = expected.if_contains("subscriptions");
  for (const auto& ws : want_subs ? want_subs->as_array() : no_subscriptions) {
    const auto& subs = actual.at("subscriptions").as_array();
    auto gs = std::find_if(subs.begin(), subs.end(),
                           [&](const json::value& s) { return s.at("id") == ws.at("id"); });
    if (gs == subs.end()) {
      problems.push_back("subscription missing: " + json::serialize(ws.at("id")));
      continue;
    }
    for (const auto& [key, value] : ws.as_object())
      if (gs->as_object().if_contains(key) == nullptr || gs->at(key) != value)
        problems.push_back("subscription " + json::serialize(ws.at("id")) + ": " +
                           std::string(key));
  }
  if (const auto* credits = expected.if_contains("credits"))
    if (!(dec(actual.at("credits").at("balance")) == dec(credits->at("balance"))))
      problems.push_back("credit balance " + json::serialize(actual.at("credits").at("balance")));
  if (const auto* account = expected.if_contains("account"))
    if (!(dec(actual.at("account").at("credit")) == dec(account->at("credit"))))
      problems.push_back("account credit " + json::serialize(actual.at("account").at("credit")));
  return problems;
}

std::string read(const std::string& path) {
  auto text = tollgate::cli::read_file(path);
  REQUIRE(text.has_value());
  return *text;
}

}  // namespace

TEST_CASE("simulate reproduces every example scenario's hand-worked invoices") {
  for (const char* name :
       {"account-credit", "addon-rules", "api-metering", "credits", "saas-trial"}) {
    INFO(name);
    std::string dir = data(std::string("examples/") + name);
    Run r = tollgate_cli({"simulate", dir + "/scenario.json"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    auto actual = json::parse(r.out).as_object();
    auto expected = json::parse(read(dir + "/expected.json")).as_object();
    auto problems = compare(expected, actual);
    std::string report;
    for (const auto& p : problems) report += p + "\n";
    INFO(report);
    CHECK(problems.empty());
  }
}

TEST_CASE("the comparison itself catches a wrong amount") {
  std::string dir = data("examples/saas-trial");
  auto actual = json::parse(tollgate_cli({"simulate", dir + "/scenario.json"}).out).as_object();
  auto expected = json::parse(read(dir + "/expected.json")).as_object();
  expected["invoices"].as_array()[0].as_object()["items"].as_array()[0].as_object()["amount"] =
      "19.36";
  CHECK_FALSE(compare(expected, actual).empty());
}

TEST_CASE("the comparison itself catches a wrong credit_adj, balance or account credit") {
  std::string dir = data("examples/account-credit");
  auto actual = json::parse(tollgate_cli({"simulate", dir + "/scenario.json"}).out).as_object();
  auto expected = json::parse(read(dir + "/expected.json")).as_object();
  for (const char* field : {"credit_adj", "balance"}) {
    auto wrong = expected;
    wrong["invoices"].as_array()[2].as_object()[field] = "31.00";
    CHECK_FALSE(compare(wrong, actual).empty());
  }
  auto wrong = expected;
  wrong["account"].as_object()["credit"] = "21.00";
  CHECK_FALSE(compare(wrong, actual).empty());
}

TEST_CASE("simulate's output carries the contract's fields") {
  Run r = tollgate_cli({"simulate", data("examples/addon-rules/scenario.json")});
  REQUIRE(r.code == 0);
  auto out = json::parse(r.out).as_object();
  const auto& first = out.at("invoices").at(0).as_object();
  CHECK(first.at("date") == "2024-01-10");
  CHECK(first.at("currency") == "USD");
  CHECK(first.at("total") == "21.29");
  CHECK(first.at("credit_adj") == "0.00");
  CHECK(first.at("balance") == "21.29");
  const auto& item = first.at("items").at(0).as_object();
  CHECK(item.at("type") == "RECURRING");
  CHECK(item.at("plan") == "pro-monthly");
  CHECK(item.at("phase") == "EVERGREEN");
  CHECK(out.at("rejected").at(0).at("reason") ==
        "change from BASE to ADD_ON is ILLEGAL under changePolicy[1]");
  CHECK(out.at("subscriptions").at(0).at("charged_through") == "2024-03-01");
  CHECK(out.at("credits").at("balance") == "0");
  // The add-on's IMMEDIATE cancel on 02-15 left a -5.17 invoice; the base ends on 03-01, so no
  // later invoice used that credit.
  CHECK(out.at("account").at("credit") == "5.17");
}

TEST_CASE("bad scenarios exit 2 with every problem by path") {
  Run r = tollgate_cli({"simulate", data("invalid/scenario-bad-events.json")});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "account.time_zone: \"Mars/Base\" is not a known IANA time zone\n"
        "events[0].plan: unknown plan \"platinum-monthly\"\n"
        "events[1].date: 2024-01-01 is before the previous event's date 2024-01-03 (events must "
        "not go backwards)\n"
        "events[2].subscription: unknown subscription \"s9\" (no earlier create event)\n"
        "events[3].quantity: \"1e3\" is not a decimal number (digits, optionally '-' first and one "
        "'.' between digits)\n"
        "events[4].type: unknown value \"upgrade\" (expected one of create, change, cancel, "
        "uncancel, undo_change, pause, resume, "
        "bill_cycle_day, payment_method, payment_method_removed, usage, credit_purchase, "
        "credit_grant, account_credit)\n"
        "events[5].colour: unknown field\n");
  Run missing_catalog = tollgate_cli({"simulate", data("invalid/scenario-missing-catalog.json")});
  CHECK(missing_catalog.code == 2);
  CHECK(missing_catalog.err.find("catalog: ") == 0);
  CHECK(missing_catalog.err.find("cannot read") != std::string::npos);
  CHECK(tollgate_cli({"simulate", data("invalid/malformed.json")}).code == 2);
  CHECK(tollgate_cli({"simulate"}).code == 2);
}

TEST_CASE("refused events are listed and the scenario goes on") {
  Run r = tollgate_cli({"simulate", data("scenarios/refusals.json")});
  REQUIRE(r.code == 0);
  auto out = json::parse(r.out).as_object();
  const auto& rejected = out.at("rejected").as_array();
  REQUIRE(rejected.size() == 2);
  CHECK(rejected[0].at("event") == 2);
  CHECK(rejected[0].at("reason") ==
        "subscription \"s1\" is already cancelled (effective 2024-01-20)");
  CHECK(rejected[1].at("event") == 3);
  // The refused usage is dated after the cancel: the subscription is not entitled.
  CHECK(rejected[1].at("reason") ==
        "subscription \"s1\" is CANCELLED on 2024-01-25: usage is not accepted");
  // Only the first invoice and the repair: 31.00 for January, then -31.00 x 12/31 = -12.00.
  const auto& invoices = out.at("invoices").as_array();
  REQUIRE(invoices.size() == 2);
  CHECK(invoices[1].at("total") == "-12.00");
}

TEST_CASE("simulate bills usage dated on the stop day and lists usage it cannot bill") {
  // Trial 02-16..03-01 prices no calls: the 7 calls of 02-20 are refused (event 1).
  // Cancel IMMEDIATE on 03-20: the last period [03-01, 03-20) bills the 100 calls of 03-10
  // and the 30 of the stop day, 130 x 0.10 = 13.00; the 5 calls of 03-21 are refused (event 5).
  Run r = tollgate_cli({"simulate", data("scenarios/stop-day-usage.json")});
  REQUIRE(r.code == 0);
  auto out = json::parse(r.out).as_object();
  const auto& rejected = out.at("rejected").as_array();
  REQUIRE(rejected.size() == 2);
  CHECK(rejected[0].at("event") == 1);
  CHECK(rejected[0].at("reason") ==
        "metric \"calls\" is not priced by the TRIAL phase of plan calls on 2024-02-20");
  CHECK(rejected[1].at("event") == 5);
  CHECK(rejected[1].at("reason") ==
        "subscription \"s1\" is CANCELLED on 2024-03-21: usage is not accepted");
  const auto& invoices = out.at("invoices").as_array();
  std::vector<json::object> billed;
  for (const auto& inv : invoices)
    if (dec(inv.at("total")) != tollgate::Decimal(0)) billed.push_back(inv.as_object());
  REQUIRE(billed.size() == 1);
  CHECK(billed[0].at("date") == "2024-03-20");
  CHECK(billed[0].at("total") == "13.00");
  const auto& item = billed[0].at("items").at(0).as_object();
  CHECK(item.at("start") == "2024-03-01");
  CHECK(item.at("end") == "2024-03-20");
  CHECK(dec(item.at("quantity")) == tollgate::Decimal(130));
}

TEST_CASE("simulate takes a Kill Bill XML catalog, and its rules when the scenario has none") {
  // SpyCarBasic, GBP: the 30-day trial ends Mar 31; [Mar 31, Apr 1) is 1 of 31 days of
  // 375.00 = 12.10; April 375.00; the catalog's cancelPolicy is IMMEDIATE, so a cancel
  // on Apr 16 credits 15 of April's 30 days: -187.50.
  Run r = tollgate_cli({"simulate", data("kill_bill/spycar-scenario.json")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  json::value out = json::parse(r.out);
  const json::array& invoices = out.at("invoices").as_array();
  REQUIRE(invoices.size() == 3);
  CHECK(invoices[0].at("date") == "2024-03-31");
  CHECK(dec(invoices[0].at("total")) == *tollgate::Decimal::parse("12.10"));
  CHECK(invoices[1].at("date") == "2024-04-01");
  CHECK(dec(invoices[1].at("total")) == tollgate::Decimal(375));
  CHECK(invoices[2].at("date") == "2024-04-16");
  CHECK(dec(invoices[2].at("total")) == *tollgate::Decimal::parse("-187.50"));
}
