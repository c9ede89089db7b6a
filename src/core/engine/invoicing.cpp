#include <algorithm>
#include <map>
#include <string_view>

#include "model.hpp"
#include "tollgate/billing_period.hpp"
#include "tollgate/rating.hpp"

namespace tollgate::detail {
namespace {

// One charge that should be billed, with its exact amount and due date.
struct Proposal {
  ItemKey key;
  InvoiceItem item;
  Date due;
  Decimal exact;
  const UsagePrice* usage_price = nullptr;
  bool in_advance = false;
};

// What should be billed for one subscription up to a date and is not billed
// yet: recurring periods after the last one billed, and every usage period
// (late usage re-rates it).
using Proposals = std::vector<Proposal>;

// A piece of a billing period inside a segment, measured against the whole
// BCD-aligned period that contains it.
struct Piece {
  Date start;
  Date end;
  long whole_days = 1;  ///< days of the whole period

  /// (end - start) / days of the whole period; computed only for what is proposed.
  Decimal fraction() const { return Decimal(days_between(start, end)) / Decimal(whole_days); }
  /// Whether it is the whole period: its price then needs no division (most pieces).
  bool whole() const { return days_between(start, end) == whole_days; }
};

// Walks the pieces of `seg` under a billing period from `from` (the segment's
// start, or a period boundary in it); calls `each` until it returns false.
template <class F>
void for_each_piece(const Segment& seg, BillingPeriod period, int bcd, const Date& horizon,
                    const Date& from, F each) {
  BillingCycle cycle(seg.start, period, bcd);
  Date s = from;
  while (!seg.end || s < *seg.end) {
    ServicePeriod whole = cycle.period_containing(s);
    Date e = whole.end;
    if (seg.end && *seg.end < e) e = *seg.end;
    if (!each(Piece{s, e, whole.days()})) return;
    s = e;
    if (horizon < s) return;  // nothing later can be due yet
  }
}

Decimal price_in(const PriceByCurrency& p, std::string_view currency) {
  auto it = p.find(currency);
  return it == p.end() ? Decimal(0) : it->second;
}

// Where the walk of a segment's periods for one charge (`prefix`: its
// subscription, span, phase, type and usage) resumes: the end of the last
// period billed, since periods are billed in order and those before it are all
// billed. Re-walking the billed past made a year of invoices cost O(months^2).
Date first_unbilled(const EngineState& s, const ItemKey& prefix, const Segment& seg) {
  ItemKey after = prefix;
  after.start = Date(date::year::max() / 12 / 31);
  auto it = s.ledger.lower_bound(after);
  if (it == s.ledger.begin()) return seg.start;
  --it;
  const ItemKey& k = it->first;
  bool same = k.subscription == prefix.subscription && k.span == prefix.span &&
              k.phase == prefix.phase && k.type == prefix.type && k.usage == prefix.usage;
  if (!same || k.start < seg.start) return seg.start;
  return std::max(seg.start, it->second.end);
}

// Where the usage walk of a segment starts: at its first unbilled period, or
// earlier when usage or the timeline changed since the last invoice
// (rerate_from): the period holding the day before that date is the first
// whose usage may differ (a period ending on a stop day bills that day's usage).
Date usage_walk_start(const EngineState& s, const Subscription& sub, const Segment& seg,
                      const UsagePrice& usage, int bcd) {
  ItemKey key{sub.id, seg.span->id, seg.phase_index, InvoiceItemType::usage, usage.name, seg.start};
  Date from = first_unbilled(s, key, seg);
  if (!sub.rerate_from) return from;
  Date before = add_days(*sub.rerate_from, -1);
  if (before < seg.start) return seg.start;
  if ((seg.end && !(before < *seg.end)) || !(before < from)) return from;
  ServicePeriod holding =
      BillingCycle(seg.start, usage.billing_period, bcd).period_containing(before);
  return std::max(seg.start, holding.start);
}

// The usage records a segment bills (usage_home): those dated in it, and on
// or after its end when it is where they found their home.
using HomedUsage = std::vector<const UsageRecord*>;

// An item of `sub` on `plan` for [start, end); its amount is set when proposed,
// and the caller adds what its type carries (a phase, a usage name and quantity).
InvoiceItem item_of(InvoiceItemType type, const Subscription& sub, const std::string& plan,
                    const Date& start, const std::optional<Date>& end) {
  InvoiceItem item;
  item.type = type;
  item.subscription = sub.id;
  item.plan = plan;
  item.start = start;
  item.end = end;
  return item;
}

void propose_segment(const EngineState& s, const Subscription& sub, const Segment& seg,
                     const HomedUsage& usage_records, const std::vector<Date>& usage_from,
                     const Date& horizon, Proposals& out) {
  const Phase& phase = *seg.phase;
  std::string_view currency = s.account.currency.code();
  const std::string& plan = seg.span->plan->name;
  ItemKey base{sub.id, seg.span->id, seg.phase_index, InvoiceItemType::fixed, "", seg.start};

  Decimal fixed = price_in(phase.fixed, currency);
  if (seg.starts_phase && fixed.sign() > 0 && !(horizon < seg.start) && !s.ledger.contains(base)) {
    InvoiceItem item = item_of(InvoiceItemType::fixed, sub, plan, seg.start, std::nullopt);
    item.phase = phase.type;
    out.push_back({base, item, seg.start, fixed, nullptr, false});
  }

  int bcd = bill_cycle_day_of(s, sub, seg);
  Decimal price = recurring_price(s, phase);
  if (price.sign() > 0) {
    bool advance = phase.recurring->billing_mode == BillingMode::in_advance;
    ItemKey recurring = base;
    recurring.type = InvoiceItemType::recurring;
    Date from = first_unbilled(s, recurring, seg);
    if (!seg.end || from < *seg.end)  // else billed to its end (or cut short since)
      for_each_piece(seg, phase.recurring->billing_period, bcd, horizon, from, [&](const Piece& p) {
        Date due = advance ? p.start : p.end;
        if (horizon < due) return false;
        s.reach(p.start);
        ItemKey key = recurring;
        key.start = p.start;
        if (s.ledger.contains(key)) return true;  // billed already: repair_cut_items looks at it
        InvoiceItem item = item_of(InvoiceItemType::recurring, sub, plan, p.start, p.end);
        item.phase = phase.type;
        out.push_back({key, item, due, p.whole() ? price : price * p.fraction(), nullptr, advance});
        return true;
      });
  }

  for (std::size_t i = 0; i < phase.usages.size(); ++i) {
    const UsagePrice& usage = phase.usages[i];
    for_each_piece(seg, usage.billing_period, bcd, horizon, usage_from[i], [&](const Piece& p) {
      if (horizon < p.end) return false;  // usage is always billed in arrear
      s.reach(p.start);
      bool last_piece = seg.end && p.end == *seg.end;
      std::vector<UsageSample> samples;
      for (const UsageRecord* u : usage_records)
        if (u->metric == usage.metric && p.start <= u->on && (u->on < p.end || last_piece))
          samples.push_back({u->quantity, u->value_key});
      Decimal quantity = aggregate(usage.aggregation, samples);
      auto amount = rate(usage, currency, quantity, p.fraction());
      ItemKey key = base;
      key.type = InvoiceItemType::usage;
      key.usage = usage.name;
      key.start = p.start;
      InvoiceItem item = item_of(InvoiceItemType::usage, sub, plan, p.start, p.end);
      item.usage = usage.name;
      item.quantity = quantity;
      out.push_back({key, item, p.end, amount ? *amount : Decimal::fraction(1, 0), &usage, false});
      return true;
    });
  }
}

Proposals propose(const EngineState& s, const Subscription& sub, const Segments& segments,
                  const Date& horizon) {
  auto billed = [&](const Segment& seg) {
    return seg.kind == SegmentKind::billable && !(horizon < seg.start);
  };
  // Where each usage walk starts; usage dated before the earliest of them is
  // in no period walked, so it is not even homed. (Allocated only for plans
  // with usage: invoicing a flat fee allocates as little as it can.)
  static const std::vector<Date> kNoUsage;
  static const HomedUsage kNoneHomed;
  std::vector<std::vector<Date>> usage_from;
  std::optional<Date> earliest;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!billed(segments[i]) || segments[i].phase->usages.empty()) continue;
    usage_from.resize(segments.size());
    int bcd = bill_cycle_day_of(s, sub, segments[i]);
    for (const auto& usage : segments[i].phase->usages) {
      usage_from[i].push_back(usage_walk_start(s, sub, segments[i], usage, bcd));
      if (!earliest || usage_from[i].back() < *earliest) earliest = usage_from[i].back();
    }
  }
  std::vector<HomedUsage> homed;
  if (earliest) {
    homed.resize(segments.size());
    auto first =
        std::lower_bound(sub.by_date.begin(), sub.by_date.end(), *earliest,
                         [&](std::size_t i, const Date& d) { return sub.usage[i].on < d; });
    std::vector<std::size_t> recent(first, sub.by_date.end());
    std::sort(recent.begin(), recent.end());  // back in recording order (LATEST aggregates by it)
    for (std::size_t i : recent) {
      const UsageRecord& u = sub.usage[i];
      if (auto home = usage_home(segments, u.on, u.metric, UsageHome::accepted))
        homed[*home].push_back(&u);
    }
  }
  Proposals out;
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (billed(segments[i]))
      propose_segment(s, sub, segments[i], i < homed.size() ? homed[i] : kNoneHomed,
                      i < usage_from.size() ? usage_from[i] : kNoUsage, horizon, out);
  return out;
}

