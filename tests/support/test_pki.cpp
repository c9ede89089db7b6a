#include "test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include <catch2/catch.hpp>

namespace tollgate::test {
namespace {

EVP_PKEY* new_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext != nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn`, valid from `from` to `to` seconds from now, signed by the issuer.
X509* make_cert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long from, long to, bool ca,
                long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), from);
  X509_gmtime_adj(X509_getm_notAfter(cert), to);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : cert;
  if (ca) {
    add_extension(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    add_extension(cert, signer, NID_ext_key_usage, "serverAuth");
  }
  REQUIRE(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
  return cert;
}

void write_cert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_X509(f, cert);
  std::fclose(f);
}

}  // namespace

TestPki make_test_pki(const std::string& dir) {
  constexpr long day = 24 * 3600;
  EVP_PKEY* ca_key = new_key();
  EVP_PKEY* server_key = new_key();
  X509* ca = make_cert("Tollgate Test CA", ca_key, nullptr, nullptr, -day, 30 * day, true, 1);
  X509* valid = make_cert("localhost", server_key, ca, ca_key, -day, 30 * day, false, 2);
  X509* expired = make_cert("localhost", server_key, ca, ca_key, -30 * day, -day, false, 3);
  TestPki pki{dir + "/ca.pem", dir + "/server-key.pem", dir + "/server.pem", dir + "/expired.pem"};
  write_cert(pki.ca_cert, ca);
  write_cert(pki.server_cert, valid);
  write_cert(pki.expired_cert, expired);
  FILE* f = std::fopen(pki.server_key.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_PrivateKey(f, server_key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(ca);
  X509_free(valid);
  X509_free(expired);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(server_key);
  return pki;
}

}  // namespace tollgate::test
