// Usage: Kill Bill's usage records, with the tracking id as the idempotency key.

#include <algorithm>
#include <charconv>
#include <map>

#include "api.hpp"
#include "credentials.hpp"

namespace tollgate::server::detail {
namespace {

bool metered(const Catalog& catalog, const std::string& metric) {
  for (const auto& plan : catalog.plans)
    for (const auto& phase : plan.phases)
      for (const auto& usage : phase.usages)
        if (usage.metric == metric) return true;
  return false;
}

// The service names a refused event "usage[i]: reason"; the client is told
// the path of its own record ("unitUsageRecords[0].usageRecords[2]").
Response usage_refused(const Error& e, const std::vector<std::string>& paths) {
  std::size_t i = 0;
  auto parsed = std::from_chars(e.message.data() + std::min<std::size_t>(6, e.message.size()),
                                e.message.data() + e.message.size(), i);
  auto colon = e.message.find(": ");
  if (e.message.rfind("usage[", 0) != 0 || parsed.ec != std::errc{} || i >= paths.size() ||
      colon == std::string::npos)
    return failure(e);
  Response r = failure(e);
  if (r.status != 400) return r;
  std::string reason = e.message.substr(colon + 2);
  return failure(400, e.code, paths[i] + ": " + reason, Problems{{paths[i], reason}});
}

}  // namespace

Response record_usage(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  auto subscription_id = r.string("subscriptionId", true);
  auto tracking_id = r.text("trackingId");
  const json::array* units = r.array("unitUsageRecords", true);
  r.reject_unknown_fields();
  if (auto bad = problems_response(problems)) return *bad;
  auto sub = owned(s, ctx, ObjectType::subscription, *subscription_id);
  if (!sub) return std::move(sub).error();
  auto account = s.billing.account(sub->account_id);
  if (!account) return failure(account.error());
  auto zone = zone_of(*account);
  if (!zone) return std::move(zone).error();
  auto catalog = s.service.catalog(account->catalog);
  if (!catalog) return failure(catalog.error());

  // Without a tracking id every call counts; with one, a retry counts nothing.
  std::string tracking = tracking_id.value_or(uuid4());
  std::vector<UsageEvent> events;
  std::vector<std::string> paths;  // of each event's record, for a refusal
  for (std::size_t i = 0; i < units->size(); ++i) {
    ObjectReader unit((*units)[i], tollgate::detail::path_index("unitUsageRecords", i), problems);
    auto type = unit.string("unitType", true);
    const json::array* records = unit.array("usageRecords", true);
    unit.reject_unknown_fields();
    if (type && !metered(**catalog, *type))
      unit.problem("unitType", "no usage price of the catalog meters \"" + *type + "\"");
    if (!type || !records) continue;
    for (std::size_t j = 0; j < records->size(); ++j) {
      ObjectReader rec((*records)[j], tollgate::detail::path_index(unit.path_of("usageRecords"), j),
                       problems);
      auto when = rec.string("recordDate", true);
      const json::value* amount = rec.field("amount", true);
      rec.reject_unknown_fields();
      std::optional<Decimal> quantity;
      if (amount) quantity = read_amount(*amount, rec.path_of("amount"), problems);
      if (quantity && quantity->sign() < 0) rec.problem("amount", "must not be negative");
      if (!when || !quantity) continue;
      auto on = parse_kb_date(*when, rec.path_of("recordDate"), *zone);
      if (!on) {
        rec.problem("recordDate", "\"" + *when + "\" is neither a date nor a date-time");
        continue;
      }
      events.push_back(UsageEvent{
          .subscription = sub->id,
          .metric = *type,
          .quantity = *quantity,
          .occurred_on = *on,
          .id = tracking + "/" + std::to_string(i) + "/" + std::to_string(j),  // retries repeat it
          .value_key = ""});
      paths.push_back(tollgate::detail::path_index(unit.path_of("usageRecords"), j));
    }
  }
  if (auto bad = problems_response(problems)) return *bad;

  auto fresh = s.tenants.record_tracking_id(ctx.tenant.id, tracking, sub->id);
  if (!fresh) return failure(fresh.error());
  if (!*fresh) return Response{200, {}, {}};  // a retry: already counted
  auto stored = s.service.record_usage(events);
  if (!stored) return usage_refused(stored.error(), paths);
  return Response{201, {}, {}};
}

Response get_usage(Server& s, Ctx& ctx) {
  auto sub = owned(s, ctx, ObjectType::subscription, ctx.param("subscriptionId"));
  if (!sub) return std::move(sub).error();
  auto account = s.billing.account(sub->account_id);
  if (!account) return failure(account.error());
  auto zone = zone_of(*account);
  if (!zone) return std::move(zone).error();
  std::optional<Date> start, end;
  for (auto [name, out] : {std::pair{"startDate", &start}, std::pair{"endDate", &end}}) {
    auto text = ctx.query.get(name);
    if (!text || text->empty()) continue;
    auto d = parse_kb_date(*text, name, *zone);
    if (!d) return std::move(d).error();
    *out = *d;
  }
  // An index range of the dates asked for, not the subscription's whole history.
  auto usage = s.billing.usage_between(sub->id, start, end);
  if (!usage) return failure(usage.error());
  std::optional<std::string> only = ctx.optional_param("unitType");
  std::map<std::string, Decimal> totals;  // by unit type
  if (only) totals[*only] = Decimal();
  for (const auto& e : *usage)
    if (!only || e.metric == *only) totals[e.metric] += e.quantity;
  json::array units;
  for (const auto& [type, amount] : totals)
    units.push_back(json::object{{"unitType", type}, {"amount", amount_json(amount)}});
  return json_response(200, json::object{{"subscriptionId", sub->id},
                                         {"startDate", date_or_null(start)},
                                         {"endDate", date_or_null(end)},
                                         {"rolledUpUnits", std::move(units)}});
}

}  // namespace tollgate::server::detail
