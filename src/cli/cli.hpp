#pragma once
// The `tollgate` command-line tool, callable in-process so that tests can
// check exit codes and output without spawning processes.

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "tollgate/result.hpp"

namespace tollgate::cli {

/// Exit codes of the public contract (docs/cli.md).
enum ExitCode : int {
  exit_ok = 0,       ///< success
  exit_refused = 1,  ///< the command's own subject was refused (a signature that does not verify)
  exit_usage = 2,    ///< bad input: unreadable file, malformed JSON, schema violation, usage error
};

struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

/// Runs `tollgate ARGS...` (args excludes the program name) and returns its exit code.
int run(std::span<const std::string_view> args, Streams io);

// Commands (each in its own source file).
int validate_catalog(std::span<const std::string_view> args, Streams io);
int validate_rules(std::span<const std::string_view> args, Streams io);
int simulate(std::span<const std::string_view> args, Streams io);
int webhook_verify(std::span<const std::string_view> args, Streams io);
int import_command(std::span<const std::string_view> args, Streams io);
int export_command(std::span<const std::string_view> args, Streams io);
int run_command(std::span<const std::string_view> args, Streams io);
int serve_command(std::span<const std::string_view> args, Streams io);
int tenant_command(std::span<const std::string_view> args, Streams io);
int pay_command(std::span<const std::string_view> args, Streams io);
int refund_command(std::span<const std::string_view> args, Streams io);
int credit_command(std::span<const std::string_view> args, Streams io);

/// Reads a whole file. Errors: "file.unreadable" with the OS reason.
Result<std::string> read_file(const std::string& path);

}  // namespace tollgate::cli
