// Inputs found by the fuzz targets in fuzz/ (./dev fuzz), minimised, with the
// behaviour that was wrong.
#include <doctest/doctest.h>

#include "mail/date.hh"
#include "mail/message.hh"

using namespace mlidx;

// fuzz_mime: the id was repaired to U+FFFD for messages.msgid but compared
// with the raw "\xff" of In-Reply-To, so the mail became its own parent.
TEST_CASE("fuzz regression: a self-reference with invalid UTF-8 is still a self-reference") {
  Mail m = parse_mail("Message-Id:\xff\nIn-Reply-To:<\xff>");
  CHECK(m.msgid == "\xEF\xBF\xBD");
  CHECK(m.in_reply_to.empty());
  CHECK(m.references.empty());

  Mail r = parse_mail("Message-ID: <a\xff@x>\nReferences: <p@x> <a\xff@x>\n\n");
  CHECK(r.msgid == "a\xEF\xBF\xBD@x");
  CHECK(r.in_reply_to == "p@x");
  REQUIRE(r.references.size() == 1);
  CHECK(r.references[0] == "p@x");
}

// fuzz_mime's date invariant: 9999-12-31 in a zone west of UTC was year
// 10000 in UTC, stored as "10000-01-01T11:59:59".
TEST_CASE("fuzz regression: a zone cannot carry a date past year 9999") {
  CHECK_FALSE(parse_date("Fri, 31 Dec 9999 23:59:59 -1200"));
  CHECK_FALSE(parse_date("Fri, 31 Dec 9999 23:00:00 -0100"));
  REQUIRE(parse_date("Fri, 31 Dec 9999 11:59:59 -1200"));
  CHECK(format_utc(*parse_date("Fri, 31 Dec 9999 11:59:59 -1200")) == "9999-12-31T23:59:59");

  Mail m = parse_mail("Message-ID: <a@x>\nDate: Fri, 31 Dec 9999 23:59:59 -1200\n\nx\n");
  CHECK(m.date.empty());
  CHECK(m.problems.has("bad-date"));
}
