// The only translation unit that includes Boost.Beast, Boost.Asio and OpenSSL's
// TLS: it is the heaviest to compile in the project, so it stays alone.

#include "tollgate/stripe/beast_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>

namespace tollgate::stripe {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

struct Url {
  bool https = true;
  std::string host;
  std::string port;
  std::string target;
};

std::optional<Url> parse_url(const std::string& url) {
  Url u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    u.https = false;
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.https ? "443" : "80";
  }
  if (u.host.empty()) return std::nullopt;
  return u;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]" ||
         host.rfind("127.", 0) == 0;
}

Unexpected<TransportError> fail(TransportErrorKind kind, std::string message) {
  return {TransportError{kind, std::move(message)}};
}

bool is_stale(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

}  // namespace

struct BeastTransport::Impl {
  BeastTransportOptions options;
  net::io_context ioc;
  ssl::context tls_context{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  std::string connected_to;  // "https://host:port" of the open connection
  beast::flat_buffer buffer;
  int opened = 0;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Runs one asynchronous operation to completion: deadlines come from the stream.
  template <class Start>
  error_code run(Start start) {
    error_code result = net::error::operation_aborted;
    start([&](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void close() {
    if (secure) {
      // Graceful TLS shutdown, bounded: a peer that does not answer is simply dropped.
      beast::get_lowest_layer(*secure).expires_after(std::chrono::seconds(2));
      run([&](auto handler) { secure->async_shutdown(handler); });
      error_code ignored;
      beast::get_lowest_layer(*secure).socket().close(ignored);
    }
    if (plain) {
      error_code ignored;
      plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
      plain->socket().close(ignored);
    }
    secure.reset();
    plain.reset();
    connected_to.clear();
    buffer.consume(buffer.size());
  }

  Result<Ok, TransportError> connect(const Url& url, std::chrono::milliseconds timeout) {
    close();
    std::string address = url.host;
    if (auto it = options.resolve.find(url.host); it != options.resolve.end()) address = it->second;
    tcp::resolver resolver(ioc);
    error_code ec;
    tcp::resolver::results_type endpoints;
    ec = run([&](auto handler) {
      resolver.async_resolve(address, url.port,
                             [&, handler](error_code e, tcp::resolver::results_type r) mutable {
                               endpoints = std::move(r);
                               handler(e);
                             });
    });
    if (ec)
      return fail(TransportErrorKind::connect, "cannot resolve " + url.host + ": " + ec.message());
    if (url.https) {
      secure.emplace(ioc, tls_context);
      // SNI, and the name the certificate must carry.
      if (!SSL_set_tlsext_host_name(secure->native_handle(), url.host.c_str()))
        return fail(TransportErrorKind::tls, "cannot set SNI for " + url.host);
      secure->set_verify_mode(ssl::verify_peer);
      secure->set_verify_callback(ssl::host_name_verification(url.host));
    } else {
      plain.emplace(ioc);
    }
    lowest().expires_after(timeout);
    ec = run([&](auto handler) {
      lowest().async_connect(endpoints,
                             [handler](error_code e, const tcp::endpoint&) mutable { handler(e); });
    });
    if (ec == beast::error::timeout)
      return fail(TransportErrorKind::timeout, "connecting to " + url.host + " timed out");
    if (ec)
      return fail(TransportErrorKind::connect,
                  "cannot connect to " + url.host + ": " + ec.message());
    if (secure) {
      lowest().expires_after(timeout);
      ec = run([&](auto handler) { secure->async_handshake(ssl::stream_base::client, handler); });
      if (ec == beast::error::timeout)
        return fail(TransportErrorKind::timeout, "TLS handshake with " + url.host + " timed out");
      if (ec) {
        close();
        return fail(TransportErrorKind::tls,
                    "TLS handshake with " + url.host + " failed: " + ec.message());
      }
    }
    ++opened;
    connected_to = (url.https ? "https://" : "http://") + url.host + ":" + url.port;
    return Ok{};
  }

  // One exchange on the open connection.
  error_code exchange(const http::request<http::string_body>& req,
                      http::response<http::string_body>& res, std::chrono::milliseconds timeout) {
    lowest().expires_after(timeout);
    error_code ec = secure ? run([&](auto h) { http::async_write(*secure, req, h); })
                           : run([&](auto h) { http::async_write(*plain, req, h); });
    if (ec) return ec;
    lowest().expires_after(timeout);
    return secure ? run([&](auto h) { http::async_read(*secure, buffer, res, h); })
                  : run([&](auto h) { http::async_read(*plain, buffer, res, h); });
  }
};

BeastTransport::BeastTransport(BeastTransportOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->tls_context.set_default_verify_paths();
  impl_->tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                 ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                 ssl::context::no_tlsv1_1);
  if (!impl_->options.ca_file.empty()) {
    error_code ec;
    impl_->tls_context.load_verify_file(impl_->options.ca_file,
                                        ec);  // a bad file makes every handshake fail
  }
}

BeastTransport::~BeastTransport() {
  impl_->close();
}

int BeastTransport::connections_opened() const noexcept {
  return impl_->opened;
}

Result<HttpResponse, TransportError> BeastTransport::send(const HttpRequest& request) {
  auto url = parse_url(request.url);
  if (!url) return fail(TransportErrorKind::refused, "not an http(s) URL: " + request.url);
  if (!url->https) {
    bool live_key = false;
    for (const auto& h : request.headers)
      if (h.name == "Authorization" && (h.value.find("sk_live_") != std::string::npos ||
                                        h.value.find("rk_live_") != std::string::npos))
        live_key = true;
    if (!impl_->options.allow_plain_http_to_loopback || !is_loopback(url->host) || live_key)
      return fail(TransportErrorKind::refused,
                  "plain HTTP is only allowed to loopback test peers, never with a live key");
  }

  http::request<http::string_body> req{http::string_to_verb(request.method), url->target, 11};
  req.set(http::field::host, url->host);
  for (const auto& h : request.headers) req.set(h.name, h.value);
  req.keep_alive(true);
  if (!request.body.empty() || request.method == "POST") {
    req.body() = request.body;
    req.prepare_payload();
  }

  std::string destination = (url->https ? "https://" : "http://") + url->host + ":" + url->port;
  bool reused = impl_->connected_to == destination;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!reused) {
      TOLLGATE_RETURN_IF_ERROR(impl_->connect(*url, request.timeout));
    }
    http::response<http::string_body> res;
    error_code ec = impl_->exchange(req, res, request.timeout);
    if (ec && reused &&
        is_stale(ec)) {  // the server closed the kept-alive connection: reconnect once
      impl_->close();
      reused = false;
      continue;
    }
    if (ec) {
      impl_->close();
      if (ec == beast::error::timeout)
        return fail(TransportErrorKind::timeout, "no response from " + url->host + " in time");
      return fail(TransportErrorKind::io,
                  "exchange with " + url->host + " failed: " + ec.message());
    }
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res)
      out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    out.body = std::move(res.body());
    if (!res.keep_alive()) impl_->close();
    return out;
  }
  return fail(TransportErrorKind::io, "the connection to " + url->host + " kept closing");
}

}  // namespace tollgate::stripe
