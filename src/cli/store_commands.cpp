// The commands over a SQLite database (docs/cli.md):
//   tollgate import --db FILE --catalog FILE [--version V]
//   tollgate import --db FILE --rules FILE --organization O --tenant T [--registered-at DATE]
//   tollgate import --db FILE --scenario FILE [--customer CUS]
//   tollgate export --db FILE (--catalog V [--xml] | --rules | --invoices ACCOUNT | --balance
//   ACCOUNT) tollgate run --db FILE --as-of DATE [--through DATE] [--provider manual|stripe]
//   [--worker NAME]
// Exit 0 done, 1 refused by the store or the engine (the reason on stderr), 2 usage error.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <ostream>

#include "catalog_document.hpp"
#include "cli.hpp"
#include "flags.hpp"
#include "json_output.hpp"
#include "scenario.hpp"
#include "tollgate/billing_run.hpp"
#include "tollgate/kill_bill_catalog.hpp"
#include "tollgate/manual_provider.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/stripe/beast_transport.hpp"
#include "tollgate/stripe/stripe_provider.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

int refused(std::string_view command, const Error& e, Streams io) {
  io.err << "tollgate " << command << ": " << e.code << ": " << e.message << "\n";
  return exit_refused;
}

std::optional<Date> date_flag(const Flags& flags, std::string_view name, Streams io) {
  auto it = flags.find(name);
  if (it == flags.end()) return std::nullopt;
  auto d = parse_date(it->second);
  if (!d) io.err << "tollgate: " << name << " takes a date YYYY-MM-DD\n";
  return d ? std::optional(*d) : std::nullopt;
}

Instant midnight(const Date& d) {
  return Instant{date::sys_days(d)};
}

// A Kill Bill catalog's <rules>: Tollgate keeps rules per organization and
// tenant, so they are registered for the ones named, or left out with a warning.
int import_catalog_rules(BillingStore& store, const CatalogDocument& catalog, const Flags& flags,
                         Streams io) {
  auto organization = flags.find("--organization");
  auto tenant = flags.find("--tenant");
  if (organization == flags.end() || tenant == flags.end()) {
    io.err << "tollgate import: warning: the catalog's " << rule_count(*catalog.rules)
           << " rules were not imported: Tollgate keeps rules per organization; pass "
              "--organization and --tenant to register them\n";
    return exit_ok;
  }
  Instant at = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (flags.contains("--registered-at")) {
    auto d = date_flag(flags, "--registered-at", io);
    if (!d) return exit_usage;
    at = midnight(*d);
  }
  auto id = store.register_rules({std::string(organization->second), std::string(tenant->second)},
                                 catalog.rules_json, at);
  if (!id) return refused("import", id.error(), io);
  io.out << "imported rule set " << *id << "\n";
  return exit_ok;
}

// A stored catalog as Kill Bill XML (export --catalog V --xml). Rules stay
// out: Tollgate keeps them per organization, not in the catalog.
int export_kill_bill_xml(const std::string& catalog_json, Streams io) {
  auto catalog = load_catalog(catalog_json);
  if (!catalog) {
    for (const auto& p : catalog.error()) io.err << "tollgate export: " << to_string(p) << "\n";
    return exit_refused;
  }
  auto xml = to_kill_bill_xml(*catalog);
  if (!xml) {
    for (const auto& p : xml.error()) io.err << "tollgate export: " << to_string(p) << "\n";
    return exit_refused;
  }
  io.out << *xml;
  return exit_ok;
}

int import_scenario(BillingStore& store, const std::string& path, const Flags& flags, Streams io) {
  auto text = read_file(path);
  if (!text) return refused("import", text.error(), io);
  auto scenario = load_scenario(*text, std::filesystem::path(path).parent_path());
  if (!scenario) {
    for (const auto& p : scenario.error()) io.err << path << ": " << to_string(p) << "\n";
    return exit_usage;
  }
  // The catalog as the scenario holds it (as JSON): stored under its name.
  const std::string& catalog_text = scenario->catalog_json;
  BillingService service(store);
  auto r = store.atomically([&]() -> Result<Ok> {
    if (auto s = store.put_catalog(scenario->catalog->name, catalog_text); !s) return s;
    StoredAccount account;
    account.account = scenario->account;
    account.catalog = scenario->catalog->name;
    if (auto c = flags.find("--customer"); c != flags.end())
      account.customer_id = std::string(c->second);
    if (auto s = service.open_account(account); !s) return s;
    for (const auto& e : scenario->events) {
      if (e.type == OperationType::usage) {
        UsageEvent u{e.subscription, e.metric, e.quantity, e.date, e.id, e.value_key};
        TOLLGATE_RETURN_IF_ERROR(service.record_usage(std::span(&u, 1)));
        continue;
      }
      if (auto s = service.apply(account.account.id, e, midnight(e.date)); !s)
        return make_error(s.error().code,
                          "events[" + std::to_string(e.index) + "]: " + s.error().message);
    }
    return Ok{};
  });
  if (!r) return refused("import", r.error(), io);
  io.out << "imported account " << scenario->account.id << " with " << scenario->events.size()
         << " events\n";
  return exit_ok;
}

