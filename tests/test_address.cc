// Address lists for From/To/Cc: RFC 5322 3.4 plus what real mail does.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mail/address.hh"

using mlidx::Address;
using mlidx::parse_address_list;
using mlidx::Problems;

namespace {

// "name|email" per address, joined by "; ", so a CHECK prints the whole
// result on failure.
std::string show(const std::vector<Address>& v) {
  std::string out;
  for (const auto& a : v) {
    if (!out.empty()) out += "; ";
    out += a.name + "|" + a.email;
  }
  return out;
}

std::string parse(std::string_view v) {
  Problems p;
  return show(parse_address_list(v, p));
}

// Parses and reports whether a "bad-address" problem was recorded.
bool bad(std::string_view v) {
  Problems p;
  parse_address_list(v, p);
  return p.has("bad-address");
}

}  // namespace

TEST_CASE("address: the common forms") {
  CHECK(parse("Stephen Finucane <stephen@that.guru>") == "Stephen Finucane|stephen@that.guru");
  CHECK(parse("<stephen@that.guru>") == "|stephen@that.guru");
  CHECK(parse("stephen@that.guru") == "|stephen@that.guru");
  CHECK(parse("  stephen@that.guru  ") == "|stephen@that.guru");
  CHECK(parse("\"Last, First\" <a@b.org>") == "Last, First|a@b.org");
  CHECK(parse("a@b.org (First Last)") == "First Last|a@b.org");
  CHECK(parse("Name <a@b.org> (comment)") == "Name|a@b.org");
  CHECK(parse("(Only Comment) <a@b.org>") == "Only Comment|a@b.org");
  CHECK_FALSE(bad("Stephen Finucane <stephen@that.guru>, a@b.org, \"X\" <x@y>"));
}

TEST_CASE("address: lists") {
  CHECK(parse("A <a@x>, \"B, b\" <b@x>,c@x (C)") == "A|a@x; B, b|b@x; C|c@x");
  CHECK(parse("a@x,,b@x,") == "|a@x; |b@x");
  CHECK(parse("a@x;b@x") == "|a@x; |b@x");  // Outlook separator
  CHECK(parse("").empty());
  CHECK(parse("  ").empty());
}

TEST_CASE("address: case and whitespace") {
  CHECK(parse("Foo Bar <Foo.Bar@Example.COM>") == "Foo Bar|Foo.Bar@Example.COM");
  CHECK(parse("  Foo \t  Bar\r\n  < a@b >") == "Foo Bar|a@b");
  CHECK(parse("\"  Foo   Bar  \" <a@b>") == "Foo Bar|a@b");
}

TEST_CASE("address: name equal to the address is dropped") {
  CHECK(parse("a@b.org <a@b.org>") == "|a@b.org");
  CHECK(parse("\"a@b.org\" <a@b.org>") == "|a@b.org");
  CHECK(parse("'A@B.org' <a@b.org>") == "|a@b.org");
  CHECK(parse("\"\" <a@b.org>") == "|a@b.org");
}

TEST_CASE("address: quoted-pair escapes (RFC 5322 3.2.1)") {
  CHECK(parse("\"Joe \\\"the man\\\" Doe\" <j@d>") == "Joe \"the man\" Doe|j@d");
  CHECK(parse("\"back\\\\slash\" <j@d>") == "back\\slash|j@d");
  CHECK(parse("j@d (a \\) paren)") == "a ) paren|j@d");
  CHECK(parse("\"<not@addr>\" <j@d>") == "<not@addr>|j@d");
  CHECK(parse("\"x, y\" <j@d>, z@d") == "x, y|j@d; |z@d");
}

TEST_CASE("address: groups (RFC 5322 3.4)") {
  CHECK(parse("Group: a@b, C <c@d>;") == "|a@b; C|c@d");
  CHECK(parse("undisclosed-recipients:;").empty());
  CHECK(parse("G1: a@b; G2: c@d;, e@f") == "|a@b; |c@d; |e@f");
  CHECK_FALSE(bad("undisclosed-recipients:;"));
  CHECK(parse("\"Re: Foo\" <a@b>") == "Re: Foo|a@b");  // quoted ':' is no group
}

TEST_CASE("address: RFC 2047 names are decoded after splitting") {
  CHECK(parse("=?UTF-8?q?Rafa=C5=82_Mi=C5=82ecki?= <zajec5@gmail.com>") ==
        "Rafa\xc5\x82 Mi\xc5\x82" "ecki|zajec5@gmail.com");
  // A decoded comma does not split the address.
  CHECK(parse("=?utf-8?q?Garg=2C_Vakul?= <vakul@nxp.com>, b@x") == "Garg, Vakul|vakul@nxp.com; |b@x");
  CHECK(parse("=?ISO-8859-1?B?Sm/jbw==?= <j@x>") == "Jo\xc3\xa3o|j@x");
  CHECK(parse("x@y (=?utf-8?q?J=C3=B6rg?=)") == "J\xc3\xb6rg|x@y");
}

