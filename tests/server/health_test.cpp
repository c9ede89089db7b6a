// GET /1.0/healthcheck (no credentials: a load balancer has none) and the
// security endpoints Kill Bill's clients call about their own user.

#include <algorithm>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"

using namespace tollgate;
namespace json = boost::json;

TEST_CASE("the health check answers without credentials while both stores answer") {
  test::ServedStore served;
  server::Request bare{"GET", "/1.0/healthcheck", {}, "", "10.0.0.9", false};
  auto r = served.api->handle(bare);
  INFO(r.body);
  CHECK(r.status == 200);
  auto body = json::parse(r.body);
  CHECK(body.at("billingStore").at("healthy") == true);
  CHECK(body.at("serverStore").at("healthy") == true);
  // Only GET; anything under /1.0/kb still needs credentials.
  CHECK(served.api->handle({"POST", "/1.0/healthcheck", {}, "", "", false}).status == 401);
  CHECK(served.api->handle({"GET", "/1.0/kb/security/subject", {}, "", "", false}).status == 401);
}

TEST_CASE("security/subject and security/permissions describe the authenticated user") {
  test::ServedStore served;
  auto subject = json::parse(served.read("/1.0/kb/security/subject"));
  CHECK(subject.at("principal") == "admin");
  CHECK(subject.at("isAuthenticated") == true);
  CHECK(subject.at("isRemembered") == false);

  // A Tollgate user has no roles: all of Kill Bill's 39 permissions.
  auto permissions = json::parse(served.read("/1.0/kb/security/permissions")).as_array();
  CHECK(permissions.size() == 39);
  auto has = [&](const char* p) {
    return std::find(permissions.begin(), permissions.end(), json::value(p)) != permissions.end();
  };
  CHECK(has("account:create"));
  CHECK(has("usage:record"));
  CHECK(has("tag:create_tag_definition"));

  // No tenant is needed: the user's keys alone.
  auto request = served.client.request("GET", "/1.0/kb/security/subject", "");
  std::erase_if(request.headers,
                [](const auto& h) { return h.first.starts_with("x-killbill-api"); });
  CHECK(served.api->handle(request).status == 200);
  // A wrong password is still refused.
  served.client.password = "wrong";
  CHECK(served.call("GET", "/1.0/kb/security/permissions").status == 401);
}
