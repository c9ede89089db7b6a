// Prepaid credits sold through Stripe Checkout, on a small Boost.Beast server.
//
// The shop lists the catalog's credit packages, opens a Checkout session for
// one, and receives Stripe's signed checkout.session.completed webhook. The
// signature is checked on the raw body, the event is applied once (its id is
// recorded in the same SQLite transaction as the credits), and a purchase is
// keyed by its checkout session: Stripe's retries, duplicates and a second
// event for the same session credit the account once. Answers are what Stripe
// expects: 2xx when the event is taken (applied or already applied), 400 when
// it never will be (bad signature, not an event), 500 when it should be sent
// again later, 413 for a body over the limit.
//
//   credits_webhook_server --db FILE [--listen 127.0.0.1:8080] [--body-limit BYTES]
// Needs STRIPE_API_BASE, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
// (scripts/with_stripe_fake.sh sets them for the loopback fake). Prints
// "LISTENING <port>" once it accepts connections.
//
//   GET  /packages                          the credit packages for sale
//   POST /accounts/{id}                     opens an account (and its Stripe customer)
//   POST /accounts/{id}/checkout?package=P  a Checkout session for package P
//   GET  /accounts/{id}/credits             the credits left
//   POST /webhooks/stripe                   Stripe's webhook endpoint
//
// One connection at a time, blocking: enough to read. A production server
// uses Beast's asynchronous API with timeouts (Beast's "advanced server").

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <regex>

#include "../common/example_support.hpp"
#include "tollgate/billing_service.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/stripe/billing_events.hpp"
#include "tollgate/stripe/webhook.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace tollgate;

