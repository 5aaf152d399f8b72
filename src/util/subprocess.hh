// Running an external program (git) without a shell: its standard output
// read line by line as it comes, so that `git log -p` over a long history
// never sits in memory whole.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "util/result.hh"

namespace mlidx {

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
  // Reads what is left of the output, waits for the exit; the exit code,
  // or 128 + the signal that ended it.
  int wait();
  // Its standard error, after wait(), cut to its first line.
  std::string error_line();

 private:
  Subprocess() = default;
  int pid_ = -1;
  std::FILE* out_ = nullptr;
  std::FILE* err_ = nullptr;  // an unlinked temporary file
  char* buf_ = nullptr;
  std::size_t cap_ = 0;
};

}  // namespace mlidx
