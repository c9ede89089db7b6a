#pragma once
// Private model of the billing engine.
//
// A subscription is a list of *spans*: stretches of one plan, opened by a
// create, a plan change, a resume or a bill-cycle-day change, and closed by a
// cancel, a change, a pause. A span expands into *segments*, one per plan
// phase it covers (plus a BLOCKED segment when a trial ends without a payment
// method). Billing is computed from segments: what *should* have been billed
// (the proposal) is compared with what *was* billed (the ledger), and the
// difference is the next invoice: new items, and repairs of in-advance items
// whose service was cut short. Recomputing from the facts each time is what
// makes invoicing idempotent.

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "tollgate/billing_engine.hpp"

namespace tollgate::detail {

struct Span {
  int id = 0;
  const Plan* plan = nullptr;
  Date start;
  std::optional<Date> end;  ///< exclusive; nullopt = until further notice
  Date phase_anchor;        ///< phase durations are measured from here
  bool restarted =
      false;  ///< opened by a resume or a BCD change: phase fixed fees are not charged again
  std::optional<int> bill_cycle_day;  ///< an explicit BCD for this span
  /// The account BCD this span keeps after the account's BCD changed (set on
  /// spans that billed under the old day, so billed periods are never re-cut).
  std::optional<int> account_bill_cycle_day;
};

struct UsageRecord {
  Date on;
  std::string metric;
  Decimal quantity;
  std::string value_key;
};

enum class SegmentKind { billable, blocked };

/// A stretch of days, [start, end); an open end runs until further notice.
struct DateWindow {
  Date start;
  std::optional<Date> end;

  bool contains(const Date& d) const { return start <= d && (!end || d < *end); }
  friend bool operator==(const DateWindow&, const DateWindow&) = default;
};

/// A segment as invoicing saw it: what its billing depends on, by value.
struct SegmentMark {
  int span = 0;
  int phase = 0;
  Date start;
  std::optional<Date> end;
  SegmentKind kind = SegmentKind::billable;
  int bill_cycle_day = 0;

  friend bool operator==(const SegmentMark&, const SegmentMark&) = default;
};

struct Subscription {
  std::string id;
  const Product* product = nullptr;
  std::optional<std::string> base;  ///< add-ons: the BASE subscription's id
  std::vector<Span> spans;
  std::optional<Date> paused_since;
  std::optional<Date> cancel_effective;  ///< set by a cancel (also pending END_OF_TERM ones)
  bool cancelled_with_base = false;
  bool ended_by_change = false;  ///< an add-on its base's change of product does not accept
  bool paused_with_base = false;
  std::vector<UsageRecord> usage;    ///< in the order it was recorded
  std::vector<std::size_t> by_date;  ///< indexes into `usage`, by date (stable)
  std::set<std::string> usage_ids;
  /// REQUIRE_PAYMENT_METHOD after the trial: the card on file was removed, so
  /// from the next charge (the end of the term paid or in progress) until
  /// another card arrives the subscription is blocked and bills nothing.
  std::vector<DateWindow> blocked_without_card;

  // What changed since the last invoice, so that invoicing looks at that and
  // at what is newly due, never at the whole billed past (issue #18).
  /// The earliest date whose billed usage must be rated again: late usage, or
  /// the timeline changed from that date on.
  std::optional<Date> rerate_from;
  /// The segments as the last invoice saw them: a difference since is a
  /// change of the timeline (rerate_from, and repairs of cut items).
  std::vector<SegmentMark> invoiced_timeline;
  /// Restored from a snapshot: the latest end of the billed recurring items it
  /// left out (charged_through still sees them).
  std::optional<Date> charged_through_floor;

  const Span& last_span() const { return spans.back(); }
  Span& last_span() { return spans.back(); }
};

struct Segment {
  const Span* span = nullptr;
  int phase_index = 0;
  const Phase* phase = nullptr;
  Date start;
  std::optional<Date> end;
  SegmentKind kind = SegmentKind::billable;
  bool starts_phase = false;  ///< the phase begins here: its fixed fee is due

