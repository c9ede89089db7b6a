#pragma once
// KillBillCatalog: a Kill Bill XML catalog, read into Tollgate's catalog and rules.
//
// Kill Bill keeps a whole offering in one XML document: products, plans and
// phases, price lists, billing rules, units. load_kill_bill_catalog() reads
// one into the Catalog and RuleSet that the JSON formats build, by way of
// those formats: the XML is translated to catalog JSON and rules JSON, and
// load_catalog() and load_rules() validate them. So an XML catalog is held to
// exactly the rules a JSON one is, and a store keeps the JSON.
//
// Price lists become each plan's `price_list`, and rules that name them a
// rule set with `with_price_lists`. What Kill Bill has and Tollgate does not
// (usage of several units, plansAllowedInBundle, ...) is refused with its XML path
// and the reason, never dropped. docs/formats.md ("Kill Bill XML catalogs") maps each element to
// its JSON field and lists what is refused.
//
// The XML parser (pugixml) stays in src/: this header names none of it.

#include <string>
#include <string_view>

#include "tollgate/catalog.hpp"
#include "tollgate/problem.hpp"
#include "tollgate/result.hpp"
#include "tollgate/rules.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct KillBillCatalog {
  Catalog catalog;
  RuleSet rules;             ///< the catalog's <rules>; Kill Bill's defaults when it has none
  std::string catalog_json;  ///< the catalog in the JSON format: what a Store keeps
  std::string rules_json;    ///< the rules in the rules JSON format ("{}" when none)
};

/// Reads a Kill Bill XML catalog.
/// Errors (problems; each path is an XML path such as
/// "/catalog/plans/plan[@name='gold']/finalPhase/recurring/billingPeriod"):
///  - "/": "malformed XML: ..." when the text is not XML, or has neither a
///    <catalog> nor Kill Bill's versioned <catalogs> (GET /1.0/kb/catalog/xml),
///    whose <version>s read as one catalog of several versions;
///  - "/catalogs/versions/version[1]/rules": an earlier version whose rules
///    differ from the latest version's (Tollgate keeps one rule set);
///  - an element Tollgate does not support, or does not know, with the reason;
///  - a value that is not what the element takes (a duration that is no number);
///  - every problem that load_catalog() or load_rules() finds in the
///    translation, at the XML element it came from.
Result<KillBillCatalog, Problems> load_kill_bill_catalog(std::string_view xml);

/// Writes a catalog, and optionally its rules, as a Kill Bill XML catalog, each
/// plan in its price list: reading it back with
/// load_kill_bill_catalog() gives the same catalog and rules. (An OVERAGE
/// usage is written as a free first tier, and reads back as the GRADUATED
/// usage that bills the same amounts; VOLUME is written as TOP_TIER, and
/// VOLUME over MAX with flat tier prices only as CAPACITY.)
/// Errors (problems, by the catalog JSON's paths): what Kill Bill's format
/// cannot say, each with the reason: credit packages, OVERAGE usage whose
/// allowance is prorated, flat tier prices (outside CAPACITY), tiers of
/// fractional bounds, aggregations other than SUM (outside CAPACITY), `after_trial`
/// REQUIRE_PAYMENT_METHOD, a plan whose phases bill in different modes.
Result<std::string, Problems> to_kill_bill_xml(const Catalog& catalog, const RuleSet& rules = {});

/// Writes every version of a catalog, oldest first, as Kill Bill answers
/// GET /1.0/kb/catalog/xml: `<catalogs><versions><version>...</version>...
/// </versions><catalogName>...</catalogName></catalogs>`, each <version>
/// holding what to_kill_bill_xml() writes in <catalog>, the rules in each.
/// load_kill_bill_catalog() reads it back to the same catalog and rules.
/// Errors: to_kill_bill_xml()'s; for a catalog of several versions, each path
/// starts with its version's place ("[1].credit_packages"), as in the JSON
/// document of several versions.
Result<std::string, Problems> to_kill_bill_versions_xml(const Catalog& catalog,
                                                        const RuleSet& rules = {});

/// True when `text`'s first character after blanks is '<': how the command
/// line tells an XML catalog from a JSON one.
bool looks_like_xml(std::string_view text) noexcept;

}  // namespace tollgate
TOLLGATE_API_END
