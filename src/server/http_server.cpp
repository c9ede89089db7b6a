// HttpServer: RestApi on Boost.Beast, over HTTP or HTTPS. The only translation
// unit of tollgate::server that includes Beast (or OpenSSL's TLS). Two threads: the network thread
// runs every connection (asynchronous reads and writes, keep-alive, a timeout a request), and the
// store thread runs RestApi, so the stores are never used from two threads.
//
// Group commit: a request read is queued for the store thread, not answered
// at once. The store thread answers what is queued by one
// RestApi::handle_batch (one transaction, one wait for the disk), and only
// then are the answers written: a 201 still means the write is durable, and
// 16 clients posting usage share one fsync instead of waiting for 16. While
// a batch commits, the network thread goes on reading the next one.

#include "tollgate/server/http_server.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace tollgate::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr auto kTimeout = std::chrono::seconds(30);

// The requests read and not answered yet, answered in batches on a thread of
// its own (the store thread).
class Batcher {
 public:
  using Reply = std::function<void(const Response&)>;
  Batcher(asio::io_context& ioc, RestApi& api) : ioc_(ioc), api_(api), store_([this] { work(); }) {}
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;
  ~Batcher() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    store_.join();  // a batch under way finishes: its transaction commits or rolls back whole
  }

  /// On the network thread: `reply` is called there too, with the answer.
  void add(Request request, Reply reply) {
    {
      std::lock_guard lock(mutex_);
      queued_.push_back({std::move(request), std::move(reply)});
    }
    wake_.notify_one();
  }

 private:
  static constexpr std::size_t kMaxBatch = 64;
  struct Queued {
    Request request;
    Reply reply;
  };

  void work() {
    for (;;) {
      std::vector<Queued> batch = next_batch();
      if (batch.empty()) return;  // stopping
      std::vector<Request> requests;
      requests.reserve(batch.size());
      for (auto& q : batch) requests.push_back(std::move(q.request));
      auto answers = api_.handle_batch(requests);
      // Written on the network thread, which owns the connections.
      asio::post(ioc_, [batch = std::move(batch), answers = std::move(answers)] {
        for (std::size_t i = 0; i < answers.size(); ++i) batch[i].reply(answers[i]);
      });
    }
  }

  // Waits for requests; takes up to kMaxBatch of them (none when stopping).
  std::vector<Queued> next_batch() {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
    if (stopping_) return {};
    auto end = queued_.begin() + static_cast<std::ptrdiff_t>(std::min(queued_.size(), kMaxBatch));
    std::vector<Queued> batch(std::make_move_iterator(queued_.begin()),
                              std::make_move_iterator(end));
    queued_.erase(queued_.begin(), end);
    return batch;
  }

  asio::io_context& ioc_;
  RestApi& api_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Queued> queued_;  ///< guarded by mutex_
  bool stopping_ = false;       ///< guarded by mutex_
  std::thread store_;           ///< last: it starts once the members above exist
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: requests read, queued for the store thread, answers written
// back, keep-alive. `Stream` is beast::tcp_stream (HTTP) or TlsStream (HTTPS).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  /// `buffer`: bytes already read from the connection (those that told TLS
  /// from plain HTTP); `tls`: the context of a TlsStream, kept alive with it.
  Session(beast::tcp_stream plain, beast::flat_buffer buffer, std::shared_ptr<ssl::context> tls,
          RestApi& api, Batcher& batcher)
      : tls_(std::move(tls)),
        stream_(make_stream(std::move(plain), tls_.get())),
        api_(api),
        batcher_(batcher),
        buffer_(std::move(buffer)) {}

  void start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(kTimeout);
      // `used = 0`: Boost 1.81 checks this handler against the signature
      // void(error_code) although it is called with the bytes used too.
      stream_.async_handshake(
          ssl::stream_base::server, buffer_.data(),
          [self = this->shared_from_this()](beast::error_code ec, std::size_t used = 0) {
            if (ec) return self->close_socket();  // not TLS we accept
            self->buffer_.consume(used);
            self->read();
          });
    } else {
      read();
    }
  }

  /// Answers `r` without reading a request, then closes (plain HTTP sent to an HTTPS port).
  void refuse(const Response& r) { write(r, 11, false, true); }

 private:
  static Stream make_stream(beast::tcp_stream plain, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(plain), *tls);
    } else {
      return plain;
    }
  }

  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  void read() {
    parser_.emplace();
    parser_->body_limit(api_.options().body_limit);
    beast::get_lowest_layer(stream_).expires_after(kTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) return write(api_.body_too_large(), 11, false, true);
    if (ec) return close_socket();  // the client closed, timed out, or did not speak HTTP
    auto message = parser_->release();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.tls = kTls;
    beast::error_code no_peer;
    auto peer = socket().remote_endpoint(no_peer);
    if (!no_peer) request.peer = peer.address().to_string();
    batcher_.add(std::move(request), [self = this->shared_from_this(), version = message.version(),
                                      keep_alive = message.keep_alive()](const Response& r) {
      self->write(r, version, keep_alive, false);
    });
  }

  void write(const Response& r, unsigned version, bool keep_alive, bool drain) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(r.status));
    response_.set(http::field::server, "tollgate");
    for (const auto& [k, v] : r.headers) response_.set(k, v);
    response_.body() = r.body;
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    http::async_write(
        stream_, response_,
        [self = this->shared_from_this(), keep_alive, drain](beast::error_code ec, std::size_t) {
          if (ec) return self->close_socket();
          if (drain) return self->drain();
          if (keep_alive) return self->read();
          self->close();
        });
  }

  // After a 413 the client may still be sending: closing with its body unread
  // would reset the connection and could lose the answer. Read (a bounded
  // amount) until the client closes. Over TLS the answer's Content-Length and
  // "Connection: close" tell the client it is done; a half-close would not.
  void drain() {
    beast::error_code ignored;
    if constexpr (!kTls) socket().shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_read_some(asio::buffer(sink_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > 4 * self->api_.options().body_limit)
                                return self->close_socket();
                              self->drain();
                            });
  }

  // The end of an exchange the server chose to end: over TLS, close_notify first.
  void close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->close_socket(); });
    } else {
      close_socket();
    }
  }

  void close_socket() {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  std::shared_ptr<ssl::context> tls_;  ///< before stream_, which refers to it
  Stream stream_;
  RestApi& api_;
  Batcher& batcher_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, std::size_t{16} * 1024> sink_{};
  std::size_t drained_ = 0;
};

