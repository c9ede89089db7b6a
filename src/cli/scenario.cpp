#include "scenario.hpp"

#include <set>

#include "../core/json_reader.hpp"
#include "../core/operation_reader.hpp"
#include "catalog_document.hpp"
#include "cli.hpp"
#include "tollgate/time_zone.hpp"

namespace tollgate::cli {
namespace {

using detail::ObjectReader;
namespace json = detail::json;

class ScenarioLoader {
 public:
  ScenarioLoader(std::filesystem::path base_dir,
                 std::function<Result<std::string>(const std::string&)> read)
      : base_dir_(std::move(base_dir)), read_(read ? std::move(read) : read_file) {}

  Result<Scenario, Problems> load(std::string_view text) {
    TOLLGATE_ASSIGN_OR_RETURN(auto doc, detail::parse_json(text));
    ObjectReader root(doc, "$", problems_);
    if (!root.is_object()) return unexpected(std::move(problems_));

    std::optional<RuleSet> catalog_rules;
    if (auto catalog_text = document(root, "catalog", true)) {
      auto catalog = load_catalog_document(*catalog_text);
      if (catalog) {
        scenario_.catalog = std::make_shared<const Catalog>(std::move(catalog->catalog));
        scenario_.catalog_json = std::move(catalog->json);
        catalog_rules = std::move(catalog->rules);
      } else {
        prefixed("catalog", catalog.error());
      }
    }
    if (catalog_rules && !root.has("rules")) scenario_.rules = std::move(*catalog_rules);
    if (auto rules_text = document(root, "rules", false)) {
      auto rules = load_rules(*rules_text);
      if (rules)
        scenario_.rules = std::move(rules).value();
      else
        prefixed("rules", rules.error());
    }
    read_account(root);
    scenario_.until = root.date("until", true).value_or(Date{});
    if (const json::array* events = root.array("events", true))
      for (std::size_t i = 0; i < events->size(); ++i) read_event((*events)[i], i);
    if (root.has("until") && !scenario_.events.empty() &&
        scenario_.until < scenario_.events.back().date)
      root.problem("until",
                   "is before the last event's date " + to_string(scenario_.events.back().date));
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
    // An XML catalog's problems have XML paths: "catalog:/catalog/plans/...".
    for (const auto& p : inner)
      problems_.push_back({p.path == "$"             ? prefix
                           : p.path.starts_with("/") ? prefix + ":" + p.path
                                                     : prefix + "." + p.path,
                           p.reason});
  }

  void read_account(ObjectReader& root) {
    const json::value* v = root.field("account", true);
    if (!v) return;
    ObjectReader r(*v, "account", problems_);
    Account& a = scenario_.account;
    a.id = r.string("id", true).value_or("");
    if (auto currency = r.string("currency", true)) {
      a.currency = *currency;
      if (auto c = a.currency.checked(); !c)
        r.problem("currency", c.error().message);
      else if (scenario_.catalog &&
               std::find(scenario_.catalog->currencies.begin(), scenario_.catalog->currencies.end(),
                         *currency) == scenario_.catalog->currencies.end())
        r.problem("currency", "the catalog does not sell in " + *currency);
    }
    if (auto zone = r.string("time_zone")) {
      a.time_zone = *zone;
      if (auto z = TimeZone::locate(*zone); !z) r.problem("time_zone", z.error().message);
    }
    if (auto bcd = r.integer("bill_cycle_day", false, 1, 31))
      a.bill_cycle_day = static_cast<int>(*bcd);
    r.reject_unknown_fields();
  }

  void read_event(const json::value& v, std::size_t index) {
    ObjectReader r(v, detail::path_index("events", index), problems_);
    ScenarioEvent e;
    e.index = index;
    bool date_read = false;
    if (!detail::read_operation(r, e, &date_read)) return;
    if (date_read) {
      if (last_date_ && e.date < *last_date_)
        r.problem("date", to_string(e.date) + " is before the previous event's date " +
                              to_string(*last_date_) + " (events must not go backwards)");
      else
        last_date_ = e.date;
    }
    check_references(r, e);
    r.reject_unknown_fields();
    scenario_.events.push_back(std::move(e));
  }

  // What the operation names must exist: the plan and package in the catalog,
  // the subscription in an earlier create event.
  void check_references(ObjectReader& r, const ScenarioEvent& e) {
    const Catalog* catalog = scenario_.catalog.get();
    if (catalog && !e.plan.empty() && !catalog->find_plan(e.plan))
      r.problem("plan", "unknown plan \"" + e.plan + "\"");
    if (catalog && !e.package.empty() && !catalog->find_credit_package(e.package))
      r.problem("package", "unknown credit package \"" + e.package + "\"");
    if (e.base && !created_.contains(*e.base))
      r.problem("base", "unknown subscription \"" + *e.base + "\"");
    if (e.type == OperationType::create) {
      if (!e.subscription.empty()) created_.insert(e.subscription);
    } else if (!e.subscription.empty() && !created_.contains(e.subscription)) {
      r.problem("subscription",
                "unknown subscription \"" + e.subscription + "\" (no earlier create event)");
    }
  }

  std::filesystem::path base_dir_;
  std::function<Result<std::string>(const std::string&)> read_;
  Problems problems_;
  Scenario scenario_;
  std::optional<Date> last_date_;
  std::set<std::string> created_;
};

}  // namespace

Result<Scenario, Problems> load_scenario(
    std::string_view json, const std::filesystem::path& base_dir,
    const std::function<Result<std::string>(const std::string&)>& read) {
  return ScenarioLoader(base_dir, read).load(json);
}

}  // namespace tollgate::cli
