#include "util/subprocess.hh"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

extern char** environ;

namespace mlidx {

namespace {

void spawn_attributes(posix_spawnattr_t& attr, const SpawnOptions& o) {
  posix_spawnattr_init(&attr);
  if (!o.own_group) return;
  sigset_t none, dflt;
  sigemptyset(&none);
  sigemptyset(&dflt);
  sigaddset(&dflt, SIGPIPE);
  sigaddset(&dflt, SIGINT);
  sigaddset(&dflt, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &dflt);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
}

void close_all(std::initializer_list<int> fds) {
  for (int fd : fds)
    if (fd >= 0) close(fd);
}

}  // namespace

Result<Spawned> spawn(const std::vector<std::string>& argv, const SpawnOptions& o) {
  const std::string what = argv.empty() ? std::string("subprocess") : argv[0];
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  int in_file = -1;
  if (!o.pipe_stdin && !o.stdin_path.empty() && (in_file = open(o.stdin_path.c_str(), O_RDONLY | O_CLOEXEC)) < 0)
    return make_error(what, "cannot start: " + o.stdin_path + ": " + std::strerror(errno));
  if ((o.pipe_stdin && pipe2(in, O_CLOEXEC) != 0) || (o.pipe_stdout && pipe2(out, O_CLOEXEC) != 0)) {
    int e = errno;
    close_all({in[0], in[1], out[0], out[1], in_file});
    return make_error(what, std::string("cannot start: ") + std::strerror(e));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (o.pipe_stdin) posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  else if (in_file >= 0) posix_spawn_file_actions_adddup2(&fa, in_file, 0);
  else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (o.pipe_stdout) posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  else posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  if (o.stderr_fd >= 0) posix_spawn_file_actions_adddup2(&fa, o.stderr_fd, 2);
  else posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  spawn_attributes(attr, o);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Spawned c;
  // glibc's posix_spawnp reports a program that could not be executed
  // (ENOENT: not installed) as its own error, not as a child exiting 127.
  int rc = posix_spawnp(&c.pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close_all({in[0], out[1], in_file});
  if (rc != 0) {
    close_all({in[1], out[0]});
    return make_error(what, rc == ENOENT ? std::string("not found in PATH (is it installed?)")
                                         : std::string("cannot start: ") + std::strerror(rc));
  }
  c.in = in[1];
  c.out = out[0];
  return c;
}

int wait_exit(int pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<Child> Child::start(const std::vector<std::string>& argv, const SpawnOptions& o) {
  auto c = spawn(argv, o);
  if (!c) return c.error();
  Child child;
  child.pid_ = c->pid;
  child.in_ = c->in >= 0 ? fdopen(c->in, "w") : nullptr;
  child.out_ = c->out >= 0 ? fdopen(c->out, "r") : nullptr;
  if ((c->in >= 0 && !child.in_) || (c->out >= 0 && !child.out_)) {
    int e = errno;
    if (c->in >= 0 && !child.in_) close(c->in);
    if (c->out >= 0 && !child.out_) close(c->out);
    // ~Child stops the program and closes the stream that was opened.
    return make_error(argv.empty() ? std::string("subprocess") : argv[0], std::strerror(e));
  }
  return child;
}

Child::Child(Child&& o) noexcept : pid_(o.pid_), in_(o.in_), out_(o.out_) {
  o.pid_ = -1;
  o.in_ = o.out_ = nullptr;
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    terminate();
    finish();
    pid_ = o.pid_;
    in_ = o.in_;
    out_ = o.out_;
    o.pid_ = -1;
    o.in_ = o.out_ = nullptr;
  }
  return *this;
}

Child::~Child() {
  terminate();
  finish();
}

void Child::terminate() {
  if (pid_ > 0) kill(pid_, SIGTERM);
}

int Child::finish() {
  for (std::FILE** f : {&in_, &out_})
    if (*f) {
      std::fclose(*f);
      *f = nullptr;
    }
  if (pid_ <= 0) return -1;
  int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

Result<Subprocess> Subprocess::start(const std::vector<std::string>& argv, const std::string& stdin_path) {
  const std::string what = argv.empty() ? std::string("subprocess") : argv[0];
  std::FILE* err = std::tmpfile();
  if (!err) return make_error(what, std::string("cannot create a temporary file: ") + std::strerror(errno));
  SpawnOptions o;
  o.stdin_path = stdin_path;
  o.stderr_fd = fileno(err);
  auto c = Child::start(argv, o);
  if (!c) {
    std::fclose(err);
    return c.error();
  }
  Subprocess p;
  p.child_ = std::move(*c);
  p.err_ = err;
  return p;
}

Subprocess::Subprocess(Subprocess&& o) noexcept
    : child_(std::move(o.child_)), err_(o.err_), buf_(o.buf_), cap_(o.cap_) {
  o.err_ = nullptr;
  o.buf_ = nullptr;
  o.cap_ = 0;
}

// A program still running was stopped early (an error on our side): ~Child
// does not leave it running.
Subprocess::~Subprocess() {
  if (err_) std::fclose(err_);
  std::free(buf_);
}

bool Subprocess::getline(std::string& line) {
  if (!child_.out()) return false;
  ssize_t n = ::getline(&buf_, &cap_, child_.out());
  if (n < 0) return false;
  if (n > 0 && buf_[n - 1] == '\n') --n;
  line.assign(buf_, static_cast<std::size_t>(n));
  return true;
}

int Subprocess::wait() { return child_.finish(); }  // a writer still writing gets SIGPIPE

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
