// Early writeback of an import's files (util/writeback.hh).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "support.hh"
#include "util/writeback.hh"

using namespace mlidx;
using namespace mlidx::test;
using namespace std::chrono_literals;

namespace {

// Polls until `done` (a round takes a few ms; the deadline only ends a
// broken run).
template <class F>
bool wait_until(F done) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

}  // namespace

TEST_CASE("writeback: each round asks for the files given, a missing one once it appears") {
  TempDir d;
  std::ofstream(d / "db") << std::string(1 << 20, 'x');
  int fd = ::open((d / "db").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  {
    Writeback wb({{fd, {}}, {-1, (d / "db-wal").string()}}, 2ms);
    REQUIRE(wait_until([&] { return wb.counts().rounds >= 3; }));
    Writeback::Counts before = wb.counts();
    // Only the database: its WAL does not exist yet.
    CHECK(before.files == before.rounds);
    std::ofstream(d / "db-wal") << "frames";
    REQUIRE(wait_until([&] { return wb.counts().rounds >= before.rounds + 3; }));
    Writeback::Counts after = wb.counts();
    CHECK(after.files - before.files > after.rounds - before.rounds);
  }
  // Borrowed, so still open: closing a database's descriptor would drop
  // SQLite's locks on it.
  CHECK(::fcntl(fd, F_GETFD) != -1);
  ::close(fd);
}

TEST_CASE("writeback: destroyed at once, not at the end of its period") {
  TempDir d;
  auto start = std::chrono::steady_clock::now();
  {
    Writeback wb({{-1, (d / "none").string()}}, std::chrono::milliseconds(std::chrono::hours(1)));
    CHECK(wb.counts().rounds == 0);
  }
  CHECK(std::chrono::steady_clock::now() - start < 60s);
}
