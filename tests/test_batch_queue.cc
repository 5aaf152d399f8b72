// The parser-to-writer queue of an import (db/batch_queue.hh): bounded in
// batches and in bytes, never so tightly that a large mail cannot pass.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "db/batch_queue.hh"

using mlidx::db::BatchQueue;
using namespace std::chrono_literals;

namespace {

// Pushes on a thread of its own; `done()` tells whether the push returned.
class Pusher {
 public:
  Pusher(BatchQueue<int>& q, std::vector<int> batch, std::size_t bytes)
      : q_(q), done_(std::async(std::launch::async, [&q, batch, bytes] { q.push(batch, bytes); })) {}
  // A push still blocked when a check failed is let go, so that the test
  // ends instead of hanging here.
  ~Pusher() {
    if (!done(0ms)) q_.stop();
  }
  // A push that blocks is still blocked after this wait; one that does not
  // returns within it (the deadline only ends a broken run).
  bool done(std::chrono::milliseconds wait = 100ms) { return done_.wait_for(wait) == std::future_status::ready; }

 private:
  BatchQueue<int>& q_;
  std::future<void> done_;
};

}  // namespace

TEST_CASE("batch queue: a batch waits while the bytes queued would pass the bound") {
  BatchQueue<int> q(16, 100);
  q.push({1}, 60);
  Pusher second(q, {2}, 50);  // 60 + 50 > 100
  CHECK_FALSE(second.done());
  CHECK(q.size() == 1);
  CHECK(q.pop() == std::vector<int>{1});
  REQUIRE(second.done(10s));
  CHECK(q.size() == 1);
  CHECK(q.bytes() == 50);
  CHECK(q.pop() == std::vector<int>{2});
  CHECK(q.bytes() == 0);
}

TEST_CASE("batch queue: small batches pass up to the bound, the batch count bounds too") {
  BatchQueue<int> q(3, 100);
  for (int i = 0; i < 3; ++i) REQUIRE(Pusher(q, {i}, 30).done(10s));  // 90 bytes
  Pusher fourth(q, {3}, 1);  // under the byte bound, over the batch bound
  CHECK_FALSE(fourth.done());
  CHECK(q.pop() == std::vector<int>{0});
  REQUIRE(fourth.done(10s));
  CHECK(q.size() == 3);
}

TEST_CASE("batch queue: a batch larger than the bound enters an empty queue") {
  BatchQueue<int> q(16, 100);
  REQUIRE(Pusher(q, {1}, 1000).done(10s));
  Pusher next(q, {2}, 1);
  CHECK_FALSE(next.done());
  CHECK(q.pop() == std::vector<int>{1});
  REQUIRE(next.done(10s));
}

TEST_CASE("batch queue: stop_and_drain releases a blocked producer and consumes up to the end") {
  BatchQueue<int> q(16, 100);
  q.push({1}, 100);
  std::atomic<bool> finished = false;
  std::thread producer([&] {
    q.push({2}, 100);  // blocks until the queue is stopped
    q.push({}, 0);     // the end
    finished = true;
  });
  q.stop_and_drain();
  producer.join();
  CHECK(finished);
  CHECK(q.ended());
  CHECK(q.stopped());
  CHECK(q.size() == 0);
}

// `mlidx import --timing` tells which thread bounds an import from these.
TEST_CASE("batch queue: the time each side waited for the other is counted") {
  BatchQueue<int> q(1, 100);
  CHECK(q.push_waited() == 0);
  CHECK(q.pop_waited() == 0);
  SUBCASE("the consumer waits for a batch") {
    auto later = std::async(std::launch::async, [&q] {
      std::this_thread::sleep_for(150ms);
      q.push({1}, 10);
    });
    CHECK(q.pop() == std::vector<int>{1});
    CHECK(q.pop_waited() >= 0.1);
    CHECK(q.push_waited() < 0.1);
  }
  SUBCASE("the producer waits for room") {
    q.push({1}, 10);  // the queue holds one batch: full
    auto later = std::async(std::launch::async, [&q] {
      std::this_thread::sleep_for(150ms);
      return q.pop();
    });
    q.push({2}, 10);
    CHECK(later.get() == std::vector<int>{1});
    CHECK(q.push_waited() >= 0.1);
    CHECK(q.pop_waited() < 0.1);
  }
}
