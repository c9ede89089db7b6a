#include <sstream>

#include <catch2/catch.hpp>

#include "cli.hpp"
#include "tollgate/stripe/webhook.hpp"

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run verify(const std::string& body, std::vector<std::string_view> args) {
  std::istringstream in(body);
  std::ostringstream out, err;
  args.insert(args.begin(), "webhook-verify");
  int code = tollgate::cli::run(args, {in, out, err});
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("webhook-verify: 0 valid, 1 invalid with the reason, 2 usage error") {
  const std::string body = "{\"id\":\"evt_1\"}\n";  // the raw bytes, trailing newline included
  std::string header = tollgate::stripe::sign_webhook(body, "whsec_test_secret", 1700000000);
  Run ok = verify(body, {"--secret", "whsec_test_secret", "--header", header, "--now", "1700000010"});
  CHECK(ok.code == 0);
  CHECK(ok.out == "valid: signed at 1700000000\n");
  Run old = verify(body, {"--secret", "whsec_test_secret", "--header", header, "--now", "1700000301"});
  CHECK(old.code == 1);
  CHECK(old.err.find("invalid: timestamp 1700000000 is outside the tolerance of 300 s") == 0);
  Run wide = verify(body, {"--secret", "whsec_test_secret", "--header", header, "--tolerance", "600", "--now",
                           "1700000301"});
  CHECK(wide.code == 0);
  Run wrong = verify(body, {"--secret", "whsec_other", "--header", header, "--now", "1700000010"});
  CHECK(wrong.code == 1);
  CHECK(wrong.err.find("whsec_other") == std::string::npos);
  CHECK(verify(body, {"--header", header}).code == 2);
  CHECK(verify(body, {"--secret", "s", "--header", header, "--now", "soon"}).code == 2);
  CHECK(verify(body, {"--secret", "s", "--header", header, "--bogus", "1"}).code == 2);
  CHECK(verify(body, {"--secret"}).code == 2);
}