// How far a billed in-advance period is still proposed: to its own end, or to
// the end of the billable segment (same span and phase) holding its start if
// that now ends sooner; not at all when no such segment holds it any more.
Date proposed_end(const Segments& segments, const ItemKey& key, const BilledItem& billed) {
  for (const auto& seg : segments)
    if (seg.kind == SegmentKind::billable && seg.span->id == key.span &&
        seg.phase_index == key.phase && seg.contains(key.start))
      return seg.end && *seg.end < billed.end ? *seg.end : billed.end;
  return key.start;
}

// Pays a usage item with prepaid credits, as far as they go.
void apply_credits(EngineState& s, const InvoiceItem& usage_item, const Date& on,
                   Invoice& invoice) {
  auto unit = s.catalog->credit_unit_price.find(s.account.currency.code());
  if (unit == s.catalog->credit_unit_price.end() || unit->second.sign() <= 0) return;
  Decimal worth = s.credits.balance(on) * unit->second;
  // Never credit more than the credits are worth: round the worth down.
  Decimal covered =
      min(usage_item.amount, worth.round(s.currency.minor_units(), RoundingMode::down));
  if (covered.sign() <= 0) return;
  s.credits.consume(covered / unit->second, on,
                    "usage " + usage_item.usage + " of " + usage_item.subscription + " for [" +
                        to_string(usage_item.start) + ", " + to_string(*usage_item.end) + ")");
  InvoiceItem credit;
  credit.type = InvoiceItemType::credit;
  credit.start = on;
  credit.amount = -covered;
  invoice.items.push_back(credit);
}

