#include "scenario.hpp"

#include <set>

#include "../core/json_reader.hpp"
#include "cli.hpp"
#include "tollgate/time_zone.hpp"

namespace tollgate::cli {
namespace {

using detail::EnumName;
using detail::ObjectReader;
namespace json = detail::json;

constexpr EnumName<EventType> kEventTypes[] = {
    {"create", EventType::create},
    {"change", EventType::change},
    {"cancel", EventType::cancel},
    {"uncancel", EventType::uncancel},
    {"pause", EventType::pause},
    {"resume", EventType::resume},
    {"bill_cycle_day", EventType::bill_cycle_day},
    {"payment_method", EventType::payment_method},
    {"usage", EventType::usage},
    {"credit_purchase", EventType::credit_purchase},
    {"credit_grant", EventType::credit_grant},
};

constexpr EnumName<BillingActionPolicy> kOverrides[] = {{"START_OF_TERM", BillingActionPolicy::start_of_term},
                                                        {"END_OF_TERM", BillingActionPolicy::end_of_term},
                                                        {"IMMEDIATE", BillingActionPolicy::immediate}};

class ScenarioLoader {
 public:
  ScenarioLoader(std::filesystem::path base_dir, std::function<Result<std::string>(const std::string&)> read)
      : base_dir_(std::move(base_dir)), read_(read ? std::move(read) : read_file) {}

  Result<Scenario, Problems> load(std::string_view text) {
    auto doc = detail::parse_json(text);
    if (!doc) return unexpected(std::move(doc).error());
    ObjectReader root(*doc, "$", problems_);
    if (!root.is_object()) return unexpected(std::move(problems_));

    if (auto catalog_text = document(root, "catalog", true)) {
      auto catalog = load_catalog(*catalog_text);
      if (catalog) scenario_.catalog = std::make_shared<const Catalog>(std::move(catalog).value());
      else prefixed("catalog", catalog.error());
    }
    if (auto rules_text = document(root, "rules", false)) {
      auto rules = load_rules(*rules_text);
      if (rules) scenario_.rules = std::move(rules).value();
      else prefixed("rules", rules.error());
    }
    read_account(root);
    scenario_.until = root.date("until", true).value_or(Date{});
    if (const json::array* events = root.array("events", true))
      for (std::size_t i = 0; i < events->size(); ++i) read_event((*events)[i], i);
    if (root.has("until") && !scenario_.events.empty() && scenario_.until < scenario_.events.back().date)
      root.problem("until", "is before the last event's date " + to_string(scenario_.events.back().date));
    root.reject_unknown_fields();
    if (!problems_.empty()) return unexpected(std::move(problems_));
    return std::move(scenario_);
  }

 private:
  // A referenced document: a path relative to the scenario, or an inline object.
  std::optional<std::string> document(ObjectReader& root, std::string_view key, bool required) {
    const json::value* v = root.field(key, required);
    if (!v) return std::nullopt;
    if (v->is_object()) return json::serialize(*v);
    if (!v->is_string()) {
      root.problem(key, "must be a file path or an inline object");
      return std::nullopt;
    }
    auto text = read_((base_dir_ / std::string(v->get_string())).string());
    if (!text) root.problem(key, text.error().message);
    return text ? std::optional(std::move(text).value()) : std::nullopt;
  }

  void prefixed(const std::string& prefix, const Problems& inner) {
    for (const auto& p : inner) problems_.push_back({p.path == "$" ? prefix : prefix + "." + p.path, p.reason});
  }

  void read_account(ObjectReader& root) {
    const json::value* v = root.field("account", true);
    if (!v) return;
    ObjectReader r(*v, "account", problems_);
    Account& a = scenario_.account;
    a.id = r.string("id", true).value_or("");
    if (auto currency = r.string("currency", true)) {
      a.currency = *currency;
      if (auto c = Currency::of(*currency); !c) r.problem("currency", c.error().message);
      else if (scenario_.catalog && std::find(scenario_.catalog->currencies.begin(),
                                              scenario_.catalog->currencies.end(),
                                              *currency) == scenario_.catalog->currencies.end())
        r.problem("currency", "the catalog does not sell in " + *currency);
    }
    if (auto zone = r.string("time_zone")) {
      a.time_zone = *zone;
      if (auto z = TimeZone::locate(*zone); !z) r.problem("time_zone", z.error().message);
    }
    if (auto bcd = r.integer("bill_cycle_day", false, 1, 31)) a.bill_cycle_day = static_cast<int>(*bcd);
    r.reject_unknown_fields();
  }

