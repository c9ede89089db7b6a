// tollgate::server_beast: the HTTP server started on a free port and stopped.
#include <tollgate/server/http_server.hpp>
#include <tollgate/sqlite/sqlite_store.hpp>
#include <tollgate/sqlite/sqlite_tenant_store.hpp>

#include <filesystem>
#include <iostream>

int main() {
  auto path = std::filesystem::temp_directory_path() / "tollgate-consumer-http.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  auto store = tollgate::sqlite::SqliteStore::open(path.string());
  if (!store) return 1;
  auto tenants = tollgate::sqlite::SqliteTenantStore::open(**store);
  if (!tenants) return 2;
  tollgate::server::RestApi api(**store, **tenants);
  auto server = tollgate::server::HttpServer::start(api, {"127.0.0.1", 0, std::nullopt});
  if (!server || (*server)->port() == 0) return 3;
  (*server)->stop();
  (*server)->wait();
  std::cout << "http_server ok\n";
  return 0;
}
