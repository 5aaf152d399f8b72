// Date parsing: RFC 5322 3.3, the obsolete forms of 4.3, and what broken
// mailers and fuzzers put in Date.
#include <doctest/doctest.h>

#include <string>

#include "mail/date.hh"

using mlidx::format_utc;
using mlidx::parse_date;

namespace {

// "" when the value is rejected, so CHECK shows both sides on failure.
std::string utc(std::string_view v) {
  auto t = parse_date(v);
  return t ? format_utc(*t) : std::string();
}

}  // namespace

TEST_CASE("date: RFC 5322 3.3 canonical form") {
  CHECK(utc("Thu, 31 Aug 2017 17:17:25 -0400") == "2017-08-31T21:17:25");
  CHECK(utc("Sun, 11 Sep 2016 23:22:02 +0100") == "2016-09-11T22:22:02");
  CHECK(utc("Mon, 1 Jan 2018 00:00:00 +0000") == "2018-01-01T00:00:00");
  CHECK(parse_date("Thu, 01 Jan 1970 00:00:00 +0000") == 0);
}

TEST_CASE("date: zone offsets cross day, month and year boundaries") {
  CHECK(utc("Fri,  1 Sep 2017 07:19:31 +1000 (AEST)") == "2017-08-31T21:19:31");
  CHECK(utc("Sat, 31 Dec 2016 23:30:00 -0130") == "2017-01-01T01:00:00");
  CHECK(utc("Tue, 1 Mar 2016 00:10:00 +0100") == "2016-02-29T23:10:00");
  CHECK(utc("1 Jan 2020 05:00:00 +0530") == "2019-12-31T23:30:00");
}

TEST_CASE("date: optional parts and obsolete syntax (RFC 5322 4.3)") {
  SUBCASE("no day of week") { CHECK(utc("31 Aug 2017 17:17:25 -0400") == "2017-08-31T21:17:25"); }
  SUBCASE("full day name, no comma") {
    CHECK(utc("Thursday 31 Aug 2017 17:17:25 -0400") == "2017-08-31T21:17:25");
    CHECK(utc("Thu 31 Aug 2017 17:17:25 -0400") == "2017-08-31T21:17:25");
  }
  SUBCASE("month names in any case, full") {
    CHECK(utc("31 AUG 2017 17:17:25 +0000") == "2017-08-31T17:17:25");
    CHECK(utc("31 august 2017 17:17:25 +0000") == "2017-08-31T17:17:25");
    CHECK(utc("30 Sept 2017 17:17:25 +0000") == "2017-09-30T17:17:25");
  }
  SUBCASE("any word followed by a comma is a (misspelt) day of week") {
    CHECK(utc("on, 05 Dec 2011 16:49:35 -0800") == "2011-12-06T00:49:35");
  }
  SUBCASE("no seconds") { CHECK(utc("Mon, 5 Dec 2011 9:35 -0800") == "2011-12-05T17:35:00"); }
  SUBCASE("two-digit years") {
    CHECK(utc("26 Mar 26 22:08:49 -0400") == "2026-03-27T02:08:49");
    CHECK(utc("Fri, 13 Mar 98 10:00:00 +0000") == "1998-03-13T10:00:00");
    CHECK(utc("1 Jan 49 00:00:00 +0000") == "2049-01-01T00:00:00");
  }
  SUBCASE("three-digit year is +1900") { CHECK(utc("1 Jan 117 10:00:00 +0000") == "2017-01-01T10:00:00"); }
  SUBCASE("dots for colons, extra space, glued zone") {
    CHECK(utc("Mon,  5 Dec 2011   16.49.35   -0800") == "2011-12-06T00:49:35");
    CHECK(utc(",  1 Jun 2016 22:00:54+0200") == "2016-06-01T20:00:54");
    CHECK(utc("\t Mon, 05 Dec 2011 16:49:35 -0800 \r\n") == "2011-12-06T00:49:35");
  }
  SUBCASE("day-month-year with dashes") { CHECK(utc("05-Dec-2011 16:49:35 -0800") == "2011-12-06T00:49:35"); }
  SUBCASE("missing zone is UTC") { CHECK(utc("Mon, 05 Dec 2011 16:49:35") == "2011-12-05T16:49:35"); }
  SUBCASE("leap second") { CHECK(utc("31 Dec 2016 23:59:60 +0000") == "2017-01-01T00:00:00"); }
}

