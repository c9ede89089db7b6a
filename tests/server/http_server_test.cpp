// HttpServer: started and stopped by its host, which owns the signals; its
// certificate read again on request; errors as values.

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "tollgate/server/http_server.hpp"
#include "tollgate/stripe/beast_transport.hpp"

#include "../support/served_store.hpp"
#include "../support/test_pki.hpp"

using namespace tollgate;
using namespace std::chrono_literals;

namespace {

// A store, a tenant and the API over them, for one test.
struct Api : test::ServedStore {
  /// GET /1.0/kb/accounts?externalKey=nobody through `transport`: 404 when served.
  Result<HttpResponse, TransportError> lookup(HttpTransport& transport, const std::string& base) {
    auto r = client.request("GET", "/1.0/kb/accounts?externalKey=nobody");
    HttpRequest request{"GET", base + r.target, {}, "", 2000ms};
    for (const auto& [name, value] : r.headers) request.headers.push_back({name, value});
    return transport.send(request);
  }
};

}  // namespace

TEST_CASE("HttpServer serves until its host stops it, from another thread") {
  Api api;
  auto server = server::HttpServer::start(*api.api, {"127.0.0.1", 0, std::nullopt});
  REQUIRE(server);
  auto port = (*server)->port();
  REQUIRE(port != 0);
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  stripe::BeastTransport transport({"", true, {}});
  auto answered = api.lookup(transport, base);
  REQUIRE(answered);
  CHECK(answered->status == 404);  // authenticated, and there is no such account

  // The port is taken while it serves.
  auto second = server::HttpServer::start(*api.api, {"127.0.0.1", port, std::nullopt});
  REQUIRE_FALSE(second);
  CHECK(second.error().code == errors::server_listen);

  std::thread host([&] { (*server)->stop(); });
  (*server)->wait();  // returns once stopped
  host.join();
  (*server)->stop();  // again: nothing happens
  stripe::BeastTransport fresh({"", true, {}});
  CHECK_FALSE(api.lookup(fresh, base));  // no one answers any more
  CHECK((*server)->reload_tls().error().code == errors::server_argument);  // plain HTTP
}

TEST_CASE(
    "HttpServer reads its certificate again when asked, and keeps it when the new one "
    "does not load") {
  Api api;
  auto dir = test::temp_dir();
  auto pki = test::make_test_pki(dir);
  std::string live = dir + "/live.pem";
  auto copy = [&](const std::string& from) {
    std::ifstream in(from, std::ios::binary);
    std::ofstream(live, std::ios::binary) << in.rdbuf();
  };
  copy(pki.server_cert);
  auto server =
      server::HttpServer::start(*api.api, {"127.0.0.1", 0, server::TlsFiles{live, pki.server_key}});
  REQUIRE(server);
  std::string base = "https://localhost:" + std::to_string((*server)->port());
  auto served = [&] {
    stripe::BeastTransport transport({pki.ca_cert, false, {{"localhost", "127.0.0.1"}}});
    return api.lookup(transport, base);
  };
  REQUIRE(served());
  CHECK(served()->status == 404);

  std::ofstream(live) << "not a certificate\n";
  auto refused = (*server)->reload_tls();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errors::server_tls);
  CHECK(refused.error().message.find(live + ": not a usable PEM certificate chain") == 0);
  REQUIRE(served());  // the valid certificate stays in use
  CHECK(served()->status == 404);

  copy(pki.expired_cert);
  REQUIRE((*server)->reload_tls());
  // Handed to the network thread: a new connection sees it at once or very soon.
  auto expired = served();
  for (int i = 0; i < 50 && expired; ++i, std::this_thread::sleep_for(10ms)) expired = served();
  REQUIRE_FALSE(expired);
  CHECK(expired.error().kind == TransportErrorKind::tls);
}
