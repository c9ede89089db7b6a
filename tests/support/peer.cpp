#include "peer.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <catch2/catch.hpp>

extern char** environ;

namespace tollgate::test {
namespace {

std::string peers_dir() { return TOLLGATE_TEST_PEERS; }

void require_installed() {
  if (!std::filesystem::exists(peers_dir() + "/node_modules"))
    FAIL("test peers are not installed: run `npm ci` in tests/peers (./scripts/test.sh does it)");
}

// Spawns node with stdout on a pipe; returns the pid and the pipe's read end.
std::pair<pid_t, int> spawn(const std::string& script, const std::vector<std::string>& args) {
  require_installed();
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> argv_storage{"node", peers_dir() + "/" + script};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, "node", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  REQUIRE(rc == 0);
  return {pid, fds[0]};
}

}  // namespace

Peer::Peer(const std::string& script, const std::vector<std::string>& args) {
  std::tie(pid_, out_) = spawn(script, args);
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = read(out_, buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  REQUIRE(line.rfind("PORT=", 0) == 0);
  port_ = std::atoi(line.c_str() + 5);
  REQUIRE(port_ > 0);
}

Peer::~Peer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (out_ >= 0) close(out_);
}

std::string run_node(const std::string& script, const std::vector<std::string>& args) {
  auto [pid, out] = spawn(script, args);
  std::string output;
  char buf[4096];
  for (ssize_t n; (n = read(out, buf, sizeof buf)) > 0;) output.append(buf, static_cast<std::size_t>(n));
  close(out);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return output;
}

std::string temp_dir() {
  static std::vector<std::string> made;
  std::string pattern = (std::filesystem::temp_directory_path() / "tollgate-test-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  if (made.empty())
    std::atexit([] {
      for (const auto& d : made) std::filesystem::remove_all(d);
    });
  made.push_back(pattern);
  return pattern;
}

}  // namespace tollgate::test
