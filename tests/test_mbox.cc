#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mbox/mbox.hh"

using namespace mlidx;

namespace {
std::vector<std::string> split(std::string_view data) {
  std::vector<std::string> out;
  MboxReader r(data, sniff(data));
  MboxMessage m;
  while (r.next(m)) out.emplace_back(m.raw);
  return out;
}
}  // namespace

TEST_CASE("mbox: git's From-line rule") {
  CHECK(looks_like_from_line("From mboxrd@z Thu Jan  1 00:00:00 1970"));
  CHECK(looks_like_from_line("From 3029b9604cf2b2eaa5f38167f59246e2fa026eb5 Mon Sep 17 00:00:00 2001"));
  CHECK_FALSE(looks_like_from_line("From here on, things get interesting."));
  CHECK_FALSE(looks_like_from_line("From: Someone <a@b.c>"));
  CHECK_FALSE(looks_like_from_line("From the meeting at 10:30 yesterday"));
  CHECK_FALSE(looks_like_from_line("From x Thu Jan  1 00:00:00 19"));  // year <= 90
}

TEST_CASE("mbox: sniffing refuses what is not a mailbox") {
  CHECK(sniff("") == InputKind::Empty);
  CHECK(sniff("From a@b Thu Jan  1 00:00:00 1970\nX: y\n\nbody\n") == InputKind::Mbox);
  CHECK(sniff("Subject: hi\nFrom: a@b\n\nbody\n") == InputKind::SingleMessage);
  CHECK(sniff(std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10)) == InputKind::NotMailbox);
  CHECK(sniff("hello world\nnot a mail\n") == InputKind::NotMailbox);
  CHECK(sniff(std::string(100, '\0')) == InputKind::NotMailbox);
  // The first "From " line is trusted even when it does not look like one
  // (Patchwork's fuzzed test mails start this way).
  CHECK(sniff("From pat016\nSubject: x\n\nbody\n") == InputKind::Mbox);
}

TEST_CASE("mbox: messages split on separators, blank separator line dropped") {
  auto ms = split(
      "From a Thu Jan  1 00:00:00 1970\nSubject: one\n\nbody one\n\n"
      "From b Thu Jan  1 00:00:00 1970\nSubject: two\n\nbody two\n");
  REQUIRE(ms.size() == 2);
  CHECK(ms[0] == "Subject: one\n\nbody one\n");
  CHECK(ms[1] == "Subject: two\n\nbody two\n");
}

TEST_CASE("mbox: a body line starting with From does not split (mboxo)") {
  auto ms = split(
      "From a Thu Jan  1 00:00:00 1970\nSubject: one\n\nhello\n\nFrom here on we differ.\nbye\n\n"
      "From b Thu Jan  1 00:00:00 1970\nSubject: two\n\nx\n");
  REQUIRE(ms.size() == 2);
  CHECK(ms[0].find("From here on we differ.\nbye\n") != std::string::npos);
}

TEST_CASE("mbox: a From_ line that looks real but has no blank line before or header after stays body") {
  auto ms = split(
      "From a Thu Jan  1 00:00:00 1970\nSubject: one\n\nquoted log:\n"
      "From b Thu Jan  1 00:00:00 1970\nplain text continues\n");
  CHECK(ms.size() == 1);
}

TEST_CASE("mbox: >From quoting is undone (mboxrd and mboxo)") {
  auto ms = split(
      "From a Thu Jan  1 00:00:00 1970\nSubject: q\n\n>From the start\n>>From deeper\n> From not quoted\n");
  REQUIRE(ms.size() == 1);
  CHECK(ms[0] == "Subject: q\n\nFrom the start\n>From deeper\n> From not quoted\n");
}

TEST_CASE("mbox: CRLF line ends") {
  auto ms = split(
      "From a Thu Jan  1 00:00:00 1970\r\nSubject: one\r\n\r\nbody\r\n\r\n"
      "From b Thu Jan  1 00:00:00 1970\r\nSubject: two\r\n\r\nbody\r\n");
  REQUIRE(ms.size() == 2);
  CHECK(ms[0] == "Subject: one\r\n\r\nbody\r\n");
}

TEST_CASE("mbox: a single-message file is the whole file") {
  std::string data = "Subject: only\nFrom: a@b.c\n\nFrom x Thu Jan  1 00:00:00 1970\n";
  auto ms = split(data);
  REQUIRE(ms.size() == 1);
  CHECK(ms[0] == data);
}

TEST_CASE("mbox: the last message's start, found from the end as the reader splits") {
  const std::string a = "From a Thu Jan  1 00:00:00 1970\nSubject: a\n\nbody\n";
  const std::string b = "From b Thu Jan  1 00:00:00 1970\nSubject: b\n\nbody\n";
  CHECK(last_message_start(a) == 0);
  CHECK(last_message_start(a + "\n" + b) == a.size() + 1);
  // A "From " line after a blank line starts a message even without a
  // header after it; after a text line it needs one.
  const std::string quoted = "From c Thu Jan  1 00:00:00 1970\nnot a header\n";
  CHECK(last_message_start(a + quoted) == 0);
  CHECK(last_message_start(a + "\n" + quoted) == a.size() + 1);
  CHECK(last_message_start(a + b) == a.size());  // a header line follows
  // The split it finds is the reader's: its last message starts there.
  for (const std::string& d : {a + quoted, a + "\n" + b, a + b + "x\n\n" + quoted}) {
    CAPTURE(d);
    std::size_t last = last_message_start(d);
    MboxReader r(d, InputKind::Mbox);
    MboxMessage m;
    std::size_t start = 0;
    while (r.next(m)) start = m.offset;
    CHECK(start == last);
  }
  CHECK(last_message_start("Subject: no From line\n\nbody\n") == std::string_view::npos);
  CHECK(last_message_start("") == std::string_view::npos);
}
