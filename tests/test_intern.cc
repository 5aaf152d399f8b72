// The derive pass's string tables (util/intern.hh).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "util/intern.hh"

using namespace mlidx;

TEST_CASE("intern: equal strings get one number, in first-seen order, across growth") {
  InternTable t;
  std::vector<std::uint32_t> first;
  // Past several doublings of the slot array (1024 at first).
  for (int i = 0; i < 20000; ++i) first.push_back(t.intern("<id" + std::to_string(i) + "@x>"));
  CHECK(t.size() == 20000);
  for (int i = 0; i < 20000; ++i) {
    CHECK(first[static_cast<std::size_t>(i)] == static_cast<std::uint32_t>(i));
    CHECK(t.intern("<id" + std::to_string(i) + "@x>") == first[static_cast<std::size_t>(i)]);
    CHECK(t.at(first[static_cast<std::size_t>(i)]) == "<id" + std::to_string(i) + "@x>");
  }
  CHECK(t.size() == 20000);
  CHECK(t.find("<id7@x>") == 7);
  CHECK(t.find("<absent@x>") == InternTable::kNone);
  CHECK(InternTable().find("") == InternTable::kNone);
}

TEST_CASE("intern: the empty string and prefixes are distinct entries") {
  InternTable t;
  auto e = t.intern("");
  auto a = t.intern("a");
  auto ab = t.intern("ab");
  CHECK(e != a);
  CHECK(a != ab);
  CHECK(t.intern("") == e);
  CHECK(t.at(e).empty());
  CHECK(t.at(ab) == "ab");
  StringPool p;
  CHECK(p.add("x") == 0);
  CHECK(p.add("x") == 1);  // a pool keeps duplicates
  CHECK(p.at(1) == "x");
}

// Ids crafted to share a slot under FNV-1a from its published basis (what
// the table hashed with before it was seeded): 300 of them in the first
// 1024-slot table. Unseeded, looking up the last walks all 300.
TEST_CASE("intern: Message-IDs crafted to collide under the unseeded hash do not make long probes") {
  auto fnv = [](std::string_view s) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
  };
  std::vector<std::string> ids;
  for (std::uint64_t i = 0; ids.size() < 300; ++i) {
    std::string id = "<" + std::to_string(i) + "@attacker.example>";
    if ((fnv(id) & 1023) == 0) ids.push_back(id);
  }
  InternTable t;
  for (const auto& id : ids) t.intern(id);
  CHECK(t.size() == 300);
  // 300 of 1024 slots taken at random: runs of a few dozen at the very most.
  CHECK(t.longest_probe() < 40);
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(t.find(ids[i]) == i);
}

// A pool and a table rebuilt from their layout (the derive snapshot,
// db/snapshot.cc): the same numbers for the same strings; a layout that
// does not describe its bytes, or a table with a string twice, is refused.
TEST_CASE("intern: a pool and a table are rebuilt from their layout, and a bad layout is refused") {
  InternTable t;
  for (const char* s : {"a@x", "", "bc@y", "a@y"}) t.intern(s);
  StringPool copy;
  REQUIRE(copy.assign(t.pool().data(), t.pool().ends()));
  InternTable back;
  REQUIRE(back.assign(copy));
  CHECK(back.size() == 4);
  CHECK(back.find("bc@y") == 2);
  CHECK(back.find("") == 1);
  CHECK(back.find("nope") == InternTable::kNone);
  CHECK(back.intern("new@z") == 4);

  StringPool bad;
  CHECK_FALSE(bad.assign("abc", {2, 1, 3}));  // ends go back
  CHECK_FALSE(bad.assign("abc", {1, 2}));     // bytes left over
  CHECK_FALSE(bad.assign("abc", {1, 4}));     // past the bytes
  CHECK(bad.size() == 0);
  REQUIRE(bad.assign("abab", {2, 4}));        // a pool may hold "ab" twice...
  InternTable dup;
  CHECK_FALSE(dup.assign(bad));               // ...a table may not
  CHECK(dup.size() == 0);
}
