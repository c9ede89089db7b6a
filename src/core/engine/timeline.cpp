#include <algorithm>
#include <functional>

#include "model.hpp"

namespace tollgate::detail {

Subscription* EngineState::find(const std::string& id) {
  auto it = std::find_if(subscriptions.begin(), subscriptions.end(),
                         [&](const auto& s) { return s.id == id; });
  return it == subscriptions.end() ? nullptr : &*it;
}

const Subscription* EngineState::find(const std::string& id) const {
  return const_cast<EngineState*>(this)->find(id);
}

bool EngineState::has_payment_method_on(const Date& d) const {
  return std::any_of(payment_methods.begin(), payment_methods.end(),
                     [&](const DateWindow& w) { return w.contains(d); });
}

std::optional<Date> EngineState::payment_method_after(const Date& d) const {
  for (const auto& w : payment_methods)
    if (d < w.start) return w.start;
  return std::nullopt;
}

const Plan* plan_at(const EngineState& s, std::string_view name, const Date& on) {
  const Catalog& in_force = s.catalog->version_at(on);
  const Plan* oldest = nullptr;
  const Plan* found = nullptr;
  for (const Catalog* version : s.catalog->versions()) {
    const Plan* plan = version->find_plan(name);
    if (!plan) continue;
    if (!oldest) oldest = plan;
    if (version->effective_date && in_force.effective_date &&
        *in_force.effective_date < *version->effective_date)
      break;  // a version not yet in force on `on`
    found = plan;
  }
  return found ? found : oldest;
}

const Catalog& version_of(const EngineState& s, const Plan& plan) {
  for (const auto& version : s.catalog->earlier_versions) {
    const auto& plans = version->plans;
    // std::less orders pointers into different arrays too (the built-in < does not).
    std::less<> before;
    if (!plans.empty() && !before(&plan, &plans.front()) && !before(&plans.back(), &plan))
      return *version;
  }
  return *s.catalog;
}

PlanVersions plan_versions(const EngineState& s, const Span& span) {
  PlanVersions out{{span.start, span.plan}};
  if (s.catalog->earlier_versions.empty()) return out;
  // Every invoice expands every span: walk the versions in place, not through
  // the vector Catalog::versions() builds.
  const auto& earlier = s.catalog->earlier_versions;
  const Catalog* own = &version_of(s, *span.plan);
  std::size_t next = earlier.size() + 1;  // after `own`; past the end when it is the latest
  for (std::size_t i = 0; i < earlier.size(); ++i)
    if (earlier[i].get() == own) next = i + 1;
  for (std::size_t i = next; i <= earlier.size(); ++i) {
    const Catalog* version = i < earlier.size() ? earlier[i].get() : s.catalog.get();
    const Plan* plan = version->find_plan(span.plan->name);
    if (!plan || !plan->effective_for_existing) continue;  // not moved: grandfathered
    Date from = std::max(*plan->effective_for_existing, span.start);
    if (span.end && !(from < *span.end)) break;
    // A later version that moves them sooner overrides what an earlier one planned.
    while (out.size() > 1 && !(out.back().from < from)) out.pop_back();
    if (out.back().from == from)
      out.back().plan = plan;
    else
      out.push_back({from, plan});
  }
  return out;
}

namespace {

// Inline for the usual plan of a few phases: no allocation per segments_of().
using PhaseWindows = boost::container::small_vector<DateWindow, 4>;

// Where each phase of a plan falls when measured from `anchor`.
PhaseWindows phase_windows(const Plan& plan, const Date& anchor) {
  PhaseWindows windows;
  Date t = anchor;
  for (const auto& phase : plan.phases) {
    DateWindow w{t, std::nullopt};
    if (phase.duration) {
      t = add_duration(t, *phase.duration);
      w.end = t;
    }
    windows.push_back(w);
  }
  return windows;
}

// Shifts the phases after `index` so that the next one starts on `from`.
void restart_after(const Plan& plan, PhaseWindows& windows, std::size_t index, const Date& from) {
  Date t = from;
  for (std::size_t i = index + 1; i < windows.size(); ++i) {
    windows[i].start = t;
    windows[i].end.reset();
    if (plan.phases[i].duration) windows[i].end = t = add_duration(t, *plan.phases[i].duration);
  }
}

std::optional<Date> earlier(const std::optional<Date>& a, const std::optional<Date>& b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// REQUIRE_PAYMENT_METHOD: without a payment method when the trial ends, the
// subscription is blocked until one arrives; the next phase starts that day.
// Returns the block, and moves (or drops) the phases after the trial.
std::optional<DateWindow> block_after_trial(const EngineState& s, const Span& span,
                                            const Plan& plan, PhaseWindows& windows) {
  for (std::size_t i = 0; i + 1 < windows.size(); ++i) {
    if (plan.phases[i].type != PhaseType::trial) continue;
    Date trial_end = *windows[i].end;
    if (s.has_payment_method_on(trial_end)) return std::nullopt;
    auto arrived = s.payment_method_after(trial_end);
    Date block_start = std::max(trial_end, span.start);
    if (arrived)
      restart_after(plan, windows, i, std::max(*arrived, block_start));
    else
      windows.resize(i + 1);  // nothing after the trial is known yet
    return DateWindow{block_start, arrived};
  }
  return std::nullopt;
}

// Cuts one span's phase windows into segments, within [from, to): the part of
// the span one catalog version prices.
class SpanExpander {
 public:
  SpanExpander(const Span& span, const Plan& plan, const DateWindow& prices, Segments& out)
      : span_(span),
        plan_(plan),
        from_(prices.start),
        to_(earlier(prices.end, span.end)),
        out_(out) {}

  void add(const DateWindow& w, int phase_index, SegmentKind kind, bool opens_phase) {
    Date start = std::max(w.start, from_);
    std::optional<Date> end = earlier(w.end, to_);
    if (end && !(start < *end)) return;
    Segment seg;
    seg.span = &span_;
    seg.phase_index = phase_index;
    seg.phase = &plan_.phases[static_cast<std::size_t>(phase_index)];
    seg.start = start;
    seg.end = end;
    seg.kind = kind;
    // A phase that began under an earlier version's prices does not begin again.
    seg.starts_phase =
        opens_phase && kind == SegmentKind::billable && w.start >= from_ && !span_.restarted;
    out_.push_back(seg);
  }

  // A phase cut by the blocks without a card: billable around them, blocked
  // in them. Billing after a block goes on in the same phase (no new fixed fee).
  void add_around(const DateWindow& w, int phase_index, const std::vector<DateWindow>& blocks) {
    std::optional<Date> cursor = w.start;
    for (const auto& b : blocks) {
      if (b.end && *b.end <= *cursor) continue;
      if (w.end && !(b.start < *w.end)) break;
      Date from = std::max(b.start, *cursor);
      add({*cursor, from}, phase_index, SegmentKind::billable, *cursor == w.start);
      add({from, earlier(b.end, w.end)}, phase_index, SegmentKind::blocked, false);
      cursor = b.end;
      if (!cursor) return;
    }
    add({*cursor, w.end}, phase_index, SegmentKind::billable, *cursor == w.start);
  }

 private:
  const Span& span_;
  const Plan& plan_;
  Date from_;
  std::optional<Date> to_;
  Segments& out_;
};

// The part of `span` that `plan` prices, [prices.start, prices.end).
void expand_prices(const EngineState& s, const Subscription& sub, const Span& span,
                   const Plan& plan, const DateWindow& prices, Segments& out) {
  auto windows = phase_windows(plan, span.phase_anchor);
  bool needs_card = plan.after_trial == AfterTrial::require_payment_method;
  auto blocked = needs_card ? block_after_trial(s, span, plan, windows) : std::nullopt;
  SpanExpander expander(span, plan, prices, out);
  for (std::size_t i = 0; i < windows.size(); ++i) {
    int index = static_cast<int>(i);
    bool trial = plan.phases[i].type == PhaseType::trial;
    if (needs_card && !trial && !sub.blocked_without_card.empty())
      expander.add_around(windows[i], index, sub.blocked_without_card);
    else
      expander.add(windows[i], index, SegmentKind::billable, true);
    if (blocked && trial) expander.add(*blocked, index, SegmentKind::blocked, false);
  }
}

void expand_span(const EngineState& s, const Subscription& sub, const Span& span, Segments& out) {
  auto prices = plan_versions(s, span);
  for (std::size_t i = 0; i < prices.size(); ++i) {
    std::optional<Date> until;
    if (i + 1 < prices.size()) until = prices[i + 1].from;
    expand_prices(s, sub, span, *prices[i].plan, {prices[i].from, until}, out);
  }
}

}  // namespace

Segments segments_of(const EngineState& s, const Subscription& sub) {
  Segments out;
  for (const auto& span : sub.spans) expand_span(s, sub, span, out);
  return out;
}

std::optional<Segment> segment_in(const Segments& segments, const Date& d) {
  for (const auto& seg : segments)
    if (seg.contains(d)) return seg;
  return std::nullopt;
}

std::optional<Segment> segment_at(const EngineState& s, const Subscription& sub, const Date& d) {
  return segment_in(segments_of(s, sub), d);
}

namespace {

// The phase `span` bills on `d`, if it bills then.
std::optional<PhaseType> phase_on(const Segments& segments, const Span& span, const Date& d) {
  for (const auto& seg : segments)
    if (seg.span == &span && seg.kind == SegmentKind::billable && seg.contains(d))
      return seg.phase->type;
  return std::nullopt;
}

}  // namespace

// Span boundaries tell starts, changes, pauses and stops apart: a span opened
// right where the last ended is a change (or, restarted on the same plan, a
// new bill cycle day, which Kill Bill shows no event for); one opened later
// than the last ended is a resume after a pause.
std::vector<SubscriptionEvent> events_of(const EngineState& s, const Subscription& sub) {
  using T = SubscriptionEventType;
  auto segments = segments_of(s, sub);
  std::vector<SubscriptionEvent> out;
  auto add = [&](T type, const Date& on, const Span& span, std::optional<PhaseType> phase) {
    out.push_back({type, on, span.plan->name, phase});
  };
  auto pair = [&](T entitlement, T billing, const Date& on, const Span& span,
                  std::optional<PhaseType> phase) {
    add(entitlement, on, span, phase);
    add(billing, on, span, phase);
  };
  for (std::size_t i = 0; i < sub.spans.size(); ++i) {
    const Span& span = sub.spans[i];
    auto phase = phase_on(segments, span, span.start);
    if (i == 0) {
      pair(T::start_entitlement, T::start_billing, span.start, span, phase);
      continue;
    }
    const Span& last = sub.spans[i - 1];
    if (last.end && *last.end < span.start) {
      pair(T::pause_entitlement, T::pause_billing, *last.end, last,
           phase_on(segments, last, add_days(*last.end, -1)));
      pair(T::resume_entitlement, T::resume_billing, span.start, span, phase);
    } else if (!span.restarted || span.plan != last.plan) {
      add(T::change, span.start, span, phase);
    }
  }
  for (const auto& seg : segments)
    if (seg.kind == SegmentKind::billable && seg.starts_phase && seg.span->start < seg.start)
      add(T::phase, seg.start, *seg.span, seg.phase->type);
  // The end: a pause not resumed yet, a cancel, or a last phase that ran out.
  const Span& last = sub.spans.back();
  std::optional<Date> end = last.end;
  if (!end && !segments.empty() && segments.back().span == &last) end = segments.back().end;
  if (end) {
    auto phase = phase_on(segments, last, add_days(*end, -1));
    if (sub.paused_since && *sub.paused_since == *end)
      pair(T::pause_entitlement, T::pause_billing, *end, last, phase);
    else
      pair(T::stop_entitlement, T::stop_billing, *end, last, phase);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SubscriptionEvent& a, const SubscriptionEvent& b) {
                     return a.effective < b.effective;
                   });
  return out;
}

bool prices(const Phase& phase, const std::string& metric) {
  return std::any_of(phase.usages.begin(), phase.usages.end(),
                     [&](const UsagePrice& u) { return u.metric == metric; });
}

std::optional<std::size_t> usage_home(const Segments& segments, const Date& on,
                                      const std::string& metric, UsageHome rule) {
  std::optional<std::size_t> ended;  // the latest pricing segment that ended on or before `on`
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& seg = segments[i];
    if (seg.kind != SegmentKind::billable || !prices(*seg.phase, metric)) continue;
    if (seg.contains(on)) return i;
    if (seg.end && !(on < *seg.end) && (!ended || !(*seg.end < *segments[*ended].end))) ended = i;
  }
  if (ended && rule == UsageHome::on_record && *segments[*ended].end != on) return std::nullopt;
  return ended;
}

