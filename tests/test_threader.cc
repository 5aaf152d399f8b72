#include <doctest/doctest.h>

#include "thread/threader.hh"

using namespace mlidx;

namespace {
ThreadMessage msg(std::int64_t id, std::string msgid, std::string date, std::string parent,
                  std::vector<std::string> refs = {}) {
  if (!parent.empty() && refs.empty()) refs.push_back(parent);
  return {id, std::move(msgid), std::move(date), "s" + std::to_string(id), std::move(parent),
          std::move(refs)};
}
}  // namespace

TEST_CASE("threader: replies join their parent; unrelated mail stays apart") {
  auto t = compute_threads({msg(1, "a", "2020-01-01T00:00:00", ""),
                            msg(2, "b", "2020-01-02T00:00:00", "a"),
                            msg(3, "c", "2020-01-03T00:00:00", "")});
  CHECK(t.thread_of == std::vector<std::int64_t>{1, 1, 3});
  REQUIRE(t.threads.size() == 2);
  CHECK(t.threads[0].root_msgid == "a");
  CHECK(t.threads[0].message_count == 2);
  CHECK(t.threads[0].first_date == "2020-01-01T00:00:00");
  CHECK(t.threads[0].last_date == "2020-01-02T00:00:00");
}

TEST_CASE("threader: a missing parent becomes a ghost root that joins its children") {
  // Two patches replying to a cover letter that was never received.
  auto t = compute_threads({msg(5, "p1", "2020-01-01T00:00:01", "cover"),
                            msg(6, "p2", "2020-01-01T00:00:02", "cover")});
  CHECK(t.thread_of == std::vector<std::int64_t>{5, 5});
  REQUIRE(t.ghosts.size() == 1);
  CHECK(t.ghosts[0].msgid == "cover");
  CHECK(t.ghosts[0].thread_id == 5);
  CHECK(t.threads[0].root_msgid == "cover");
  CHECK(t.threads[0].ghost_count == 1);
}

TEST_CASE("threader: any References id merges threads, parent is In-Reply-To") {
  // c replies to b but also lists a: all three are one thread.
  auto t = compute_threads({msg(1, "a", "", ""), msg(2, "b", "", ""),
                            msg(3, "c", "", "b", {"a", "b"})});
  CHECK(t.thread_of == std::vector<std::int64_t>{1, 1, 1});
}

TEST_CASE("threader: a ghost's parent comes from the References chain") {
  auto t = compute_threads({msg(1, "root", "2020-01-01T00:00:00", ""),
                            msg(2, "leaf", "2020-01-03T00:00:00", "mid", {"root", "mid"})});
  REQUIRE(t.ghosts.size() == 1);
  CHECK(t.ghosts[0].parent_msgid == "root");
}

TEST_CASE("threader: cycles terminate") {
  auto t = compute_threads({msg(1, "a", "2020-01-01T00:00:00", "b"),
                            msg(2, "b", "2020-01-02T00:00:00", "a")});
  CHECK(t.threads.size() == 1);
  CHECK(t.threads[0].message_count == 2);
  CHECK(!t.threads[0].root_msgid.empty());
}

TEST_CASE("threader: a 200,000-long reply chain needs no recursion") {
  std::vector<ThreadMessage> ms;
  for (int i = 0; i < 200000; ++i)
    ms.push_back(msg(i + 1, "m" + std::to_string(i), "", i ? "m" + std::to_string(i - 1) : ""));
  auto t = compute_threads(ms);
  REQUIRE(t.threads.size() == 1);
  CHECK(t.threads[0].root_msgid == "m0");
  CHECK(t.threads[0].message_count == 200000);
}
