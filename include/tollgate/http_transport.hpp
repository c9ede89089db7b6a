#pragma once
// HttpTransport: the one thing a payment provider needs from an HTTP client.
//
// Tollgate ships a Boost.Beast implementation (tollgate::stripe_beast); a host
// with its own HTTP stack implements this interface instead. A transport only
// moves bytes: retries, idempotency keys and status handling are the
// provider's job.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/result.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method;  ///< "GET", "POST", "DELETE"
  std::string url;     ///< absolute: "https://api.stripe.com/v1/customers"
  std::vector<HttpHeader> headers;
  std::string body;
  std::chrono::milliseconds timeout{30'000};  ///< for connecting, writing and reading, each
};

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;
  std::string body;

  /// The first header of that name (case-insensitive), if any.
  std::optional<std::string> header(std::string_view name) const;
};

enum class TransportErrorKind {
  connect,  ///< could not resolve or connect
  timeout,  ///< a deadline passed
  tls,      ///< handshake or certificate verification failed
  io,       ///< the connection broke mid-exchange
  refused,  ///< refused by the transport's own policy (e.g. plain HTTP with a live key)
};

struct TransportError {
  TransportErrorKind kind = TransportErrorKind::io;
  std::string message;  ///< never contains request headers (they carry secrets)
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  /// Sends one request and waits for its response.
  /// Errors: TransportError; an HTTP error status is a response, not an error.
  virtual Result<HttpResponse, TransportError> send(const HttpRequest& request) = 0;
};

}  // namespace tollgate
TOLLGATE_API_END
