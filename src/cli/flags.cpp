// The store commands' options and their --db store.

#include "flags.hpp"

#include <algorithm>
#include <ostream>

namespace tollgate::cli {

// Reads "--flag value" pairs (and the value-less `switches`); only the flags in `allowed`.
std::optional<Flags> parse_flags(std::string_view command, std::span<const std::string_view> args,
                                 std::initializer_list<std::string_view> allowed, Streams io,
                                 std::initializer_list<std::string_view> switches) {
  Flags flags;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    while (i < args.size() &&
           std::find(switches.begin(), switches.end(), args[i]) != switches.end())
      flags[args[i++]] = "";
    if (i >= args.size()) break;
    if (std::find(allowed.begin(), allowed.end(), args[i]) == allowed.end()) {
      io.err << "tollgate " << command << ": unknown option " << args[i] << "\n";
      return std::nullopt;
    }
    if (i + 1 >= args.size()) {
      io.err << "tollgate " << command << ": " << args[i] << " needs a value\n";
      return std::nullopt;
    }
    flags[args[i]] = args[i + 1];
  }
  return flags;
}

std::unique_ptr<sqlite::SqliteStore> open_db(std::string_view command, const Flags& flags,
                                             Streams io) {
  auto path = flags.find("--db");
  if (path == flags.end()) {
    io.err << "tollgate " << command << ": --db FILE is required\n";
    return nullptr;
  }
  auto store = sqlite::SqliteStore::open(std::string(path->second));
  if (!store) {
    io.err << "tollgate " << command << ": " << store.error().code << ": " << store.error().message
           << "\n";
    return nullptr;
  }
  for (const auto& warning : (*store)->warnings())
    io.err << "tollgate " << command << ": warning: " << warning << "\n";
  return std::move(store).value();
}

}  // namespace tollgate::cli