SubscriptionState state_at(const EngineState& s, const Subscription& sub, const Date& d) {
  return state_in(sub, segments_of(s, sub), d);
}

SubscriptionState state_in(const Subscription& sub, const Segments& segments, const Date& d) {
  if (d < sub.spans.front().start) return SubscriptionState::pending;
  if (auto seg = segment_in(segments, d))
    return seg->kind == SegmentKind::blocked ? SubscriptionState::blocked
                                             : SubscriptionState::active;
  if (sub.cancel_effective && d >= *sub.cancel_effective) return SubscriptionState::cancelled;
  if (sub.paused_since && d >= *sub.paused_since) return SubscriptionState::paused;
  // Between spans (a pending change not yet started cannot leave a gap), or
  // after a FIXEDTERM phase ran out.
  return SubscriptionState::cancelled;
}

std::optional<Date> blocked_from(const Segments& segments, const Date& on) {
  std::optional<Date> run_start;  // where the blocked days running up to this segment began
  std::optional<Date> run_end;
  for (const auto& seg : segments) {
    if (seg.kind != SegmentKind::blocked) {
      run_start.reset();
      continue;
    }
    if (!run_start || run_end != seg.start) run_start = seg.start;  // a block split by phases
    if (seg.contains(on) || on < seg.start) return run_start;
    run_end = seg.end;
  }
  return std::nullopt;
}

