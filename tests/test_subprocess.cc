// Child (util/subprocess.hh): however its user stops, the program is
// stopped and waited for, and its exit code reaches finish().
#include <doctest/doctest.h>

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "util/subprocess.hh"

using mlidx::Child;
using mlidx::SpawnOptions;

namespace {

// Still a process (running, or a zombie nobody waited for).
bool exists(int pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

Child start(const std::vector<std::string>& argv, bool pipes) {
  SpawnOptions o;
  o.pipe_stdin = pipes;
  o.pipe_stdout = pipes;
  o.own_group = true;  // SIGTERM at its default, as for git
  auto c = Child::start(argv, o);
  REQUIRE(c);
  return std::move(*c);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("Child: finish gives the exit code and reaps the program") {
  Child c = start({"sh", "-c", "exit 3"}, false);
  int pid = c.pid();
  CHECK(c.finish() == 3);
  CHECK_FALSE(c.running());
  CHECK_FALSE(exists(pid));
  CHECK(c.finish() == -1);  // nothing left to wait for
}

TEST_CASE("Child: its output is read as a stream") {
  Child c = start({"sh", "-c", "read x; echo \"got $x\""}, true);
  REQUIRE(c.in());
  REQUIRE(c.out());
  std::fputs("it\n", c.in());
  std::fflush(c.in());
  char line[64] = {};
  REQUIRE(std::fgets(line, sizeof line, c.out()));
  CHECK(std::string(line) == "got it\n");
  CHECK(c.finish() == 0);
}

TEST_CASE("Child: an end nobody asked for stops the program and waits for it") {
  int pid = -1;
  auto t = std::chrono::steady_clock::now();
  SUBCASE("a program that uses neither pipe") {
    Child c = start({"sleep", "30"}, false);
    pid = c.pid();
  }
  SUBCASE("a program blocked writing to a pipe nobody reads") {
    Child c = start({"yes"}, true);
    pid = c.pid();
  }
  SUBCASE("a program replaced by another (move assignment)") {
    Child c = start({"sleep", "30"}, false);
    pid = c.pid();
    c = start({"sh", "-c", "exit 0"}, false);
    CHECK(c.finish() == 0);
  }
  CHECK(pid > 0);
  CHECK(seconds_since(t) < 10);  // not the 30 s of its sleep
  CHECK_FALSE(exists(pid));      // not left running, nor a zombie
}

TEST_CASE("Child: a program that is not installed is an error, not a child") {
  auto c = Child::start({"mlidx-no-such-program"}, SpawnOptions{});
  REQUIRE_FALSE(c);
  CHECK(c.error().why.find("not found in PATH") != std::string::npos);
}