namespace {

constexpr std::string_view kProgram = "credits_webhook_server";
const std::string kCatalogVersion = "credits-v1";

struct Reply {
  http::status status;
  json::value body;
};

Reply problem(http::status status, std::string field, std::string message) {
  return {status, json::object{{"error", json::object{{"field", field}, {"message", message}}}}};
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The accounts live in UTC, so their local date is the UTC date.
Date today() {
  return Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
}

class CreditsShop {
 public:
  CreditsShop(sqlite::SqliteStore& store, PaymentProvider& provider, std::string webhook_secret)
      : store_(store), billing_(store), provider_(provider), secret_(std::move(webhook_secret)) {}

  Reply handle(const http::request<http::string_body>& request) {
    std::string target(request.target());
    std::string path = target.substr(0, target.find('?'));
    std::string query = target.size() > path.size() ? target.substr(path.size() + 1) : "";
    // Compiled once: matching runs on every request.
    static const std::regex account_path("/accounts/([^/]+)"),
        checkout_path("/accounts/([^/]+)/checkout"), credits_path("/accounts/([^/]+)/credits");
    std::smatch m;
    bool get = request.method() == http::verb::get, post = request.method() == http::verb::post;
    if (get && path == "/packages") return packages();
    if (post && path == "/webhooks/stripe") return webhook(request);
    if (post && std::regex_match(path, m, account_path)) return open_account(m[1]);
    if (post && std::regex_match(path, m, checkout_path))
      return checkout(m[1], query.starts_with("package=") ? query.substr(8) : "");
    if (get && std::regex_match(path, m, credits_path)) return credits(m[1]);
    return problem(http::status::not_found, "path",
                   "no route for " + std::string(request.method_string()) + " " + path);
  }

 private:
  Reply packages() {
    auto catalog = billing_.catalog(kCatalogVersion);
    if (!catalog)
      return problem(http::status::internal_server_error, "catalog", catalog.error().message);
    json::array out;
    for (const auto& p : (*catalog)->credit_packages)
      out.push_back(json::object{{"name", p.name},
                                 {"credits", p.credits.to_string()},
                                 {"price", p.price.at("USD").to_fixed(2)},
                                 {"currency", "USD"}});
    return {http::status::ok, out};
  }

  Reply open_account(const std::string& id) {
    static const std::regex valid_id("[A-Za-z0-9_-]{1,64}");
    if (!std::regex_match(id, valid_id))
      return problem(http::status::bad_request, "id", "1 to 64 letters, digits, '-' or '_'");
    if (store_.account(id))
      return problem(http::status::conflict, "id", "account " + id + " exists");
    auto customer = provider_.create_customer({id, id + "@example.test", id, {}});
    if (!customer) return problem(http::status::bad_gateway, "provider", customer.error().message);
    StoredAccount account;
    account.account = {id, "USD", "UTC", std::nullopt};
    account.catalog = kCatalogVersion;
    account.customer_id = customer->id;
    if (auto r = billing_.open_account(account); !r)
      return problem(http::status::internal_server_error, "store", r.error().message);
    return {http::status::created, json::object{{"account", id}, {"customer", customer->id}}};
  }

  Reply checkout(const std::string& id, const std::string& package_name) {
    auto account = store_.account(id);
    if (!account) return problem(http::status::not_found, "id", "no account " + id);
    auto catalog = billing_.catalog(account->catalog);
    const CreditPackage* package =
        catalog ? (*catalog)->find_credit_package(package_name) : nullptr;
    if (!package)
      return problem(http::status::not_found, "package",
                     "no credit package \"" + package_name + "\"");
    auto price = Money::of(package->price.at("USD"), "USD");
    if (!price)
      return problem(http::status::internal_server_error, "package", price.error().message);
    CreditPurchaseRequest request;
    request.account_id = id;
    request.customer_id = account->customer_id;
    request.package = package->name;
    request.credits = package->credits;
    request.price = *price;
    request.success_url = "https://shop.test/credits/thanks";
    request.cancel_url = "https://shop.test/credits";
    request.description = package->description;  // shown on Stripe's payment form
    auto session = provider_.start_credit_purchase(request);
    if (!session) return problem(http::status::bad_gateway, "provider", session.error().message);
    return {http::status::created, json::object{{"session", session->id}, {"url", session->url}}};
  }

  Reply credits(const std::string& id) {
    auto engine = billing_.engine(id);
    if (!engine)
      return engine.error().code == "store.not_found"
                 ? problem(http::status::not_found, "id", "no account " + id)
                 : problem(http::status::internal_server_error, "store", engine.error().message);
    return {
        http::status::ok,
        json::object{{"account", id}, {"credits", engine->credits().balance(today()).to_string()}}};
  }

  // The raw body, byte for byte: a parsed and re-serialized body would not match its signature.
  Reply webhook(const http::request<http::string_body>& request) {
    auto receipt = stripe::handle_webhook(
        request.body(), request["Stripe-Signature"], secret_, {300, unix_now()}, store_,
        [&](const stripe::Event& e) {
          // An event for another system, or missing what it needs: logged by its id.
          return stripe::apply_billing_event(
              billing_, e, {}, [](const stripe::Event& left, std::string_view why) {
                std::cerr << "webhook: " << left.id << " (" << left.type << ") left alone: " << why
                          << "\n";
              });
        });
    json::object body{{"event", receipt.event_id}};
    if (receipt.delivery)
      body["delivery"] = receipt.delivery == Delivery::applied ? "applied" : "duplicate";
    else
      body["error"] = receipt.message;  // never contains the secret
    return {static_cast<http::status>(receipt.http_status), body};
  }

  sqlite::SqliteStore& store_;
  BillingService billing_;
  PaymentProvider& provider_;
  std::string secret_;
};

void send(tcp::socket& socket, unsigned version, bool keep_alive, const Reply& reply,
          boost::beast::error_code& ec) {
  http::response<http::string_body> response{reply.status, version};
  response.set(http::field::content_type, "application/json");
  response.keep_alive(keep_alive);
  response.body() = json::serialize(reply.body);
  response.prepare_payload();
  http::write(socket, response, ec);
}

void serve(tcp::socket socket, CreditsShop& shop, std::uint64_t body_limit) {
  boost::beast::flat_buffer buffer;
  boost::beast::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    http::read(socket, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      send(socket, 11, false,
           problem(http::status::payload_too_large, "body",
                   "over " + std::to_string(body_limit) + " bytes"),
           ec);
      // Closing with the unread body still queued would reset the connection and
      // could destroy the 413 before the client reads it: drain a bounded amount.
      socket.shutdown(tcp::socket::shutdown_send, ec);
      std::array<char, 16 * 1024> sink;
      for (std::size_t drained = 0; !ec && drained < 4 * body_limit;)
        drained += socket.read_some(asio::buffer(sink), ec);
      return;
    }
    if (ec) break;  // the client closed the connection, or sent something that is not HTTP
    auto request = parser.release();
    send(socket, request.version(), request.keep_alive(), shop.handle(request), ec);
    if (ec || !request.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

int main(int argc, char** argv) {
  std::string db, listen = "127.0.0.1:8080";
  std::uint64_t body_limit = 64 * 1024;  // Stripe's events are a few kilobytes
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--db") db = argv[i + 1];
    if (arg == "--listen") listen = argv[i + 1];
    if (arg == "--body-limit") body_limit = std::stoull(argv[i + 1]);
  }
  std::string secret = example::env("STRIPE_WEBHOOK_SECRET");
  if (db.empty() || secret.empty() || listen.find(':') == std::string::npos) {
    std::cerr
        << "usage: credits_webhook_server --db FILE [--listen HOST:PORT] [--body-limit BYTES]\n"
           "  (with STRIPE_API_BASE, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET set)\n";
    return 2;
  }
  stripe::BeastTransport transport(stripe::BeastTransportOptions{"", true, {}});
  auto provider = example::make_provider(false, transport);
  if (!provider) return example::fail(kProgram, "provider", provider.error());
  auto opened = sqlite::SqliteStore::open(db);
  if (!opened) return example::fail(kProgram, "store", opened.error());
  if (auto r = (*opened)->put_catalog(kCatalogVersion,
                                      example::read_file(TOLLGATE_EXAMPLE_DIR "/catalog.json"));
      !r)
    return example::fail(kProgram, "catalog", r.error());
  CreditsShop shop(**opened, **provider, secret);

  asio::io_context io;
  auto colon = listen.rfind(':');
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(listen.substr(0, colon), ec),
                         static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
  if (ec) {
    std::cerr << kProgram << ": --listen: not an address: " << listen << "\n";
    return 2;
  }
  tcp::acceptor acceptor(io, endpoint);
  std::cout << "LISTENING " << acceptor.local_endpoint().port() << std::endl;
  for (;;) serve(acceptor.accept(), shop, body_limit);
}
