// UTF-8 helpers (util/text), charset conversion (util/charset) and the
// Problems list (mail/problems).
#include <doctest/doctest.h>

#include <string>

#include "mail/problems.hh"
#include "util/charset.hh"
#include "util/text.hh"

using namespace mlidx;

namespace {
const std::string kFFFD = "\xEF\xBF\xBD";
}

TEST_CASE("is_valid_utf8 accepts well-formed text") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xC3\xA9"));
  CHECK(is_valid_utf8("\xE2\x82\xAC"));           // U+20AC
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));       // U+1F600
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));       // U+10FFFF
  CHECK(is_valid_utf8(std::string("a\0b", 3)));   // NUL is valid UTF-8
}

TEST_CASE("is_valid_utf8 rejects overlongs, surrogates, truncation") {
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xC1\xBF"));
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong 3-byte
  CHECK_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong 4-byte
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800 surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));          // truncated at end
  CHECK_FALSE(is_valid_utf8("\xE2\x82" "A"));      // truncated mid-text
  CHECK_FALSE(is_valid_utf8("\x80"));              // stray continuation
  CHECK_FALSE(is_valid_utf8("caf\xE9"));           // latin-1
}

TEST_CASE("repair_utf8 replaces each bad byte with one U+FFFD") {
  CHECK(repair_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(repair_utf8("x\xFFy") == "x" + kFFFD + "y");
  CHECK(repair_utf8("a\xE2\x82") == "a" + kFFFD + kFFFD);
  CHECK(repair_utf8("\xE2\x82" "A") == kFFFD + kFFFD + "A");
  CHECK(repair_utf8("\xC0\xAF") == kFFFD + kFFFD);
  CHECK(repair_utf8("\xED\xA0\x80!") == kFFFD + kFFFD + kFFFD + "!");
  // A valid character right after a bad byte is kept.
  CHECK(repair_utf8("\xE9\xC3\xA9") == kFFFD + "\xC3\xA9");
  CHECK(is_valid_utf8(repair_utf8("\xF0\x9F\x98")));

  std::string out = "pre:";
  CHECK(append_repaired_utf8(out, "a\x80\x81" "b") == 2);
  CHECK(out == "pre:a" + kFFFD + kFFFD + "b");
}

TEST_CASE("utf8_prefix_len never splits a character") {
  std::string s = "ab\xE2\x82\xAC" "cd";  // "ab€cd"
  CHECK(utf8_prefix_len(s, 100) == s.size());
  CHECK(utf8_prefix_len(s, 2) == 2);
  CHECK(utf8_prefix_len(s, 3) == 2);
  CHECK(utf8_prefix_len(s, 4) == 2);
  CHECK(utf8_prefix_len(s, 5) == 5);
}

TEST_CASE("replace_controls keeps TAB and replaces other C0 controls") {
  CHECK(replace_controls(std::string("a\0b", 3)) == "a" + kFFFD + "b");
  CHECK(replace_controls("a\tb") == "a\tb");
  CHECK(replace_controls("a\r\nb\x1B") == "a" + kFFFD + kFFFD + "b" + kFFFD);
  CHECK(replace_controls("caf\xC3\xA9") == "caf\xC3\xA9");
}

TEST_CASE("trim, iequals, istarts_with, to_lower") {
  CHECK(trim("  \t a b \r\n") == "a b");
  CHECK(trim("   ").empty());
  CHECK(iequals("UTF-8", "utf-8"));
  CHECK_FALSE(iequals("utf-8", "utf-16"));
  CHECK_FALSE(iequals("utf8", "utf-8"));
  CHECK(istarts_with("Content-Type", "content-"));
  CHECK_FALSE(istarts_with("Con", "content-"));
  CHECK(to_lower("ISO-8859-1 \xC3\x89") == "iso-8859-1 \xC3\x89");  // ASCII only
}

TEST_CASE("to_utf8: UTF-8 and empty charset validate and repair") {
  CHECK(to_utf8("caf\xC3\xA9", "").text == "caf\xC3\xA9");
  CHECK(to_utf8("caf\xC3\xA9", "UTF8").text == "caf\xC3\xA9");
  Converted c = to_utf8("a\xC0\xAF" "b", "utf-8");
  CHECK(c.text == "a" + kFFFD + kFFFD + "b");
  CHECK(c.invalid_bytes);
  CHECK_FALSE(c.unknown_charset);
  CHECK_FALSE(to_utf8("ok", "utf-8").invalid_bytes);
}

TEST_CASE("to_utf8: labels with quotes, junk and *lang are cleaned") {
  CHECK(to_utf8("\xC3\xA9", "\"utf-8\"").text == "\xC3\xA9");
  CHECK(to_utf8("\xC3\xA9", " UTF-8; format=flowed").text == "\xC3\xA9");
  CHECK(to_utf8("\xE9", "iso-8859-1*en").text == "\xC3\xA9");
  CHECK_FALSE(to_utf8("\xE9", "'ISO-8859-1'").unknown_charset);
}

TEST_CASE("to_utf8: iso-8859-1 and windows-1252") {
  CHECK(to_utf8("caf\xE9", "ISO-8859-1").text == "caf\xC3\xA9");
  CHECK(to_utf8("caf\xE9", "latin1").text == "caf\xC3\xA9");
  // Mail labelled latin-1 is windows-1252 in practice: 0x80 is the euro sign.
  CHECK(to_utf8("\x80", "iso-8859-1").text == "\xE2\x82\xAC");
  CHECK(to_utf8("\x93hi\x94", "windows-1252").text ==
        "\xE2\x80\x9Chi\xE2\x80\x9D");
  // Bytes windows-1252 leaves undefined keep their ISO-8859-1 meaning.
  Converted c = to_utf8("\x81", "cp1252");
  CHECK(c.text == "\xC2\x81");
  CHECK_FALSE(c.invalid_bytes);
}

TEST_CASE("to_utf8: us-ascii with 8-bit bytes is read leniently") {
  CHECK(to_utf8("plain", "us-ascii").text == "plain");
  // A modern mailer that forgot the label: valid UTF-8 is kept.
  CHECK(to_utf8("caf\xC3\xA9", "us-ascii").text == "caf\xC3\xA9");
  // An old one: not UTF-8, so windows-1252.
  CHECK(to_utf8("caf\xE9", "US-ASCII").text == "caf\xC3\xA9");
  CHECK(to_utf8("caf\xE9", "ANSI_X3.4-1968").text == "caf\xC3\xA9");
  CHECK(to_utf8("caf\xE9", "unknown-8bit").text == "caf\xC3\xA9");
  CHECK(to_utf8("caf\xE9", "x-unknown").text == "caf\xC3\xA9");
  CHECK(to_utf8("caf\xE9", "8bit").text == "caf\xC3\xA9");
  CHECK_FALSE(to_utf8("caf\xE9", "unknown-8bit").unknown_charset);
}

TEST_CASE("to_utf8: iconv charsets") {
  CHECK(to_utf8("\xF0\xD2\xC9\xD7\xC5\xD4", "koi8-r").text ==
        "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Привет
  CHECK(to_utf8("\x93\xFA\x96\x7B", "Shift_JIS").text ==
        "\xE6\x97\xA5\xE6\x9C\xAC");  // 日本
  CHECK(to_utf8("\xD6\xD0\xCE\xC4", "gb2312").text ==
        "\xE4\xB8\xAD\xE6\x96\x87");  // 中文
  CHECK(to_utf8("\xC7\xD1\xB1\xDB", "ks_c_5601-1987").text ==
        "\xED\x95\x9C\xEA\xB8\x80");  // 한글
  CHECK(to_utf8("\x82", "cp-850").text == "\xC3\xA9");                  // typo
  CHECK(to_utf8("\xE0", "iso-8859-8-i").text == "\xD7\x90");            // alef
  CHECK(to_utf8("\x86", "x-mac-cyrillic").text == "\xD0\x96");          // Zhe
  CHECK(to_utf8("\x1B$B$3$s\x1B(B", "iso-2022-jp").text ==
        "\xE3\x81\x93\xE3\x82\x93");  // こん
}

TEST_CASE("to_utf8: shift state does not leak between calls") {
  // Ends inside a JIS X 0208 shift; the next call must start in ASCII.
  to_utf8("\x1B$B$3", "iso-2022-jp");
  CHECK(to_utf8("ab", "iso-2022-jp").text == "ab");
}

TEST_CASE("to_utf8: invalid bytes become U+FFFD and conversion goes on") {
  Converted c = to_utf8("a\xFF" "b\xE0", "iso-8859-8");  // 0xFF undefined
  CHECK(c.text == "a" + kFFFD + "b\xD7\x90");
  CHECK(c.invalid_bytes);
  Converted t = to_utf8("\x93\xFA\x93", "shift_jis");  // truncated at end
  CHECK(t.text == "\xE6\x97\xA5" + kFFFD);
  CHECK(t.invalid_bytes);
  CHECK_FALSE(to_utf8("\x93\xFA", "shift_jis").invalid_bytes);
}

TEST_CASE("to_utf8: unknown charset reads bytes as UTF-8") {
  Converted c = to_utf8("caf\xC3\xA9 \xFF", "x-no-such-charset");
  CHECK(c.unknown_charset);
  CHECK(c.text == "caf\xC3\xA9 " + kFFFD);
  CHECK(c.invalid_bytes);
  // Many distinct bogus names overflow the converter cache; real charsets
  // still convert afterwards.
  for (int i = 0; i < 100; ++i)
    CHECK(to_utf8("x", "bogus-" + std::to_string(i)).unknown_charset);
  CHECK(to_utf8("\xF0", "koi8-r").text == "\xD0\x9F");
  CHECK(to_utf8("\xE9", "iso-8859-2").text == "\xC3\xA9");
}

TEST_CASE("Problems: add, has, detail repair and cap") {
  Problems p;
  CHECK(p.empty());
  p.add("bad-date", "caf\xE9");
  CHECK(p.has("bad-date"));
  CHECK_FALSE(p.has("no-msgid"));
  CHECK(p.items()[0].detail == "caf" + kFFFD);
  p.add("long", std::string(10000, 'x') + "\xE2\x82\xAC");
  const std::string& d = p.items()[1].detail;
  CHECK(d.size() <= Problems::kMaxDetailBytes + 3);
  CHECK(d.size() >= Problems::kMaxDetailBytes);
  CHECK(is_valid_utf8(d));
}

TEST_CASE("Problems: hostile mail cannot grow the list without bound") {
  Problems p;
  for (int i = 0; i < 1000; ++i) p.add("8bit-header", "x" + std::to_string(i));
  p.add("no-msgid", "late");
  CHECK(p.items().size() == Problems::kMaxItems + 1);
  CHECK(p.items().back().kind == "too-many-problems");
  CHECK(p.items().back().detail.find("937") != std::string::npos);
  CHECK(p.has("no-msgid"));  // counted, not kept, but still answered
}

TEST_CASE("Problems: the same fault met twice is one problem; details name the field") {
  Problems p;
  p.add("bad-charset", "UTF-8");
  p.add("bad-charset", "UTF-8");
  CHECK(p.items().size() == 1);
  p.prefix_details_from(0, "To: ");
  std::size_t first = p.size();
  p.add("bad-charset", "UTF-8");
  p.add("unknown-charset", std::string("u\0d", 3));  // NUL from the header bytes
  p.add("unknown-charset", std::string("u\0d", 3));
  p.prefix_details_from(first, "Cc: ");
  REQUIRE(p.items().size() == 3);
  CHECK(p.items()[0].detail == "To: UTF-8");
  CHECK(p.items()[1].detail == "Cc: UTF-8");
  CHECK(p.items()[2].detail == "Cc: u\xEF\xBF\xBD" "d");
  first = p.size();
  p.add("bad-charset", "UTF-8");  // decoded again for the address list
  p.prefix_details_from(first, "Cc: ");
  CHECK(p.items().size() == 3);
}

TEST_CASE("utf8_length counts code points, as SQL's length() does") {
  CHECK(mlidx::utf8_length("") == 0);
  CHECK(mlidx::utf8_length("abc") == 3);
  CHECK(mlidx::utf8_length("caf\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80") == 7);
}