Decimal round_item(const EngineState& s, const Decimal& exact) {
  return s.currency.round(exact, s.catalog->rounding);
}

// New items for one subscription: charges not billed yet and late usage deltas.
// Takes the proposals (a temporary of propose()) and moves their items onto
// the invoice: one ledger search and no item copy per charge billed.
void bill_new_charges(EngineState& s, Proposals proposals, const Date& on, Invoice& invoice) {
  for (auto& p : proposals) {
    if (p.key.type != InvoiceItemType::usage) {
      // Fixed and recurring charges are billed once: a key the ledger holds is done.
      auto [billed, fresh] = s.ledger.try_emplace(p.key);
      if (!fresh) continue;
      Date end = p.item.end.value_or(p.item.start);
      p.item.amount = round_item(s, p.exact);
      billed->second = BilledItem{p.item.amount, Decimal(0), end, end, Decimal(0), p.in_advance};
      if (!p.item.amount.is_zero()) invoice.items.push_back(std::move(p.item));
      continue;
    }
    // Usage: re-rate the whole period; bill what was not billed before (late events).
    auto [billed, fresh] = s.ledger.try_emplace(p.key);
    Decimal total = round_item(s, p.exact);
    Decimal already = fresh ? Decimal(0) : billed->second.amount;
    Decimal billed_quantity = fresh ? Decimal(0) : billed->second.quantity;
    InvoiceItem& item = p.item;
    Decimal quantity = *item.quantity;
    item.amount = total - already;
    item.quantity = quantity - billed_quantity;
    if (!fresh && item.amount.is_zero() && item.quantity->is_zero()) continue;
    billed->second.amount = total;
    billed->second.quantity = quantity;
    billed->second.end = billed->second.effective_end = *item.end;
    if (item.amount.is_zero() && item.quantity->is_zero()) continue;
    if (p.usage_price->pay_with_credits && item.amount.sign() > 0) {
      invoice.items.push_back(item);  // apply_credits adds to invoice.items: keep ours whole
      apply_credits(s, item, on, invoice);
      continue;
    }
    invoice.items.push_back(std::move(item));
  }
}

