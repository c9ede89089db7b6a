// tollgate serve over HTTPS: a CA made for this run, then Kill Bill's own
// JavaScript client against the server (killbill_https.js holds the checks).

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "../support/peer.hpp"
#include "../support/test_pki.hpp"

TEST_CASE(
    "serve --tls-cert/--tls-key: Kill Bill's client over HTTPS, plain HTTP and TLS 1.1 "
    "refused, the certificate rotated on SIGHUP") {
  auto dir = tollgate::test::temp_dir();
  auto pki = tollgate::test::make_test_pki(dir);
  // The script lives beside this test, the client's packages under tests/peers.
  REQUIRE(setenv("NODE_PATH", TOLLGATE_TEST_PEERS "/node_modules", 1) == 0);
  // As a deployment with a private CA does: the client follows Location
  // headers with its own axios, which trusts what Node trusts.
  REQUIRE(setenv("NODE_EXTRA_CA_CERTS", pki.ca_cert.c_str(), 1) == 0);
  const std::string examples = TOLLGATE_TEST_DATA "/examples";
  auto out = tollgate::test::run_node("../server/killbill_https.js",
                                      {TOLLGATE_BINARY, dir, examples, pki.ca_cert, pki.server_cert,
                                       pki.server_key, pki.expired_cert});
  INFO(out);
  CHECK(out.find("1..5") != std::string::npos);
}
