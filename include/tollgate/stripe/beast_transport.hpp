#pragma once
// BeastTransport: the HttpTransport Tollgate ships, on Boost.Beast and OpenSSL.
//
// HTTPS with the peer verified against the system's CAs (or a CA file), the
// host name verified, SNI sent; deadlines on connect, write and read; one
// kept-alive connection reused, reconnecting once when it went stale; TLS
// shut down gracefully. Beast, Asio and OpenSSL stay in its one source file.
// Blocking: one request at a time per transport (use one per thread).

#include <map>
#include <memory>
#include <string>

#include "tollgate/http_transport.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::stripe {

struct BeastTransportOptions {
  /// PEM file of extra trusted CAs (besides the system's): a test CA, a corporate proxy.
  std::string ca_file;
  /// Allow http:// to loopback addresses (127.0.0.1, ::1, localhost), for local
  /// test peers. Never with a live key in the request.
  bool allow_plain_http_to_loopback = false;
  /// Connect to another address for a host name ("api.stripe.com" -> "127.0.0.1"),
  /// keeping the name for SNI and certificate verification (like curl --resolve).
  std::map<std::string, std::string> resolve;
};

class BeastTransport final : public HttpTransport {
 public:
  explicit BeastTransport(BeastTransportOptions options = {});
  ~BeastTransport() override;  // shuts the connection down gracefully
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  /// Errors: connect (resolve, refused), timeout, tls (handshake, certificate,
  /// host name), io (broken mid-exchange), refused (plain HTTP not allowed).
  Result<HttpResponse, TransportError> send(const HttpRequest& request) override;

  /// How many connections were opened so far (keep-alive reuse is observable).
  int connections_opened() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::stripe
TOLLGATE_API_END
