#pragma once
// HttpServer: RestApi on HTTP/1.1 (or HTTPS) with Boost.Beast, keep-alive,
// until the host stops it. Beast and OpenSSL stay in src/server/http_server.cpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

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
  std::uint16_t port = 8080;  ///< 0: any free port (HttpServer::port() tells which)
  /// Set: HTTPS only, TLS 1.2 or later; plain HTTP on the port is answered 400
  /// and closed. HttpServer::reload_tls() reads the files again.
  std::optional<TlsFiles> tls;
};

/// Kill Bill's REST API (a RestApi) on HTTP/1.1 or HTTPS, with keep-alive, on
/// threads of its own: a network thread runs every connection, a store thread
/// runs the RestApi (group commit: requests read together are answered by one
/// RestApi::handle_batch). The library installs no signal handler: the host
/// says when to stop and when to read the certificate again (`tollgate serve`
/// does on SIGTERM and SIGHUP).
class HttpServer {
 public:
  /// Listens, then serves until stop(). `api` must outlive the server.
  /// Errors: "server.listen" (address in use, bad address); "server.tls" (a
  /// certificate chain or key that cannot be read or used, or that do not match).
  static Result<std::unique_ptr<HttpServer>> start(RestApi& api, const ListenOptions& listen);
  ~HttpServer();  ///< stop() and wait()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The port it listens on (the one picked, for ListenOptions::port 0).
  std::uint16_t port() const noexcept;
  /// Reads the certificate and key again (rotation without a restart): new
  /// connections get them, open ones keep theirs. Any thread.
  /// Errors: "server.tls" (the pair in use stays); "server.argument" (plain HTTP).
  Result<Ok> reload_tls();
  /// Stops serving: no more connections are read or answered; a batch under
  /// way commits or rolls back whole. Any thread, any number of times.
  void stop() noexcept;
  /// Blocks until the server has stopped.
  void wait();

 private:
  HttpServer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::server
TOLLGATE_API_END