json::array rule_sets_json(const std::vector<StoredRuleSet>& sets) {
  json::array out;
  for (const auto& s : sets) {
    json::object o;
    o["id"] = s.id;
    o["organization_id"] = s.organization.organization_id;
    o["tenant_id"] = s.organization.tenant_id;
    o["reg_dt"] = date::format("%FT%TZ", s.registered_at);
    o["rule"] = json::parse(s.rule_json);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

std::unique_ptr<PaymentProvider> make_provider(std::string_view command, std::string_view name,
                                               std::unique_ptr<HttpTransport>& transport,
                                               Streams io) {
  if (name == "manual") return std::make_unique<ManualProvider>();
  if (name != "stripe") {
    io.err << "tollgate " << command << ": --provider is manual or stripe\n";
    return nullptr;
  }
  const char* key = std::getenv("STRIPE_SECRET_KEY");
  if (!key) {
    io.err << "tollgate " << command
           << ": --provider stripe reads the secret key from STRIPE_SECRET_KEY\n";
    return nullptr;
  }
  stripe::StripeConfig config;
  config.secret_key = key;
  if (const char* base = std::getenv("STRIPE_API_BASE")) config.api_base = base;
  // A local Stripe mock may be plain HTTP on loopback (docs/cli.md); the
  // transport still refuses any other plain-HTTP host, and any live key.
  stripe::BeastTransportOptions transport_options;
  transport_options.allow_plain_http_to_loopback = true;
  transport = std::make_unique<stripe::BeastTransport>(transport_options);
  auto provider = stripe::StripeProvider::create(config, *transport);
  if (!provider) {
    io.err << "tollgate " << command << ": " << provider.error().message << "\n";
    return nullptr;
  }
  return std::move(provider).value();
}

int import_command(std::span<const std::string_view> args, Streams io) {
  auto flags = parse_flags("import", args,
                           {"--db", "--catalog", "--version", "--rules", "--organization",
                            "--tenant", "--registered-at", "--scenario", "--customer"},
                           io);
  if (!flags) return exit_usage;
  auto store = open_db("import", *flags, io);
  if (!store) return exit_usage;
  auto get = [&](std::string_view f) {
    return flags->contains(f) ? std::string(flags->at(f)) : std::string();
  };
  if (flags->contains("--scenario")) return import_scenario(*store, get("--scenario"), *flags, io);
  if (flags->contains("--catalog")) {
    auto text = read_file(get("--catalog"));
    if (!text) return refused("import", text.error(), io);
    auto catalog = load_catalog_document(*text);
    if (!catalog) {
      for (const auto& p : catalog.error())
        io.err << get("--catalog") << ": " << to_string(p) << "\n";
      return exit_usage;
    }
    std::string version = flags->contains("--version") ? get("--version") : catalog->catalog.name;
    if (auto r = store->put_catalog(version, catalog->json); !r)
      return refused("import", r.error(), io);
    io.out << "imported catalog " << version << "\n";
    return catalog->rules ? import_catalog_rules(*store, *catalog, *flags, io) : exit_ok;
  }
  if (flags->contains("--rules")) {
    if (!flags->contains("--organization") || !flags->contains("--tenant")) {
      io.err << "tollgate import: --rules needs --organization and --tenant\n";
      return exit_usage;
    }
    auto text = read_file(get("--rules"));
    if (!text) return refused("import", text.error(), io);
    Instant at =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    if (flags->contains("--registered-at")) {
      auto d = date_flag(*flags, "--registered-at", io);
      if (!d) return exit_usage;
      at = midnight(*d);
    }
    auto id = store->register_rules({get("--organization"), get("--tenant")}, *text, at);
    if (!id) {
      io.err << "tollgate import: " << id.error().message << "\n";
      return exit_usage;
    }
    io.out << "imported rule set " << *id << "\n";
    return exit_ok;
  }
  io.err << "tollgate import: say what to import: --catalog, --rules or --scenario\n";
  return exit_usage;
}

int export_command(std::span<const std::string_view> args, Streams io) {
  auto flags = parse_flags("export", args, {"--db", "--catalog", "--invoices", "--balance"}, io,
                           {"--rules", "--xml"});
  if (!flags) return exit_usage;
  auto store = open_db("export", *flags, io);
  if (!store) return exit_usage;
  if (auto v = flags->find("--catalog"); v != flags->end()) {
    auto text = store->catalog_json(std::string(v->second));
    if (!text) return refused("export", text.error(), io);
    if (!flags->contains("--xml")) {
      io.out << *text;
      return exit_ok;
    }
    return export_kill_bill_xml(*text, io);
  }
  if (flags->contains("--rules")) {
    auto sets = store->rule_sets();
    if (!sets) return refused("export", sets.error(), io);
    pretty(io.out, rule_sets_json(*sets));
    io.out << "\n";
    return exit_ok;
  }
  if (auto a = flags->find("--invoices"); a != flags->end()) {
    auto invoices = store->invoices_of(std::string(a->second));
    if (!invoices) return refused("export", invoices.error(), io);
    json::array out;
    for (const auto& inv : *invoices) {
      auto currency = inv.invoice.currency.checked();
      if (!currency) return refused("export", currency.error(), io);
      json::object o = invoice_json(inv.invoice, *currency);
      o["id"] = inv.id;
      o["status"] = to_string(inv.status);
      out.push_back(std::move(o));
    }
    pretty(io.out, out);
    io.out << "\n";
    return exit_ok;
  }
  if (auto a = flags->find("--balance"); a != flags->end())
    return export_balance(*store, std::string(a->second), io);
  io.err << "tollgate export: say what to export: --catalog V, --rules, --invoices ACCOUNT or "
            "--balance ACCOUNT\n";
  return exit_usage;
}

int run_command(std::span<const std::string_view> args, Streams io) {
  auto flags =
      parse_flags("run", args, {"--db", "--as-of", "--through", "--provider", "--worker"}, io);
  if (!flags) return exit_usage;
  auto as_of = date_flag(*flags, "--as-of", io);
  if (!as_of) {
    io.err << "tollgate run: --as-of DATE is required\n";
    return exit_usage;
  }
  Date through = *as_of;
  if (flags->contains("--through")) {
    auto t = date_flag(*flags, "--through", io);
    if (!t || *t < *as_of) return exit_usage;
    through = *t;
  }
  std::unique_ptr<HttpTransport> transport;
  auto provider = make_provider(
      "run", flags->contains("--provider") ? flags->at("--provider") : std::string_view("manual"),
      transport, io);
  if (!provider) return exit_usage;
  auto store = open_db("run", *flags, io);
  if (!store) return exit_usage;

  RunOptions options;
  if (auto worker = flags->find("--worker"); worker != flags->end())
    options.worker.name = std::string(worker->second);
  if (isatty(fileno(stderr)))  // a progress line for a person watching, never in a pipe or a log
    options.progress = [&io](std::size_t done, std::size_t total) {
      if (done == total || done % 100 == 0)
        io.err << "\r  " << done << "/" << total << " accounts" << std::flush;
      if (done == total) io.err << "\n";
    };
  BillingRun run(*store, *provider, options);
  json::array runs;
  int status = exit_ok;
  for (Date d = *as_of; !(through < d); d = add_days(d, 1)) {
    auto report = run.run(d);
    if (!report) return refused("run", report.error(), io);
    json::object o;
    o["as_of"] = to_string(d);
    o["accounts"] = report->accounts;
    o["invoices"] = report->invoices;
    o["charges_succeeded"] = report->charges_succeeded;
    o["charges_pending"] = report->charges_pending;
    o["charges_failed"] = report->charges_failed;
    o["charges_unknown"] = report->charges_unknown;
    o["notices"] = report->notices;
    json::array errors;
    for (const auto& e : report->errors) errors.push_back(json::string(e.code + ": " + e.message));
    if (!errors.empty()) status = exit_refused;
    o["errors"] = std::move(errors);
    runs.push_back(std::move(o));
  }
  pretty(io.out, runs);
  io.out << "\n";
  return status;
}

}  // namespace tollgate::cli
