#pragma once
// Requests to RestApi as Kill Bill's clients send them, for in-process server tests.

#include <string>

#include "tollgate/server/rest_api.hpp"

namespace tollgate::test {

inline std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s : {18, 12, 6, 0}) out += k[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    for (int s : {18, 12, 6}) out += k[(v >> s) & 63];
    out += '=';
  }
  return out;
}

/// A tenant's credentials and a user's, as Kill Bill's clients send them.
struct Client {
  server::TenantCredentials tenant;
  std::string password;
  std::string user = "admin";

  server::Request request(std::string method, std::string target, std::string body = "") const {
    server::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = {{"authorization", "Basic " + base64(user + ":" + password)},
                 {"x-killbill-apikey", tenant.api_key},
                 {"x-killbill-apisecret", tenant.api_secret},
                 {"x-killbill-createdby", "test"},
                 {"content-type", "application/json"}};
    return r;
  }
};

}  // namespace tollgate::test
