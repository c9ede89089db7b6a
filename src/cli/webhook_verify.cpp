// `tollgate webhook-verify --secret S --header H [--tolerance 300] [--now UNIX] < BODY`
// Exit 0 valid, 1 invalid (the reason on stderr), 2 usage error. The secret is never printed.

#include <charconv>
#include <chrono>
#include <istream>
#include <iterator>
#include <optional>
#include <ostream>

#include "cli.hpp"
#include "tollgate/stripe/webhook.hpp"

namespace tollgate::cli {
namespace {

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

int webhook_verify(std::span<const std::string_view> args, Streams io) {
  constexpr std::string_view usage =
      "usage: tollgate webhook-verify --secret S --header H [--tolerance 300] [--now UNIX] < BODY\n";
  std::optional<std::string_view> secret, header;
  stripe::WebhookVerification options;
  options.now_unix = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    if (i + 1 >= args.size()) {
      io.err << "tollgate webhook-verify: " << flag << " needs a value\n" << usage;
      return exit_usage;
    }
    std::string_view value = args[++i];
    if (flag == "--secret") {
      secret = value;
    } else if (flag == "--header") {
      header = value;
    } else if (flag == "--tolerance" || flag == "--now") {
      auto n = parse_int(value);
      if (!n || (flag == "--tolerance" && *n < 0)) {
        io.err << "tollgate webhook-verify: " << flag << " takes a whole number of seconds\n";
        return exit_usage;
      }
      (flag == "--now" ? options.now_unix : options.tolerance_seconds) = *n;
    } else {
      io.err << "tollgate webhook-verify: unknown option " << flag << "\n" << usage;
      return exit_usage;
    }
  }
  if (!secret || !header) {
    io.err << "tollgate webhook-verify: --secret and --header are required\n" << usage;
    return exit_usage;
  }
  // The raw bytes, exactly as received: the signature covers them, not a parse of them.
  std::string body((std::istreambuf_iterator<char>(io.in)), std::istreambuf_iterator<char>());
  auto verified = stripe::verify_webhook(body, *header, *secret, options);
  if (!verified) {
    io.err << "invalid: " << verified.error().message << "\n";
    return exit_refused;
  }
  io.out << "valid: signed at " << *verified << "\n";
  return exit_ok;
}

}  // namespace tollgate::cli
