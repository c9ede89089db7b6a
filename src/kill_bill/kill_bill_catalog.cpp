// Kill Bill's XML catalog, translated to the catalog and rules JSON formats.
//
// The translation walks the XML once. Each JSON value it makes is recorded with
// the XML path it came from, so that what load_catalog() and load_rules() find
// wrong in the JSON is reported where the operator has to fix it: in the XML.
// Every element is either translated, refused with the reason, or (a display
// name) ignored on purpose; an element nobody knows is refused too.

#include "tollgate/kill_bill_catalog.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <pugixml.hpp>
#include <set>
#include <utility>
#include <vector>

namespace tollgate {
namespace {

namespace json = boost::json;

// Elements that only name things for display: read by nobody.
constexpr std::array<std::string_view, 1> kIgnored = {"prettyName"};

std::string trimmed(const char* text) {
  std::string_view s(text);
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::string text_of(pugi::xml_node node) {
  return trimmed(node.child_value());
}

// "path" + separator + "name", in one allocation.
std::string joined(std::string_view path, char separator, std::string_view name) {
  std::string out;
  out.reserve(path.size() + 1 + name.size());
  out.append(path).push_back(separator);
  out.append(name);
  return out;
}

class Translator {
 public:
  Result<KillBillCatalog, Problems> translate(std::string_view xml) {
    pugi::xml_document doc;
    auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed)
      return unexpected(Problems{{"/", "malformed XML: " + std::string(parsed.description()) +
                                           " at offset " + std::to_string(parsed.offset)}});
    if (pugi::xml_node versioned = doc.child("catalogs")) return translate_versions(versioned);
    pugi::xml_node root = doc.child("catalog");
    if (!root)
      return unexpected(
          Problems{{"/", "malformed XML: the root element is neither <catalog> nor <catalogs>"}});
    read_catalog(root, "/catalog");
    if (!problems_.empty()) return unexpected(std::move(problems_));
    return validated(catalog_);
  }

 private:
  // Kill Bill's versioned catalog, as its GET /1.0/kb/catalog/xml writes it
  // (what a team leaving it exports): each <version> is read as a catalog, and
  // together they are one catalog of several versions. Tollgate keeps one
  // rule set for all of them: the latest version's. An earlier version whose
  // rules differ is refused rather than billed by rules it did not have.
  Result<KillBillCatalog, Problems> translate_versions(pugi::xml_node root) {
    const std::string path = "/catalogs";
    root_path_ = path;
    check_children(root, path, {"versions", "catalogName"});
    check_children(root.child("versions"), path + "/versions", {"version"});
    std::vector<pugi::xml_node> versions;
    for (auto v : root.child("versions").children("version")) versions.push_back(v);
    if (versions.empty()) return unexpected(Problems{{path + "/versions", "no <version>"}});
    json::array documents;
    std::vector<std::pair<std::string, std::string>> rules;  // each version's text, and its path
    for (std::size_t i = 0; i < versions.size(); ++i) {
      Translator one;
      std::string at = path_of(versions[i], path + "/versions");
      one.read_catalog(versions[i], at);
      problems_.insert(problems_.end(), one.problems_.begin(), one.problems_.end());
      // The JSON document of several versions names each one's fields "[i].name".
      std::string prefix = versions.size() > 1 ? "[" + std::to_string(i) + "]" : "";
      if (!prefix.empty()) record(prefix, at);
      for (auto& [json_path, xml_path] : one.xml_path_of_)
        record(prefix.empty() ? json_path : joined(prefix, '.', json_path), xml_path);
      rules.emplace_back(json::serialize(one.rules_), at + "/rules");
      if (i + 1 == versions.size()) rules_ = std::move(one.rules_);
      documents.push_back(std::move(one.catalog_));
    }
    for (std::size_t i = 0; i + 1 < rules.size(); ++i)
      if (rules[i].first != rules.back().first)
        problem(rules[i].second,
                "differ from the latest version's rules: Tollgate keeps one rule set for every "
                "version of a catalog");
    if (!problems_.empty()) return unexpected(std::move(problems_));
    if (documents.size() == 1) return validated(documents.front());
    return validated(documents);
  }

  // --- Paths ---------------------------------------------------------------

  // An element's path: by its name attribute where it has one, by its place
  // among same-named siblings where there are several, else by its name.
  static std::string path_of(pugi::xml_node node, const std::string& parent) {
    std::string path = parent + "/" + node.name();
    if (auto name = node.attribute("name")) return path + "[@name='" + name.value() + "']";
    int place = 0, same = 0;
    for (auto sibling : node.parent().children(node.name())) {
      ++same;
      if (sibling == node) place = same;
    }
    return same > 1 ? path + "[" + std::to_string(place) + "]" : path;
  }

  void problem(const std::string& path, std::string reason) {
    problems_.push_back({path, std::move(reason)});
  }

  void record(std::string json_path, std::string xml_path) {
    xml_path_of_[std::move(json_path)] = std::move(xml_path);
  }

  // Every child element must be one of `known`; an ignored one passes, an
  // unknown one is a problem. Text-only elements have no children to check.
  void check_children(pugi::xml_node node, const std::string& path,
                      std::initializer_list<std::string_view> known) {
    for (auto child : node.children()) {
      if (child.type() != pugi::node_element) continue;
      std::string_view name = child.name();
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      if (std::find(kIgnored.begin(), kIgnored.end(), name) != kIgnored.end()) continue;
      problem(path_of(child, path), unsupported_reason(name));
    }
  }

  static std::string unsupported_reason(std::string_view element) {
    static const std::map<std::string_view, std::string_view> kReasons = {
        {"plansAllowedInBundle",
         "plansAllowedInBundle is not supported: Tollgate does not limit "
         "the plans of a bundle"},
        {"blocks", "usage blocks outside tiers are not supported"},
        {"fixedPrice", "a fixed price on a usage or tier is not supported"},
        {"recurringPrice", "a recurring price on a usage or tier is not supported"},
    };
    if (auto it = kReasons.find(element); it != kReasons.end()) return std::string(it->second);
    return "unknown element <" + std::string(element) + ">";
  }

  // --- The catalog ---------------------------------------------------------

  void read_catalog(pugi::xml_node root, const std::string& path) {
    check_children(root, path,
                   {"effectiveDate", "catalogName", "recurringBillingMode", "currencies", "units",
                    "products", "rules", "plans", "priceLists"});
    // Each of these is read once: a second one would be dropped, so it is refused.
    for (const char* single : {"effectiveDate", "catalogName", "recurringBillingMode", "currencies",
                               "units", "products", "rules", "plans", "priceLists"}) {
      auto all = root.children(single);
      if (std::distance(all.begin(), all.end()) > 1)
        problem(path + "/" + single, "appears more than once (Kill Bill's schema has one)");
    }
    if (auto name = root.child("catalogName")) {
      catalog_["name"] = text_of(name);
      record("name", path + "/catalogName");
    } else {
      problem(path + "/catalogName", "required element is missing");
    }
    if (auto effective = root.child("effectiveDate")) {
      // Kill Bill's is a date-time; a catalog version starts on a date.
      std::string when = text_of(effective);
      catalog_["effective_date"] = when.substr(0, 10);
      record("effective_date", path + "/effectiveDate");
    }
    if (auto mode = root.child("recurringBillingMode")) default_mode_ = text_of(mode);
    json::array currencies;
    for (auto c : root.child("currencies").children("currency"))
      currencies.push_back(json::string(text_of(c)));
    catalog_["currencies"] = std::move(currencies);
    record("currencies", path + "/currencies");
    check_children(root.child("currencies"), path + "/currencies", {"currency"});
    for (auto unit : root.child("units").children("unit"))
      units_.insert(unit.attribute("name").value());
    check_children(root.child("units"), path + "/units", {"unit"});
    read_price_lists(root.child("priceLists"), path + "/priceLists");
    read_products(root.child("products"), path + "/products");
    read_plans(root.child("plans"), path + "/plans");
    read_rules(root.child("rules"), path + "/rules");
  }

  void read_products(pugi::xml_node products, const std::string& path) {
    check_children(products, path, {"product"});
    // Kill Bill lists on each base the add-ons it takes and includes; the JSON
    // lists on each add-on the bases it joins. One pass collects, the next inverts.
    std::map<std::string, json::array> available_on, included_in;
    for (auto product : products.children("product")) {
      json::string base(product.attribute("name").value());
      for (auto addon : product.child("available").children("addonProduct"))
        available_on[text_of(addon)].push_back(base);
      for (auto addon : product.child("included").children("addonProduct"))
        included_in[text_of(addon)].push_back(base);
    }
    json::array out;
    for (auto product : products.children("product")) {
      std::string p = path_of(product, path);
      std::string jp = "products[" + std::to_string(out.size()) + "]";
      check_children(product, p, {"category", "included", "available", "limits"});
      check_children(product.child("included"), p + "/included", {"addonProduct"});
      check_children(product.child("available"), p + "/available", {"addonProduct"});
      json::object o;
      std::string name = product.attribute("name").value();
      o["name"] = name;
      o["category"] = text_of(product.child("category"));
      // An add-on no base lists is one Kill Bill never sells: available for none.
      if (o["category"].as_string() == "ADD_ON") {
        o["available_for"] = available_on[name];
        if (auto in = included_in.find(name); in != included_in.end()) {
          o["included_in"] = in->second;
          record(jp + ".included_in", p);
        }
      }
      if (auto limits = product.child("limits"))
        o["limits"] = read_limits(limits, p + "/limits", jp);
      record(jp, p);
      record(jp + ".category", p + "/category");
      record(jp + ".available_for", p);
      out.push_back(std::move(o));
    }
    // What a product includes or takes must be an ADD_ON: the JSON keeps the
    // lists on the add-ons, so any other name would be dropped on the way.
    for (auto product : products.children("product"))
      for (const char* list : {"included", "available"})
        for (auto addon : product.child(list).children("addonProduct")) {
          auto target = products.find_child_by_attribute("product", "name", text_of(addon).c_str());
          std::string at = path_of(product, path) + "/" + list + "/addonProduct";
          if (!target)
            problem(at, "unknown product \"" + text_of(addon) + "\"");
          else if (text_of(target.child("category")) != "ADD_ON")
            problem(at, "product \"" + text_of(addon) + "\" is not an ADD_ON");
        }
    catalog_["products"] = std::move(out);
  }

  // Each plan is in exactly one price list; the JSON says which on the plan.
  void read_price_lists(pugi::xml_node lists, const std::string& path) {
    check_children(lists, path, {"defaultPriceList", "childPriceList"});
    auto add = [&](pugi::xml_node list, const std::string& lp, const std::string& name) {
      check_children(list, lp, {"plans"});
      check_children(list.child("plans"), lp + "/plans", {"plan"});
      for (auto plan : list.child("plans").children("plan")) {
        auto [at, fresh] = price_list_of_.emplace(text_of(plan), PriceListAt{name, lp});
        if (!fresh)
          problem(lp + "/plans/plan", "plan \"" + text_of(plan) + "\" is already in price list \"" +
                                          at->second.name + "\": a plan is in one price list");
      }
    };
    add(lists.child("defaultPriceList"), path + "/defaultPriceList",
        std::string(kDefaultPriceList));
    for (auto child : lists.children("childPriceList")) {
      std::string name = child.attribute("name").value();
      std::string lp = path_of(child, path);
      if (name.empty() || name == kDefaultPriceList) {
        problem(lp, "a child price list needs a name of its own (DEFAULT is the default list's)");
        continue;
      }
      add(child, lp, name);
    }
  }

  void read_plans(pugi::xml_node plans, const std::string& path) {
    check_children(plans, path, {"plan"});
    json::array out;
    for (auto plan : plans.children("plan")) {
      std::string p = path_of(plan, path);
      std::string name = plan.attribute("name").value();
      std::string jp = "plans[" + std::to_string(out.size()) + "]";
      check_children(plan, p,
                     {"effectiveDateForExistingSubscriptions", "product", "recurringBillingMode",
                      "initialPhases", "finalPhase"});
      auto list = price_list_of_.find(name);
      std::string mode = plan.child("recurringBillingMode")
                             ? text_of(plan.child("recurringBillingMode"))
                             : default_mode_;
      json::object o;
      o["name"] = name;
      o["product"] = text_of(plan.child("product"));
      // Kill Bill: "Invalid product for plan". Checked here, with the other
      // XML mistakes, rather than only by the JSON loader after them.
      if (!plan.parent()
               .parent()
               .child("products")
               .find_child_by_attribute("product", "name", text_of(plan.child("product")).c_str()))
        problem(p + "/product", "unknown product \"" + text_of(plan.child("product")) + "\"");
      if (list == price_list_of_.end())
        o["price_list"] = nullptr;  // in no price list: Kill Bill sells it by its name only
      else if (list->second.name != kDefaultPriceList) {
        o["price_list"] = list->second.name;
        record(jp + ".price_list", list->second.path);
      }
      if (auto existing = plan.child("effectiveDateForExistingSubscriptions")) {
        // A date-time in Kill Bill; existing subscriptions move on its date.
        o["effective_date_for_existing_subscriptions"] = text_of(existing).substr(0, 10);
        record(jp + ".effective_date_for_existing_subscriptions",
               p + "/effectiveDateForExistingSubscriptions");
      }
      record(jp, p);
      record(jp + ".product", p + "/product");
      json::array phases;
      check_children(plan.child("initialPhases"), p + "/initialPhases", {"phase"});
      for (auto phase : plan.child("initialPhases").children("phase")) {
        std::string pp = path_of(phase, p + "/initialPhases");
        // Kill Bill: "Initial Phase ... cannot be of type EVERGREEN".
        if (std::string_view(phase.attribute("type").value()) == "EVERGREEN")
          problem(pp + "/@type", "an initial phase cannot be EVERGREEN (only the final one)");
        phases.push_back(
            read_phase(phase, pp, jp + ".phases[" + std::to_string(phases.size()) + "]", mode));
      }
      if (auto final_phase = plan.child("finalPhase")) {
        // Kill Bill: "Final Phase ... cannot be of type TRIAL".
        if (std::string_view(final_phase.attribute("type").value()) == "TRIAL")
          problem(p + "/finalPhase/@type", "the final phase cannot be TRIAL");
        phases.push_back(read_phase(final_phase, p + "/finalPhase",
                                    jp + ".phases[" + std::to_string(phases.size()) + "]", mode));
      } else
        problem(p + "/finalPhase", "required element is missing");
      record(jp + ".phases", p);
      o["phases"] = std::move(phases);
      out.push_back(std::move(o));
    }
    catalog_["plans"] = std::move(out);
  }

  json::object read_phase(pugi::xml_node phase, const std::string& p, const std::string& jp,
                          const std::string& mode) {
    check_children(phase, p, {"duration", "fixed", "recurring", "usages"});
    record(jp, p);
    json::object o;
    o["type"] = phase.attribute("type").value();
    record(jp + ".type", p + "/@type");
    if (auto duration = phase.child("duration")) read_duration(duration, p + "/duration", jp, o);
    if (auto fixed = phase.child("fixed")) {
      check_children(fixed, p + "/fixed", {"fixedPrice"});
      if (auto type = fixed.attribute("type"); type && std::string_view(type.value()) != "ONE_TIME")
        problem(p + "/fixed/@type", "only ONE_TIME fixed prices are supported");
      json::object prices =
          read_prices(fixed.child("fixedPrice"), p + "/fixed/fixedPrice", jp + ".fixed");
      if (!prices.empty()) o["fixed"] = std::move(prices);  // an empty price is none
    }
    if (auto recurring = phase.child("recurring")) {
      std::string rp = p + "/recurring";
      check_children(recurring, rp, {"billingPeriod", "recurringPrice"});
      json::object r;
      r["billing_period"] = text_of(recurring.child("billingPeriod"));
      record(jp + ".recurring.billing_period", rp + "/billingPeriod");
      if (!mode.empty()) r["billing_mode"] = mode;
      r["price"] = read_prices(recurring.child("recurringPrice"), rp + "/recurringPrice",
                               jp + ".recurring.price");
      record(jp + ".recurring", rp);
      o["recurring"] = std::move(r);
    }
    if (auto usages = phase.child("usages")) {
      check_children(usages, p + "/usages", {"usage"});
      json::array out;
      json::array limits;  // of every usage section: the phase's, in the JSON
      for (auto usage : usages.children("usage")) {
        std::string up = path_of(usage, p + "/usages");
        if (auto l = usage.child("limits"))
          for (auto& limit : read_limits(l, up + "/limits", jp)) limits.push_back(limit);
        // A section of limits alone prices nothing: Kill Bill checks it, never bills it.
        if (!usage.attribute("usageType") && !usage.child("tiers")) {
          check_children(usage, up, {"billingPeriod", "limits"});
          continue;
        }
        if (auto u = read_usage(usage, up, jp + ".usages[" + std::to_string(out.size()) + "]"))
          out.push_back(std::move(*u));
      }
      o["usages"] = std::move(out);
      if (!limits.empty()) o["limits"] = std::move(limits);
    }
    return o;
  }

  // Kill Bill's <limits>: a unit and its <min>, <max> or both, as the JSON's limits.
  json::array read_limits(pugi::xml_node limits, const std::string& p, const std::string& jp) {
    check_children(limits, p, {"limit"});
    json::array out;
    for (auto limit : limits.children("limit")) {
      std::string lp = path_of(limit, p);
      check_children(limit, lp, {"unit", "min", "max"});
      std::string unit = text_of(limit.child("unit"));
      if (!units_.count(unit))
        problem(lp + "/unit", "unknown unit \"" + unit + "\" (declare it in <units>)");
      json::object o{{"unit", unit}};
      for (const char* bound : {"min", "max"})
        if (auto b = limit.child(bound)) o[bound] = text_of(b);
      record(jp + ".limits", lp);
      out.push_back(std::move(o));
    }
    return out;
  }

  void read_duration(pugi::xml_node duration, const std::string& p, const std::string& jp,
                     json::object& phase) {
    check_children(duration, p, {"unit", "number"});
    std::string unit = text_of(duration.child("unit"));
    std::string number = text_of(duration.child("number"));
    if (unit == "UNLIMITED") {  // lasts until cancelled: no duration in the JSON
      // Kill Bill: "Duration can only have 'UNLIMITED' unit if the number is omitted".
      if (duration.child("number") && number != "-1")
        problem(p + "/number",
                "an UNLIMITED duration has no number (or -1), not \"" + number + "\"");
      return;
    }
    if (!duration.child("number")) {
      // Kill Bill: "Finite Duration must have a well defined length".
      problem(p, "a " + unit + " duration needs its <number>");
      return;
    }
    int length = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), length);
    if (ec != std::errc() || end != number.data() + number.size()) {
      problem(p + "/number", "must be a whole number, not \"" + number + "\"");
      return;
    }
    phase["duration"] = json::object{{"unit", unit}, {"length", length}};
    record(jp + ".duration", p);
    record(jp + ".duration.unit", p + "/unit");
    record(jp + ".duration.length", p + "/number");
  }