// Repairs: in-advance items whose service was cut short since they were
// billed. A cut dated after `on` (a cancel or a pause requested for a later
// date) is not repaired yet: it can still be undone, and its repair goes on
// the invoice of its date. Answers whether one waits so.
bool repair_cut_items(EngineState& s, const Subscription& sub, const Segments& segments,
                      const Date& on, Invoice& invoice) {
  bool waiting = false;
  for_each_billed(s.ledger, sub.id, [&](const ItemKey& key, BilledItem& billed) {
    if (key.type != InvoiceItemType::recurring || !billed.in_advance) return;
    if (billed.amount.sign() <= 0) return;         // zero items are never repaired
    if (billed.repaired == billed.amount) return;  // nothing left to give back
    Date covered_end = proposed_end(segments, key, billed);
    if (!(covered_end < billed.effective_end)) return;
    if (on < covered_end) {
      waiting = true;
      return;
    }
    Decimal unused = billed.amount * Decimal(days_between(covered_end, billed.effective_end)) /
                     Decimal(days_between(key.start, billed.end));
    Decimal repair = min(round_item(s, unused), billed.amount - billed.repaired);
    const Span* span = nullptr;
    for (const auto& sp : sub.spans)
      if (sp.id == key.span) span = &sp;
    InvoiceItem item;
    item.type = InvoiceItemType::repair_adj;
    item.subscription = sub.id;
    item.plan = span ? span->plan->name : "";
    // A later catalog version may price the span with more phases than its own plan has.
    auto phase = static_cast<std::size_t>(key.phase);
    if (span && phase < span->plan->phases.size()) item.phase = span->plan->phases[phase].type;
    item.start = covered_end;
    item.end = billed.effective_end;
    item.amount = -repair;
    billed.effective_end = covered_end;
    billed.repaired += repair;
    if (!repair.is_zero()) invoice.items.push_back(item);
  });
  return waiting;
}

// The segments as invoicing sees them, by value.
std::vector<SegmentMark> marks_of(const EngineState& s, const Subscription& sub,
                                  const Segments& segments) {
  std::vector<SegmentMark> marks;
  marks.reserve(segments.size());
  for (const auto& seg : segments) {
    SegmentMark m;
    m.span = seg.span->id;
    m.phase = seg.phase_index;
    m.start = seg.start;
    m.end = seg.end;
    m.kind = seg.kind;
    if (seg.kind == SegmentKind::billable) m.bill_cycle_day = bill_cycle_day_of(s, sub, seg);
    marks.push_back(m);
  }
  return marks;
}

// Usage dated on or after a change at `changed` may find its home (usage_home,
// accepted) in the last segment pricing its metric that ends by then, however
// long ago: re-rating starts at the earliest such end. (Segments ending by
// `changed` are the same before and after the change.)
Date rehoming_start(const Segments& segments, const Date& changed) {
  std::map<std::string_view, Date> last_end;  // by metric
  for (const auto& seg : segments) {
    if (seg.kind != SegmentKind::billable || !seg.end || changed < *seg.end) continue;
    for (const auto& usage : seg.phase->usages) {
      auto [at, fresh] = last_end.emplace(usage.metric, *seg.end);
      if (!fresh && at->second < *seg.end) at->second = *seg.end;
    }
  }
  Date from = changed;
  for (const auto& [metric, end] : last_end) from = std::min(from, end);
  return from;
}

