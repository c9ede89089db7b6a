#include "catalog_document.hpp"

#include "tollgate/kill_bill_catalog.hpp"

namespace tollgate::cli {

std::size_t rule_count(const RuleSet& r) {
  return r.billing_alignment_rules.size() + r.create_alignment_rules.size() +
         r.cancel_policy_rules.size() + r.change_policy_rules.size() +
         r.change_alignment_rules.size();
}

Result<CatalogDocument, Problems> load_catalog_document(std::string_view text) {
  CatalogDocument doc;
  if (!looks_like_xml(text)) {
    TOLLGATE_ASSIGN_OR_RETURN(doc.catalog, load_catalog(text));
    doc.json = std::string(text);
    return doc;
  }
  TOLLGATE_ASSIGN_OR_RETURN(auto kill_bill, load_kill_bill_catalog(text));
  doc.catalog = std::move(kill_bill.catalog);
  doc.json = std::move(kill_bill.catalog_json);
  doc.from_xml = true;
  if (rule_count(kill_bill.rules) > 0) {
    doc.rules = std::move(kill_bill.rules);
    doc.rules_json = std::move(kill_bill.rules_json);
  }
  return doc;
}

}  // namespace tollgate::cli