  // <price><currency>USD</currency><value>1.00</value></price>... as {"USD": "1.00"}.
  json::object read_prices(pugi::xml_node prices, const std::string& p, const std::string& jp) {
    check_children(prices, p, {"price"});
    json::object out;
    record(jp, p);
    for (auto price : prices.children("price")) {
      std::string pp = path_of(price, p);
      check_children(price, pp, {"currency", "value"});
      std::string currency = text_of(price.child("currency"));
      if (out.contains(currency)) problem(pp + "/currency", "a second price in " + currency);
      out[currency] = text_of(price.child("value"));
      record(joined(jp, '.', currency), joined(pp, '/', "value"));
    }
    return out;
  }

  // --- Usage -----------------------------------------------------------------
  //
  // A CONSUMABLE, IN_ARREAR usage of one unit maps to a usage price:
  //  - one tier of one block of size 1: PER_UNIT at the block's price;
  //  - one tier of one block of size N: PACKAGE of N (a started block is billed whole);
  //  - several tiers of one block of size 1 each, ALL_TIERS: GRADUATED, each
  //    tier's `max` (blocks in that tier) added up into the JSON's `up_to`;
  //  - the same under TOP_TIER: VOLUME. Kill Bill bills every unit at the
  //    first tier whose running sum of `max` holds them (the last tier when
  //    none does), which is VOLUME's "the tier that contains q" with the same
  //    `up_to` (ContiguousIntervalConsumableUsageInArrear, TOP_TIER).
  // The rest has no Tollgate equivalent yet and is refused.

