// Who is asking: HTTP basic auth names the user, Kill Bill's API key and
// secret the tenant. PBKDF2 runs once a credential (its fingerprint is
// remembered), an unknown name costs what a wrong password does, and failed
// logins back off per client address and user name (login_throttle.hpp).

#include <string>
#include <string_view>
#include <vector>

#include "api.hpp"
#include "credentials.hpp"

namespace tollgate::server::detail {
namespace {

std::optional<std::string> base64_decode(std::string_view in) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    auto pos = alphabet.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

Response unauthorized(const std::string& message) {
  Response r = failure(401, errors::server_unauthorized, message);
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"killbill\"");
  return r;
}

}  // namespace

std::string Server::user_name(const Request& request) {
  std::string auth = request.header("authorization");
  if (auth.rfind("Basic ", 0) != 0) return "";
  auto decoded = base64_decode(std::string_view(auth).substr(6));
  return decoded ? decoded->substr(0, decoded->find(':')) : "";
}

std::vector<std::string> Server::login_keys(const Request& request) {
  std::vector<std::string> keys;
  if (!request.peer.empty()) keys.push_back("address " + request.peer);
  if (request.header("authorization").rfind("Basic ", 0) == 0)
    keys.push_back("user " + user_name(request));
  return keys;
}

Response Server::too_many_attempts(LoginThrottle::Clock::duration wait) const {
  auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
  Response r = failure(429, errors::server_too_many_attempts,
                       "too many failed logins: try again in " + std::to_string(seconds) + " s");
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

bool Server::verify(std::string_view presented, const std::string& salt,
                    const std::string& stored_hash) {
  std::string fingerprint = sha256_hex(presented);
  if (auto it = verified_.find(stored_hash);
      it != verified_.end() && equal_constant_time(it->second, fingerprint))
    return true;
  if (!may_hash_) return false;
  if (!equal_constant_time(hash_secret(presented, salt), stored_hash)) return false;
  verified_[stored_hash] = std::move(fingerprint);
  return true;
}

// An unknown user name or API key costs what a wrong password does (one
// PBKDF2), so that how long a refusal takes does not tell which names exist.
void Server::decoy_hash(std::string_view presented) {
  static const std::string salt = secret_hex(16);  // the length of a real salt
  (void)hash_secret(presented, salt);
}

std::optional<Response> Server::authenticate_user(const Request& request) {
  std::string auth = request.header("authorization");
  if (auth.rfind("Basic ", 0) != 0) return unauthorized("basic authentication is required");
  auto decoded = base64_decode(std::string_view(auth).substr(6));
  auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return unauthorized("malformed basic authentication");
  auto user = tenants.user(decoded->substr(0, colon));
  if (!user) {
    if (user.error().code != errors::store_not_found) return failure(user.error());
    if (may_hash_) decoy_hash(std::string_view(*decoded).substr(colon + 1));
    return unauthorized("wrong user name or password");
  }
  if (!verify(std::string_view(*decoded).substr(colon + 1), user->salt, user->hash))
    return unauthorized("wrong user name or password");
  return std::nullopt;
}

Result<Tenant, Response> Server::authenticate_tenant(const Request& request) {
  std::string key = request.header("x-killbill-apikey");
  std::string secret = request.header("x-killbill-apisecret");
  if (key.empty() || secret.empty())
    return unexpected(unauthorized("X-Killbill-ApiKey and X-Killbill-ApiSecret are required"));
  auto tenant = tenants.tenant_by_api_key(key);
  if (!tenant) {
    if (tenant.error().code != errors::store_not_found) return unexpected(failure(tenant.error()));
    if (may_hash_) decoy_hash(secret);
    return unexpected(unauthorized("wrong api key or secret"));
  }
  if (!verify(secret, tenant->secret_salt, tenant->secret_hash))
    return unexpected(unauthorized("wrong api key or secret"));
  return std::move(tenant).value();
}

}  // namespace tollgate::server::detail