TEST_CASE("date: two-digit year 50..99 is 19xx, so before 1970 it is rejected") {
  // RFC 5322 4.3 maps 50 to 1950; the archive does not accept pre-1970.
  CHECK_FALSE(parse_date("1 Jan 50 00:00:00 +0000"));
  CHECK(utc("1 Jan 70 00:00:00 +0000") == "1970-01-01T00:00:00");
}

TEST_CASE("date: zone names") {
  struct Z {
    const char* zone;
    const char* expect;  // for 12:00:00 local on 2017-06-15
  };
  const Z zones[] = {
      {"UT", "2017-06-15T12:00:00"},   {"UTC", "2017-06-15T12:00:00"},
      {"GMT", "2017-06-15T12:00:00"},  {"Z", "2017-06-15T12:00:00"},
      {"EST", "2017-06-15T17:00:00"},  {"EDT", "2017-06-15T16:00:00"},
      {"CST", "2017-06-15T18:00:00"},  {"CDT", "2017-06-15T17:00:00"},
      {"MST", "2017-06-15T19:00:00"},  {"MDT", "2017-06-15T18:00:00"},
      {"PST", "2017-06-15T20:00:00"},  {"PDT", "2017-06-15T19:00:00"},
      {"CET", "2017-06-15T11:00:00"},  {"CEST", "2017-06-15T10:00:00"},
      {"BST", "2017-06-15T11:00:00"},  {"JST", "2017-06-15T03:00:00"},
      {"IST", "2017-06-15T06:30:00"},  {"pdt", "2017-06-15T19:00:00"},
      {"AEST", "2017-06-15T02:00:00"}, {"MSK", "2017-06-15T09:00:00"},
  };
  for (const auto& z : zones) {
    std::string v = std::string("Thu, 15 Jun 2017 12:00:00 ") + z.zone;
    CAPTURE(v);
    CHECK(utc(v) == z.expect);
  }
  SUBCASE("unknown and military names are -0000, i.e. UTC (RFC 5322 4.3)") {
    CHECK(utc("Thu, 15 Jun 2017 12:00:00 XYZT") == "2017-06-15T12:00:00");
    CHECK(utc("Thu, 15 Jun 2017 12:00:00 A") == "2017-06-15T12:00:00");
  }
}

TEST_CASE("date: comments and words after the zone") {
  CHECK(utc("Wed, 9 Apr 2019 06:35:05 -0700 (PDT)") == "2019-04-09T13:35:05");
  CHECK(utc("Wed, 9 Apr 2019 15:35:05 +0200 (CEST)") == "2019-04-09T13:35:05");
  CHECK(utc("Wed, 9 Apr 2019 06:35:05 -0700 PDT") == "2019-04-09T13:35:05");
  CHECK(utc("(sent) Wed, 9 Apr 2019 06:35:05 (local (nested)) -0700") == "2019-04-09T13:35:05");
}

TEST_CASE("date: asctime and date(1) forms") {
  CHECK(utc("Thu Mar 27 02:08:49 2026 +0000") == "2026-03-27T02:08:49");
  CHECK(utc("Thu Mar 27 02:08:49 2026") == "2026-03-27T02:08:49");
  CHECK(utc("Thu Mar 27 02:08:49 CET 2026") == "2026-03-27T01:08:49");
  CHECK(utc("Mar 27 02:08:49 2026 -0100") == "2026-03-27T03:08:49");
}

TEST_CASE("date: ISO 8601") {
  CHECK(utc("2019-04-26T04:32:39Z") == "2019-04-26T04:32:39");
  CHECK(utc("2019-04-26 04:32:39 +0200") == "2019-04-26T02:32:39");
  CHECK(utc("2019-04-26T04:32:39.123+02:00") == "2019-04-26T02:32:39");
  CHECK(utc("2019-04-26T04:32-0130") == "2019-04-26T06:02:00");
}

TEST_CASE("date: calendar limits") {
  CHECK(utc("29 Feb 2000 12:00:00 +0000") == "2000-02-29T12:00:00");  // /400: leap
  CHECK(utc("29 Feb 2024 12:00:00 +0000") == "2024-02-29T12:00:00");
  CHECK_FALSE(parse_date("29 Feb 2100 12:00:00 +0000"));  // /100: not leap
  CHECK_FALSE(parse_date("29 Feb 2019 12:00:00 +0000"));
  CHECK_FALSE(parse_date("31 Apr 2019 12:00:00 +0000"));
  CHECK_FALSE(parse_date("2019-02-30T00:00:00Z"));
  CHECK(utc("31 Dec 9999 23:59:59 +0000") == "9999-12-31T23:59:59");
  CHECK(utc("1 Jan 1970 00:00:00 +0000") == "1970-01-01T00:00:00");
}