  void read_event(const json::value& v, std::size_t index) {
    ObjectReader r(v, detail::path_index("events", index), problems_);
    if (!r.is_object()) return;
    ScenarioEvent e;
    e.index = index;
    auto date = r.date("date", true);
    auto type = r.enumeration("type", kEventTypes, true);
    if (date) {
      e.date = *date;
      if (last_date_ && *date < *last_date_)
        r.problem("date", to_string(*date) + " is before the previous event's date " + to_string(*last_date_) +
                              " (events must not go backwards)");
      else last_date_ = date;
    }
    if (!type) return;
    e.type = *type;
    switch (e.type) {
      case EventType::create:
        e.plan = plan(r);
        e.base = r.string("base");
        if (e.base && !created_.contains(*e.base)) r.problem("base", "unknown subscription \"" + *e.base + "\"");
        e.subscription = r.string("subscription", true).value_or("");
        if (!e.subscription.empty()) created_.insert(e.subscription);
        break;
      case EventType::change:
        e.subscription = subscription(r);
        e.plan = plan(r);
        e.policy = r.enumeration("policy", kOverrides);
        break;
      case EventType::cancel:
        e.subscription = subscription(r);
        e.policy = r.enumeration("policy", kOverrides);
        break;
      case EventType::uncancel:
      case EventType::pause:
      case EventType::resume: e.subscription = subscription(r); break;
      case EventType::bill_cycle_day:
        if (r.has("subscription")) e.subscription = subscription(r);
        e.day = static_cast<int>(r.integer("day", true, 1, 31).value_or(1));
        break;
      case EventType::payment_method: e.id = r.string("id", true).value_or(""); break;
      case EventType::usage:
        e.subscription = subscription(r);
        e.metric = r.string("metric", true).value_or("");
        e.quantity = r.decimal("quantity", true).value_or(Decimal(0));
        e.id = r.string("id", true).value_or("");
        e.value_key = r.string("value_key").value_or("");
        break;
      case EventType::credit_purchase:
        e.package = r.string("package", true).value_or("");
        if (scenario_.catalog && !e.package.empty() && !scenario_.catalog->find_credit_package(e.package))
          r.problem("package", "unknown credit package \"" + e.package + "\"");
        e.id = r.string("id", true).value_or("");
        break;
      case EventType::credit_grant:
        e.credits = r.decimal("credits", true).value_or(Decimal(0));
        if (r.has("credits") && e.credits.is_zero()) r.problem("credits", "must be greater than 0");
        e.expires = r.date("expires");
        e.id = r.string("id", true).value_or("");
        break;
    }
    r.reject_unknown_fields();
    scenario_.events.push_back(std::move(e));
  }

  std::string plan(ObjectReader& r) {
    auto name = r.string("plan", true).value_or("");
    if (scenario_.catalog && !name.empty() && !scenario_.catalog->find_plan(name))
      r.problem("plan", "unknown plan \"" + name + "\"");
    return name;
  }

  std::string subscription(ObjectReader& r) {
    auto id = r.string("subscription", true).value_or("");
    if (!id.empty() && !created_.contains(id))
      r.problem("subscription", "unknown subscription \"" + id + "\" (no earlier create event)");
    return id;
  }

  std::filesystem::path base_dir_;
  std::function<Result<std::string>(const std::string&)> read_;
  Problems problems_;
  Scenario scenario_;
  std::optional<Date> last_date_;
  std::set<std::string> created_;
};

}  // namespace

Result<Scenario, Problems> load_scenario(std::string_view json, const std::filesystem::path& base_dir,
                                         const std::function<Result<std::string>(const std::string&)>& read) {
  return ScenarioLoader(base_dir, read).load(json);
}

}  // namespace tollgate::cli
