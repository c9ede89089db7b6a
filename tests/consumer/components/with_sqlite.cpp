// tollgate::sqlite: a catalog stored in a file and read back.
#include <tollgate/sqlite/sqlite_store.hpp>

#include <filesystem>
#include <iostream>

int main() {
  auto path = std::filesystem::temp_directory_path() / "tollgate-consumer-sqlite.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  auto store = tollgate::sqlite::SqliteStore::open(path.string());
  if (!store) return 1;
  const char* catalog = R"({"name": "c", "currencies": ["USD"],
    "products": [{"name": "P", "category": "BASE"}],
    "plans": [{"name": "p", "product": "P", "phases": [{"type": "EVERGREEN",
      "recurring": {"billing_period": "MONTHLY", "price": {"USD": "50.00"}}}]}]})";
  if (!(*store)->put_catalog("v1", catalog)) return 2;
  auto read = (*store)->catalog_json("v1");
  if (!read || read->find("\"50.00\"") == std::string::npos) return 3;
  std::cout << "with_sqlite ok\n";
  return 0;
}
