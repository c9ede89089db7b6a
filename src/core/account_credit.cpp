#include "tollgate/account_credit.hpp"

namespace tollgate {

Decimal AccountCredit::settle(const Decimal& total) {
  if (total.sign() < 0) {
    credit_ -= total;
    return -total;
  }
  Decimal used = min(credit_, total);
  credit_ -= used;
  return -used;
}

}  // namespace tollgate
