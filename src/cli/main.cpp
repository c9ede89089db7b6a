#include <iostream>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

int main(int argc, char** argv) {
  // The tool owns its process: SQLite's process-wide settings are its to choose.
  (void)tollgate::sqlite::tune_process();
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return tollgate::cli::run(args, {std::cin, std::cout, std::cerr});
}
