#include "json_output.hpp"

#include <ostream>
#include <string>

namespace tollgate::cli {

namespace json = boost::json;

json::object item_json(const InvoiceItem& item, const Currency& currency) {
  json::object o;
  o["type"] = to_string(item.type);
  if (!item.subscription.empty()) o["subscription"] = item.subscription;
  if (!item.plan.empty()) o["plan"] = item.plan;
  if (item.phase && item.type != InvoiceItemType::usage) o["phase"] = to_string(*item.phase);
  if (!item.usage.empty()) o["usage"] = item.usage;
  if (item.type != InvoiceItemType::credit && item.type != InvoiceItemType::credit_adj)
    o["start"] = to_string(item.start);
  if (item.end) o["end"] = to_string(*item.end);
  if (item.quantity) o["quantity"] = item.quantity->to_string();
  o["amount"] = currency.format(item.amount);
  return o;
}

json::object invoice_json(const Invoice& invoice, const Currency& currency) {
  json::object o;
  o["date"] = to_string(invoice.date);
  o["currency"] = invoice.currency.code();
  json::array items;
  for (const auto& item : invoice.items) items.push_back(item_json(item, currency));
  o["items"] = std::move(items);
  o["total"] = currency.format(invoice.total());
  o["credit_adj"] = currency.format(invoice.credit_adj);
  o["balance"] = currency.format(invoice.amount_due());
  return o;
}

void pretty(std::ostream& out, const json::value& v, int indent) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out << "{\n";
    bool first = true;
    for (const auto& [key, value] : v.get_object()) {
      out << (first ? "" : ",\n") << pad << "  " << json::serialize(json::string(key)) << ": ";
      pretty(out, value, indent + 2);
      first = false;
    }
    out << "\n" << pad << "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out << "[\n";
    bool first = true;
    for (const auto& value : v.get_array()) {
      out << (first ? "" : ",\n") << pad << "  ";
      pretty(out, value, indent + 2);
      first = false;
    }
    out << "\n" << pad << "]";
  } else {
    out << json::serialize(v);
  }
}

}  // namespace tollgate::cli