TEST_CASE("date: out-of-range fields are rejected, not clamped") {
  CHECK_FALSE(parse_date("32 Jan 2017 10:00:00 +0000"));
  CHECK_FALSE(parse_date("0 Jan 2017 10:00:00 +0000"));
  CHECK_FALSE(parse_date("1 Jan 2017 25:00:00 +0000"));
  CHECK_FALSE(parse_date("1 Jan 2017 24:00:00 +0000"));
  CHECK_FALSE(parse_date("1 Jan 2017 10:60:00 +0000"));
  CHECK_FALSE(parse_date("1 Jan 2017 10:00:61 +0000"));
  CHECK_FALSE(parse_date("2017-13-01T10:00:00Z"));
  CHECK_FALSE(parse_date("1 Jan 1969 10:00:00 +0000"));
  CHECK_FALSE(parse_date("1 Jan 10000 10:00:00 +0000"));
  CHECK_FALSE(parse_date("1 Jan 2017 10:00:00 +2500"));
  CHECK_FALSE(parse_date("1 Jan 2017 10:00:00 +0075"));
}

TEST_CASE("date: garbage gives nullopt") {
  CHECK_FALSE(parse_date(""));
  CHECK_FALSE(parse_date("   "));
  CHECK_FALSE(parse_date("Wg>"));
  CHECK_FALSE(parse_date("yesterday"));
  CHECK_FALSE(parse_date("Foo, 1 Jan 2017"));  // no time
  CHECK_FALSE(parse_date("Foo 1 Jan 2017 10:00 +0000"));  // not a day name
  CHECK_FALSE(parse_date("1 Jan 2017"));            // no time
  CHECK_FALSE(parse_date("1 Foo 2017 10:00 +0000"));  // no month
  CHECK_FALSE(parse_date("on, 9:35 -0800"));
  CHECK_FALSE(parse_date("Wed, 4 Jun 2014 17:50:\x80\xff\xff\xff"));
  CHECK_FALSE(parse_date("1 Jan 2017 10:00:00 +0000 trailing junk"));
  CHECK_FALSE(parse_date("1 Jan 2017 10:00:00 +0000 \x1d"));
  CHECK_FALSE(parse_date(",  1 Jun 2016 22:00:54\x1d+0200"));
  CHECK_FALSE(parse_date("(\\"));  // quoted-pair cut by the end of the value
  CHECK_FALSE(parse_date("Mon, (\\"));
}

TEST_CASE("date: hostile values from the Patchwork fuzz corpus") {
  CHECK_FALSE(parse_date(", 11 Sep 2016 23:22:904070804030804 +0100"));
  CHECK_FALSE(parse_date(", 11 Sep 2016 23:20407080403080105:04 +0100"));
  CHECK_FALSE(parse_date("Wed, 4 Jun 207777777777777777777714 17:50:46 0"));
  CHECK_FALSE(parse_date("Wed, 4 Jun 2014 17:50:46 0"));  // zone without sign
  CHECK_FALSE(parse_date("1 Jan 99999999999999999999 10:00 +0000"));
  CHECK_FALSE(parse_date("99999999999999999999 Jan 2017 10:00 +0000"));
}

TEST_CASE("date: long values are rejected quickly") {
  std::string digits(5'000'000, '9');
  CHECK_FALSE(parse_date(digits));
  std::string comment = "1 Jan 2017 10:00:00 +0000 (" + std::string(150, 'x') + ")";
  CHECK(utc(comment) == "2017-01-01T10:00:00");  // long but still a date
  std::string open_parens(100'000, '(');
  CHECK_FALSE(parse_date(open_parens));
}

TEST_CASE("format_utc") {
  CHECK(format_utc(0) == "1970-01-01T00:00:00");
  CHECK(format_utc(951782400) == "2000-02-29T00:00:00");
  CHECK(format_utc(253402300799) == "9999-12-31T23:59:59");
  CHECK(format_utc(-1) == "1969-12-31T23:59:59");
  CHECK(format_utc(1504199845) == "2017-08-31T17:17:25");
  CHECK(format_utc(1041379199) == "2002-12-31T23:59:59");
  // Outside the four-digit years: printed in full, not wrapped.
  CHECK(format_utc(253402300800) == "10000-01-01T00:00:00");
  CHECK(format_utc(-62167219201) == "-001-12-31T23:59:59");
}
