// The REST surface on arbitrary requests: method, path, query, headers and
// body go straight into RestApi::handle over one SQLite store (made once per
// process, with a tenant, a user, a catalog, an account and a subscription).
// The input is "<method byte><target>\n<extra header lines>\n\n<body>"; in the
// target and body, {A} {B} {S} {I} stand for the account, bundle, subscription
// and invoice ids, so that mutations reach the handlers behind real ids.
// Anything may be refused; nothing may crash, leak, or answer 5xx for a reason
// other than the store's (a 500 naming a "store." code, a 503).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>
#include <boost/json.hpp>

#include "../tests/support/rest_client.hpp"
#include "tollgate/server/rest_api.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/sqlite/sqlite_tenant_store.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

struct World {
  std::unique_ptr<sqlite::SqliteStore> store;
  std::unique_ptr<sqlite::SqliteTenantStore> tenants;
  std::unique_ptr<server::RestApi> api;
  test::Client client;
  std::string account, bundle, subscription, invoice;

  server::Response call(const std::string& method, const std::string& target,
                        const std::string& body = "") {
    return api->handle(client.request(method, target, body));
  }

  // A set-up call that must succeed: the fuzzer is useless on a broken world.
  server::Response must(const std::string& method, const std::string& target,
                        const std::string& body = "") {
    auto r = call(method, target, body);
    if (r.status >= 300) {
      std::fprintf(stderr, "fuzz_rest set-up: %s %s: %d %s\n", method.c_str(), target.c_str(),
                   r.status, r.body.c_str());
      std::abort();
    }
    return r;
  }

  static std::string last_segment(const server::Response& r) {
    for (const auto& [k, v] : r.headers)
      if (k == "Location") return v.substr(v.rfind('/') + 1);
    return "";
  }
};

World& world() {
  static World w = [] {
    World made;
    auto dir = std::filesystem::temp_directory_path() /
               ("tollgate-fuzz-rest-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    static const std::filesystem::path made_in = dir;
    std::atexit([] { std::filesystem::remove_all(made_in); });
    made.store = std::move(sqlite::SqliteStore::open((dir / "rest.db").string())).value();
    made.tenants = std::move(sqlite::SqliteTenantStore::open(*made.store)).value();
    made.client.tenant = *server::create_tenant(*made.tenants, "fuzz");
    made.client.password = *server::put_user(*made.tenants, "admin");
    server::ApiOptions options;
    options.clock = [] { return Instant{date::sys_days{date::year{2024} / 3 / 15}}; };
    options.body_limit = 16384;
    made.api = std::make_unique<server::RestApi>(*made.store, *made.tenants, options);
    made.must("POST", "/1.0/tollgate/catalog", R"({"name": "fuzz", "currencies": ["USD"],
      "products": [{"name": "Api", "category": "BASE"}, {"name": "Seats", "category": "ADD_ON"}],
      "plans": [{"name": "api-monthly", "product": "Api", "phases": [
          {"type": "TRIAL", "duration": {"unit": "DAYS", "length": 7}},
          {"type": "EVERGREEN", "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}},
           "usages": [{"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY",
             "model": "PER_UNIT", "unit_price": {"USD": "0.01"}}]}]},
        {"name": "seats-monthly", "product": "Seats", "phases": [{"type": "EVERGREEN",
          "recurring": {"billing_period": "MONTHLY", "price": {"USD": "2.00"}}}]}]})");
    made.account = World::last_segment(made.must(
        "POST", "/1.0/kb/accounts", R"({"name": "F", "externalKey": "f", "currency": "USD"})"));
    made.subscription = World::last_segment(
        made.must("POST", "/1.0/kb/subscriptions?entitlementDate=2024-02-01",
                  R"({"accountId": ")" + made.account +
                      R"(", "planName": "api-monthly", "bundleExternalKey": "fb"})"));
    auto bundle = json::parse(made.must("GET", "/1.0/kb/bundles?externalKey=fb").body);
    made.bundle = std::string(bundle.at("bundleId").as_string());
    made.must("POST", "/1.0/kb/invoices?accountId=" + made.account + "&targetDate=2024-03-15");
    auto invoices =
        json::parse(made.must("GET", "/1.0/kb/accounts/" + made.account + "/invoices").body);
    if (!invoices.as_array().empty())
      made.invoice = std::string(invoices.at(0).at("invoiceId").as_string());
    return made;
  }();
  return w;
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

std::string with_ids(std::string text, const World& w) {
  replace_all(text, "{A}", w.account);
  replace_all(text, "{B}", w.bundle);
  replace_all(text, "{S}", w.subscription);
  replace_all(text, "{I}", w.invoice);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"};
  World& w = world();
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto line_end = in.find('\n');
  server::Request request =
      w.client.request(methods[data[0] % 6], with_ids(std::string(in.substr(0, line_end)), w));
  request.peer = "127.0.0.1";
  if (line_end != std::string_view::npos) {
    std::string_view rest = in.substr(line_end + 1);
    auto headers_end = rest.find("\n\n");
    std::string_view headers = rest.substr(0, headers_end);
    while (!headers.empty()) {  // "name: value" lines replace or add to the defaults
      auto end = headers.find('\n');
      std::string_view line = headers.substr(0, end);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::erase_if(request.headers, [&](const auto& h) { return h.first == name; });
        request.headers.emplace_back(name, std::string(line.substr(colon + 1)));
      }
      if (end == std::string_view::npos) break;
      headers.remove_prefix(end + 1);
    }
    if (headers_end != std::string_view::npos)
      request.body = with_ids(std::string(rest.substr(headers_end + 2)), w);
  }
  auto response = w.api->handle(request);
  if (response.status == 500) {
    // The store's own failures are the only 500s a request may cause.
    auto body = json::parse(response.body);
    if (!body.as_object().at("tollgateCode").as_string().starts_with("store.")) std::abort();
  }
  if (response.status > 503 || response.status < 200) std::abort();
  return 0;
}
