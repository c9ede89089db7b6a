// serve(): RestApi on Boost.Beast. The only translation unit of tollgate::server
// that includes Beast. Two threads: the network thread runs every connection
// (asynchronous reads and writes, keep-alive, a timeout a request), and the
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
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tollgate::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, RestApi& api, Batcher& batcher)
      : stream_(std::move(socket)), api_(api), batcher_(batcher) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(api_.options().body_limit);
    stream_.expires_after(kTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) return write(api_.body_too_large(), 11, false, true);
    if (ec) return close();  // the client closed, timed out, or did not speak HTTP
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
    beast::error_code no_peer;
    auto peer = stream_.socket().remote_endpoint(no_peer);
    if (!no_peer) request.peer = peer.address().to_string();
    batcher_.add(std::move(request), [self = shared_from_this(), version = message.version(),
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
        [self = shared_from_this(), keep_alive, drain](beast::error_code ec, std::size_t) {
          if (ec) return self->close();
          if (drain) return self->drain();
          if (keep_alive) return self->read();
          self->close();
        });
  }

  // After a 413 the client may still be sending: closing with its body unread
  // would reset the connection and could lose the answer. Read (a bounded
  // amount) until the client closes.
  void drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(5));
    stream_.async_read_some(asio::buffer(sink_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > 4 * self->api_.options().body_limit)
                                return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  RestApi& api_;
  Batcher& batcher_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, std::size_t{16} * 1024> sink_{};
  std::size_t drained_ = 0;
};

void accept(tcp::acceptor& acceptor, RestApi& api, Batcher& batcher) {
  acceptor.async_accept([&acceptor, &api, &batcher](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(std::move(socket), api, batcher)->start();
    accept(acceptor, api, batcher);
  });
}

}  // namespace

Result<Ok> serve(RestApi& api, const ListenOptions& listen,
                 const std::function<void(std::uint16_t)>& on_listening) {
  asio::io_context ioc{1};
  beast::error_code ec;
  auto address = asio::ip::make_address(listen.address, ec);
  if (ec)
    return make_error(errors::server_listen, "bad address " + listen.address + ": " + ec.message());
  tcp::acceptor acceptor(ioc);
  tcp::endpoint endpoint(address, listen.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(errors::server_listen, "cannot listen on " + listen.address + ":" +
                                                 std::to_string(listen.port) + ": " + ec.message());
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  Batcher batcher(ioc, api);
  accept(acceptor, api, batcher);
  if (on_listening) on_listening(acceptor.local_endpoint().port());
  ioc.run();
  return Ok{};
}

}  // namespace tollgate::server