// Whether `segments` are the timeline the last invoice saw (most invoices: no
// operation came between), compared without building it again.
bool same_timeline(const EngineState& s, const Subscription& sub, const Segments& segments) {
  if (segments.size() != sub.invoiced_timeline.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& seg = segments[i];
    const SegmentMark& m = sub.invoiced_timeline[i];
    if (m.span != seg.span->id || m.phase != seg.phase_index || m.start != seg.start ||
        m.end != seg.end || m.kind != seg.kind)
      return false;
    if (seg.kind == SegmentKind::billable && m.bill_cycle_day != bill_cycle_day_of(s, sub, seg))
      return false;
  }
  return true;
}

// The first date from which two timelines differ; nullopt when they are the same.
std::optional<Date> first_difference(const std::vector<SegmentMark>& was,
                                     const std::vector<SegmentMark>& now) {
  for (std::size_t i = 0;; ++i) {
    if (i == was.size() && i == now.size()) return std::nullopt;
    if (i == was.size()) return now[i].start;
    if (i == now.size()) return was[i].start;
    if (was[i] == now[i]) continue;
    if (was[i].start != now[i].start) return std::min(was[i].start, now[i].start);
    SegmentMark same_end = was[i];
    same_end.end = now[i].end;
    if (!(same_end == now[i])) return was[i].start;
    // Only the end moved: nothing before the earlier end changed.
    if (!was[i].end) return *now[i].end;
    if (!now[i].end) return *was[i].end;
    return std::min(*was[i].end, *now[i].end);
  }
}

}  // namespace

Result<Invoice> generate_invoice(EngineState& s, const Date& on) {
  settle_account_bill_cycle_day(s);
  s.credits.expire_through(on);
  Invoice invoice;
  invoice.date = on;
  invoice.currency = s.account.currency;
  for (auto& sub : s.subscriptions) {
    auto segments = segments_of(s, sub);
    // Billed items change only when their segments did: repairs and re-rating
    // look at the past only then, from the first date that changed.
    std::optional<Date> changed;
    std::vector<SegmentMark> invoiced;
    if (!same_timeline(s, sub, segments)) {
      auto marks = marks_of(s, sub, segments);
      changed = first_difference(sub.invoiced_timeline, marks);
      invoiced = std::exchange(sub.invoiced_timeline, std::move(marks));
    }
    if (changed) {
      s.reach(*changed);
      Date from = rehoming_start(segments, *changed);
      if (!sub.rerate_from || from < *sub.rerate_from) sub.rerate_from = from;
    }
    bill_new_charges(s, propose(s, sub, segments, on), on, invoice);
    // A repair that waits for its date: the change is looked at again then.
    if (changed && repair_cut_items(s, sub, segments, on, invoice))
      sub.invoiced_timeline = std::move(invoiced);
    sub.rerate_from.reset();
  }
  // Operator credits given on or before `on` go on this invoice.
  auto due = std::stable_partition(s.pending_credit_adjs.begin(), s.pending_credit_adjs.end(),
                                   [&](const InvoiceItem& c) { return on < c.start; });
  invoice.items.insert(invoice.items.end(), due, s.pending_credit_adjs.end());
  s.pending_credit_adjs.erase(due, s.pending_credit_adjs.end());
  for (const auto& item : invoice.items)
    if (!item.amount.is_valid())
      return make_error(errors::engine_amount, "an amount of subscription " + item.subscription +
                                                   " cannot be represented");
  if (invoice.empty()) return invoice;
  invoice.credit_adj = s.account_credit.settle(invoice.total());
  if (s.keep_invoices) s.invoices.push_back(invoice);
  return invoice;
}

