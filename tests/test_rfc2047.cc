// RFC 2047 encoded-word decoding of header values (mail/rfc2047).
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "support.hh"
#include "mail/problems.hh"
#include "mail/rfc2047.hh"
#include "util/text.hh"

using namespace mlidx;
using mlidx::test::kHangSeconds;

namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

std::string decode(std::string_view v) {
  Problems p;
  return decode_header_text(v, p);
}

const Problem* find(const Problems& p, std::string_view kind) {
  for (const Problem& x : p.items())
    if (x.kind == kind) return &x;
  return nullptr;
}

}  // namespace

TEST_CASE("RFC 2047 section 8 examples") {
  CHECK(decode("(=?ISO-8859-1?Q?a?=)") == "(a)");
  CHECK(decode("(=?ISO-8859-1?Q?a?= b)") == "(a b)");
  CHECK(decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)") == "(ab)");
  CHECK(decode("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)") == "(ab)");
  CHECK(decode("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)") == "(ab)");
  CHECK(decode("(=?ISO-8859-1?Q?a_b?=)") == "(a b)");
  CHECK(decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)") == "(a b)");
  CHECK(decode("(=?ISO-8859-1?Q?a?=  b)") == "(a  b)");
  CHECK(decode("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>") ==
        "Keith Moore <moore@cs.utk.edu>");
  CHECK(decode("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>") ==
        "Andr\xC3\xA9 Pirard <PIRARD@vm1.ulg.ac.be>");
  CHECK(decode("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
               "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=") ==
        "If you can read this you understand the example.");
}

TEST_CASE("text without encoded words is returned as is") {
  Problems p;
  CHECK(decode_header_text("", p).empty());
  CHECK(decode_header_text("Re: plain subject", p) == "Re: plain subject");
  CHECK(decode_header_text("a =? b ?= c", p) == "a =? b ?= c");
  CHECK(decode_header_text("what =?", p) == "what =?");
  CHECK(p.empty());
}

