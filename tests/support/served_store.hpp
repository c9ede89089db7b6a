#pragma once
// A RestApi over a fresh SQLite file, with a tenant and a user: what an
// in-process server test starts from.

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "peer.hpp"
#include "rest_client.hpp"
#include "tollgate/server/rest_api.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/sqlite/sqlite_tenant_store.hpp"

namespace tollgate::test {

struct ServedStore {
  std::unique_ptr<sqlite::SqliteStore> store;
  std::unique_ptr<sqlite::SqliteTenantStore> tenants;
  Client client;  ///< the tenant's keys and the user "admin"
  std::unique_ptr<server::RestApi> api;

  explicit ServedStore(server::ApiOptions options = {}) {
    auto opened = sqlite::SqliteStore::open(temp_dir() + "/served.db");
    REQUIRE(opened.has_value());
    store = std::move(opened).value();
    auto made = sqlite::SqliteTenantStore::open(*store);
    REQUIRE(made.has_value());
    tenants = std::move(made).value();
    client.tenant = *server::create_tenant(*tenants, "t");
    client.password = *server::put_user(*tenants, "admin");
    api = std::make_unique<server::RestApi>(*store, *tenants, std::move(options));
  }

  server::Response call(const std::string& method, const std::string& target,
                        const std::string& body = "") {
    return api->handle(client.request(method, target, body));
  }

  /// The body of a GET that must answer 200.
  std::string read(const std::string& target) {
    auto r = call("GET", target);
    INFO(target << ": " << r.body);
    REQUIRE(r.status == 200);
    return r.body;
  }
};

/// A clock that stands at midnight (UTC) of `day`, for ApiOptions::clock.
inline std::function<Instant()> clock_at(date::year_month_day day) {
  return [day] { return Instant{date::sys_days{day}}; };
}

}  // namespace tollgate::test
