#include "tollgate/billing_engine.hpp"

#include <algorithm>

#include "model.hpp"
#include "tollgate/billing_period.hpp"
#include "tollgate/rating.hpp"

namespace tollgate {

using detail::EngineState;
using detail::Span;
using detail::Subscription;

namespace {

// A span opened by a creation or a plan change: open-ended, on the account's
// bill cycle day, its phase's fixed fee charged.
Span new_span(EngineState& s, const Plan* plan, const Date& start, const Date& phase_anchor) {
  return Span{.id = s.next_span_id++,
              .plan = plan,
              .start = start,
              .end = std::nullopt,
              .phase_anchor = phase_anchor,
              .restarted = false,
              .bill_cycle_day = std::nullopt,
              .account_bill_cycle_day = std::nullopt};
}

Unexpected<Error> refused(const char* code, std::string why) {
  return make_error(code, std::move(why));
}

Unexpected<Error> unknown_subscription(const std::string& id) {
  return make_error(errors::unknown_subscription, "unknown subscription \"" + id + "\"");
}

Unexpected<Error> unknown_plan(const std::string& name) {
  return make_error(errors::unknown_plan, "unknown plan \"" + name + "\"");
}

bool is_ended(const EngineState& s, const Subscription& sub, const Date& on) {
  auto state = detail::state_at(s, sub, on);
  return state == SubscriptionState::cancelled || (sub.cancel_effective.has_value());
}

// Ends a subscription's service on `effective` (cutting its spans there).
void end_service(Subscription& sub, const Date& effective) {
  while (sub.spans.size() > 1 && !(sub.last_span().start < effective)) sub.spans.pop_back();
  Span& last = sub.last_span();
  if (!last.end || effective < *last.end) last.end = std::max(effective, last.start);
}

std::vector<Subscription*> addons_of(EngineState& s, const std::string& base_id) {
  std::vector<Subscription*> out;
  for (auto& sub : s.subscriptions)
    if (sub.base && *sub.base == base_id) out.push_back(&sub);
  return out;
}

Date start_of(const Subscription& sub) {
  return sub.spans.front().start;
}

bool has_billed(const EngineState& s, const Subscription& sub, const Span& span) {
  bool billed = false;
  detail::for_each_billed(s.ledger, sub.id,
                          [&](const detail::ItemKey& key, const detail::BilledItem&) {
                            billed |= key.span == span.id;
                          });
  return billed;
}

}  // namespace

std::string_view to_string(SubscriptionEventType t) noexcept {
  switch (t) {
    case SubscriptionEventType::start_entitlement:
      return "START_ENTITLEMENT";
    case SubscriptionEventType::start_billing:
      return "START_BILLING";
    case SubscriptionEventType::phase:
      return "PHASE";
    case SubscriptionEventType::change:
      return "CHANGE";
    case SubscriptionEventType::pause_entitlement:
      return "PAUSE_ENTITLEMENT";
    case SubscriptionEventType::pause_billing:
      return "PAUSE_BILLING";
    case SubscriptionEventType::resume_entitlement:
      return "RESUME_ENTITLEMENT";
    case SubscriptionEventType::resume_billing:
      return "RESUME_BILLING";
    case SubscriptionEventType::stop_entitlement:
      return "STOP_ENTITLEMENT";
    case SubscriptionEventType::stop_billing:
      return "STOP_BILLING";
  }
  return "?";
}

std::string_view to_string(SubscriptionState st) noexcept {
  switch (st) {
    case SubscriptionState::pending:
      return "PENDING";
    case SubscriptionState::active:
      return "ACTIVE";
    case SubscriptionState::blocked:
      return "BLOCKED";
    case SubscriptionState::paused:
      return "PAUSED";
    case SubscriptionState::cancelled:
      return "CANCELLED";
  }
  return "?";
}

std::string_view to_string(InvoiceItemType t) noexcept {
  switch (t) {
    case InvoiceItemType::fixed:
      return "FIXED";
    case InvoiceItemType::recurring:
      return "RECURRING";
    case InvoiceItemType::usage:
      return "USAGE";
    case InvoiceItemType::repair_adj:
      return "REPAIR_ADJ";
    case InvoiceItemType::credit:
      return "CREDIT";
    case InvoiceItemType::credit_adj:
      return "CREDIT_ADJ";
  }
  return "?";
}

Result<BillingEngine> BillingEngine::open(std::shared_ptr<const Catalog> catalog, RuleSet rules,
                                          Account account) {
  if (std::find(catalog->currencies.begin(), catalog->currencies.end(), account.currency) ==
      catalog->currencies.end())
    return make_error(errors::engine_currency,
                      "the catalog does not sell in " + std::string(account.currency.code()));
  if (account.bill_cycle_day && (*account.bill_cycle_day < 1 || *account.bill_cycle_day > 31))
    return make_error(errors::engine_bill_cycle_day, "a bill cycle day is from 1 to 31");
  TOLLGATE_ASSIGN_OR_RETURN(auto currency, account.currency.checked());
  auto state =
      std::make_unique<State>(std::move(catalog), std::move(rules), std::move(account), currency);
  return BillingEngine(std::move(state));
}

BillingEngine::BillingEngine(std::unique_ptr<State> state) : state_(std::move(state)) {}
BillingEngine::BillingEngine(BillingEngine&&) noexcept = default;
BillingEngine& BillingEngine::operator=(BillingEngine&&) noexcept = default;
BillingEngine::~BillingEngine() = default;

namespace {

// Operations must come in date order: the engine bills the past as it was known.
Result<Ok> check_date(EngineState& s, const Date& on) {
  s.reach(on);  // a snapshot's engine may lack the billed periods it looks at
  if (s.last_operation && on < *s.last_operation)
    return make_error(errors::engine_date, "date " + to_string(on) +
                                               " is before the last operation's date " +
                                               to_string(*s.last_operation));
  return Ok{};
}

// Where an operation requested on `on` for `at` takes effect: `at`, never before `on`.
Result<Date> effective_from(const Date& on, const std::optional<Date>& at) {
  if (at && *at < on)
    return make_error(errors::engine_date, "effective date " + to_string(*at) +
                                               " is before the request's date " + to_string(on));
  return at.value_or(on);
}

void done(EngineState& s, const Date& on) {
  s.last_operation = on;
  detail::settle_account_bill_cycle_day(s);
}

// Keeps what an operation that cuts service (a cancel, a change, a pause, an
// undone change) changes, so that it can be undone when it would leave usage
// already accepted with no period to bill it in: such usage would be lost.
// Usage itself is not copied; operations never touch it.
class UsageGuard {
 public:
  explicit UsageGuard(EngineState& s) : s_(s), account_(s.account), next_span_id_(s.next_span_id) {
    saved_.reserve(s.subscriptions.size());
    for (const auto& sub : s.subscriptions)
      saved_.push_back({sub.spans, sub.product, sub.paused_since, sub.cancel_effective,
                        sub.cancelled_with_base, sub.ended_by_change, sub.paused_with_base});
  }

