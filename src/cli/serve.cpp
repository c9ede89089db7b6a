// tollgate serve: the Kill Bill-compatible REST server on a SQLite store.
// tollgate tenant create: its first-run command (a tenant, and an API user if none exists);
// tollgate tenant rotate-secret: a tenant's new API secret.
//
//   tollgate serve --db FILE [--listen 127.0.0.1:8080] [--body-limit BYTES] [--now INSTANT]
//                  [--login-failures N] [--tls-cert FILE --tls-key FILE]
//   tollgate tenant create --db FILE --external-key K [--api-key K] [--user NAME]
//   tollgate tenant rotate-secret --db FILE --api-key K

#include <pthread.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "cli.hpp"
#include "flags.hpp"
#include "tollgate/server/http_server.hpp"
#include "tollgate/server/rest_api.hpp"

namespace tollgate::cli {
namespace {

std::optional<server::ListenOptions> parse_listen(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  server::ListenOptions l;
  l.address = std::string(text.substr(0, colon));
  auto port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), l.port);
  if (ec != std::errc() || end != port.data() + port.size()) return std::nullopt;
  return l;
}

// --tls-cert and --tls-key, both or neither; a key others may read is warned of.
bool parse_tls(const Flags& flags, server::ListenOptions& listen, Streams io) {
  bool cert = flags.contains("--tls-cert");
  bool key = flags.contains("--tls-key");
  if (cert != key) {
    io.err << "tollgate serve: --tls-cert FILE and --tls-key FILE go together\n";
    return false;
  }
  if (!cert) return true;
  listen.tls =
      server::TlsFiles{std::string(flags.at("--tls-cert")), std::string(flags.at("--tls-key"))};
  namespace fs = std::filesystem;
  std::error_code ec;
  auto mode = fs::status(listen.tls->private_key, ec).permissions();
  if (!ec && (mode & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none)
    io.err << "tollgate serve: warning: " << listen.tls->private_key
           << " may be read by other users; chmod 600 it\n";
  return true;
}

// The signals serve answers are blocked before the server's threads start, so
// that they inherit the mask and only this thread takes them, with sigwait:
// SIGINT and SIGTERM stop the server, SIGHUP reads the certificate again.
int serve_until_stopped(server::RestApi& api, const server::ListenOptions& listen, Streams io) {
  sigset_t signals;
  sigset_t previous;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  auto server = server::HttpServer::start(api, listen);
  if (!server) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    io.err << "tollgate serve: " << server.error().message << "\n";
    return exit_usage;
  }
  io.out << "LISTENING " << (*server)->port() << std::endl;  // flushed: scripts wait for it
  for (int signal = 0; sigwait(&signals, &signal) == 0 && signal == SIGHUP;) {
    if (!listen.tls) {
      io.err << "tollgate serve: SIGHUP: plain HTTP, no certificate to read again" << std::endl;
      continue;
    }
    auto reloaded = (*server)->reload_tls();
    if (reloaded)
      io.err << "tollgate serve: certificate reloaded from " << listen.tls->certificate_chain
             << std::endl;
    else
      io.err << "tollgate serve: certificate not reloaded, the old one stays in use: "
             << reloaded.error().message << std::endl;
  }
  (*server)->stop();
  (*server)->wait();
  server->reset();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return exit_ok;
}

}  // namespace

int serve_command(std::span<const std::string_view> args, Streams io) {
  auto flags = parse_flags(
      "serve", args,
      {"--db", "--listen", "--body-limit", "--now", "--login-failures", "--tls-cert", "--tls-key"},
      io);
  if (!flags) return exit_usage;
  auto listen =
      parse_listen(flags->contains("--listen") ? flags->at("--listen") : "127.0.0.1:8080");
  if (!listen) {
    io.err << "tollgate serve: --listen wants ADDRESS:PORT (127.0.0.1:8080)\n";
    return exit_usage;
  }
  if (!parse_tls(*flags, *listen, io)) return exit_usage;
  server::ApiOptions options;
  if (auto limit = flags->find("--body-limit"); limit != flags->end()) {
    auto [end, ec] = std::from_chars(
        limit->second.data(), limit->second.data() + limit->second.size(), options.body_limit);
    if (ec != std::errc() || end != limit->second.data() + limit->second.size() ||
        options.body_limit == 0) {
      io.err << "tollgate serve: --body-limit wants a number of bytes\n";
      return exit_usage;
    }
  }
  if (auto failures = flags->find("--login-failures"); failures != flags->end()) {
    std::string_view n = failures->second;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), options.login_failures_allowed);
    if (ec != std::errc() || end != n.data() + n.size() || options.login_failures_allowed < 1) {
      io.err << "tollgate serve: --login-failures wants a number of failed logins, 1 or more\n";
      return exit_usage;
    }
  }
  if (auto now = flags->find("--now"); now != flags->end()) {
    // A clock that starts at --now and runs at real speed: for demos and tests
    // replaying dates of the past (Kill Bill's test mode clock, in the same spirit).
    auto start = tollgate::parse_instant(now->second);
    if (!start) {
      io.err << "tollgate serve: --now wants an instant (2024-01-03T00:00:00Z)\n";
      return exit_usage;
    }
    auto origin = std::chrono::steady_clock::now();
    options.clock = [start = *start, origin] {
      return start + std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now() - origin);
    };
  }
  auto store = open_db("serve", *flags, io);
  if (!store) return exit_usage;
  auto tenants = open_tenants("serve", *store, io);
  if (!tenants) return exit_usage;
  server::RestApi api(*store, *tenants, options);
  return serve_until_stopped(api, *listen, io);
}

