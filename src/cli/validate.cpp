// `tollgate validate-catalog FILE` and `tollgate validate-rules FILE`.

#include <ostream>

#include "catalog_document.hpp"
#include "cli.hpp"
#include "tollgate/catalog.hpp"
#include "tollgate/rules.hpp"

namespace tollgate::cli {
namespace {

int report(const Problems& problems, std::ostream& err) {
  for (const auto& p : problems) err << to_string(p) << "\n";
  return exit_usage;
}

// Reads the single FILE argument; on failure prints why and returns nullopt.
std::optional<std::string> read_single_file(std::span<const std::string_view> args,
                                            std::string_view command, Streams io) {
  if (args.size() != 1) {
    io.err << "usage: tollgate " << command << " FILE\n";
    return std::nullopt;
  }
  auto text = read_file(std::string(args[0]));
  if (!text) {
    io.err << text.error().message << "\n";
    return std::nullopt;
  }
  return std::move(text).value();
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

int validate_catalog(std::span<const std::string_view> args, Streams io) {
  auto text = read_single_file(args, "validate-catalog", io);
  if (!text) return exit_usage;
  auto doc = load_catalog_document(*text);
  if (!doc) return report(doc.error(), io.err);
  const Catalog& catalog = doc->catalog;
  io.out << "valid " << (doc->from_xml ? "Kill Bill catalog" : "catalog") << " \"" << catalog.name
         << "\": " << plural(catalog.products.size(), "product") << ", "
         << plural(catalog.plans.size(), "plan") << ", "
         << plural(catalog.credit_packages.size(), "credit package");
  if (doc->rules) io.out << ", " << plural(rule_count(*doc->rules), "rule");
  io.out << "\n";
  return exit_ok;
}

int validate_rules(std::span<const std::string_view> args, Streams io) {
  auto text = read_single_file(args, "validate-rules", io);
  if (!text) return exit_usage;
  auto rules = load_rules(*text);
  if (!rules) return report(rules.error(), io.err);
  io.out << "valid rule set: "
         << plural(rules->billing_alignment_rules.size(), "billingAlignment rule") << ", "
         << plural(rules->create_alignment_rules.size(), "createAlignment rule") << ", "
         << plural(rules->cancel_policy_rules.size(), "cancelPolicy rule") << ", "
         << plural(rules->change_policy_rules.size(), "changePolicy rule") << ", "
         << plural(rules->change_alignment_rules.size(), "changeAlignment rule") << "\n";
  return exit_ok;
}

}  // namespace tollgate::cli