  std::optional<json::object> read_usage(pugi::xml_node usage, const std::string& p,
                                         const std::string& jp) {
    check_children(usage, p, {"billingPeriod", "tiers", "limits"});
    record(jp, p);
    std::string_view type = usage.attribute("usageType").value();
    if (type != "CONSUMABLE" && type != "CAPACITY") {
      problem(p + "/@usageType",
              "unknown value \"" + std::string(type) + "\" (expected CONSUMABLE or CAPACITY)");
      return std::nullopt;
    }
    if (auto mode = usage.attribute("billingMode"); std::string_view(mode.value()) != "IN_ARREAR") {
      problem(p + "/@billingMode", "usage is billed IN_ARREAR in Tollgate");
      return std::nullopt;
    }
    if (type == "CAPACITY") return read_capacity(usage, p, jp);
    std::string_view policy = usage.attribute("tierBlockPolicy").value();
    if (policy.empty()) policy = "ALL_TIERS";
    json::object o;
    o["name"] = usage.attribute("name").value();
    o["billing_period"] = text_of(usage.child("billingPeriod"));
    record(jp + ".billing_period", p + "/billingPeriod");
    std::vector<std::pair<pugi::xml_node, std::string>> blocks;  // one per tier
    std::string tiers_path = p + "/tiers";
    check_children(usage.child("tiers"), tiers_path, {"tier"});
    for (auto tier : usage.child("tiers").children("tier")) {
      std::string tp = path_of(tier, tiers_path);
      check_children(tier, tp, {"blocks"});
      check_children(tier.child("blocks"), tp + "/blocks", {"tieredBlock"});
      auto all = tier.child("blocks").children("tieredBlock");
      if (std::distance(all.begin(), all.end()) != 1) {
        problem(tp + "/blocks", "a tier must have exactly one tieredBlock in Tollgate");
        return std::nullopt;
      }
      blocks.emplace_back(*all.begin(), tp + "/blocks/tieredBlock");
    }
    if (blocks.empty()) {
      problem(tiers_path, "a usage needs a tier");
      return std::nullopt;
    }
    std::string unit;
    for (const auto& [block, bp] : blocks) {
      check_children(block, bp, {"unit", "size", "prices", "max"});
      std::string u = text_of(block.child("unit"));
      if (!same_unit(u, unit, bp + "/unit")) return std::nullopt;
      unit = u;
    }
    o["metric"] = unit;
    if (blocks.size() == 1) {
      auto [block, bp] = blocks.front();
      std::string size = text_of(block.child("size"));
      // Under ALL_TIERS Kill Bill bills at most `max` blocks of the last tier
      // and drops the units above; under TOP_TIER the last tier takes them all.
      std::string max = text_of(block.child("max"));
      bool capped = policy == "ALL_TIERS" && block.child("max") && max != "-1";
      if (capped && size != "1" && size != "1.0") {
        problem(bp + "/max",
                "a package capped at max blocks is not supported (Kill Bill bills at most " + max +
                    " blocks and drops the units above)");
        return std::nullopt;
      }
      if (capped) {
        o["model"] = "GRADUATED";
        json::object first;
        first["up_to"] = max;
        first["unit_price"] =
            read_prices(block.child("prices"), bp + "/prices", jp + ".tiers[0].unit_price");
        record(jp + ".tiers[0]", bp);
        record(jp + ".tiers[0].up_to", bp + "/max");
        o["tiers"] = json::array{std::move(first), units_above_the_cap()};
      } else if (size == "1" || size == "1.0") {
        o["model"] = "PER_UNIT";
        o["unit_price"] = read_prices(block.child("prices"), bp + "/prices", jp + ".unit_price");
      } else {
        o["model"] = "PACKAGE";
        o["package_size"] = size;
        record(jp + ".package_size", bp + "/size");
        o["package_price"] =
            read_prices(block.child("prices"), bp + "/prices", jp + ".package_price");
      }
      return o;
    }
    if (policy != "ALL_TIERS" && policy != "TOP_TIER") {
      problem(p + "/@tierBlockPolicy",
              "unknown value \"" + std::string(policy) + "\" (expected ALL_TIERS or TOP_TIER)");
      return std::nullopt;
    }
    o["model"] = policy == "TOP_TIER" ? "VOLUME" : "GRADUATED";
    json::array tiers;
    long long up_to = 0;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      auto [block, bp] = blocks[i];
      std::string tj = jp + ".tiers[" + std::to_string(i) + "]";
      if (std::string size = text_of(block.child("size")); size != "1") {
        problem(bp + "/size",
                "tiers of blocks larger than 1 are not supported, not \"" + size + "\"");
        return std::nullopt;
      }
      json::object t;
      std::string max = text_of(block.child("max"));
      long long blocks_in_tier = -1;
      auto [end, ec] = std::from_chars(max.data(), max.data() + max.size(), blocks_in_tier);
      if (ec != std::errc() || end != max.data() + max.size() || blocks_in_tier == 0 ||
          blocks_in_tier < -1) {
        problem(bp + "/max",
                "must be a positive whole number of blocks, or -1, not \"" + max + "\"");
        return std::nullopt;
      }
      // Under TOP_TIER a quantity above every tier is billed at the last one.
      bool last_holds_the_rest = policy == "TOP_TIER" && i + 1 == blocks.size();
      if (blocks_in_tier == -1 || last_holds_the_rest) {
        t["up_to"] = nullptr;
      } else {
        up_to += blocks_in_tier;
        t["up_to"] = std::to_string(up_to);
      }
      record(tj, bp);
      record(tj + ".up_to", bp + "/max");
      t["unit_price"] = read_prices(block.child("prices"), bp + "/prices", tj + ".unit_price");
      tiers.push_back(std::move(t));
    }
    // ALL_TIERS drops the units above the last tier's max: a free tier takes them.
    if (policy == "ALL_TIERS" && !tiers.back().as_object().at("up_to").is_null())
      tiers.push_back(units_above_the_cap());
    o["tiers"] = std::move(tiers);
    return o;
  }

  // The units Kill Bill leaves unbilled above an ALL_TIERS usage's last `max`.
  json::object units_above_the_cap() const {
    json::object free;
    for (const auto& c : catalog_.at("currencies").as_array()) free[c.as_string()] = "0";
    return json::object{{"up_to", nullptr}, {"unit_price", std::move(free)}};
  }

  // A usage's next unit `u`, declared and the same as the `first` one (when
  // there was one): a Tollgate usage prices one unit.
  bool same_unit(const std::string& u, const std::string& first, const std::string& path) {
    if (!units_.count(u)) problem(path, "unknown unit \"" + u + "\" (declare it in <units>)");
    if (first.empty() || u == first) return true;
    std::string reason = "a usage prices one unit in Tollgate: \"";
    reason.append(u).append("\" after \"").append(first).append("\"");
    problem(path, std::move(reason));
    return false;
  }

  // A CAPACITY usage of one unit: Kill Bill takes the period's highest value
  // of the unit and bills the recurring price of the first tier whose limit
  // `max` holds it (ContiguousIntervalCapacityUsageInArrear; its `min` is not
  // used in billing, here either). That is VOLUME over MAX: each tier's
  // `up_to` is its `max` (-1: none), its `flat_price` the tier's price.
  std::optional<json::object> read_capacity(pugi::xml_node usage, const std::string& p,
                                            const std::string& jp) {
    json::object o;
    o["name"] = usage.attribute("name").value();
    o["billing_period"] = text_of(usage.child("billingPeriod"));
    record(jp + ".billing_period", p + "/billingPeriod");
    o["aggregation"] = "MAX";
    o["model"] = "VOLUME";
    std::string tiers_path = p + "/tiers";
    check_children(usage.child("tiers"), tiers_path, {"tier"});
    json::array tiers;
    std::string unit;
    for (auto tier : usage.child("tiers").children("tier")) {
      std::string tp = path_of(tier, tiers_path);
      std::string tj = jp + ".tiers[" + std::to_string(tiers.size()) + "]";
      check_children(tier, tp, {"limits", "recurringPrice"});
      check_children(tier.child("limits"), tp + "/limits", {"limit"});
      auto limits = tier.child("limits").children("limit");
      if (std::distance(limits.begin(), limits.end()) != 1) {
        problem(tp + "/limits", "a capacity tier must have exactly one limit in Tollgate");
        return std::nullopt;
      }
      pugi::xml_node limit = *limits.begin();
      std::string lp = tp + "/limits/limit";
      check_children(limit, lp, {"unit", "max", "min"});
      std::string u = text_of(limit.child("unit"));
      if (!same_unit(u, unit, lp + "/unit")) return std::nullopt;
      unit = u;
      json::object t;
      std::string max = text_of(limit.child("max"));
      if (max == "-1" || max == "-1.0")
        t["up_to"] = nullptr;
      else
        t["up_to"] = max;
      record(tj, tp);
      record(tj + ".up_to", lp + "/max");
      if (!tier.child("recurringPrice")) {
        problem(tp + "/recurringPrice", "required element is missing (the tier's price)");
        return std::nullopt;
      }
      t["flat_price"] =
          read_prices(tier.child("recurringPrice"), tp + "/recurringPrice", tj + ".flat_price");
      tiers.push_back(std::move(t));
    }
    if (tiers.empty()) {
      problem(tiers_path, "a usage needs a tier");
      return std::nullopt;
    }
    o["metric"] = unit;
    o["tiers"] = std::move(tiers);
    return o;
  }

  // --- Rules -------------------------------------------------------------------

  struct RuleList {
    std::string_view xml;     // changePolicy
    std::string_view action;  // the JSON action of its cases
  };

  void read_rules(pugi::xml_node rules, const std::string& path) {
    static const std::array<RuleList, 5> kLists{{{"changePolicy", "billingActionPolicy"},
                                                 {"changeAlignment", "planAlignmentChange"},
                                                 {"cancelPolicy", "billingActionPolicy"},
                                                 {"createAlignment", "planAlignmentCreate"},
                                                 {"billingAlignment", "billingAlignment"}}};
    check_children(rules, path,
                   {"changePolicy", "changeAlignment", "cancelPolicy", "createAlignment",
                    "billingAlignment", "priceList"});
    for (const auto& list : kLists) {
      pugi::xml_node node = rules.child(list.xml.data());
      if (!node) continue;
      std::string lp = path + "/" + std::string(list.xml);
      std::string case_name = std::string(list.xml) + "Case";
      check_children(node, lp, {case_name});
      json::array cases;
      for (auto c : node.children(case_name.c_str()))
        cases.push_back(read_case(c, path_of(c, lp),
                                  std::string(list.xml) + "[" + std::to_string(cases.size()) + "]",
                                  list.action));
      rules_[list.xml] = std::move(cases);
    }
    if (auto lists = rules.child("priceList")) {
      std::string lp = path + "/priceList";
      check_children(lists, lp, {"priceListCase"});
      json::array cases;
      for (auto c : lists.children("priceListCase"))
        cases.push_back(read_case(
            c, path_of(c, lp), "priceList[" + std::to_string(cases.size()) + "]", "toPriceList"));
      rules_["priceList"] = std::move(cases);
      uses_price_lists_ = true;
    }
    // Price lists are not in the rules JSON of the spec: a rule set that uses
    // them says so, and load_rules() then takes them.
    if (uses_price_lists_) rules_["with_price_lists"] = true;
  }

  // A case's conditions have the JSON's names; its action is <policy>,
  // <alignment> or (in priceList) <toPriceList>.
  json::object read_case(pugi::xml_node c, const std::string& cp, const std::string& jp,
                         std::string_view action) {
    json::object o;
    record(jp, cp);
    for (auto child : c.children()) {
      if (child.type() != pugi::node_element) continue;
      std::string_view name = child.name();
      std::string value = text_of(child);
      bool is_action = name == "policy" || name == "alignment" ||
                       (action == "toPriceList" && name == "toPriceList");
      if (name == "priceList" || name == "fromPriceList" || name == "toPriceList" ||
          value == "CHANGE_OF_PRICELIST")
        uses_price_lists_ = true;
      std::string key = is_action ? std::string(action) : std::string(name);
      o[key] = value;
      record(joined(jp, '.', key), joined(cp, '/', name));
    }
    return o;
  }

  // --- Validation through the JSON loaders ------------------------------------

  Result<KillBillCatalog, Problems> validated(const json::value& catalog_document) {
    KillBillCatalog out;
    out.catalog_json = json::serialize(catalog_document);
    out.rules_json = json::serialize(rules_);
    auto catalog = load_catalog(out.catalog_json);
    if (!catalog) add_located(catalog.error());
    auto rules = load_rules(out.rules_json);
    if (!rules) add_located(rules.error());
    if (!problems_.empty()) return unexpected(std::move(problems_));
    out.catalog = std::move(catalog).value();
    out.rules = std::move(rules).value();
    return out;
  }

  void add_located(const Problems& found) {
    for (const auto& p : found) problems_.push_back(located(p));
  }

  // The XML path of the longest recorded JSON path that `p.path` starts with;
  // what is left of the JSON path goes in front of the reason.
  Problem located(const Problem& p) const {
    std::string json_path = p.path;
    while (true) {
      if (auto it = xml_path_of_.find(json_path); it != xml_path_of_.end()) {
        std::string rest = p.path.substr(json_path.size());
        if (!rest.empty() && rest.front() == '.') rest.erase(0, 1);
        return {it->second, rest.empty() ? p.reason : rest + ": " + p.reason};
      }
      auto cut = json_path.find_last_of(".[");
      if (cut == std::string::npos || cut == 0) break;
      json_path.resize(cut);
    }
    return {root_path_, p.path + ": " + p.reason};
  }

  Problems problems_;
  std::string root_path_ = "/catalog";  ///< where a problem no element owns is reported
  json::object catalog_;
  json::object rules_;
  std::map<std::string, std::string> xml_path_of_;
  std::set<std::string> units_;
  struct PriceListAt {
    std::string name;
    std::string path;
  };
  std::map<std::string, PriceListAt> price_list_of_;  // plan name -> its price list
  std::string default_mode_;
  bool uses_price_lists_ = false;
};

}  // namespace

Result<KillBillCatalog, Problems> load_kill_bill_catalog(std::string_view xml) {
  return Translator().translate(xml);
}

bool looks_like_xml(std::string_view text) noexcept {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    // A UTF-8 byte-order mark before the declaration.
    if (static_cast<unsigned char>(c) == 0xEF || static_cast<unsigned char>(c) == 0xBB ||
        static_cast<unsigned char>(c) == 0xBF)
      continue;
    return c == '<';
  }
  return false;
}

}  // namespace tollgate