TEST_CASE("address: unquoted comma in the name (\"Last, First <a@b>\")") {
  CHECK(parse("Garg, Vakul <vakul.garg@nxp.com>") == "Garg, Vakul|vakul.garg@nxp.com");
  CHECK(parse("a@x, Garg, Vakul <v@nxp.com>, b@x") == "|a@x; Garg, Vakul|v@nxp.com; |b@x");
  CHECK(parse("One, Two, Three <t@x>") == "One, Two, Three|t@x");
  // Without a following <...> the fragment stays a name-less entry.
  CHECK(parse("Garg, v@nxp.com") == "Garg|; |v@nxp.com");
  CHECK(bad("Garg, v@nxp.com"));
}

TEST_CASE("address: no '@' and no <> is a name only, recorded") {
  CHECK(parse("user at host") == "user at host|");
  CHECK(bad("user at host"));
  CHECK(parse("(just a comment)") == "just a comment|");
  CHECK(parse("linux-kernel@vger.kernel.org ( list)") == "list|linux-kernel@vger.kernel.org");
}

TEST_CASE("address: malformed input gives a best effort and a problem") {
  SUBCASE("unclosed quote") {
    CHECK(parse("\"Foo Bar <a@b>") == "Foo Bar|a@b");
    CHECK(bad("\"Foo Bar <a@b>"));
    CHECK(parse("x@y, \"Foo <a@b>, c@d") == "|x@y; Foo|a@b; |c@d");
  }
  SUBCASE("unclosed angle bracket") {
    CHECK(parse("Foo <a@b, c@d") == "Foo|a@b; |c@d");
    CHECK(bad("Foo <a@b"));
    CHECK(parse("Foo <a@b <c@d>") == "Foo|a@b; |c@d");
  }
  SUBCASE("unclosed comment") {
    CHECK(parse("a@b (Name") == "Name|a@b");
    CHECK(bad("a@b (Name"));
  }
  SUBCASE("missing comma between addresses") {
    CHECK(parse("A <a@x> B <b@x>") == "A|a@x; B|b@x");
    CHECK(bad("A <a@x> B <b@x>"));
  }
  SUBCASE("missing brackets") {
    CHECK(parse("Foo Bar foo@bar.org") == "Foo Bar|foo@bar.org");
    CHECK(bad("Foo Bar foo@bar.org"));
  }
  SUBCASE("empty or odd angle-addr") {
    CHECK(parse("n MIPS <>") == "n MIPS|");
    CHECK(bad("n MIPS <>"));
    CHECK(parse("Sen Fane <steom>") == "Sen Fane|steom");
    CHECK(bad("Sen Fane <steom>"));
  }
  SUBCASE("obsolete route is dropped (RFC 5322 4.4)") {
    CHECK(parse("Joe <@relay1,@relay2:joe@x>") == "Joe|joe@x");
  }
  SUBCASE("a stray '>' and 8-bit garbage do not crash") {
    CHECK(parse("foo> <a@b>") == "foo>|a@b");
    Problems p;
    static const char raw[] = "\x7f\xff reg <inuxfoundation.org>,\0 x";
    auto v = parse_address_list(std::string(raw, sizeof raw - 1), p);
    CHECK(v.size() >= 1);
  }
}

TEST_CASE("address: each kind of fault is recorded once per value") {
  Problems p;
  parse_address_list("a, b, c, d, e", p);
  CHECK(p.items().size() == 1);
  CHECK(p.items()[0].kind == "bad-address");
}

TEST_CASE("address: bounded count and linear time on hostile values") {
  std::string many;
  for (int k = 0; k < 12'000; ++k) many += "a" + std::to_string(k) + "@x, ";
  Problems p;
  auto v = parse_address_list(many, p);
  CHECK(v.size() == 10'000);
  CHECK(p.has("too-many-addresses"));

  // Megabytes of openers: each is looked at a bounded number of times.
  Problems q;
  CHECK(parse_address_list(std::string(2'000'000, '"'), q).size() <= 1);
  CHECK(parse_address_list(std::string(2'000'000, '<'), q).size() <= 10'000);
  CHECK(parse_address_list(std::string(2'000'000, '('), q).size() <= 1);
  std::string commas;
  for (int k = 0; k < 300'000; ++k) commas += "w, ";
  CHECK(parse_address_list(commas + "<a@b>", q).size() == 1);
  std::string quotes;
  for (int k = 0; k < 300'000; ++k) quotes += "\"a\" ";
  CHECK(parse_address_list(quotes + "\" <x@y>", q).size() == 1);
}