namespace {

// tollgate tenant rotate-secret: a new API secret for a tenant, the old one void.
int rotate_secret_command(std::span<const std::string_view> args, Streams io) {
  auto flags = parse_flags("tenant rotate-secret", args, {"--db", "--api-key"}, io);
  if (!flags) return exit_usage;
  if (!flags->contains("--api-key")) {
    io.err << "tollgate tenant rotate-secret: --api-key K is required\n";
    return exit_usage;
  }
  auto store = open_db("tenant rotate-secret", *flags, io);
  if (!store) return exit_usage;
  auto tenants = open_tenants("tenant rotate-secret", *store, io);
  if (!tenants) return exit_usage;
  auto rotated = server::rotate_tenant_secret(*tenants, std::string(flags->at("--api-key")));
  if (!rotated) {
    io.err << "tollgate tenant rotate-secret: " << rotated.error().code << ": "
           << rotated.error().message << "\n";
    return rotated.error().code == errors::store_not_found ? exit_refused : exit_usage;
  }
  io.out << "tenantId " << rotated->tenant_id << "\napiKey " << rotated->api_key << "\napiSecret "
         << rotated->api_secret << "\n";
  return exit_ok;
}

}  // namespace

int tenant_command(std::span<const std::string_view> args, Streams io) {
  if (!args.empty() && args[0] == "rotate-secret")
    return rotate_secret_command(args.subspan(1), io);
  if (args.empty() || args[0] != "create") {
    io.err << "usage: tollgate tenant create --db FILE --external-key K [--api-key K] [--user "
              "NAME]\n"
              "       tollgate tenant rotate-secret --db FILE --api-key K\n";
    return exit_usage;
  }
  auto flags = parse_flags("tenant create", args.subspan(1),
                           {"--db", "--external-key", "--api-key", "--user"}, io);
  if (!flags) return exit_usage;
  if (!flags->contains("--external-key")) {
    io.err << "tollgate tenant create: --external-key K is required\n";
    return exit_usage;
  }
  auto store = open_db("tenant create", *flags, io);
  if (!store) return exit_usage;
  auto tenants_store = open_tenants("tenant create", *store, io);
  if (!tenants_store) return exit_usage;
  server::TenantStore& tenants = *tenants_store;
  std::string api_key = flags->contains("--api-key") ? std::string(flags->at("--api-key")) : "";
  auto made = server::create_tenant(tenants, std::string(flags->at("--external-key")), api_key);
  if (!made) {
    io.err << "tollgate tenant create: " << made.error().code << ": " << made.error().message
           << "\n";
    return made.error().code == errors::store_conflict ? exit_refused : exit_usage;
  }
  io.out << "tenantId " << made->tenant_id << "\napiKey " << made->api_key << "\napiSecret "
         << made->api_secret << "\n";
  // The first run also makes the API's first user; --user makes (or resets) a named one.
  auto users = tenants.user_count();
  if (flags->contains("--user") || (users && *users == 0)) {
    std::string name = flags->contains("--user") ? std::string(flags->at("--user")) : "admin";
    auto password = server::put_user(tenants, name);
    if (!password) {
      io.err << "tollgate tenant create: " << password.error().message << "\n";
      return exit_usage;
    }
    io.out << "user " << name << "\npassword " << *password << "\n";
  }
  return exit_ok;
}

}  // namespace tollgate::cli