  /// Ok, or the operation undone and refused ("refused.usage_unbillable").
  Result<Ok> check() {
    for (const auto& sub : s_.subscriptions) {
      if (sub.usage.empty()) continue;
      auto segments = detail::segments_of(s_, sub);
      for (const auto& u : sub.usage) {
        if (detail::usage_home(segments, u.on, u.metric, detail::UsageHome::accepted)) continue;
        undo();
        return refused(errors::refused_usage_unbillable,
                       "usage of \"" + u.metric + "\" recorded for " + to_string(u.on) + " on \"" +
                           sub.id + "\" would be left with no period to bill it in");
      }
    }
    return Ok{};
  }

 private:
  struct Saved {
    std::vector<Span> spans;
    const Product* product;
    std::optional<Date> paused_since, cancel_effective;
    bool cancelled_with_base, ended_by_change, paused_with_base;
  };

  void undo() {
    for (std::size_t i = 0; i < saved_.size(); ++i) {
      Subscription& sub = s_.subscriptions[i];
      Saved& was = saved_[i];
      sub.spans = std::move(was.spans);
      sub.product = was.product;
      sub.paused_since = was.paused_since;
      sub.cancel_effective = was.cancel_effective;
      sub.cancelled_with_base = was.cancelled_with_base;
      sub.ended_by_change = was.ended_by_change;
      sub.paused_with_base = was.paused_with_base;
    }
    s_.account = account_;
    s_.next_span_id = next_span_id_;
  }

