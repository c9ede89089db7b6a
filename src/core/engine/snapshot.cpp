// Engine snapshots: an account's engine state as JSON text, so that a store
// restores it at its last invoice and replays only what happened since.
//
// What is kept is what later billing may still read: the timeline (spans), the
// ledger entries of periods that end on or after `keep_from` plus the last one
// of each charge (where its walk resumes) and every fixed fee, usage dated on
// or after `keep_from`, credits and account credit. Anything that reaches back
// further marks the engine needs_history (EngineState::reach).
//
// kFormat names the layout. A snapshot of any other format is refused whole
// (restore's "engine.snapshot"), so an older or newer Tollgate's snapshot is
// replayed around, never misread; change kFormat with any change of layout
// or of what a field means.

#include <map>
#include <set>

#include <boost/json.hpp>

#include "model.hpp"
#include "tollgate/billing_engine.hpp"

namespace tollgate {

namespace json = boost::json;

namespace detail {

struct CreditLedgerAccess {
  static json::value write(const CreditLedger& c);
  static CreditLedger read(const json::value& v);
};

}  // namespace detail

namespace {

using namespace tollgate::detail;

// 2: payment methods on file as windows, and the blocks waiting for a card.
// 3: usage of summed metrics kept as a total per day ("summed"). A format-2
//    snapshot is a format-3 one that summed nothing, so it is still read.
constexpr std::int64_t kFormat = 3;
constexpr std::int64_t kOldestReadable = 2;

json::value date_or_null(const std::optional<Date>& d) {
  return d ? json::value(to_string(*d)) : json::value(nullptr);
}

json::value int_or_null(const std::optional<int>& i) {
  return i ? json::value(*i) : json::value(nullptr);
}

// Reading: a malformed snapshot throws inside restore(), which turns any
// throw into "engine.snapshot"; nothing is read half.
struct Malformed {
  std::string what;
};

Date date_of(const json::value& v) {
  auto d = parse_date(v.as_string());
  if (!d) throw Malformed{"a date"};
  return *d;
}

std::optional<Date> optional_date(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  return date_of(v);
}

std::optional<int> optional_int(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  return static_cast<int>(v.as_int64());
}

Decimal decimal_of(const json::value& v) {
  auto d = Decimal::parse(v.as_string());
  if (!d) throw Malformed{"an amount"};
  return *d;
}

std::string text_of(const json::value& v) {
  return std::string(v.as_string());
}

json::array write_windows(const std::vector<DateWindow>& windows) {
  json::array out;
  for (const auto& w : windows) out.push_back(json::array{to_string(w.start), date_or_null(w.end)});
  return out;
}

// Under a versioned catalog a span also names its plan's version, by its
// effective date: the name alone would be read as the latest version's plan.
json::array write_spans(const EngineState& s, const Subscription& sub) {
  json::array spans;
  for (const auto& span : sub.spans) {
    json::array a{span.id,
                  span.plan->name,
                  to_string(span.start),
                  date_or_null(span.end),
                  to_string(span.phase_anchor),
                  span.restarted,
                  int_or_null(span.bill_cycle_day),
                  int_or_null(span.account_bill_cycle_day)};
    if (!s.catalog->earlier_versions.empty())
      a.push_back(date_or_null(version_of(s, *span.plan).effective_date));
    spans.push_back(std::move(a));
  }
  return spans;
}

// The plan a snapshot's span names, in the version it names.
const Plan* read_span_plan(const EngineState& s, const json::array& a) {
  if (s.catalog->earlier_versions.empty()) {
    if (a.size() > 8) throw Malformed{"a span of a versioned catalog"};
    return s.catalog->find_plan(a.at(1).as_string());
  }
  // Written before the catalog had versions: which one it meant is unknown.
  if (a.size() < 9 || a.at(8).is_null()) throw Malformed{"a span without its catalog version"};
  Date effective = date_of(a.at(8));
  for (const Catalog* version : s.catalog->versions())
    if (version->effective_date == effective) return version->find_plan(a.at(1).as_string());
  throw Malformed{"a span of an unknown catalog version"};
}

json::array write_timeline(const Subscription& sub) {
  json::array marks;
  for (const auto& m : sub.invoiced_timeline)
    marks.push_back(json::array{m.span, m.phase, to_string(m.start), date_or_null(m.end),
                                m.kind == SegmentKind::billable ? 0 : 1, m.bill_cycle_day});
  return marks;
}

// The metrics every usage price of the catalog aggregates by SUM. Their
// samples may be kept as a total per day: a sum of day totals is the sum of
// the events, and a day lies in one usage period whatever its billing period.
std::set<std::string, std::less<>> summed_metrics(const Catalog& catalog) {
  std::set<std::string, std::less<>> summed, other;
  for (const Catalog* version : catalog.versions())
    for (const auto& plan : version->plans)
      for (const auto& phase : plan.phases)
        for (const auto& usage : phase.usages)
          (usage.aggregation == Aggregation::sum ? summed : other).insert(usage.metric);
  for (const auto& m : other) summed.erase(m);
  return summed;
}

// Usage dated on or after `keep_from`, in the order it was recorded, the
// events of a summed metric folded into the first of their day (so a
// 36-month-old account's snapshot holds 35 day totals, not every call).
json::array write_usage(const Subscription& sub, const Date& keep_from,
                        const std::set<std::string, std::less<>>& summed) {
  std::vector<UsageRecord> kept;
  std::map<std::pair<Date, std::string_view>, std::size_t> day_total;  // its place in `kept`
  for (const auto& u : sub.usage) {
    if (u.on < keep_from) continue;
    if (!summed.contains(u.metric)) {
      kept.push_back(u);
      continue;
    }
    auto [at, fresh] = day_total.try_emplace({u.on, u.metric}, kept.size());
    if (fresh)
      kept.push_back({u.on, u.metric, u.quantity, ""});
    else
      kept[at->second].quantity += u.quantity;
  }
  json::array usage;
  for (const auto& u : kept)
    usage.push_back(json::array{to_string(u.on), u.metric, u.quantity.to_string(), u.value_key});
  return usage;
}

bool same_charge(const ItemKey& a, const ItemKey& b) {
  return a.subscription == b.subscription && a.span == b.span && a.phase == b.phase &&
         a.type == b.type && a.usage == b.usage;
}

// The ledger entries later billing may read, and per subscription the latest
// end of the billed recurring items left out (charged_through's floor).
json::array write_ledger(const EngineState& s, const Date& keep_from,
                         std::map<std::string, Date>& floors) {
  json::array ledger;
  for (auto it = s.ledger.begin(); it != s.ledger.end(); ++it) {
    const auto& [key, billed] = *it;
    auto next = std::next(it);
    bool last_of_charge = next == s.ledger.end() || !same_charge(key, next->first);
    bool ended = !(keep_from < std::max(billed.end, billed.effective_end));
    if (key.type != InvoiceItemType::fixed && ended && !last_of_charge) {
      if (key.type == InvoiceItemType::recurring && billed.amount.sign() > 0) {
        auto [at, fresh] = floors.emplace(key.subscription, billed.effective_end);
        if (!fresh && at->second < billed.effective_end) at->second = billed.effective_end;
      }
      continue;
    }
    ledger.push_back(json::array{key.subscription, key.span, key.phase, static_cast<int>(key.type),
                                 key.usage, to_string(key.start), billed.amount.to_string(),
                                 billed.quantity.to_string(), to_string(billed.end),
                                 to_string(billed.effective_end), billed.repaired.to_string(),
                                 billed.in_advance});
  }
  return ledger;
}

// The earliest start of a usage period not billed yet: its usage is kept
// whatever its age (an annual usage period is billed from all of its year),
// and so is everything from there on.
Date unbilled_usage_from(const EngineState& s, Date keep_from) {
  for (const auto& sub : s.subscriptions)
    for (const auto& seg : segments_of(s, sub)) {
      if (seg.kind != SegmentKind::billable || seg.phase->usages.empty()) continue;
      if (seg.end && !(keep_from < *seg.end)) continue;
      for (const auto& usage : seg.phase->usages) {
        // Where the walk of this usage charge resumes: after its last billed period.
        ItemKey after{sub.id,          seg.span->id,
                      seg.phase_index, InvoiceItemType::usage,
                      usage.name,      Date(date::year::max() / 12 / 31)};
        Date from = seg.start;
        if (auto it = s.ledger.lower_bound(after); it != s.ledger.begin()) {
          --it;
          if (same_charge(it->first, after) && !(it->first.start < seg.start))
            from = std::max(seg.start, it->second.end);
        }
        keep_from = std::min(keep_from, from);
      }
    }
  return keep_from;
}

json::value write_state(const EngineState& s, Date keep_from) {
  keep_from = unbilled_usage_from(s, keep_from);
  std::map<std::string, Date> floors;
  json::array ledger = write_ledger(s, keep_from, floors);
  auto summed = summed_metrics(*s.catalog);
  json::array subscriptions;
  for (const auto& sub : s.subscriptions) {
    std::optional<Date> floor = sub.charged_through_floor;
    if (auto f = floors.find(sub.id); f != floors.end() && (!floor || *floor < f->second))
      floor = f->second;
    json::object o;
    o["id"] = sub.id;
    o["product"] = sub.product->name;
    o["base"] = sub.base ? json::value(*sub.base) : json::value(nullptr);
    o["spans"] = write_spans(s, sub);
    o["paused_since"] = date_or_null(sub.paused_since);
    o["cancel_effective"] = date_or_null(sub.cancel_effective);
    o["flags"] = json::array{sub.cancelled_with_base, sub.ended_by_change, sub.paused_with_base};
    o["usage"] = write_usage(sub, keep_from, summed);
    o["rerate_from"] = date_or_null(sub.rerate_from);
    o["timeline"] = write_timeline(sub);
    o["charged_through_floor"] = date_or_null(floor);
    o["blocked_without_card"] = write_windows(sub.blocked_without_card);
    subscriptions.push_back(std::move(o));
  }
  json::array credit_adjs;
  for (const auto& item : s.pending_credit_adjs)
    credit_adjs.push_back(json::array{to_string(item.start), item.amount.to_string()});
  json::array credit_ids;
  for (const auto& id : s.account_credit_ids) credit_ids.push_back(json::value(id));

  json::object out;
  out["format"] = kFormat;
  out["account"] = s.account.id;
  out["currency"] = s.account.currency.code();
  out["bill_cycle_day"] = int_or_null(s.account.bill_cycle_day);
  out["keep_from"] = to_string(keep_from);
  out["payment_methods"] = write_windows(s.payment_methods);
  out["last_operation"] = date_or_null(s.last_operation);
  out["next_span_id"] = s.next_span_id;
  out["subscriptions"] = std::move(subscriptions);
  out["ledger"] = std::move(ledger);
  out["credits"] = CreditLedgerAccess::write(s.credits);
  out["account_credit"] = s.account_credit.balance().to_string();
  out["pending_credit_adjs"] = std::move(credit_adjs);
  out["account_credit_ids"] = std::move(credit_ids);
  json::array summed_out;
  for (const auto& m : summed) summed_out.push_back(json::value(m));
  out["summed"] = std::move(summed_out);
  return out;
}

std::vector<DateWindow> read_windows(const json::value& v) {
  std::vector<DateWindow> out;
  for (const auto& w : v.as_array())
    out.push_back({date_of(w.as_array().at(0)), optional_date(w.as_array().at(1))});
  return out;
}

void read_subscription(EngineState& s, const json::object& o) {
  Subscription sub;
  sub.id = text_of(o.at("id"));
  if (!o.at("base").is_null()) sub.base = text_of(o.at("base"));
  for (const auto& v : o.at("spans").as_array()) {
    const auto& a = v.as_array();
    Span span;
    span.id = static_cast<int>(a.at(0).as_int64());
    span.plan = read_span_plan(s, a);
    if (!span.plan) throw Malformed{"an unknown plan"};
    span.start = date_of(a.at(2));
    span.end = optional_date(a.at(3));
    span.phase_anchor = date_of(a.at(4));
    span.restarted = a.at(5).as_bool();
    span.bill_cycle_day = optional_int(a.at(6));
    span.account_bill_cycle_day = optional_int(a.at(7));
    sub.spans.push_back(span);
  }
  if (sub.spans.empty()) throw Malformed{"a subscription without spans"};
  // The product as the version of its latest plan has it.
  sub.product = version_of(s, *sub.spans.back().plan).find_product(o.at("product").as_string());
  if (!sub.product) throw Malformed{"an unknown product"};
  sub.paused_since = optional_date(o.at("paused_since"));
  sub.cancel_effective = optional_date(o.at("cancel_effective"));
  const auto& flags = o.at("flags").as_array();
  sub.cancelled_with_base = flags.at(0).as_bool();
  sub.ended_by_change = flags.at(1).as_bool();
  sub.paused_with_base = flags.at(2).as_bool();
  for (const auto& v : o.at("usage").as_array()) {
    const auto& a = v.as_array();
    sub.usage.push_back(
        {date_of(a.at(0)), text_of(a.at(1)), decimal_of(a.at(2)), text_of(a.at(3))});
  }
  sub.by_date.resize(sub.usage.size());
  for (std::size_t i = 0; i < sub.by_date.size(); ++i) sub.by_date[i] = i;
  std::stable_sort(sub.by_date.begin(), sub.by_date.end(),
                   [&](std::size_t a, std::size_t b) { return sub.usage[a].on < sub.usage[b].on; });
  sub.rerate_from = optional_date(o.at("rerate_from"));
  for (const auto& v : o.at("timeline").as_array()) {
    const auto& a = v.as_array();
    SegmentMark m;
    m.span = static_cast<int>(a.at(0).as_int64());
    m.phase = static_cast<int>(a.at(1).as_int64());
    m.start = date_of(a.at(2));
    m.end = optional_date(a.at(3));
    m.kind = a.at(4).as_int64() == 0 ? SegmentKind::billable : SegmentKind::blocked;
    m.bill_cycle_day = static_cast<int>(a.at(5).as_int64());
    sub.invoiced_timeline.push_back(m);
  }
  sub.charged_through_floor = optional_date(o.at("charged_through_floor"));
  sub.blocked_without_card = read_windows(o.at("blocked_without_card"));
  s.subscriptions.push_back(std::move(sub));
}

void read_ledger(EngineState& s, const json::array& ledger) {
  for (const auto& v : ledger) {
    const auto& a = v.as_array();
    ItemKey key;
    key.subscription = text_of(a.at(0));
    key.span = static_cast<int>(a.at(1).as_int64());
    key.phase = static_cast<int>(a.at(2).as_int64());
    auto type = a.at(3).as_int64();
    if (type < 0 || type > static_cast<int>(InvoiceItemType::credit_adj))
      throw Malformed{"an item type"};
    key.type = static_cast<InvoiceItemType>(type);
    key.usage = text_of(a.at(4));
    key.start = date_of(a.at(5));
    BilledItem billed{decimal_of(a.at(6)), decimal_of(a.at(7)),  date_of(a.at(8)),
                      date_of(a.at(9)),    decimal_of(a.at(10)), a.at(11).as_bool()};
    s.ledger.emplace(std::move(key), billed);
  }
}

void read_state(EngineState& s, const json::object& o) {
  auto format = o.at("format").as_int64();
  if (format < kOldestReadable || format > kFormat) throw Malformed{"another format version"};
  // Day totals are only as good as the SUM they were made for: a catalog
  // that now counts, maxes or dedups one of those metrics needs the events.
  if (format >= 3)
    if (const auto& folded = o.at("summed").as_array(); !folded.empty()) {
      auto summed = summed_metrics(*s.catalog);  // only for a snapshot that summed some
      for (const auto& m : folded)
        if (!summed.contains(m.as_string()))
          throw Malformed{"usage summed by day for a metric no longer summed"};
    }
  if (o.at("account").as_string() != s.account.id) throw Malformed{"another account"};
  if (o.at("currency").as_string() != s.account.currency) throw Malformed{"another currency"};
  s.account.bill_cycle_day = optional_int(o.at("bill_cycle_day"));
  s.kept_from = date_of(o.at("keep_from"));
  s.payment_methods = read_windows(o.at("payment_methods"));
  s.last_operation = optional_date(o.at("last_operation"));
  s.next_span_id = static_cast<int>(o.at("next_span_id").as_int64());
  for (const auto& sub : o.at("subscriptions").as_array()) read_subscription(s, sub.as_object());
  read_ledger(s, o.at("ledger").as_array());
  s.credits = CreditLedgerAccess::read(o.at("credits"));
  s.account_credit = AccountCredit(decimal_of(o.at("account_credit")));
  for (const auto& v : o.at("pending_credit_adjs").as_array()) {
    InvoiceItem item;
    item.type = InvoiceItemType::credit_adj;
    item.start = date_of(v.as_array().at(0));
    item.amount = decimal_of(v.as_array().at(1));
    s.pending_credit_adjs.push_back(item);
  }
  for (const auto& v : o.at("account_credit_ids").as_array())
    s.account_credit_ids.insert(text_of(v));
}

}  // namespace

namespace detail {

json::value CreditLedgerAccess::write(const CreditLedger& c) {
  json::array lots, entries, references;
  for (const auto& lot : c.lots_)
    lots.push_back(
        json::array{lot.reference, lot.remaining.to_string(), date_or_null(lot.expires)});
  for (const auto& e : c.entries_)
    entries.push_back(json::array{to_string(e.date), static_cast<int>(e.kind),
                                  e.credits.to_string(), e.reference});
  for (const auto& r : c.references_) references.push_back(json::value(r));
  return json::object{{"lots", lots}, {"entries", entries}, {"references", references}};
}

CreditLedger CreditLedgerAccess::read(const json::value& v) {
  CreditLedger c;
  const auto& o = v.as_object();
  for (const auto& lot : o.at("lots").as_array()) {
    const auto& a = lot.as_array();
    c.lots_.push_back({text_of(a.at(0)), decimal_of(a.at(1)), optional_date(a.at(2))});
  }
  for (const auto& entry : o.at("entries").as_array()) {
    const auto& a = entry.as_array();
    auto kind = a.at(1).as_int64();
    if (kind < 0 || kind > static_cast<int>(CreditEntryKind::expiry))
      throw Malformed{"a credit entry kind"};
    c.entries_.push_back({date_of(a.at(0)), static_cast<CreditEntryKind>(kind), decimal_of(a.at(2)),
                          text_of(a.at(3))});
  }
  for (const auto& r : o.at("references").as_array()) c.references_.insert(text_of(r));
  return c;
}

}  // namespace detail

std::string BillingEngine::snapshot(const Date& keep_from) const {
  return json::serialize(write_state(*state_, keep_from));
}

Result<BillingEngine> BillingEngine::restore(std::shared_ptr<const Catalog> catalog, RuleSet rules,
                                             Account account, std::string_view snapshot) {
  auto opened = open(std::move(catalog), std::move(rules), std::move(account));
  if (!opened) return unexpected(opened.error());
  EngineState& s = *opened->state_;
  try {
    boost::system::error_code ec;
    json::value parsed = json::parse(snapshot, ec);
    if (ec) throw Malformed{"malformed JSON"};
    read_state(s, parsed.as_object());
  } catch (const Malformed& m) {
    return make_error(errors::engine_snapshot, "not a usable snapshot: " + m.what);
  } catch (const std::exception& e) {  // a field missing or of another kind
    return make_error(errors::engine_snapshot, std::string("not a usable snapshot: ") + e.what());
  }
  return opened;
}

bool BillingEngine::needs_history() const noexcept {
  return state_->needs_history;
}

}  // namespace tollgate
