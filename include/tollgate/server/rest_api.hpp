#pragma once
// RestApi: Kill Bill's REST API (the parts docs/rest-server.md lists) over a
// BillingStore and a TenantStore, as a function from request to response.
//
// No HTTP library appears here: tollgate::server's http_server.hpp puts it on
// Boost.Beast, and a host may put it on its own HTTP stack. Every request runs
// to completion on the calling thread; one RestApi must not be called from
// two threads at once (the stores are not shared across threads).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tollgate/result.hpp"
#include "tollgate/server/tenant_store.hpp"
#include "tollgate/store.hpp"
#include "tollgate/time_zone.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::server {

struct Request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< path and query, as received ("/1.0/kb/accounts?externalKey=a%20b")
  /// Header names in lower case ("x-killbill-apikey").
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The client's address ("127.0.0.1"), for slowing down failed logins; ""
  /// when unknown (then only the user name is).
  std::string peer;
  /// It arrived over HTTPS: the URLs the answer gives (Location) say https://.
  bool tls = false;

  /// The header's value, or "" when absent.
  std::string header(std::string_view lower_case_name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  ///< JSON, or empty
};

struct ApiOptions {
  /// Larger bodies are refused with 413 and change nothing.
  std::size_t body_limit = std::size_t{1024} * 1024;
  /// "Now": the date of a request without a requested date (in the account's
  /// time zone), and the instant that picks the organization's rule set.
  std::function<Instant()> clock = [] {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  };
  /// Failed logins: after this many failures from one client address or for
  /// one user name, further attempts are answered 429 (Retry-After) for
  /// `login_backoff`, doubled by each further failure (up to 15 minutes). A
  /// credential the server verified before is still served; a success clears
  /// the count. Other clients are not affected.
  int login_failures_allowed = 10;
  std::chrono::milliseconds login_backoff{1000};
  /// The clock of those back-offs (steady: not --now, which may stand still).
  std::function<std::chrono::steady_clock::time_point()> monotonic = [] {
    return std::chrono::steady_clock::now();
  };
};

class RestApi {
 public:
  /// `billing` and `tenants` must outlive the RestApi; when they are one
  /// database (SqliteStore and SqliteTenantStore), a request's changes are one transaction.
  RestApi(BillingStore& billing, TenantStore& tenants, ApiOptions options = {});
  ~RestApi();
  RestApi(const RestApi&) = delete;
  RestApi& operator=(const RestApi&) = delete;

  /// Answers one request. Never throws: a failure is an error response
  /// (Kill Bill's status codes, a JSON body with a message).
  Response handle(const Request& request) noexcept;

  /// Answers several requests in one transaction of the billing store (group
  /// commit): each request's changes are a savepoint of their own, so one that
  /// fails undoes only itself, and the batch commits once, so clients that
  /// wrote at the same moment share one commit and its wait for the disk. The
  /// answers are final only once this returns: if the commit fails, every
  /// answer to a write becomes a 500 (nothing of the batch was kept).
  /// Never throws. A lone request that only reads (GET, HEAD) opens no transaction.
  std::vector<Response> handle_batch(std::span<const Request> requests) noexcept;

  /// The answer to a body over options().body_limit (413), for a transport
  /// that stops reading such a body instead of passing it to handle().
  Response body_too_large() const;
  /// The answer to plain HTTP sent to an HTTPS port (400, "server.tls").
  Response https_required() const;

  const ApiOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A tenant's credentials as created: the secret is shown once and stored only as a hash.
struct TenantCredentials {
  std::string tenant_id;
  std::string api_key;
  std::string api_secret;
};

/// Creates a tenant. Empty `api_key` or `api_secret` are generated (random, 128 bits).
/// Errors: "server.argument" (an empty external key), "store.conflict" (key taken), store errors.
Result<TenantCredentials> create_tenant(TenantStore& store, const std::string& external_key,
                                        std::string api_key = {}, std::string api_secret = {});

/// Gives the tenant a new random API secret (returned, kept only hashed): the
/// old one stops working at once, in a running server too.
/// Errors: "store.not_found" (no tenant has that api key), store errors.
Result<TenantCredentials> rotate_tenant_secret(TenantStore& store, const std::string& api_key);

/// Creates or replaces an API user (HTTP basic auth); an empty password is
/// generated. Returns the password. Errors: "server.argument", store errors.
Result<std::string> put_user(TenantStore& store, const std::string& name,
                             std::string password = {});

}  // namespace tollgate::server
TOLLGATE_API_END