  EngineState& s_;
  Account account_;
  int next_span_id_;
  std::vector<Saved> saved_;
};

}  // namespace

Result<Ok> BillingEngine::create_subscription(const std::string& id, const std::string& plan_name,
                                              const Date& on,
                                              const std::optional<std::string>& base_id) {
  EngineState& s = *state_;
  if (auto ok = check_date(s, on); !ok) return ok;
  // The version in force on the start date prices it (Kill Bill's).
  const Plan* plan = detail::plan_at(s, plan_name, on);
  if (!plan) return unknown_plan(plan_name);
  if (s.find(id))
    return refused(errors::refused_duplicate, "subscription \"" + id + "\" already exists");
  const Product& product = detail::version_of(s, *plan).product_of(*plan);
  Date anchor = on;
  if (product.category == ProductCategory::add_on) {
    if (!base_id)
      return refused(errors::refused_no_base,
                     "add-on plan \"" + plan_name + "\" needs a BASE subscription");
    const Subscription* base = s.find(*base_id);
    if (!base) return unknown_subscription(*base_id);
    if (base->product->category != ProductCategory::base)
      return refused(errors::refused_not_base,
                     "subscription \"" + *base_id + "\" is not a BASE subscription");
    if (is_ended(s, *base, on))
      return refused(errors::refused_base_cancelled,
                     "BASE subscription \"" + *base_id + "\" is cancelled");
    if (product.included_in_base(base->product->name))
      return refused(
          errors::refused_included,
          "add-on " + product.name + " is already included in product " + base->product->name);
    if (!product.available_for_base(base->product->name))
      return refused(
          errors::refused_not_available,
          "add-on " + product.name + " is not available for product " + base->product->name);
    if (s.rules.create_alignment(product.name).value == PlanAlignmentCreate::start_of_bundle)
      anchor = start_of(*base);
  } else if (base_id) {
    return refused(errors::refused_not_add_on, "only an ADD_ON subscription joins a base; " +
                                                   product.name + " is " +
                                                   std::string(to_string(product.category)));
  }
  Subscription sub;
  sub.id = id;
  sub.product = &product;
  sub.base = product.category == ProductCategory::add_on ? base_id : std::nullopt;
  sub.spans.push_back(new_span(s, plan, on, anchor));
  s.subscriptions.push_back(std::move(sub));
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::change_plan(const std::string& id, const std::string& plan_name,
                                      const Date& on, std::optional<BillingActionPolicy> policy,
                                      std::optional<Date> requested_for) {
  EngineState& s = *state_;
  if (auto ok = check_date(s, on); !ok) return ok;
  TOLLGATE_ASSIGN_OR_RETURN(Date at, effective_from(on, requested_for));
  Subscription* sub = s.find(id);
  if (!sub) return unknown_subscription(id);
  const Plan* plan = detail::plan_at(s, plan_name, at);
  if (!plan) return unknown_plan(plan_name);
  if (is_ended(s, *sub, at))
    return refused(errors::refused_cancelled, "subscription \"" + id + "\" is cancelled");
  auto seg = detail::segment_at(s, *sub, at);
  if (!seg)
    return refused(errors::refused_not_active,
                   "subscription \"" + id + "\" is not active on " + to_string(at));
  const Product& to_product = detail::version_of(s, *plan).product_of(*plan);
  ChangeCase c{
      seg->phase->type,    sub->product->category,      detail::case_of(*sub, *seg).billing_period,
      to_product.category, billing_period_of(*plan),    seg->span->plan->product,
      to_product.name,     seg->span->plan->price_list, plan->price_list};
  auto decided = s.rules.change_policy(c, policy);
  if (decided.value == BillingActionPolicy::illegal)
    return refused(errors::refused_illegal,
                   "change from " + std::string(to_string(c.from_product_category)) + " to " +
                       std::string(to_string(c.to_product_category)) + " is ILLEGAL under " +
                       decided.source);
  if (to_product.category != sub->product->category)
    return refused(errors::refused_category, "a " + std::string(to_string(sub->product->category)) +
                                                 " subscription cannot change to a plan of an " +
                                                 std::string(to_string(to_product.category)) +
                                                 " product");
  if (sub->base) {
    const Subscription* base = s.find(*sub->base);
    if (base && !to_product.available_for_base(base->product->name))
      return refused(
          errors::refused_not_available,
          "add-on " + to_product.name + " is not available for product " + base->product->name);
  }
  Date effective = at;
  if (decided.value == BillingActionPolicy::end_of_term)
    effective = detail::end_of_term(s, *sub, at);
  if (decided.value == BillingActionPolicy::start_of_term)
    effective = detail::start_of_term(s, *sub, at);

  auto alignment = s.rules.change_alignment(c);
  if (alignment.value == PlanAlignmentChange::change_of_pricelist)
    // Kill Bill loads the value and refuses the change ("not implemented yet").
    return make_error(errors::engine_change_alignment,
                      "change of \"" + id + "\" is aligned CHANGE_OF_PRICELIST by " +
                          alignment.source +
                          ", which Kill Bill does not implement either: use CHANGE_OF_PLAN, "
                          "START_OF_SUBSCRIPTION or START_OF_BUNDLE");
  Date anchor = effective;
  switch (alignment.value) {
    case PlanAlignmentChange::start_of_subscription:
      anchor = start_of(*sub);
      break;
    case PlanAlignmentChange::start_of_bundle: {
      const Subscription* base = sub->base ? s.find(*sub->base) : sub;
      anchor = start_of(base ? *base : *sub);
      break;
    }
    case PlanAlignmentChange::change_of_plan:
    case PlanAlignmentChange::change_of_pricelist:
      anchor = effective;
      break;
  }
  s.reach(effective);
  UsageGuard guard(s);
  end_service(*sub, effective);
  // The version in force when the change takes effect prices the new plan.
  plan = detail::plan_at(s, plan_name, effective);
  sub->spans.push_back(new_span(s, plan, effective, anchor));
  sub->product = &to_product;
  // Add-ons that the new base product does not accept, or includes, end with the change.
  if (to_product.category == ProductCategory::base)
    for (Subscription* addon : addons_of(s, id))
      if (!addon->cancel_effective && !addon->product->available_for_base(to_product.name)) {
        end_service(*addon, effective);
        addon->cancel_effective = effective;
        addon->ended_by_change = true;
      }
  if (auto ok = guard.check(); !ok) return ok;
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::undo_change(const std::string& id, const Date& on) {
  EngineState& s = *state_;
  if (auto ok = check_date(s, on); !ok) return ok;
  Subscription* sub = s.find(id);
  if (!sub) return unknown_subscription(id);
  // Only a span opened by a change (not by a resume or a BCD change) and not yet begun.
  const Span& last = sub->last_span();
  if (sub->spans.size() < 2 || !(on < last.start) || last.restarted || sub->cancel_effective ||
      sub->paused_since)
    return refused(errors::refused_no_pending_change,
                   "subscription \"" + id + "\" has no pending plan change to undo");
  Date effective = last.start;
  UsageGuard guard(s);
  sub->spans.pop_back();
  sub->last_span().end.reset();
  const Plan& back_to = *sub->last_span().plan;
  sub->product = &detail::version_of(s, back_to).product_of(back_to);
  for (Subscription* addon : addons_of(s, id))
    if (addon->ended_by_change && addon->cancel_effective == effective) {
      addon->ended_by_change = false;
      addon->cancel_effective.reset();
      addon->last_span().end.reset();
    }
  if (auto ok = guard.check(); !ok) return ok;
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::cancel(const std::string& id, const Date& on,
                                 std::optional<BillingActionPolicy> policy,
                                 std::optional<Date> requested_for) {
  EngineState& s = *state_;
  if (auto ok = check_date(s, on); !ok) return ok;
  TOLLGATE_ASSIGN_OR_RETURN(Date at, effective_from(on, requested_for));
  Subscription* sub = s.find(id);
  if (!sub) return unknown_subscription(id);
  if (policy == BillingActionPolicy::illegal)
    return refused(errors::refused_illegal, "a cancel cannot be ILLEGAL");
  if (sub->cancel_effective)
    return refused(errors::refused_cancelled, "subscription \"" + id +
                                                  "\" is already cancelled (effective " +
                                                  to_string(*sub->cancel_effective) + ")");
  Date effective = at;
  if (auto seg = detail::segment_at(s, *sub, at)) {
    auto decided = s.rules.cancel_policy(detail::case_of(*sub, *seg), policy);
    if (decided.value == BillingActionPolicy::end_of_term)
      effective = detail::end_of_term(s, *sub, at);
    if (decided.value == BillingActionPolicy::start_of_term)
      effective = detail::start_of_term(s, *sub, at);
  } else if (detail::state_at(s, *sub, at) == SubscriptionState::cancelled) {
    return refused(errors::refused_cancelled, "subscription \"" + id + "\" has ended");
  }
  s.reach(effective);
  UsageGuard guard(s);
  end_service(*sub, effective);
  sub->cancel_effective = effective;
  if (sub->product->category == ProductCategory::base)
    for (Subscription* addon : addons_of(s, id))
      if (!addon->cancel_effective) {
        end_service(*addon, effective);
        addon->cancel_effective = effective;
        addon->cancelled_with_base = true;
      }
  if (auto ok = guard.check(); !ok) return ok;
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::uncancel(const std::string& id, const Date& on) {
  EngineState& s = *state_;
  if (auto ok = check_date(s, on); !ok) return ok;
  Subscription* sub = s.find(id);
  if (!sub) return unknown_subscription(id);
  if (!sub->cancel_effective || !(on < *sub->cancel_effective))
    return refused(errors::refused_no_pending_cancel,
                   "subscription \"" + id + "\" has no pending cancel to undo");
  auto reopen = [&](Subscription& x) {
    x.cancel_effective.reset();
    x.cancelled_with_base = false;
    if (!x.paused_since) x.last_span().end.reset();
  };
  reopen(*sub);
  for (Subscription* addon : addons_of(s, id))
    if (addon->cancelled_with_base) reopen(*addon);
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::pause(const std::string& id, const Date& on, std::optional<Date> at) {
  EngineState& s = *state_;
  if (auto ok = check_date(s, on); !ok) return ok;
  TOLLGATE_ASSIGN_OR_RETURN(Date from, effective_from(on, at));
  Subscription* sub = s.find(id);
  if (!sub) return unknown_subscription(id);
  if (sub->paused_since || detail::state_at(s, *sub, from) != SubscriptionState::active ||
      sub->cancel_effective)
    return refused(errors::refused_not_active, "only an active subscription can be paused");
  auto pause_one = [&](Subscription& x, bool with_base) {
    end_service(x, from);
    x.paused_since = from;
    x.paused_with_base = with_base;
  };
  s.reach(from);
  UsageGuard guard(s);
  pause_one(*sub, false);
  for (Subscription* addon : addons_of(s, id))
    if (detail::state_at(s, *addon, from) == SubscriptionState::active && !addon->cancel_effective)
      pause_one(*addon, true);
  if (auto ok = guard.check(); !ok) return ok;
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::resume(const std::string& id, const Date& on, std::optional<Date> at) {
  EngineState& s = *state_;
  if (auto ok = check_date(s, on); !ok) return ok;
  TOLLGATE_ASSIGN_OR_RETURN(Date from, effective_from(on, at));
  Subscription* sub = s.find(id);
  if (!sub) return unknown_subscription(id);
  if (!sub->paused_since || sub->cancel_effective)
    return refused(errors::refused_not_paused, "subscription \"" + id + "\" is not paused");
  // Before a pending pause's date, resuming undoes it: service never stopped.
  bool undo = from < *sub->paused_since;
  auto resume_one = [&](Subscription& x) {
    if (undo) {
      x.last_span().end.reset();
    } else {
      const Span& last = x.last_span();
      x.spans.push_back(Span{.id = s.next_span_id++,
                             .plan = last.plan,
                             .start = from,
                             .end = std::nullopt,
                             .phase_anchor = last.phase_anchor,
                             .restarted = true,  // its phase's fixed fee is not charged again
                             .bill_cycle_day = last.bill_cycle_day,
                             .account_bill_cycle_day = std::nullopt});
    }
    x.paused_since.reset();
    x.paused_with_base = false;
  };
  resume_one(*sub);
  for (Subscription* addon : addons_of(s, id))
    if (addon->paused_with_base) resume_one(*addon);
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::change_bill_cycle_day(const std::optional<std::string>& id, int day,
                                                const Date& requested_on,
                                                std::optional<Date> requested_for) {
  EngineState& s = *state_;
  if (auto ok = check_date(s, requested_on); !ok) return ok;
  TOLLGATE_ASSIGN_OR_RETURN(Date on, effective_from(requested_on, requested_for));
  if (day < 1 || day > 31)
    return refused(errors::refused_bill_cycle_day, "a bill cycle day is from 1 to 31");
  // An account's day applies to every subscription that follows it, those
  // made in the meantime too: it changes from the request's date only.
  if (!id && requested_on < on)
    return refused(errors::refused_bill_cycle_day,
                   "an account's bill cycle day cannot be changed for a later date; a "
                   "subscription's can");
  s.reach(on);
  // The new day applies from the end of what is already billed: a new span
  // starts there, so no billed period is re-cut.
  // `explicit_day` pins the new span to the day; otherwise it follows the account's.
  auto move_to = [&](Subscription& x, std::optional<int> explicit_day) {
    if (x.cancel_effective || x.paused_since) return;
    Date from = std::max(detail::end_of_term(s, x, on), x.last_span().start);
    Span& last = x.last_span();
    if (from == last.start) {
      last.bill_cycle_day = explicit_day;
      last.account_bill_cycle_day.reset();
      return;
    }
    Span next{s.next_span_id++,  last.plan, from,         last.end,
              last.phase_anchor, true,      explicit_day, std::nullopt};
    last.end = from;
    x.spans.push_back(next);
  };
  if (id) {
    Subscription* sub = s.find(*id);
    if (!sub) return unknown_subscription(*id);
    move_to(*sub, day);
  } else {
    // Spans that billed under the old day keep it; the rest follow the new one.
    if (auto old = s.account.bill_cycle_day)
      for (auto& sub : s.subscriptions)
        for (auto& span : sub.spans)
          if (!span.account_bill_cycle_day && has_billed(s, sub, span))
            span.account_bill_cycle_day = *old;
    std::vector<Subscription*> aligned;
    for (auto& sub : s.subscriptions)
      if (auto seg = detail::segment_at(s, sub, on);
          seg &&
          s.rules.billing_alignment(detail::case_of(sub, *seg)).value == BillingAlignment::account)
        aligned.push_back(&sub);
    s.account.bill_cycle_day = day;
    for (Subscription* sub : aligned) move_to(*sub, std::nullopt);
  }
  done(s, requested_on);
  return Ok{};
}

namespace {

Result<Ok> check_payment_method(EngineState& s, const std::string& id, const Date& on) {
  if (auto ok = check_date(s, on); !ok) return ok;
  if (id.empty()) return refused(errors::refused_payment_method, "a payment method needs an id");
  return Ok{};
}

}  // namespace

Result<Ok> BillingEngine::attach_payment_method(const std::string& payment_method_id,
                                                const Date& on) {
  EngineState& s = *state_;
  TOLLGATE_RETURN_IF_ERROR(check_payment_method(s, payment_method_id, on));
  auto& on_file = s.payment_methods;
  if (on_file.empty() || on_file.back().end) {
    if (!on_file.empty() && *on_file.back().end == on)
      on_file.back().end.reset();  // removed and replaced the same day: no gap
    else
      on_file.push_back({on, std::nullopt});
  }
  // The blocks waiting for a card end today; one that had not begun never will.
  for (auto& sub : s.subscriptions) {
    auto& blocks = sub.blocked_without_card;
    for (auto& b : blocks)
      if (!b.end) b.end = on;
    std::erase_if(blocks, [](const detail::DateWindow& b) { return !(b.start < *b.end); });
  }
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::detach_payment_method(const std::string& payment_method_id,
                                                const Date& on) {
  EngineState& s = *state_;
  TOLLGATE_RETURN_IF_ERROR(check_payment_method(s, payment_method_id, on));
  auto& on_file = s.payment_methods;
  if (on_file.empty() || on_file.back().end) {  // none on file: nothing changes
    done(s, on);
    return Ok{};
  }
  if (on_file.back().start == on)
    on_file.pop_back();
  else
    on_file.back().end = on;
  for (auto& sub : s.subscriptions) {
    auto seg = detail::segment_at(s, sub, on);
    if (!seg || seg->kind != detail::SegmentKind::billable ||
        seg->phase->type == PhaseType::trial ||
        seg->span->plan->after_trial != AfterTrial::require_payment_method)
      continue;
    // What is paid for is served; the next charge is what the card is missing for.
    Date next_charge = std::max(detail::end_of_term(s, sub, on), on);
    sub.blocked_without_card.push_back({next_charge, std::nullopt});
  }
  done(s, on);
  return Ok{};
}

Result<Ok> BillingEngine::judge_usage(const UsageEvent& e) const {
  const EngineState& s = *state_;
  const Subscription* sub = s.find(e.subscription);
  if (!sub) return unknown_subscription(e.subscription);
  if (e.id.empty())
    return refused(errors::refused_usage_id, "a usage event needs an id (its idempotency key)");
  if (!e.quantity.is_valid() || e.quantity.sign() < 0)
    return refused(errors::refused_quantity, "a usage quantity cannot be negative");
  auto segments = detail::segments_of(s, *sub);
  if (detail::usage_home(segments, e.occurred_on, e.metric, detail::UsageHome::on_record))
    return Ok{};
  // Said as precisely as the timeline allows: the state that day, or the
  // phase that does not price the metric.
  auto seg = detail::segment_at(s, *sub, e.occurred_on);
  if (!seg || seg->kind != detail::SegmentKind::billable)
    return refused(errors::refused_not_entitled,
                   "subscription \"" + e.subscription + "\" is " +
                       std::string(to_string(detail::state_at(s, *sub, e.occurred_on))) + " on " +
                       to_string(e.occurred_on) + ": usage is not accepted");
  return refused(errors::refused_metric, "metric \"" + e.metric + "\" is not priced by the " +
                                             std::string(to_string(seg->phase->type)) +
                                             " phase of plan " + seg->span->plan->name + " on " +
                                             to_string(e.occurred_on));
}

Result<Recorded> BillingEngine::record_usage(const UsageEvent& e) {
  EngineState& s = *state_;
  Subscription* sub = s.find(e.subscription);
  if (sub && sub->usage_ids.contains(e.id)) return Recorded::duplicate;
  TOLLGATE_RETURN_IF_ERROR(judge_usage(e));
  sub->usage_ids.insert(e.id);
  sub->usage.push_back({e.occurred_on, e.metric, e.quantity, e.value_key});
  auto at = std::upper_bound(sub->by_date.begin(), sub->by_date.end(), e.occurred_on,
                             [&](const Date& d, std::size_t i) { return d < sub->usage[i].on; });
  sub->by_date.insert(at, sub->usage.size() - 1);
  // Late usage re-rates the period it falls in at the next invoice.
  if (!sub->rerate_from || e.occurred_on < *sub->rerate_from) sub->rerate_from = e.occurred_on;
  return Recorded::applied;
}

Result<Recorded> BillingEngine::purchase_credits(const std::string& package,
                                                 const std::string& session_id, const Date& on) {
  EngineState& s = *state_;
  const CreditPackage* p = s.catalog->find_credit_package(package);
  if (!p) return make_error(errors::unknown_package, "unknown credit package \"" + package + "\"");
  if (session_id.empty())
    return refused(errors::refused_session, "a credit purchase needs its checkout session id");
  return s.credits.purchase(*p, session_id, on) ? Recorded::applied : Recorded::duplicate;
}

Result<Recorded> BillingEngine::grant_credits(const Decimal& credits, const std::string& grant_id,
                                              const Date& on, const std::optional<Date>& expires) {
  EngineState& s = *state_;
  if (!credits.is_valid() || credits.sign() <= 0)
    return refused(errors::refused_credits, "a grant must be a positive number of credits");
  if (grant_id.empty()) return refused(errors::refused_grant_id, "a credit grant needs an id");
  if (expires && !(on < *expires))
    return refused(errors::refused_expires, "a grant must expire after the day it is granted");
  return s.credits.grant(credits, grant_id, on, expires) ? Recorded::applied : Recorded::duplicate;
}

Result<Recorded> BillingEngine::credit_account(const Decimal& amount, const std::string& credit_id,
                                               const Date& on) {
  EngineState& s = *state_;
  if (!amount.is_valid() || amount.sign() <= 0)
    return refused(errors::refused_amount, "an account credit must be greater than 0");
  if (credit_id.empty()) return refused(errors::refused_credit_id, "an account credit needs an id");
  if (s.currency.round(amount, RoundingMode::half_up) != amount)
    return refused(errors::refused_amount, "an account credit of " + amount.to_string() + " " +
                                               std::string(s.account.currency.code()) +
                                               " has more decimals than the currency has");
  if (s.account_credit_ids.contains(credit_id)) return Recorded::duplicate;
  InvoiceItem item;
  item.type = InvoiceItemType::credit_adj;
  item.start = on;
  item.amount = -amount;
  s.account_credit_ids.insert(credit_id);
  s.pending_credit_adjs.push_back(item);
  return Recorded::applied;
}

Result<Invoice> BillingEngine::invoice(const Date& on) {
  return detail::generate_invoice(*state_, on);
}

Result<Invoice> BillingEngine::preview(const Date& on) const {
  State copy = *state_;  // a dry run works on a copy: nothing is recorded
  auto invoice = detail::generate_invoice(copy, on);
  state_->needs_history |= copy.needs_history;  // ...but what it lacked, the engine lacks
  return invoice;
}

std::vector<SubscriptionStatus> BillingEngine::statuses(const Date& on) const {
  const EngineState& s = *state_;
  std::vector<SubscriptionStatus> out;
  for (const auto& sub : s.subscriptions) {
    SubscriptionStatus st;
    st.id = sub.id;
    auto segments = detail::segments_of(s, sub);  // once: the state, the phase and any block
    st.state = detail::state_in(sub, segments, on);
    const detail::Span* in_force = &sub.spans.front();
    for (const auto& span : sub.spans)
      if (!(on < span.start)) in_force = &span;
    st.plan = in_force->plan->name;
    if (!s.catalog->earlier_versions.empty()) {
      const Plan* priced = in_force->plan;
      for (const auto& from : detail::plan_versions(s, *in_force))
        if (!(on < from.from)) priced = from.plan;
      st.catalog_version = detail::version_of(s, *priced).effective_date;
    }
    if (auto seg = detail::segment_in(segments, on);
        seg && seg->kind == detail::SegmentKind::billable)
      st.phase = seg->phase->type;
    st.charged_through = detail::charged_through(s, sub);
    if (sub.cancel_effective && on < *sub.cancel_effective)
      st.pending_cancel = sub.cancel_effective;
    st.start_date = start_of(sub);
    st.base = sub.base;
    st.cancelled_date = sub.cancel_effective;
    if (st.state == SubscriptionState::active) {
      st.trial_ends = detail::trial_end(s, sub, on);
      st.period_ends = detail::current_period_end(s, sub, on);
    }
    st.entitled = st.state == SubscriptionState::active;
    st.blocked_from = detail::blocked_from(segments, on);
    out.push_back(std::move(st));
  }
  return out;
}

std::vector<SubscriptionEvent> BillingEngine::events(const std::string& subscription) const {
  const detail::Subscription* sub = state_->find(subscription);
  return sub ? detail::events_of(*state_, *sub) : std::vector<SubscriptionEvent>{};
}

void BillingEngine::use_rules(RuleSet rules) {
  state_->rules = std::move(rules);
}

std::optional<Date> BillingEngine::next_billing_date(const Date& after) const {
  std::optional<Date> next;
  for (const auto& sub : state_->subscriptions)
    if (auto d = detail::next_due_date(*state_, sub, after); d && (!next || *d < *next)) next = d;
  return next;
}

Result<bool> BillingEngine::can_consume(const std::string& id, const std::string& metric,
                                        const Decimal& units, const Date& on) const {
  const EngineState& s = *state_;
  const Subscription* sub = s.find(id);
  if (!sub) return unknown_subscription(id);
  auto seg = detail::segment_at(s, *sub, on);
  if (!seg || seg->kind != detail::SegmentKind::billable) return false;
  auto priced = std::find_if(seg->phase->usages.begin(), seg->phase->usages.end(),
                             [&](const UsagePrice& u) { return u.metric == metric; });
  if (priced == seg->phase->usages.end())
    return refused(errors::refused_metric,
                   "metric \"" + metric + "\" is not priced in the current phase of " + id);
  if (!priced->pay_with_credits) return true;
  auto unit = s.catalog->credit_unit_price.find(s.account.currency.code());
  auto rater = Rater::compile(*priced, s.account.currency);
  if (!rater || unit == s.catalog->credit_unit_price.end()) return false;
  // Usage so far in the current usage period, as the invoice will rate it.
  ServicePeriod period =
      BillingCycle(seg->start, priced->billing_period, detail::bill_cycle_day_of(s, *sub, *seg))
          .period_containing(on);
  Date from = std::max(period.start, seg->start);
  s.reach(from);
  std::vector<std::size_t> in_period;
  for (auto it =
           std::lower_bound(sub->by_date.begin(), sub->by_date.end(), from,
                            [&](std::size_t i, const Date&d) { return sub->usage[i].on < d; });
       it != sub->by_date.end() && sub->usage[*it].on < period.end; ++it)
    in_period.push_back(*it);
  std::sort(in_period.begin(), in_period.end());  // recording order, as invoicing rates it
  std::vector<UsageSample> samples;
  for (std::size_t i : in_period)
    if (sub->usage[i].metric == metric)
      samples.push_back({sub->usage[i].quantity, sub->usage[i].value_key});
  Decimal so_far = aggregate(priced->aggregation, samples);
  Decimal cost = rater->rate(so_far + units);
  return !(s.credits.balance(on) * unit->second < cost);
}

const CreditLedger& BillingEngine::credits() const noexcept {
  return state_->credits;
}
const AccountCredit& BillingEngine::account_credit() const noexcept {
  return state_->account_credit;
}
const Account& BillingEngine::account() const noexcept {
  return state_->account;
}
const std::vector<Invoice>& BillingEngine::invoices() const noexcept {
  return state_->invoices;
}
void BillingEngine::keep_invoices(bool keep) noexcept {
  state_->keep_invoices = keep;
}

}  // namespace tollgate
