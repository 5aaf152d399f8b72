#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mlidx {

// Asks the kernel, every `every`, to start writing files' dirty pages to
// disk (sync_file_range(2) with SYNC_FILE_RANGE_WRITE: it starts the writes
// and does not wait for them), on a thread of its own.
//
// Why: a bulk import writes hundreds of MB into the page cache between two
// commits, and nothing flushes them before the commit's fsync (the kernel's
// background writeback starts at 10 % of memory). That fsync then held the
// writer for ~0.25 s at each of a 50k import's commits, and the import
// spent 2.5-3.0 s of system time, against 0.5-0.7 s with this
// (docs/PERFORMANCE.md, "2026-12-07, seventh session").
//
// Durability is unchanged: SQLite's fsyncs still decide what is on disk
// when; this only starts earlier what the kernel may write at any moment.
// Errors are ignored (tmpfs, for one, has nothing to write back).
class Writeback {
 public:
  struct Target {
    // Borrowed: open until the Writeback is destroyed. A database file must
    // be given so, never by path: closing any descriptor of it drops the
    // POSIX locks SQLite holds on it in this process (fcntl(2)).
    int fd = -1;
    // Else a file opened (once it exists: a WAL) and closed here.
    std::string path;
  };
  Writeback(std::vector<Target> targets, std::chrono::milliseconds every);
  Writeback(const Writeback&) = delete;
  Writeback& operator=(const Writeback&) = delete;
  ~Writeback();  // stops, without waiting for the writes it started

  // Rounds done, and the files asked to write in them (tests).
  struct Counts {
    int rounds = 0, files = 0;
  };
  Counts counts();

 private:
  void run();
  void round();

  struct File {
    int fd;
    bool owned;
    std::string path;
  };
  static std::vector<File> files(std::vector<Target> targets);
  std::vector<File> files_;  // the thread's alone
  const std::chrono::milliseconds every_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool quit_ = false;
  Counts counts_;
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace mlidx
