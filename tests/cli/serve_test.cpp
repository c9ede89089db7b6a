// `tollgate serve` refuses TLS settings it cannot use before it listens, and
// says which file and why, never what the key holds.

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "../support/cli_runner.hpp"
#include "../support/peer.hpp"
#include "../support/test_pki.hpp"

using tollgate::test::tollgate_cli;

namespace {

std::string file_content(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("serve: --tls-cert and --tls-key come together, and files that do not load are named") {
  auto dir = tollgate::test::temp_dir();
  auto pki = tollgate::test::make_test_pki(dir);
  std::filesystem::permissions(
      pki.server_key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::string db = dir + "/serve.db";

  auto alone =
      tollgate_cli({"serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", pki.server_cert});
  CHECK(alone.code == 2);
  CHECK(alone.err == "tollgate serve: --tls-cert FILE and --tls-key FILE go together\n");

  std::string missing = dir + "/missing.pem";
  auto unreadable = tollgate_cli({"serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert",
                                  missing, "--tls-key", pki.server_key});
  CHECK(unreadable.code == 2);
  CHECK(unreadable.err.find("tollgate serve: " + missing +
                            ": not a usable PEM certificate chain") != std::string::npos);

  // The CA's certificate with the server's key: a pair that does not match.
  auto mismatched = tollgate_cli({"serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert",
                                  pki.ca_cert, "--tls-key", pki.server_key});
  CHECK(mismatched.code == 2);
  CHECK(mismatched.err.find("tollgate serve: " + pki.server_key +
                            ": not a usable PEM private key for " + pki.ca_cert +
                            " (key values mismatch") == 0);

  // A key file (here, a certificate in its place) that is no key: named, its content not shown.
  auto not_a_key = tollgate_cli({"serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert",
                                 pki.server_cert, "--tls-key", pki.expired_cert});
  CHECK(not_a_key.code == 2);
  CHECK(not_a_key.err.find(pki.expired_cert + ": not a usable PEM private key for " +
                           pki.server_cert) != std::string::npos);
  CHECK(not_a_key.err.find("BEGIN") == std::string::npos);
}

TEST_CASE("serve: a private key that others may read is warned of") {
  auto dir = tollgate::test::temp_dir();
  auto pki = tollgate::test::make_test_pki(dir);
  namespace fs = std::filesystem;
  fs::permissions(pki.server_key, fs::perms::owner_read | fs::perms::owner_write |
                                      fs::perms::group_read | fs::perms::others_read);
  // The CA's certificate makes serve stop before it listens; the warning comes first.
  auto ran = tollgate_cli({"serve", "--db", dir + "/serve.db", "--listen", "127.0.0.1:0",
                           "--tls-cert", pki.ca_cert, "--tls-key", pki.server_key});
  CHECK(ran.err.find("tollgate serve: warning: " + pki.server_key +
                     " may be read by other users; chmod 600 it\n") == 0);
  auto key = file_content(pki.server_key);
  REQUIRE(key.size() > 100);
  CHECK(ran.err.find(key.substr(40, 40)) == std::string::npos);
}
