#pragma once
// Operation: one dated request on an account (create, change, cancel, usage,
// a credit purchase...), as a value.
//
// The same operations are a scenario's events (`tollgate simulate`) and the
// entries of an account's journal in a store: replaying a journal through a
// BillingEngine rebuilds the account exactly as it was.

#include <optional>
#include <string>
#include <string_view>

#include "tollgate/billing_engine.hpp"
#include "tollgate/calendar.hpp"
#include "tollgate/decimal.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rules.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

enum class OperationType {
  create,
  change,
  cancel,
  uncancel,
  undo_change,
  pause,
  resume,
  bill_cycle_day,
  payment_method,
  usage,
  credit_purchase,
  credit_grant,
  account_credit,
  payment_method_removed  ///< the card on file is gone (BillingEngine::detach_payment_method)
};
/// The scenario file's names: "create", "bill_cycle_day", "credit_purchase"...
std::string_view to_string(OperationType t) noexcept;

struct Operation {
  Date date;
  OperationType type = OperationType::create;
  std::string subscription;  ///< empty: account-wide (bill_cycle_day)
  std::string plan;
  std::optional<std::string> base;  ///< create: the BASE subscription of an add-on
  std::optional<BillingActionPolicy> policy;
  /// change, cancel: requested on `date` for this later date, and pending
  /// until then (BillingEngine::change_plan, cancel)
  std::optional<Date> effective;
  int day = 0;     ///< bill_cycle_day
  std::string id;  ///< payment method, usage, credit purchase (checkout session), grant or account
                   ///< credit id
  std::string metric;
  Decimal quantity;
  std::string value_key;
  std::string package;
  Decimal credits;
  std::optional<Date> expires;
  Decimal amount;      ///< account_credit: money credited to the account (> 0)
  std::string reason;  ///< account_credit: why, for the record
};

/// Applies an operation to an engine. Errors: the engine's ("refused.*",
/// "unknown.*", "engine.date"); nothing changes then.
Result<Recorded> apply(BillingEngine& engine, const Operation& op);

/// The operation as a JSON object in the scenario event format (docs/formats.md).
std::string to_json(const Operation& op);

/// Parses one operation in the scenario event format. Checks the fields' shapes
/// only (not whether a plan or subscription exists: the engine answers that).
/// Errors: every problem, by JSON path ("date", "policy").
Result<Operation, Problems> parse_operation(std::string_view json);

}  // namespace tollgate
TOLLGATE_API_END
