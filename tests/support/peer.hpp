#pragma once
// Loopback test peers: node scripts under tests/peers, started on 127.0.0.1 and
// stopped when the Peer goes out of scope. `./scripts/test.sh` installs their
// packages (npm ci); a test whose peers are missing fails and says how to fix it.

#include <string>
#include <sys/types.h>
#include <vector>

namespace tollgate::test {

class Peer {
 public:
  /// Starts `node <tests/peers/script> args...` and waits (10 s at most) for its "PORT=<n>" line.
  Peer(const std::string& script, const std::vector<std::string>& args = {});
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
};

/// Runs `node <tests/peers/script> args...` to completion and returns its standard output.
std::string run_node(const std::string& script, const std::vector<std::string>& args);

/// A fresh temporary directory, removed with its files at exit.
std::string temp_dir();

}  // namespace tollgate::test
