#include "store_backends.hpp"

#include <libpq-fe.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>

#include <catch2/catch.hpp>

#include "peer.hpp"
#include "tollgate/postgres/postgres_store.hpp"
#include "tollgate/postgres/postgres_tenant_store.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"
#include "tollgate/sqlite/sqlite_tenant_store.hpp"

namespace tollgate::test {
namespace {

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The server's connection string, or "" with `why`. Started once per process when ctest did not.
const std::string& server(std::string& why) {
  static std::string why_not;
  static const std::string conninfo = [] {
    if (const char* dir = std::getenv("TOLLGATE_TEST_PG_DIR")) {
      std::string c = read_line(std::string(dir) + "/conninfo");
      if (c.empty())
        why_not = "the postgres_server fixture did not start a server (see its output)";
      return c;
    }
    std::string dir = "/tmp/tollgate-pg-" + std::to_string(std::random_device{}());
    std::string script = std::string(TOLLGATE_TEST_SUPPORT) + "/pg_server.sh";
    int rc = std::system(("FAST=1 '" + script + "' start '" + dir + "' >/dev/null").c_str());
    if (rc != 0) {
      why_not = WEXITSTATUS(rc) == 3 ? "server binaries not found (apt-get install postgresql)"
                                     : "pg_server.sh start failed";
      return std::string();
    }
    static std::string stop = "'" + script + "' stop '" + dir + "'";
    std::atexit([] { (void)std::system(stop.c_str()); });
    return read_line(dir + "/conninfo");
  }();
  why = why_not;
  return conninfo;
}

}  // namespace

std::unique_ptr<BillingStore> SqliteBackend::fresh(std::string* location) {
  std::string path = temp_dir() + "/store.db";
  if (location) *location = "sqlite:" + path;
  return open(path);
}

std::unique_ptr<BillingStore> SqliteBackend::open(const std::string& path) {
  auto s = sqlite::SqliteStore::open(path);
  INFO((s ? "" : s.error().message));
  REQUIRE(s.has_value());
  return std::move(s).value();
}

bool PostgresBackend::available(std::string& why) {
  return !server(why).empty();
}

std::string PostgresBackend::empty_schema() {
  std::string why;
  const std::string& admin = server(why);
  REQUIRE(!admin.empty());
  // A schema per store: tests in one server never see each other's rows.
  static std::mt19937_64 rng(std::random_device{}());
  std::string schema = "t" + std::to_string(rng() % 1000000000000ULL);
  PGconn* c = PQconnectdb(admin.c_str());
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, ("CREATE SCHEMA " + schema).c_str());
  bool made = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(c);
  REQUIRE(made);
  return admin + " options='-c search_path=" + schema + "'";
}

std::string PostgresBackend::empty_schema_uri() {
  std::string conninfo = empty_schema();
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  PQfreemem(error);
  REQUIRE(options != nullptr);
  std::map<std::string, std::string> value;
  for (PQconninfoOption* o = options; o->keyword; ++o)
    if (o->val) value[o->keyword] = o->val;
  PQconninfoFree(options);
  // "-c search_path=t123": the space and '=' percent-encoded.
  std::string search_path = value["options"];
  std::string encoded;
  for (char c : search_path) encoded += c == ' ' ? "%20" : c == '=' ? "%3D" : std::string(1, c);
  return "postgresql://" + value["user"] + "@" + value["host"] + ":" + value["port"] + "/" +
         value["dbname"] + "?options=" + encoded;
}

std::unique_ptr<BillingStore> PostgresBackend::fresh(std::string* location) {
  std::string conninfo = empty_schema();
  if (location) *location = "postgres:" + conninfo;
  return open(conninfo);
}

std::unique_ptr<BillingStore> PostgresBackend::open(const std::string& conninfo) {
  auto s = postgres::PostgresStore::open(conninfo);
  INFO((s ? "" : s.error().message));
  REQUIRE(s.has_value());
  return std::move(s).value();
}

std::unique_ptr<server::TenantStore> SqliteBackend::tenants(BillingStore& store) {
  auto t = sqlite::SqliteTenantStore::open(dynamic_cast<sqlite::SqliteStore&>(store));
  INFO((t ? "" : t.error().message));
  REQUIRE(t.has_value());
  return std::move(t).value();
}

std::unique_ptr<server::TenantStore> PostgresBackend::tenants(BillingStore& store) {
  auto t = postgres::PostgresTenantStore::open(dynamic_cast<postgres::PostgresStore&>(store));
  INFO((t ? "" : t.error().message));
  REQUIRE(t.has_value());
  return std::move(t).value();
}

std::unique_ptr<BillingStore> open_location(const std::string& location) {
  if (location.starts_with("sqlite:")) return SqliteBackend::open(location.substr(7));
  return PostgresBackend::open(location.substr(9));
}

}  // namespace tollgate::test
