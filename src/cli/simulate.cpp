// `tollgate simulate SCENARIO.json`: applies a scenario's events day by day and
// prints every invoice up to `until` with its account credit and balance, the
// credit left, the refused events and the subscription states, as JSON on stdout.

#include <ostream>

#include <boost/json.hpp>

#include "cli.hpp"
#include "json_output.hpp"
#include "scenario.hpp"
#include "tollgate/billing_engine.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

struct Refusal {
  std::size_t event;
  std::string reason;
};

json::object status_json(const SubscriptionStatus& st) {
  json::object o;
  o["id"] = st.id;
  o["state"] = to_string(st.state);
  o["plan"] = st.plan;
  if (st.phase) o["phase"] = to_string(*st.phase);
  if (st.charged_through) o["charged_through"] = to_string(*st.charged_through);
  if (st.pending_cancel) o["pending_cancel"] = to_string(*st.pending_cancel);
  o["entitled"] = st.entitled;
  return o;
}

}  // namespace

int simulate(std::span<const std::string_view> args, Streams io) {
  if (args.size() != 1) {
    io.err << "usage: tollgate simulate SCENARIO.json\n";
    return exit_usage;
  }
  std::string path(args[0]);
  auto text = read_file(path);
  if (!text) {
    io.err << text.error().message << "\n";
    return exit_usage;
  }
  auto scenario = load_scenario(*text, std::filesystem::path(path).parent_path());
  if (!scenario) {
    for (const auto& p : scenario.error()) io.err << to_string(p) << "\n";
    return exit_usage;
  }
  auto opened = BillingEngine::open(scenario->catalog, scenario->rules, scenario->account);
  if (!opened) {
    io.err << "account: " << opened.error().message << "\n";
    return exit_usage;
  }
  BillingEngine& engine = *opened;
  const Currency& currency = scenario->account.currency;

  json::array invoices, rejected;
  // One invoice a date (the engine may issue two: before and after the day's
  // events), settled against the account credit as one (balance.md).
  AccountCredit credit;
  const auto& events = scenario->events;
  std::size_t next = 0;
  Date day = events.empty() ? scenario->until : events.front().date;
  for (; day <= scenario->until; day = add_days(day, 1)) {
    // The day's billing runs first (as a nightly run would), then the day's
    // events, then billing again for what they made due today; one invoice a date.
    Invoice today;
    today.date = day;
    today.currency = scenario->account.currency;
    auto bill = [&]() -> bool {
      auto invoice = engine.invoice(day);
      if (!invoice) {
        io.err << to_string(day) << ": " << invoice.error().message << "\n";
        return false;
      }
      today.items.insert(today.items.end(), invoice->items.begin(), invoice->items.end());
      return true;
    };
    if (!bill()) return exit_usage;
    for (; next < events.size() && events[next].date == day; ++next)
      if (auto applied = apply(engine, events[next]); !applied)
        rejected.push_back({{"event", events[next].index}, {"reason", applied.error().message}});
    if (!bill()) return exit_usage;
    if (today.empty()) continue;
    today.credit_adj = credit.settle(today.total());
    invoices.push_back(invoice_json(today, currency));
  }

  json::object out;
  out["invoices"] = std::move(invoices);
  out["account"] = {{"credit", currency.format(credit.balance())}};
  out["credits"] = {{"balance", engine.credits().balance(scenario->until).to_string()}};
  out["rejected"] = std::move(rejected);
  json::array subs;
  for (const auto& st : engine.statuses(scenario->until)) subs.push_back(status_json(st));
  out["subscriptions"] = std::move(subs);
  pretty(io.out, out);
  io.out << "\n";
  return exit_ok;
}

}  // namespace tollgate::cli