namespace {

// The in-advance billed item that covers `on`, if any.
const std::pair<const ItemKey, BilledItem>* paid_period_at(const EngineState& s,
                                                           const Subscription& sub,
                                                           const Date& on) {
  const std::pair<const ItemKey, BilledItem>* found = nullptr;
  for_each_billed(s.ledger, sub.id, [&](const ItemKey& key, const BilledItem& billed) {
    if (key.type == InvoiceItemType::recurring && billed.in_advance && key.start <= on &&
        on < billed.effective_end)
      found = &*s.ledger.find(key);
  });
  return found;
}

// The billing period (recurring, else first usage price) of the segment at `on`.
std::optional<ServicePeriod> billing_period_at(const EngineState& s, const Subscription& sub,
                                               const Date& on) {
  auto seg = segment_at(s, sub, on);
  if (!seg || seg->kind != SegmentKind::billable) return std::nullopt;
  std::optional<BillingPeriod> period;
  if (recurring_price(s, *seg->phase).sign() > 0)
    period = seg->phase->recurring->billing_period;
  else if (!seg->phase->usages.empty())
    period = seg->phase->usages.front().billing_period;
  if (!period) return std::nullopt;
  ServicePeriod whole =
      BillingCycle(seg->start, *period, bill_cycle_day_of(s, sub, *seg)).period_containing(on);
  return ServicePeriod{std::max(whole.start, seg->start), whole.end};
}

}  // namespace

Date end_of_term(const EngineState& s, const Subscription& sub, const Date& on) {
  if (auto paid = paid_period_at(s, sub, on)) return paid->second.effective_end;
  if (auto period = billing_period_at(s, sub, on)) return period->end;
  return on;  // nothing billed and no billing period (a free trial): effective at once
}

Date start_of_term(const EngineState& s, const Subscription& sub, const Date& on) {
  if (auto paid = paid_period_at(s, sub, on)) return paid->first.start;
  if (auto period = billing_period_at(s, sub, on)) return period->start;
  return on;
}

std::optional<Date> charged_through(const EngineState& s, const Subscription& sub) {
  std::optional<Date> through = sub.charged_through_floor;
  for_each_billed(s.ledger, sub.id, [&](const ItemKey& key, const BilledItem& billed) {
    if (key.type == InvoiceItemType::recurring && billed.amount.sign() > 0 &&
        (!through || *through < billed.effective_end))
      through = billed.effective_end;
  });
  return through;
}

std::optional<Date> current_period_end(const EngineState& s, const Subscription& sub,
                                       const Date& on) {
  if (auto period = billing_period_at(s, sub, on)) return period->end;
  return std::nullopt;
}

std::optional<Date> next_due_date(const EngineState& s, const Subscription& sub,
                                  const Date& after) {
  std::optional<Date> best;
  auto consider = [&](const Date& d) {
    if (after < d && (!best || d < *best)) best = d;
  };
  for (const auto& seg : segments_of(s, sub)) {
    if (seg.kind != SegmentKind::billable) continue;
    // A segment's start can bring a fixed fee or an in-advance period; its end
    // closes an in-arrear period; between them charges fall on billing dates.
    consider(seg.start);
    if (seg.end) consider(*seg.end);
    if (after < seg.start || (seg.end && !(after < *seg.end))) continue;
    int bcd = bill_cycle_day_of(s, sub, seg);
    if (recurring_price(s, *seg.phase).sign() > 0)
      consider(BillingCycle(seg.start, seg.phase->recurring->billing_period, bcd)
                   .next_billing_date_after(after));
    for (const auto& usage : seg.phase->usages)
      consider(BillingCycle(seg.start, usage.billing_period, bcd).next_billing_date_after(after));
  }
  return best;
}

std::optional<Date> trial_end(const EngineState& s, const Subscription& sub, const Date& on) {
  std::optional<Date> end;
  for (const auto& seg : segments_of(s, sub)) {
    bool trial = seg.kind == SegmentKind::billable && seg.phase->type == PhaseType::trial;
    if (end && (!trial || seg.start != *end)) break;  // the trial run containing `on` is over
    if (trial && (seg.contains(on) || (end && seg.start == *end))) end = seg.end;
    if (trial && end && !seg.end) return std::nullopt;  // an open-ended trial never ends by itself
  }
  return end;
}

}  // namespace tollgate::detail
