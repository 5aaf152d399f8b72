#include "util/subprocess.hh"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace mlidx {

Result<Subprocess> Subprocess::start(const std::vector<std::string>& argv, const std::string& stdin_path) {
  const std::string what = argv.empty() ? std::string("subprocess") : argv[0];
  std::FILE* err = std::tmpfile();
  if (!err) return make_error(what, std::string("cannot create a temporary file: ") + std::strerror(errno));
  int in = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
  int fds[2];
  if (in < 0 || pipe2(fds, O_CLOEXEC) != 0) {
    int e = errno;
    if (in >= 0) close(in);
    std::fclose(err);
    return make_error(what, std::string("cannot start: ") + std::strerror(e));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  // glibc's posix_spawnp reports a program that could not be executed
  // (ENOENT: not installed) as its own error, not as a child exiting 127.
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    std::fclose(err);
    return make_error(what, rc == ENOENT ? std::string("not found in PATH (is it installed?)")
                                         : std::string("cannot start: ") + std::strerror(rc));
  }
  Subprocess p;
  p.pid_ = pid;
  p.out_ = fdopen(fds[0], "r");
  p.err_ = err;
  return p;
}

Subprocess::Subprocess(Subprocess&& o) noexcept
    : pid_(o.pid_), out_(o.out_), err_(o.err_), buf_(o.buf_), cap_(o.cap_) {
  o.pid_ = -1;
  o.out_ = o.err_ = nullptr;
  o.buf_ = nullptr;
  o.cap_ = 0;
}

Subprocess::~Subprocess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);  // stopped early (an error on our side): do not leave it running
    wait();
  }
  if (out_) std::fclose(out_);
  if (err_) std::fclose(err_);
  std::free(buf_);
}

bool Subprocess::getline(std::string& line) {
  if (!out_) return false;
  ssize_t n = ::getline(&buf_, &cap_, out_);
  if (n < 0) return false;
  if (n > 0 && buf_[n - 1] == '\n') --n;
  line.assign(buf_, static_cast<std::size_t>(n));
  return true;
}

int Subprocess::wait() {
  if (out_) {
    std::fclose(out_);  // a writer still writing gets SIGPIPE rather than block
    out_ = nullptr;
  }
  if (pid_ <= 0) return -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string Subprocess::error_line() {
  if (!err_) return {};
  std::rewind(err_);
  char line[512];
  if (!std::fgets(line, sizeof line, err_)) return {};
  std::string s(line);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace mlidx