// An HTTPS port's new connection: its first bytes tell a TLS handshake from
// plain HTTP, which is answered 400 rather than left to fail obscurely.
class Detector : public std::enable_shared_from_this<Detector> {
 public:
  Detector(tcp::socket socket, std::shared_ptr<ssl::context> tls, RestApi& api, Batcher& batcher)
      : stream_(std::move(socket)), tls_(std::move(tls)), api_(api), batcher_(batcher) {}

  void run() {
    stream_.expires_after(kTimeout);
    beast::async_detect_ssl(stream_, buffer_,
                            [self = shared_from_this()](beast::error_code ec, bool is_tls) {
                              if (!ec) self->hand_over(is_tls);
                            });
  }

 private:
  void hand_over(bool is_tls) {
    if (is_tls) {
      std::make_shared<Session<TlsStream>>(std::move(stream_), std::move(buffer_), tls_, api_,
                                           batcher_)
          ->start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(std::move(stream_), std::move(buffer_), nullptr,
                                                   api_, batcher_)
          ->refuse(api_.https_required());
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ssl::context> tls_;
  RestApi& api_;
  Batcher& batcher_;
};

// Loads a certificate chain and its key into a new context: TLS 1.2 or later.
Result<std::shared_ptr<ssl::context>> load_tls(const TlsFiles& files) {
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  tls->use_certificate_chain_file(files.certificate_chain, ec);
  if (ec)
    return make_error(
        errors::server_tls,
        files.certificate_chain + ": not a usable PEM certificate chain (" + ec.message() + ")");
  // OpenSSL checks that the key is the certificate's. The message names the
  // file, never its content.
  tls->use_private_key_file(files.private_key, ssl::context::pem, ec);
  if (ec)
    return make_error(errors::server_tls, files.private_key +
                                              ": not a usable PEM private key for " +
                                              files.certificate_chain + " (" + ec.message() + ")");
  return tls;
}

// Accepts connections until the io_context stops. `tls` (null for HTTP) is
// the context new connections get; reload_tls() replaces it.
struct Listener {
  tcp::acceptor& acceptor;
  RestApi& api;
  Batcher& batcher;
  std::shared_ptr<ssl::context> tls;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) open(std::move(socket));
      accept();
    });
  }

  // HTTPS ports look at the first bytes before they hand the connection on.
  void open(tcp::socket socket) {
    if (tls)
      std::make_shared<Detector>(std::move(socket), tls, api, batcher)->run();
    else
      std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                   beast::flat_buffer{}, nullptr, api, batcher)
          ->start();
  }
};