  bool contains(const Date& d) const { return start <= d && (!end || d < *end); }
};

/// A subscription's segments, in order. Most have a handful (a trial, an
/// evergreen phase, a change or two), and invoicing computes them for every
/// subscription of every invoice: kept inline, they cost no allocation.
using Segments = boost::container::small_vector<Segment, 4>;

/// Identifies one billable charge across invoicing runs.
struct ItemKey {
  std::string subscription;
  int span = 0;
  int phase = 0;
  InvoiceItemType type = InvoiceItemType::recurring;
  std::string usage;
  Date start;

  friend bool operator==(const ItemKey&, const ItemKey&) = default;
  friend bool operator<(const ItemKey& a, const ItemKey& b) {
    auto tie = [](const ItemKey& k) {
      return std::tie(k.subscription, k.span, k.phase, k.type, k.usage);
    };
    if (tie(a) != tie(b)) return tie(a) < tie(b);
    return a.start < b.start;
  }
};

/// What was billed for one key (usage: the running totals of late deltas).
struct BilledItem {
  Decimal amount;
  Decimal quantity;
  Date end;
  Date effective_end;  ///< after repairs
  Decimal repaired;    ///< total already credited back (positive)
  bool in_advance = false;
};

/// Calls `f(key, billed)` for the ledger entries of one subscription only: the
/// ledger is ordered by subscription first, so this never walks the others.
template <class Ledger, class F>
void for_each_billed(Ledger& ledger, const std::string& subscription, F f) {
  ItemKey first;
  first.subscription = subscription;
  first.span = std::numeric_limits<int>::min();
  for (auto it = ledger.lower_bound(first);
       it != ledger.end() && it->first.subscription == subscription; ++it)
    f(it->first, it->second);
}

struct EngineState {
  EngineState(std::shared_ptr<const Catalog> c, RuleSet r, Account a, Currency cur)
      : catalog(std::move(c)),
        rules(std::move(r)),
        account(std::move(a)),
        currency(std::move(cur)) {}

  std::shared_ptr<const Catalog> catalog;
  RuleSet rules;
  Account account;
  Currency currency;
  /// When the account had a payment method on file, in date order, disjoint.
  std::vector<DateWindow> payment_methods;
  std::optional<Date> last_operation;
  std::vector<Subscription> subscriptions;  ///< in creation order
  std::map<ItemKey, BilledItem> ledger;
  CreditLedger credits;
  AccountCredit account_credit;
  std::vector<InvoiceItem> pending_credit_adjs;  ///< operator credits not yet on an invoice
  std::set<std::string> account_credit_ids;
  std::vector<Invoice> invoices;  ///< recorded by this engine (since its snapshot, if restored)
  bool keep_invoices = true;      ///< whether invoice() adds to `invoices`
  int next_span_id = 1;
  /// Restored from a snapshot that left out billed periods and usage before
  /// this date (snapshot.cpp).
  std::optional<Date> kept_from;
  /// Something reached back before kept_from: the answers since are not to be
  /// trusted, and the caller rebuilds the engine from the whole journal.
  mutable bool needs_history = false;

  /// Notes a read of `d`: before kept_from, the engine lacks the history.
  void reach(const Date& d) const {
    if (kept_from && d < *kept_from) needs_history = true;
  }

