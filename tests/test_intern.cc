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
