#include "tollgate/operation.hpp"

#include "operation_reader.hpp"

namespace tollgate {
namespace {

using detail::EnumName;
namespace json = detail::json;

constexpr EnumName<OperationType> kTypes[] = {
    {"create", OperationType::create},
    {"change", OperationType::change},
    {"cancel", OperationType::cancel},
    {"uncancel", OperationType::uncancel},
    {"undo_change", OperationType::undo_change},
    {"pause", OperationType::pause},
    {"resume", OperationType::resume},
    {"bill_cycle_day", OperationType::bill_cycle_day},
    {"payment_method", OperationType::payment_method},
    {"payment_method_removed", OperationType::payment_method_removed},
    {"usage", OperationType::usage},
    {"credit_purchase", OperationType::credit_purchase},
    {"credit_grant", OperationType::credit_grant},
    {"account_credit", OperationType::account_credit},
};

constexpr EnumName<BillingActionPolicy> kPolicies[] = {
    {"START_OF_TERM", BillingActionPolicy::start_of_term},
    {"END_OF_TERM", BillingActionPolicy::end_of_term},
    {"IMMEDIATE", BillingActionPolicy::immediate}};

std::string_view policy_name(BillingActionPolicy p) {
  for (const auto& e : kPolicies)
    if (e.value == p) return e.name;
  return "?";
}

Result<Recorded> applied(const Result<Ok>& r) {
  if (!r) return unexpected(r.error());
  return Recorded::applied;
}

}  // namespace

std::string_view to_string(OperationType t) noexcept {
  for (const auto& e : kTypes)
    if (e.value == t) return e.name;
  return "?";
}

Result<Recorded> apply(BillingEngine& engine, const Operation& op) {
  switch (op.type) {
    case OperationType::create:
      return applied(engine.create_subscription(op.subscription, op.plan, op.date, op.base));
    case OperationType::change:
      return applied(
          engine.change_plan(op.subscription, op.plan, op.date, op.policy, op.effective));
    case OperationType::cancel:
      return applied(engine.cancel(op.subscription, op.date, op.policy, op.effective));
    case OperationType::uncancel:
      return applied(engine.uncancel(op.subscription, op.date));
    case OperationType::undo_change:
      return applied(engine.undo_change(op.subscription, op.date));
    case OperationType::pause:
      return applied(engine.pause(op.subscription, op.date, op.effective));
    case OperationType::resume:
      return applied(engine.resume(op.subscription, op.date, op.effective));
    case OperationType::bill_cycle_day:
      return applied(engine.change_bill_cycle_day(
          op.subscription.empty() ? std::nullopt : std::optional(op.subscription), op.day, op.date,
          op.effective));
    case OperationType::payment_method:
      return applied(engine.attach_payment_method(op.id, op.date));
    case OperationType::payment_method_removed:
      return applied(engine.detach_payment_method(op.id, op.date));
    case OperationType::usage:
      return engine.record_usage(
          {op.subscription, op.metric, op.quantity, op.date, op.id, op.value_key});
    case OperationType::credit_purchase:
      return engine.purchase_credits(op.package, op.id, op.date);
    case OperationType::credit_grant:
      return engine.grant_credits(op.credits, op.id, op.date, op.expires);
    case OperationType::account_credit:
      return engine.credit_account(op.amount, op.id, op.date);
  }
  return make_error(errors::operation_type, "unknown operation type");
}

std::string to_json(const Operation& op) {
  json::object o;
  o["date"] = to_string(op.date);
  o["type"] = to_string(op.type);
  if (!op.subscription.empty()) o["subscription"] = op.subscription;
  switch (op.type) {
    case OperationType::create:
      o["plan"] = op.plan;
      if (op.base) o["base"] = *op.base;
      break;
    case OperationType::change:
      o["plan"] = op.plan;
      [[fallthrough]];
    case OperationType::cancel:
      if (op.policy) o["policy"] = policy_name(*op.policy);
      if (op.effective) o["effective"] = to_string(*op.effective);
      break;
    case OperationType::pause:
    case OperationType::resume:
      if (op.effective) o["effective"] = to_string(*op.effective);
      break;
    case OperationType::bill_cycle_day:
      o["day"] = op.day;
      if (op.effective) o["effective"] = to_string(*op.effective);
      break;
    case OperationType::usage:
      o["metric"] = op.metric;
      o["quantity"] = op.quantity.to_string();
      if (!op.value_key.empty()) o["value_key"] = op.value_key;
      break;
    case OperationType::credit_purchase:
      o["package"] = op.package;
      break;
    case OperationType::credit_grant:
      o["credits"] = op.credits.to_string();
      if (op.expires) o["expires"] = to_string(*op.expires);
      break;
    case OperationType::account_credit:
      o["amount"] = op.amount.to_string();
      if (!op.reason.empty()) o["reason"] = op.reason;
      break;
    default:
      break;
  }
  if (!op.id.empty()) o["id"] = op.id;
  return json::serialize(o);
}

Result<Operation, Problems> parse_operation(std::string_view text) {
  TOLLGATE_ASSIGN_OR_RETURN(auto doc, detail::parse_json(text));
  Problems problems;
  detail::ObjectReader r(doc, "$", problems);
  Operation op;
  if (r.is_object() && detail::read_operation(r, op)) r.reject_unknown_fields();
  if (!problems.empty()) return unexpected(std::move(problems));
  return op;
}

namespace detail {

bool read_operation(ObjectReader& r, Operation& op, bool* date_read) {
  if (!r.is_object()) return false;
  auto date = r.date("date", true);
  if (date) op.date = *date;
  if (date_read) *date_read = date.has_value();
  auto type = r.enumeration("type", kTypes, true);
  if (!type) return false;
  op.type = *type;
  auto required = [&](std::string_view key) { return r.string(key, true).value_or(""); };
  switch (op.type) {
    case OperationType::create:
      op.plan = required("plan");
      op.base = r.string("base");
      op.subscription = required("subscription");
      break;
    case OperationType::change:
      op.subscription = required("subscription");
      op.plan = required("plan");
      op.policy = r.enumeration("policy", kPolicies);
      op.effective = r.date("effective");
      break;
    case OperationType::cancel:
      op.subscription = required("subscription");
      op.policy = r.enumeration("policy", kPolicies);
      op.effective = r.date("effective");
      break;
    case OperationType::uncancel:
    case OperationType::undo_change:
      op.subscription = required("subscription");
      break;
    case OperationType::pause:
    case OperationType::resume:
      op.subscription = required("subscription");
      op.effective = r.date("effective");
      break;
    case OperationType::bill_cycle_day:
      op.subscription = r.string("subscription").value_or("");
      op.day = static_cast<int>(r.integer("day", true, 1, 31).value_or(1));
      op.effective = r.date("effective");
      break;
    case OperationType::payment_method:
    case OperationType::payment_method_removed:
      op.id = required("id");
      break;
    case OperationType::usage:
      op.subscription = required("subscription");
      op.metric = required("metric");
      op.quantity = r.decimal("quantity", true).value_or(Decimal(0));
      op.id = required("id");
      op.value_key = r.string("value_key").value_or("");
      break;
    case OperationType::credit_purchase:
      op.package = required("package");
      op.id = required("id");
      break;
    case OperationType::credit_grant:
      op.credits = r.decimal("credits", true).value_or(Decimal(0));
      if (r.has("credits") && op.credits.is_zero()) r.problem("credits", "must be greater than 0");
      op.expires = r.date("expires");
      op.id = required("id");
      break;
    case OperationType::account_credit:
      op.amount = r.decimal("amount", true).value_or(Decimal(0));
      if (r.has("amount") && op.amount.sign() <= 0) r.problem("amount", "must be greater than 0");
      op.id = required("id");
      op.reason = r.string("reason").value_or("");
      break;
  }
  if (op.effective && *op.effective < op.date)
    r.problem("effective", "must not be before date " + to_string(op.date));
  return true;
}

}  // namespace detail
}  // namespace tollgate