  Subscription* find(const std::string& id);
  const Subscription* find(const std::string& id) const;
  bool has_payment_method_on(const Date& d) const;
  /// The first day after `d` a payment method arrived, if one did.
  std::optional<Date> payment_method_after(const Date& d) const;
};

// --- timeline.cpp ---------------------------------------------------------------

/// Kill Bill's plan lookup for a span that opens on `on` (a create, a change):
/// the plan of that name in the latest catalog version in force on `on`; for a
/// date before every version that has it, the oldest that has it. Nullptr when
/// no version has it.
const Plan* plan_at(const EngineState& s, std::string_view name, const Date& on);
/// The catalog version `plan` is part of.
const Catalog& version_of(const EngineState& s, const Plan& plan);

/// Where a span's prices come from: its own plan from the span's start, then
/// the plan of each later catalog version that moves existing subscriptions
/// (effective_for_existing), from that day on.
struct PlanFrom {
  Date from;
  const Plan* plan = nullptr;
};
using PlanVersions = boost::container::small_vector<PlanFrom, 2>;
PlanVersions plan_versions(const EngineState& s, const Span& span);

/// The segments of every span of `sub`, in date order.
Segments segments_of(const EngineState& s, const Subscription& sub);
/// The segment containing `d`, if any.
std::optional<Segment> segment_at(const EngineState& s, const Subscription& sub, const Date& d);
/// The same, from segments already computed.
std::optional<Segment> segment_in(const Segments& segments, const Date& d);
/// Kill Bill's subscription events, from the spans and their segments.
std::vector<SubscriptionEvent> events_of(const EngineState& s, const Subscription& sub);
SubscriptionState state_at(const EngineState& s, const Subscription& sub, const Date& d);
/// The same, from `sub`'s segments already computed.
SubscriptionState state_in(const Subscription& sub, const Segments& segments, const Date& d);
/// The first day of the block holding `on`, or of the next block after it.
std::optional<Date> blocked_from(const Segments& segments, const Date& on);
/// Whether a phase has a usage price for `metric`.
bool prices(const Phase& phase, const std::string& metric);

/// How far a usage record may be from the segment that bills it.
enum class UsageHome {
  /// When usage is recorded: the segment holding its date, or one that stops
  /// on its date (the stop day belongs to the last period, proration.md).
  on_record,
  /// Once accepted: as on_record, or else the last segment that ended before
  /// its date (a later cancel, pause or START_OF_TERM change cut the period it
  /// was recorded in: it is billed with the last period, never dropped).
  accepted,
};

/// The index in `segments` of the billable segment whose usage price for
/// `metric` bills usage dated `on`; nullopt when none may.
std::optional<std::size_t> usage_home(const Segments& segments, const Date& on,
                                      const std::string& metric, UsageHome rule);

/// The rule case of a subscription in a segment: its phase, and the product
/// of the segment's plan (a change of plan may have changed the product).
SubscriptionCase case_of(const Subscription& sub, const Segment& seg);
/// The bill cycle day a segment is billed on.
int bill_cycle_day_of(const EngineState& s, const Subscription& sub, const Segment& seg);
/// Sets the account's BCD from its first ACCOUNT-aligned billable date, once.
void settle_account_bill_cycle_day(EngineState& s);
/// The recurring price of a phase in the account's currency (0 when none).
Decimal recurring_price(const EngineState& s, const Phase& phase);

// --- invoicing.cpp --------------------------------------------------------------

/// Bills everything due on or before `on` that the ledger does not hold yet.
Result<Invoice> generate_invoice(EngineState& s, const Date& on);
/// The end of the service already paid for at `on` (END_OF_TERM's date), or of
/// the current billing period when nothing was paid in advance.
Date end_of_term(const EngineState& s, const Subscription& sub, const Date& on);
/// The start of the service period billed at `on` (START_OF_TERM's date).
Date start_of_term(const EngineState& s, const Subscription& sub, const Date& on);
/// End of the last billed recurring period, after repairs.
std::optional<Date> charged_through(const EngineState& s, const Subscription& sub);
/// The end of the billing period containing `on` (recurring, else usage), if billed at all.
std::optional<Date> current_period_end(const EngineState& s, const Subscription& sub,
                                       const Date& on);
/// The earliest date after `after` on which something of `sub` may fall due
/// (an over-estimate is harmless: invoicing then finds nothing new).
std::optional<Date> next_due_date(const EngineState& s, const Subscription& sub, const Date& after);
/// The end of the trial phase `sub` is in on `on` (nullopt: not in a trial, or it never ends).
std::optional<Date> trial_end(const EngineState& s, const Subscription& sub, const Date& on);

}  // namespace tollgate::detail

namespace tollgate {
struct BillingEngine::State : detail::EngineState {
  using EngineState::EngineState;
};
}  // namespace tollgate