Decimal recurring_price(const EngineState& s, const Phase& phase) {
  if (!phase.recurring) return Decimal(0);
  auto it = phase.recurring->price.find(s.account.currency.code());
  return it == phase.recurring->price.end() ? Decimal(0) : it->second;
}

SubscriptionCase case_of(const Subscription& sub, const Segment& seg) {
  const Phase& phase = *seg.phase;
  return {sub.product->category,
          phase.recurring ? phase.recurring->billing_period : BillingPeriod::no_billing_period,
          phase.type, seg.span->plan->product, seg.span->plan->price_list};
}

namespace {

bool is_charged(const EngineState& s, const Segment& seg) {
  return seg.kind == SegmentKind::billable &&
         (recurring_price(s, *seg.phase).sign() > 0 || !seg.phase->usages.empty());
}

// The first billable date of a subscription: its first segment with a non-zero
// recurring price, or failing that (usage-only plans) with usage prices.
std::optional<Date> first_billable_date(const EngineState& s, const Subscription& sub,
                                        bool account_aligned_only) {
  std::optional<Date> with_usage;
  for (const auto& seg : segments_of(s, sub)) {
    if (!is_charged(s, seg)) continue;
    if (account_aligned_only &&
        s.rules.billing_alignment(case_of(sub, seg)).value != BillingAlignment::account)
      continue;
    if (recurring_price(s, *seg.phase).sign() > 0) return seg.start;
    if (!with_usage) with_usage = seg.start;
  }
  return with_usage;
}

int day_of(const Date& d) {
  return static_cast<int>(static_cast<unsigned>(d.day()));
}

}  // namespace

