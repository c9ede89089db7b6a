#pragma once
// serve(): RestApi on HTTP/1.1 (or HTTPS) with Boost.Beast, keep-alive,
// until SIGINT or SIGTERM. Beast and OpenSSL stay in src/server/http_server.cpp.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tollgate/result.hpp"
#include "tollgate/server/rest_api.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::server {

/// The server's certificate and key, as PEM files.
struct TlsFiles {
  std::string certificate_chain;  ///< the server's certificate first, then its intermediates
  std::string private_key;        ///< unencrypted; keep it 0600
};

struct ListenOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0: any free port (on_listening tells which)
  /// Set: HTTPS only, TLS 1.2 or later; plain HTTP on the port is answered 400
  /// and closed. The files are read again on SIGHUP (certificate rotation):
  /// new connections get the new certificate, open ones keep theirs; a pair
  /// that does not load leaves the old one in use.
  std::optional<TlsFiles> tls;
  /// What serve() has to say while it runs (a certificate reloaded, or not).
  std::function<void(std::string_view)> notice;
};

/// Serves until SIGINT/SIGTERM; `on_listening(port)` is called once the socket listens.
/// Errors: "server.listen" (address in use, bad address); "server.tls" (a
/// certificate chain or key that cannot be read or used, or that do not match).
Result<Ok> serve(RestApi& api, const ListenOptions& listen,
                 const std::function<void(std::uint16_t)>& on_listening = {});

}  // namespace tollgate::server
TOLLGATE_API_END