TEST_CASE("B and Q, either case, RFC 2231 language suffix") {
  CHECK(decode("=?utf-8?q?J=C3=B6rg?=") == "J\xC3\xB6rg");
  CHECK(decode("=?UTF-8?Q?J=c3=b6rg?=") == "J\xC3\xB6rg");  // lowercase hex
  CHECK(decode("=?iso-8859-1?b?SvZyZw==?=") == "J\xC3\xB6rg");
  CHECK(decode("=?US-ASCII*EN?Q?Keith_Moore?=") == "Keith Moore");
  CHECK(decode("=?iso-8859-1*de?Q?J=F6rg?=") == "J\xC3\xB6rg");
  CHECK(decode("=?koi8-r?B?8NLJ18XU?=") ==
        "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Привет
}

TEST_CASE("tolerant base64 and Q") {
  CHECK(decode("=?utf-8?B?QUJD?=") == "ABC");
  CHECK(decode("=?utf-8?B?QUI?=") == "AB");     // padding missing
  CHECK(decode("=?utf-8?B?QU*J D?=") == "ABC");  // junk skipped
  CHECK(decode("=?utf-8?B?QQ==QkM=?=") == "ABC");  // glued padded chunks
  CHECK(decode("=?utf-8?Q?100=_sure=2?=") == "100= sure=2");  // '=' kept
}

TEST_CASE("a character split across adjacent words survives") {
  // U+20AC is E2 82 AC; each word alone is invalid UTF-8.
  CHECK(decode("=?utf-8?B?4oI=?= =?utf-8?B?rA==?=") == "\xE2\x82\xAC");
  CHECK(decode("=?utf-8?q?=E2=82?= =?UTF-8?Q?=AC?=") == "\xE2\x82\xAC");
  Problems p;
  CHECK(decode_header_text("=?UTF-8?B?5pel5g==?=\r\n =?UTF-8?B?nKzoqp4=?=", p) ==
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");  // 日本語
  CHECK(p.empty());
}

TEST_CASE("adjacent words in different charsets are converted separately") {
  CHECK(decode("=?iso-8859-1?q?=E9?= =?koi8-r?q?=F0?=") == "\xC3\xA9\xD0\x9F");
  CHECK(decode("=?utf-8?q?a?= x =?utf-8?q?b?=") == "a x b");
}

TEST_CASE("encoded words glued to text or inside quotes are decoded") {
  CHECK(decode("foo=?utf-8?q?x?=bar") == "fooxbar");
  CHECK(decode("\"=?utf-8?q?J=C3=B6rg?=\" <j@example.org>") ==
        "\"J\xC3\xB6rg\" <j@example.org>");
  CHECK(decode("=?utf-8?q?a?==?utf-8?q?b?=") == "ab");
}

TEST_CASE("malformed encoded words are kept and recorded") {
  Problems p;
  CHECK(decode_header_text("x =?utf-8?q?unterminated", p) == "x =?utf-8?q?unterminated");
  REQUIRE(find(p, "bad-encoded-word"));
  CHECK(find(p, "bad-encoded-word")->detail.find("unterminated") != std::string::npos);

  Problems p2;
  CHECK(decode_header_text("=?utf-8?x?abc?=", p2) == "=?utf-8?x?abc?=");
  CHECK(p2.has("bad-encoded-word"));

  Problems p3;
  CHECK(decode_header_text("=?utf-8?q?a?= =?utf-8?z?b?= =?utf-8?q?c?=", p3) ==
        "a =?utf-8?z?b?= c");
  CHECK(p3.has("bad-encoded-word"));
}

TEST_CASE("raw 8-bit header text") {
  Problems ok;
  CHECK(decode_header_text("caf\xC3\xA9 =?utf-8?q?x?=", ok) == "caf\xC3\xA9 x");
  CHECK(ok.empty());

  Problems bad;
  CHECK(decode_header_text("caf\xE9 =?utf-8?q?x?=", bad) == "caf" + kFFFD + " x");
  CHECK(bad.has("8bit-header"));
}

TEST_CASE("charset problems") {
  Problems p;
  CHECK(decode_header_text("=?x-no-such-charset?q?caf=C3=A9?=", p) == "caf\xC3\xA9");
  REQUIRE(find(p, "unknown-charset"));
  CHECK(find(p, "unknown-charset")->detail == "x-no-such-charset");

  Problems q;
  CHECK(decode_header_text("=?utf-8?q?a=FFb?=", q) == "a" + kFFFD + "b");
  CHECK(q.has("bad-charset"));
  CHECK_FALSE(q.has("unknown-charset"));
}

TEST_CASE("NUL and C0 controls become U+FFFD") {
  CHECK(decode("=?utf-8?q?a=00b?=") == "a" + kFFFD + "b");
  CHECK(decode("=?utf-8?q?a=0D=0Ab?=") == "a" + kFFFD + kFFFD + "b");
  CHECK(decode(std::string("raw\0nul", 7)) == "raw" + kFFFD + "nul");
  CHECK(decode("=?utf-8?B?YQli?=") == "a\tb");  // TAB is kept
}

TEST_CASE("result is always valid UTF-8") {
  for (std::string v : {std::string("\xFF\xFE=?utf-8?b?/w==?="),
                        std::string("=?utf-8?q?=C3?= tail\xC3"),
                        std::string("=?shift_jis?q?=93?=")})
    CHECK(is_valid_utf8(decode(v)));
}

TEST_CASE("megabyte values decode in linear time") {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();

  std::string words;
  while (words.size() < (1u << 20)) words += "=?utf-8?q?caf=C3=A9?= ";
  std::string out = decode(words);
  // "café" per word: the spaces between words are dropped, the last one kept.
  CHECK(out.size() == 5 * (words.size() / 22) + 1);

  std::string mixed;
  while (mixed.size() < (1u << 20)) mixed += "x =?iso-8859-1?B?6Q==?= y ";
  CHECK(decode(mixed).find("x \xC3\xA9 y") == 0);

  // Worst cases for the scanner: many word starts that never close.
  Problems p;
  std::string hostile;
  while (hostile.size() < (1u << 20)) hostile += "=?a?q?";
  CHECK(decode_header_text(hostile, p) == hostile);
  CHECK(p.items().size() == 1);  // one report per value, not per word
  std::string opens(1u << 20, '=');
  for (std::size_t i = 1; i < opens.size(); i += 2) opens[i] = '?';
  CHECK(decode(opens) == opens);
  std::string unclosed = "=?utf-8?q?" + std::string(1u << 20, 'x');
  CHECK(decode(unclosed) == unclosed);

  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  CHECK(ms.count() < kHangSeconds * 1000);
}
