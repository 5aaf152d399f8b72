// The queue between an import's parser thread and its writer
// (db/importer.cc): batches of parsed mail, bounded both in batches and in
// bytes of mail. A parsed mail takes ~3x its raw size in heap (body, text
// parts, patch, headers JSON, search text) on top of its mapped pages, so a
// queue bounded only by batches held up to 16 x 64 mails whenever the
// writer was the slower stage (an import with the search index): ~29 MB of
// peak RSS at 50k messages, more when large mails came together.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace mlidx::db {

template <class T>
class BatchQueue {
 public:
  BatchQueue(std::size_t max_batches, std::size_t max_bytes) : max_batches_(max_batches), max_bytes_(max_bytes) {}

  // Waits while the queue is full: max_batches batches, or this batch's
  // bytes would take it past max_bytes. An empty queue takes any batch, so
  // that a mail larger than the bound still passes. An empty batch means
  // the producer is done.
  void push(std::vector<T> batch, std::size_t bytes) {
    std::unique_lock lock(mu_);
    auto start = Clock::now();
    not_full_.wait(lock, [&] {
      return stopped_ || q_.empty() || (q_.size() < max_batches_ && bytes_ + bytes <= max_bytes_);
    });
    push_waited_ += Clock::now() - start;
    bytes_ += bytes;
    q_.push_back({std::move(batch), bytes});
    not_empty_.notify_one();
  }
  std::vector<T> pop() {
    std::unique_lock lock(mu_);
    auto start = Clock::now();
    not_empty_.wait(lock, [&] { return !q_.empty(); });
    pop_waited_ += Clock::now() - start;
    Entry e = std::move(q_.front());
    q_.pop_front();
    bytes_ -= e.bytes;
    if (e.batch.empty()) ended_ = true;
    not_full_.notify_one();
    return std::move(e.batch);
  }
  // The consumer failed: lets the producer finish without blocking and
  // consumes the rest, unless the end was already seen (a failure in the
  // last commit: waiting for another end would wait forever).
  void stop_and_drain() {
    stop();
    while (!ended() && !pop().empty()) {
    }
  }
  // From here on push does not wait.
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    not_full_.notify_all();
  }
  // Batches waiting: one or more means the writer is busy (Parser::prepare).
  std::size_t size() {
    std::lock_guard lock(mu_);
    return q_.size();
  }
  std::size_t bytes() {
    std::lock_guard lock(mu_);
    return bytes_;
  }
  // How long push waited for room (the consumer was the slower side) and
  // pop for a batch (the producer was): which side bounds an import
  // (`mlidx import --timing`).
  double push_waited() {
    std::lock_guard lock(mu_);
    return std::chrono::duration<double>(push_waited_).count();
  }
  double pop_waited() {
    std::lock_guard lock(mu_);
    return std::chrono::duration<double>(pop_waited_).count();
  }
  bool ended() {
    std::lock_guard lock(mu_);
    return ended_;
  }
  bool stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::duration push_waited_{}, pop_waited_{};
  struct Entry {
    std::vector<T> batch;
    std::size_t bytes = 0;
  };
  const std::size_t max_batches_, max_bytes_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Entry> q_;
  std::size_t bytes_ = 0;
  bool stopped_ = false;
  bool ended_ = false;
};

}  // namespace mlidx::db
