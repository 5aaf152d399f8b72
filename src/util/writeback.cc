#include "util/writeback.hh"

#include <fcntl.h>
#include <unistd.h>

namespace mlidx {

std::vector<Writeback::File> Writeback::files(std::vector<Target> targets) {
  std::vector<File> files;
  for (auto& t : targets) files.push_back({t.fd, t.fd < 0, std::move(t.path)});
  return files;
}

Writeback::Writeback(std::vector<Target> targets, std::chrono::milliseconds every)
    : files_(files(std::move(targets))), every_(every), thread_([this] { run(); }) {}

Writeback::~Writeback() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (const File& f : files_)
    if (f.owned && f.fd >= 0) ::close(f.fd);
}

Writeback::Counts Writeback::counts() {
  std::lock_guard lock(mu_);
  return counts_;
}

void Writeback::run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, every_, [this] { return quit_; })) {
    lock.unlock();
    round();
    lock.lock();
  }
}

void Writeback::round() {
  int asked = 0;
  for (File& f : files_) {
    if (f.fd < 0 && f.owned) f.fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) continue;
    // Offset 0 and length 0: the whole file, whatever it has grown to.
    (void)::sync_file_range(f.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    ++asked;
  }
  std::lock_guard lock(mu_);
  ++counts_.rounds;
  counts_.files += asked;
}

}  // namespace mlidx
