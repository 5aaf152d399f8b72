// Message-ID (lenient, the mail's own id) and In-Reply-To/References (strict
// lists of other mails' ids).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mail/msgid.hh"

using mlidx::kMaxMsgidLen;
using mlidx::kMaxReferences;
using mlidx::parse_msgid_lenient;
using mlidx::parse_msgid_refs;
using Ids = std::vector<std::string>;

TEST_CASE("msgid lenient: brackets, whitespace, comments") {
  CHECK(parse_msgid_lenient("<20170831.1234@example.com>").id == "20170831.1234@example.com");
  CHECK(parse_msgid_lenient("  <a@b>  ").id == "a@b");
  CHECK(parse_msgid_lenient("<a@b> (added by postmaster)").id == "a@b");
  CHECK(parse_msgid_lenient("(comment) <a@b> <c@d>").id == "a@b");
  CHECK(parse_msgid_lenient("<a\r\n @b>").id == "a@b");
  CHECK(parse_msgid_lenient("<a(x(y)z)@b>").id == "a@b");  // nested comment
  CHECK_FALSE(parse_msgid_lenient("<a@b>").truncated);
}

TEST_CASE("msgid lenient: no or broken brackets") {
  CHECK(parse_msgid_lenient("bare.id@host").id == "bare.id@host");
  CHECK(parse_msgid_lenient("bare.id@host (comment)").id == "bare.id@host");
  CHECK(parse_msgid_lenient("<unclosed@host").id == "unclosed@host");
  CHECK(parse_msgid_lenient("2>").id == "2");
  CHECK(parse_msgid_lenient(std::string("\0\0k>", 4)).id == "k");
  CHECK(parse_msgid_lenient("no-at-sign").id == "no-at-sign");
  CHECK(parse_msgid_lenient("").id.empty());
  CHECK(parse_msgid_lenient("<>").id.empty());
  CHECK(parse_msgid_lenient("   \t ").id.empty());
  CHECK(parse_msgid_lenient("(only a comment)").id.empty());
}

TEST_CASE("msgid lenient: length cap") {
  std::string exact(kMaxMsgidLen, 'a');
  auto r = parse_msgid_lenient("<" + exact + ">");
  CHECK(r.id == exact);
  CHECK_FALSE(r.truncated);

  std::string longer(kMaxMsgidLen + 1, 'b');
  r = parse_msgid_lenient("<" + longer + ">");
  CHECK(r.id == std::string(kMaxMsgidLen, 'b'));
  CHECK(r.truncated);

  r = parse_msgid_lenient(std::string(3'000'000, 'c'));  // fast, capped
  CHECK(r.id.size() == kMaxMsgidLen);
  CHECK(r.truncated);

  // The cut does not split a UTF-8 sequence.
  std::string utf8 = std::string(kMaxMsgidLen - 1, 'd') + "\xc3\xa9" + "tail";
  r = parse_msgid_lenient(utf8);
  CHECK(r.id == std::string(kMaxMsgidLen - 1, 'd'));
  CHECK(r.truncated);
}

TEST_CASE("msgid refs: every <id> in order") {
  CHECK(parse_msgid_refs("<a@x> <b@x>\r\n\t<c@x>") == Ids{"a@x", "b@x", "c@x"});
  CHECK(parse_msgid_refs("<a@x><b@x>") == Ids{"a@x", "b@x"});
  CHECK(parse_msgid_refs("<a@x>,<b@x>") == Ids{"a@x", "b@x"});
  CHECK(parse_msgid_refs("<only@x>") == Ids{"only@x"});
}

TEST_CASE("msgid refs: text outside brackets is ignored") {
  CHECK(parse_msgid_refs("<87a@x> (Joe's message of \"Mon, 1 Jan 2018 10:00:00 +0100\")") ==
        Ids{"87a@x"});
  CHECK(parse_msgid_refs("Your message of \"Tue, 5 Dec\" <m@x>") == Ids{"m@x"});
  // An address in a comment is not a reference.
  CHECK(parse_msgid_refs("<a@x> (from Joe <joe@example.com>)") == Ids{"a@x"});
  // An unclosed comment does not swallow later ids.
  CHECK(parse_msgid_refs("<a@x> (oops <b@x>") == Ids{"a@x", "b@x"});
  CHECK(parse_msgid_refs("<a@x> (\\") == Ids{"a@x"});
}

TEST_CASE("msgid refs: folded ids, empties, overlong") {
  CHECK(parse_msgid_refs("<2019040906\r\n 3505.16664@nxp.com>") == Ids{"20190409063505.16664@nxp.com"});
  CHECK(parse_msgid_refs("<> <a@x> < >") == Ids{"a@x"});
  std::string too_long(kMaxMsgidLen + 1, 'z');
  CHECK(parse_msgid_refs("<" + too_long + "> <a@x>") == Ids{"a@x"});
  std::string at_cap(kMaxMsgidLen, 'y');
  CHECK(parse_msgid_refs("<" + at_cap + ">") == Ids{at_cap});
  // An unclosed '<' is dropped; the next '<' starts over.
  CHECK(parse_msgid_refs("<broken <a@x>") == Ids{"a@x"});
  CHECK(parse_msgid_refs("<a@x> <unclosed").size() == 1);
}

TEST_CASE("msgid refs: values without brackets") {
  CHECK(parse_msgid_refs("20190409063505.16664-1-vakul.garg@nxp.com") ==
        Ids{"20190409063505.16664-1-vakul.garg@nxp.com"});
  CHECK(parse_msgid_refs("  bare@id \r\n") == Ids{"bare@id"});
  CHECK(parse_msgid_refs("y").empty());
  CHECK(parse_msgid_refs("n").empty());
  CHECK(parse_msgid_refs("").empty());
  CHECK(parse_msgid_refs("two@ids other@ids").empty());
  CHECK(parse_msgid_refs("see a@b for details").empty());
  CHECK(parse_msgid_refs("no-at-sign").empty());
  CHECK(parse_msgid_refs("<unclosed@x").empty());
  CHECK(parse_msgid_refs("<>").empty());  // brackets, so no bare reading
}

TEST_CASE("msgid refs: keeps the newest kMaxReferences") {
  std::string v;
  const std::size_t n = kMaxReferences + 100;
  for (std::size_t k = 0; k < n; ++k) v += "<id" + std::to_string(k) + "@x> ";
  Ids r = parse_msgid_refs(v);
  REQUIRE(r.size() == kMaxReferences);
  CHECK(r.front() == "id100@x");
  CHECK(r.back() == "id" + std::to_string(n - 1) + "@x");
}

TEST_CASE("msgid refs: linear on multi-megabyte hostile values") {
  CHECK(parse_msgid_refs(std::string(4'000'000, '<')).empty());
  CHECK(parse_msgid_refs(std::string(4'000'000, '(')).empty());
  std::string many;
  for (int k = 0; k < 200'000; ++k) many += "(<a@x> ";
  CHECK(parse_msgid_refs(many).size() == kMaxReferences);
  std::string opens(2'000'000, '(');
  CHECK(parse_msgid_refs(opens + ")<a@x>") == Ids{"a@x"});
}
