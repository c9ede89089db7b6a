#pragma once
// AccountCredit: money the account holds toward future invoices (Kill Bill's
// credit balance adjustment, "CBA"), as balance.md defines it.
//
// Credit comes from an invoice whose total is negative (a repair larger than
// the day's charges) and from credit an operator gives (a CREDIT_ADJ item on
// that date's invoice). Each invoice issued while credit is held uses as much
// of it as its positive total allows. An invoice, once issued, is never
// rewritten: credit only ever moves forward, into invoices issued after it.
// Not to be confused with prepaid credits (credits.hpp), which pay for usage
// inside an invoice.

#include "tollgate/decimal.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

class AccountCredit {
 public:
  AccountCredit() = default;
  /// Credit already held (a stored account's: the sum of its invoices' credit_adj).
  explicit AccountCredit(const Decimal& held) : credit_(held) {}

  /// Settles an invoice just issued with `total` (the sum of its items) and
  /// returns its `credit_adj`: `-total` for a negative invoice (the credit it
  /// adds), minus what it uses of the credit held for a positive one, else 0.
  /// The invoice then asks for `total + credit_adj`, never less than zero.
  Decimal settle(const Decimal& total);

  /// The credit held now.
  const Decimal& balance() const noexcept { return credit_; }

 private:
  Decimal credit_;
};

}  // namespace tollgate
TOLLGATE_API_END
