#include "cli.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "tollgate/version.hpp"

namespace tollgate::cli {
namespace {

constexpr std::string_view kUsage =
    "usage:\n"
    "  tollgate simulate SCENARIO.json\n"
    "  tollgate validate-catalog CATALOG.json\n"
    "  tollgate validate-rules RULES.json\n"
    "  tollgate webhook-verify --secret S --header H [--tolerance 300] [--now UNIX] < BODY\n"
    "  tollgate import --db FILE (--catalog FILE [--version V] | --rules FILE --organization O "
    "--tenant T\n"
    "                  [--registered-at DATE] | --scenario FILE [--customer CUS])\n"
    "  tollgate export --db FILE (--catalog V [--xml] | --rules | --invoices ACCOUNT | --balance ACCOUNT)\n"
    "  tollgate run --db FILE --as-of DATE [--through DATE] [--provider manual|stripe]\n"
    "               [--worker NAME]\n"
    "  tollgate pay --db FILE --invoice ID --amount A --reference R [--date D]\n"
    "  tollgate refund --db FILE --payment ID --amount A [--reference R] [--date D]\n"
    "                  [--provider stripe]\n"
    "  tollgate credit --db FILE --account ID --amount A --reason R [--id ID] [--date D]\n"
    "  tollgate serve --db FILE [--listen 127.0.0.1:8080] [--body-limit BYTES] [--now INSTANT]\n"
    "                 [--login-failures N] [--tls-cert FILE --tls-key FILE]\n"
    "  tollgate tenant create --db FILE --external-key K [--api-key K] [--user NAME]\n"
    "  tollgate tenant rotate-secret --db FILE --api-key K\n"
    "  tollgate --version\n";

}  // namespace

Result<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return make_error(errors::file_unreadable,
                      path + ": cannot read (" + std::strerror(errno) + ")");
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) return make_error(errors::file_unreadable, path + ": read error");
  return content.str();
}

int run(std::span<const std::string_view> args, Streams io) {
  if (args.empty()) {
    io.err << kUsage;
    return exit_usage;
  }
  std::string_view command = args[0];
  auto rest = args.subspan(1);
  if (command == "--version" || command == "version") {
    io.out << "tollgate " << version_string << "\n";
    return exit_ok;
  }
  if (command == "--help" || command == "help") {
    io.out << kUsage;
    return exit_ok;
  }
  if (command == "simulate") return simulate(rest, io);
  if (command == "webhook-verify") return webhook_verify(rest, io);
  if (command == "validate-catalog") return validate_catalog(rest, io);
  if (command == "validate-rules") return validate_rules(rest, io);
  if (command == "import") return import_command(rest, io);
  if (command == "export") return export_command(rest, io);
  if (command == "run") return run_command(rest, io);
  if (command == "serve") return serve_command(rest, io);
  if (command == "tenant") return tenant_command(rest, io);
  if (command == "pay") return pay_command(rest, io);
  if (command == "refund") return refund_command(rest, io);
  if (command == "credit") return credit_command(rest, io);
  io.err << "tollgate: unknown command \"" << command << "\"\n" << kUsage;
  return exit_usage;
}

}  // namespace tollgate::cli