void settle_account_bill_cycle_day(EngineState& s) {
  if (s.account.bill_cycle_day) return;
  std::optional<Date> first;
  for (const auto& sub : s.subscriptions) {
    auto d = first_billable_date(s, sub, true);
    if (d && (!first || *d < *first)) first = d;
  }
  if (first) s.account.bill_cycle_day = day_of(*first);
}

int bill_cycle_day_of(const EngineState& s, const Subscription& sub, const Segment& seg) {
  if (seg.span->bill_cycle_day) return *seg.span->bill_cycle_day;
  switch (s.rules.billing_alignment(case_of(sub, seg)).value) {
    case BillingAlignment::account:
      if (seg.span->account_bill_cycle_day) return *seg.span->account_bill_cycle_day;
      return s.account.bill_cycle_day.value_or(day_of(seg.start));
    case BillingAlignment::subscription:
      return day_of(first_billable_date(s, sub, false).value_or(seg.start));
    case BillingAlignment::bundle: {
      const Subscription* base = sub.base ? s.find(*sub.base) : nullptr;
      if (!base) return day_of(seg.start);
      // The BCD the base is billed on around the add-on's segment start.
      std::optional<Segment> base_seg;
      for (const auto& bs : segments_of(s, *base))
        if (bs.kind == SegmentKind::billable && bs.start <= seg.start) base_seg = bs;
      if (!base_seg) return day_of(seg.start);
      return bill_cycle_day_of(s, *base, *base_seg);
    }
  }
  return day_of(seg.start);
}

}  // namespace tollgate::detail
