#pragma once
// A throwaway PKI made for one test run: a CA, a server certificate for
// localhost / 127.0.0.1 that it signed, and an expired one. Nothing leaves the
// temporary directory.

#include <string>

namespace tollgate::test {

struct TestPki {
  std::string ca_cert;         ///< PEM file of the CA
  std::string server_key;      ///< PEM key of both server certificates
  std::string server_cert;     ///< valid now, for DNS:localhost and IP:127.0.0.1
  std::string expired_cert;    ///< same names, expired yesterday
};

TestPki make_test_pki(const std::string& dir);

}  // namespace tollgate::test
