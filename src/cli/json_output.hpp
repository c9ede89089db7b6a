#pragma once
// JSON output shared by the commands: invoices as `tollgate simulate` prints
// them (docs/cli.md), and an indented printer.

#include <iosfwd>

#include <boost/json.hpp>

#include "tollgate/currency.hpp"
#include "tollgate/invoice.hpp"

namespace tollgate::cli {

boost::json::object item_json(const InvoiceItem& item, const Currency& currency);
/// {"date", "currency", "items", "total"}.
boost::json::object invoice_json(const Invoice& invoice, const Currency& currency);
/// Pretty-prints JSON with two-space indentation (objects keep insertion order).
void pretty(std::ostream& out, const boost::json::value& v, int indent = 0);

}  // namespace tollgate::cli
