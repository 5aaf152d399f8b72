#include "util/file_lock.hh"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace mlidx {
namespace {

// A reindex renames a new file over the database: a lock won on the old
// inode no longer guards the path.
bool still_the_file(int fd, const std::string& path) {
  struct stat a {}, b {};
  return ::fstat(fd, &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::string& path, double wait_seconds,
                                   const std::function<void()>& on_wait,
                                   const std::atomic<bool>* stop) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(wait_seconds);
  bool told = false;
  while (true) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    // flock needs no write access: a read-only database is reported by
    // the store, which can say why.
    if (fd < 0 && (errno == EACCES || errno == EROFS)) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(path, std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      if (still_the_file(fd, path)) return FileLock(fd);
      ::close(fd);
      continue;
    }
    int e = errno;
    ::close(fd);
    if (e != EWOULDBLOCK) return make_error(path, std::string("cannot lock: ") + std::strerror(e));
    if (stop && stop->load(std::memory_order_relaxed))
      return make_error(path, "interrupted while waiting for another import to finish");
    if (Clock::now() >= deadline)
      return make_error(path, wait_seconds > 0
                                  ? "another import is still writing to it; try again later "
                                    "or wait longer (--wait SECONDS)"
                                  : "another import is writing to it");
    if (!told && on_wait) on_wait();
    told = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace mlidx
