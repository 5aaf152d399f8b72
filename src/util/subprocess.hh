// Running an external program (git) without a shell: its standard output
// read line by line as it comes, so that `git log -p` over a long history
// never sits in memory whole.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "util/result.hh"

namespace mlidx {

// The one place mlidx starts a program (git): posix_spawnp, no shell.
struct SpawnOptions {
  bool pipe_stdin = false;   // its standard input a pipe to us (else stdin_path)
  std::string stdin_path;    // empty: /dev/null
  bool pipe_stdout = true;   // else /dev/null
  int stderr_fd = -1;        // -1: /dev/null
  // In its own process group with SIGINT/SIGTERM/SIGPIPE at their defaults:
  // a Ctrl-C at the terminal reaches only mlidx, which then stops between
  // messages and closes the pipes (the import's public-inbox reader).
  bool own_group = false;
};
struct Spawned {
  int pid = -1;
  int in = -1, out = -1;  // our ends of its stdin and stdout pipes, or -1
};
// ENOENT from posix_spawnp (the program is not installed) is an Error whose
// `why` says so.
Result<Spawned> spawn(const std::vector<std::string>& argv, const SpawnOptions& options);
// Waits for it: its exit code, 128 + the signal that ended it, -1 on error.
int wait_exit(int pid);

// A started program and our ends of its pipes as streams, owned: however
// its user stops (an error, an exception, an early end), the streams are
// closed and the program is stopped and waited for - no zombie, no leaked
// descriptor. Empty when default-constructed or moved from.
class Child {
 public:
  Child() = default;
  // spawn(), with the pipes SpawnOptions asks for opened as streams.
  static Result<Child> start(const std::vector<std::string>& argv, const SpawnOptions& options);
  Child(Child&& o) noexcept;
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // An end nobody asked for (finish() not called): the program may still
  // be writing, or waiting for input, so it gets SIGTERM first.
  ~Child();

  std::FILE* in() const { return in_; }    // its standard input, or null
  std::FILE* out() const { return out_; }  // its standard output, or null
  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }
  // Asks it to stop (SIGTERM), before finish(): its output is not wanted.
  void terminate();
  // Closes the streams (EOF on its input; SIGPIPE if it goes on writing)
  // and waits: its exit code as wait_exit's, -1 when empty.
  int finish();

 private:
  int pid_ = -1;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
};

class Subprocess {
 public:
  // Starts argv[0] (looked up in PATH) with argv; its standard input is
  // `stdin_path` (empty: /dev/null), its standard error kept for error().
  // Fails when the program cannot be started (e.g. it is not installed).
  static Result<Subprocess> start(const std::vector<std::string>& argv, const std::string& stdin_path = {});
  Subprocess(Subprocess&& o) noexcept;
  Subprocess& operator=(Subprocess&&) = delete;
  Subprocess(const Subprocess&) = delete;
  ~Subprocess();

  // The next line of its output without its "\n"; false at the end.
  bool getline(std::string& line);
  // Closes its output (a program still writing gets SIGPIPE) and waits;
  // the exit code, or 128 + the signal that ended it.
  int wait();
  // Its standard error, after wait(), cut to its first line.
  std::string error_line();

 private:
  Subprocess() = default;
  Child child_;
  std::FILE* err_ = nullptr;  // an unlinked temporary file
  char* buf_ = nullptr;
  std::size_t cap_ = 0;
};

}  // namespace mlidx
