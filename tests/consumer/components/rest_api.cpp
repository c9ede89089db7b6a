// tollgate::server without an HTTP library: a request to RestApi and its answer.
#include <tollgate/server/rest_api.hpp>
#include <tollgate/sqlite/sqlite_store.hpp>
#include <tollgate/sqlite/sqlite_tenant_store.hpp>

#include <filesystem>
#include <iostream>

int main() {
  auto path = std::filesystem::temp_directory_path() / "tollgate-consumer-rest.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  auto store = tollgate::sqlite::SqliteStore::open(path.string());
  if (!store) return 1;
  auto tenants = tollgate::sqlite::SqliteTenantStore::open(**store);
  if (!tenants) return 2;
  tollgate::server::RestApi api(**store, **tenants);
  tollgate::server::Request request;
  request.method = "GET";
  request.target = "/1.0/kb/accounts/nobody";
  auto answer = api.handle(request);  // no credentials: 401
  if (answer.status != 401) return 3;
  std::cout << "rest_api ok\n";
  return 0;
}
