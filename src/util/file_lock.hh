// The lock one writer (import, reindex) holds on a database for its whole
// run. SQLite's own locks last one transaction; an import commits every two
// seconds, and a second import slipping its batches in between would work
// from a stale list of known mail. flock(2) is dropped by the kernel when
// the holder dies, so a killed import never leaves a stale lock.
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include "util/result.hh"

namespace mlidx {

class FileLock {
 public:
  // Creates `path` when missing (an empty file is an empty SQLite
  // database). Waits up to `wait_seconds` for another holder, calling
  // `on_wait` once when it has to wait; gives up early when `stop` is set.
  static Result<FileLock> acquire(const std::string& path, double wait_seconds,
                                  const std::function<void()>& on_wait = {},
                                  const std::atomic<bool>* stop = nullptr);
  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  // Closing any descriptor of a file drops the POSIX locks SQLite holds on
  // it in this process (fcntl(2)): destroy the lock only after every SQLite
  // connection to the file is closed.
  ~FileLock();
  // The locked file's descriptor, open as long as the lock (Writeback).
  int fd() const { return fd_; }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace mlidx