Result<Ok> listen_on(tcp::acceptor& acceptor, const ListenOptions& listen) {
  beast::error_code ec;
  auto address = asio::ip::make_address(listen.address, ec);
  if (ec)
    return make_error(errors::server_listen, "bad address " + listen.address + ": " + ec.message());
  tcp::endpoint endpoint(address, listen.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(errors::server_listen, "cannot listen on " + listen.address + ":" +
                                                 std::to_string(listen.port) + ": " + ec.message());
  return Ok{};
}

}  // namespace

// Members in the order they must be made; destroyed the other way round: the
// store thread (in Batcher) ends before the connections the io_context holds.
struct HttpServer::Impl {
  Impl(RestApi& api, ListenOptions options, std::shared_ptr<ssl::context> tls)
      : listen(std::move(options)),
        batcher(ioc, api),
        listener{acceptor, api, batcher, std::move(tls)} {}

  ListenOptions listen;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  Batcher batcher;
  Listener listener;
  std::uint16_t port = 0;
  std::thread network;
  std::mutex joining;
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(RestApi& api, const ListenOptions& listen) {
  std::shared_ptr<ssl::context> tls;
  if (listen.tls) {
    auto loaded = load_tls(*listen.tls);
    if (!loaded) return unexpected(std::move(loaded).error());
    tls = std::move(*loaded);
  }
  std::unique_ptr<HttpServer> server(new HttpServer);
  server->impl_ = std::make_unique<Impl>(api, listen, std::move(tls));
  Impl& impl = *server->impl_;
  TOLLGATE_RETURN_IF_ERROR(listen_on(impl.acceptor, listen));
  beast::error_code ec;  // read now: from here on the acceptor is the network thread's
  impl.port = impl.acceptor.local_endpoint(ec).port();
  impl.listener.accept();
  impl.network = std::thread([&impl] { impl.ioc.run(); });
  return server;
}

HttpServer::HttpServer() = default;

HttpServer::~HttpServer() {
  if (!impl_) return;
  stop();
  wait();
}

std::uint16_t HttpServer::port() const noexcept {
  return impl_->port;
}

Result<Ok> HttpServer::reload_tls() {
  if (!impl_->listen.tls)
    return make_error(errors::server_argument, "this server speaks plain HTTP: no certificate");
  TOLLGATE_ASSIGN_OR_RETURN(auto tls, load_tls(*impl_->listen.tls));
  // The listener is the network thread's: the new context is handed over there.
  asio::post(impl_->ioc, [impl = impl_.get(), tls = std::move(tls)]() mutable {
    impl->listener.tls = std::move(tls);
  });
  return Ok{};
}

void HttpServer::stop() noexcept {
  impl_->ioc.stop();
}

void HttpServer::wait() {
  std::lock_guard lock(impl_->joining);
  if (impl_->network.joinable()) impl_->network.join();
}

}  // namespace tollgate::server
