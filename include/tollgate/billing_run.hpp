#pragma once
// BillingRun: the job a host schedules daily (at 00:00, say).
//
// For every account with something due, on its own local date: invoice what
// is due, store the invoice and a payment attempt, then charge it through the
// provider and record the outcome. Exactly once across crashes: the invoice
// and the attempt (whose (invoice, attempt) names the provider's idempotency
// key) are committed before the provider is called, so a run that dies at any
// point and is started again re-sends an attempt whose outcome it never
// recorded under the same key (the provider answers with the first outcome)
// and never invoices a period twice.
//
// Failed payments follow a dunning schedule (retry after 1, 3 and 7 days by
// default), after which the account is overdue. Notices (a trial or a period
// about to end, a payment failed or succeeded, credits running low, a
// subscription blocked for lack of a payment method) are recorded once each
// and handed to the host's callback; a notice whose delivery a crash cut short
// is delivered again by the next run under the same key, so hosts dedupe on it.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tollgate/billing_service.hpp"
#include "tollgate/collections.hpp"
#include "tollgate/payment_provider.hpp"
#include "tollgate/store.hpp"
#include "tollgate/time_zone.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct NoticePolicy {
  int trial_ending_days = 3;   ///< notify this many days before a trial ends
  int period_ending_days = 3;  ///< notify this many days before a billing period ends (0: never)
  std::optional<Decimal> credits_below;  ///< notify once when the credit balance drops below this
  /// Notify this many days before the account's card stops working (the end
  /// of its expiry month), once per card and expiry (0: never).
  int card_expiring_days = 30;
};

/// Who runs: several workers (processes, machines) may run the same day's run
/// against one store at once. Each claims accounts a batch at a time with a
/// lease; no account is worked on by two of them at once, and the accounts of
/// a worker that dies go to the others once its lease runs out.
/// "<host>-<pid>": unique among the processes running now on any machine.
std::string default_worker_name();

struct WorkerOptions {
  /// Unique among the workers running at the same time. The default is this
  /// process's host and pid, so that two runs never share a name by accident;
  /// when that process is gone (killed, crashed), the next run on the same
  /// host takes its claims back at once. A stable name ("billing-1") does the
  /// same for a worker restarted elsewhere; other claims are waited out.
  std::string name = default_worker_name();
  /// How long a claim holds: longer than a batch takes (its provider calls
  /// included), short enough that a dead worker's accounts are soon taken over.
  std::chrono::seconds lease{300};
  /// When its own work is done, wait for the accounts other workers hold until
  /// they finish them or their leases run out (and then finish them itself).
  bool wait_for_others = false;
  std::chrono::milliseconds poll{200};  ///< how often it looks while waiting
};

struct RunOptions {
  DunningPolicy dunning;
  NoticePolicy notices;
  /// The provider that charges an account, when they differ by account (Stripe
  /// Connect: one StripeProvider per merchant, picked by the account's
  /// organization). Unset, or answering nullptr: the run's own provider.
  std::function<PaymentProvider*(const StoredAccount&)> provider_for;
  /// Called for every notice once it is recorded. Must not throw.
  std::function<void(const Notification&)> notify;
  /// Accounts invoiced per transaction (and charged between two transactions):
  /// larger batches commit less often; a crash costs nothing either way.
  std::size_t batch_size = 100;
  /// Called after each batch: (accounts done, accounts due when the run began).
  std::function<void(std::size_t done, std::size_t total)> progress;
  WorkerOptions worker;
};

struct RunReport {
  std::size_t accounts = 0;  ///< accounts looked at
  std::size_t invoices = 0;  ///< invoices stored (non-empty)
  std::size_t charges_succeeded = 0;
  std::size_t charges_failed = 0;  ///< declined or refused (a retry may be scheduled)
  std::size_t charges_pending =
      0;  ///< the provider has not settled yet (or the host will, for manual)
  std::size_t charges_unknown = 0;  ///< no answer: re-sent with the same key by the next run
  std::size_t reconciled = 0;       ///< attempts of an earlier run whose outcome was recorded now
  std::size_t notices = 0;
  /// Accounts tagged TEST (AccountControls::test) the run looked at: their
  /// invoices and charges are in none of the counts above.
  std::size_t test_accounts = 0;
  std::vector<Error> errors;  ///< per-account failures (the run goes on with the others)
};

class BillingRun {
 public:
  /// With the default options, built in place: a moved-from temporary of
  /// them makes GCC 12 at -O3 warn -Wmaybe-uninitialized about the dunning
  /// policy's vector.
  BillingRun(BillingStore& store, PaymentProvider& provider);
  BillingRun(BillingStore& store, PaymentProvider& provider, RunOptions options);

  /// Runs for the instant `now`: each account on its local date at `now`.
  /// Errors: only when the store cannot be read at all; an account that fails
  /// is reported in RunReport::errors and retried by the next run.
  Result<RunReport> run(Instant now);
  /// Runs with `as_of` as every account's local date (a CLI run "as of a date").
  Result<RunReport> run(const Date& as_of);

 private:
  Result<RunReport> run_with(const std::function<Date(const Account&)>& local_date,
                             const Date& through);

  BillingStore& store_;
  PaymentProvider& provider_;
  RunOptions options_;
};

}  // namespace tollgate
TOLLGATE_API_END
