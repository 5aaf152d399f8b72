// parse_subject: Patchwork's clean_subject / subject_check /
// parse_series_marker / parse_version, checked against Patchwork's own test
// cases (patchwork/tests/test_parser.py: SubjectTest), names Patchwork stored
// for linuxppc-dev, and hostile input.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support.hh"
#include "patch/subject.hh"

using mlidx::parse_subject;
using mlidx::SubjectInfo;
using mlidx::test::kHangSeconds;
using Tokens = std::vector<std::string>;

namespace {

SubjectInfo ps(std::string_view s, std::string_view list = "") { return parse_subject(s, list); }

std::string name_of(std::string_view s, std::string_view list = "") { return ps(s, list).name; }

}  // namespace

TEST_CASE("subject: seed examples") {
  SUBCASE("numbered patch with version") {
    auto si = ps("[PATCH v3 07/24] mm: thp: retry on split failure in change_pmd_range()",
                 "linuxppc-dev");
    CHECK(si.name == "[v3,07/24] mm: thp: retry on split failure in change_pmd_range()");
    CHECK(si.prefixes == Tokens{"v3", "07/24"});
    CHECK(si.version == 3);
    CHECK(si.number == 7);
    CHECK(si.total == 24);
    CHECK_FALSE(si.is_reply);
    CHECK(si.title == "mm: thp: retry on split failure in change_pmd_range()");
    CHECK(si.deviations.empty());
  }
  SUBCASE("cover letter with a bare trailing v2 (not a version)") {
    auto si = ps("[PATCH 00/13] mmu_notifier kill invalidate_page callback v2", "linuxppc-dev");
    CHECK(si.name == "[00/13] mmu_notifier kill invalidate_page callback v2");
    CHECK(si.prefixes == Tokens{"00/13"});
    CHECK(si.version == 1);
    CHECK(si.number == 0);
    CHECK(si.total == 13);
    CHECK(si.title == "mmu_notifier kill invalidate_page callback v2");
  }
  SUBCASE("no space after the bracket (seen in linuxppc-dev)") {
    auto si = ps("[PATCH]powerpc/mobility: Serialize PRRN and LPM", "linuxppc-dev");
    CHECK(si.name == "powerpc/mobility: Serialize PRRN and LPM");
    CHECK(si.prefixes.empty());
    CHECK(si.number == 0);
    CHECK(si.total == 0);
  }
}

// patchwork/tests/test_parser.py SubjectTest.test_clean_subject
TEST_CASE("subject: Patchwork clean_subject cases") {
  struct Case {
    const char* in;
    const char* drop;
    const char* name;
    Tokens prefixes;
  };
  const std::vector<Case> cases = {
      {"meep", "", "meep", {}},
      {"Re: meep", "", "meep", {}},
      {"[PATCH] meep", "", "meep", {}},
      {"[PATCH] meep \n meep", "", "meep meep", {}},
      {"[PATCH] meep,\n meep", "", "meep, meep", {}},
      {"[PATCH RFC] meep", "", "[RFC] meep", {"RFC"}},
      {"[PATCH,RFC] meep", "", "[RFC] meep", {"RFC"}},
      {"[PATCH,1/2] meep", "", "[1/2] meep", {"1/2"}},
      {"[PATCH RFC 1/2] meep", "", "[RFC,1/2] meep", {"RFC", "1/2"}},
      {"[PATCH] [RFC] meep", "", "[RFC] meep", {"RFC"}},
      {"[PATCH] [RFC,1/2] meep", "", "[RFC,1/2] meep", {"RFC", "1/2"}},
      {"[PATCH] [RFC] [1/2] meep", "", "[RFC,1/2] meep", {"RFC", "1/2"}},
      {"[PATCH] rewrite [a-z] regexes", "", "rewrite [a-z] regexes", {}},
      {"[PATCH] [RFC] rewrite [a-z] regexes", "", "[RFC] rewrite [a-z] regexes", {"RFC"}},
      {"[foo] [bar] meep", "foo", "[bar] meep", {"bar"}},
      {"[FOO] [bar] meep", "foo", "[bar] meep", {"bar"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    auto si = ps(c.in, c.drop);
    CHECK(si.name == c.name);
    CHECK(si.prefixes == c.prefixes);
  }
}

// SubjectTest.test_subject_check, plus what the regex `^(re)[:\s]` implies.
TEST_CASE("subject: reply detection") {
  for (const char* s : {"RE: meep", "Re: meep", "re: meep", "RE meep", "Re meep", "re meep",
                        "  Re: leading space is stripped first", "Re:no space",
                        "Re:\t[PATCH] tab", "rE: mixed case", "Re: Re: twice"}) {
    CAPTURE(s);
    CHECK(ps(s).is_reply);
  }
  for (const char* s : {"meep", "[PATCH] Re: not first", "Aw: German reply", "Fwd: forwarded",
                        "Fw: forwarded", "Remove foo", "Re", "Re-send", "RE[PATCH] x", ""}) {
    CAPTURE(s);
    CHECK_FALSE(ps(s).is_reply);
  }
}

TEST_CASE("subject: one Re:/Fw:/Fwd: marker is removed from the name") {
  CHECK(name_of("Re: [PATCH v2 1/3] foo") == "[v2,1/3] foo");
  CHECK(name_of("RE:[PATCH] foo") == "foo");
  CHECK(name_of("Fwd: [PATCH] foo") == "foo");
  CHECK(name_of("FW: [PATCH] foo") == "foo");
  CHECK(name_of("fwd [PATCH] foo") == "foo");
  // Only one marker: the second one stops the [...] scan.
  CHECK(name_of("Re: Re: [PATCH] foo") == "Re: [PATCH] foo");
  CHECK(name_of("Fwd: Re: [PATCH] foo") == "Re: [PATCH] foo");
  // Not markers.
  CHECK(name_of("Fwdx: foo") == "Fwdx: foo");
  CHECK(name_of("Aw: [PATCH] foo") == "Aw: [PATCH] foo");
  CHECK(ps("Re: [PATCH 2/5] foo").title == "foo");
}

// SubjectTest.test_split_prefixes, through the name.
TEST_CASE("subject: prefix groups are split on commas and spaces") {
  CHECK(ps("[PATCH] x").prefixes.empty());
  CHECK(ps("[PATCH,RFC] x").prefixes == Tokens{"RFC"});
  CHECK(ps("[] x").prefixes.empty());
  CHECK(name_of("[] x") == "x");
  CHECK(ps("[PATCH,] x").prefixes.empty());
  CHECK(ps("[PATCH ] x").prefixes.empty());
  CHECK(ps("[PATCH 1/2] x").prefixes == Tokens{"1/2"});
  CHECK(ps("[ ,PATCH,, RFC ,v2 ] x").prefixes == Tokens{"RFC", "v2"});
  // "patch" is dropped in any case.
  CHECK(name_of("[patch] x") == "x");
  CHECK(name_of("[Patch v2] x") == "[v2] x");
}

TEST_CASE("subject: RFC, RESEND and other tokens are kept") {
  auto si = ps("[RFC PATCH RESEND v2 3/4] powerpc: x", "linuxppc-dev");
  CHECK(si.name == "[RFC,RESEND,v2,3/4] powerpc: x");
  CHECK(si.prefixes == Tokens{"RFC", "RESEND", "v2", "3/4"});
  CHECK(si.version == 2);
  CHECK(si.number == 3);
  CHECK(si.total == 4);
  CHECK(name_of("[PATCH net-next] x") == "[net-next] x");
  CHECK(name_of("[PATCH 1/2] [RESEND] x") == "[1/2,RESEND] x");
}

TEST_CASE("subject: the list's short name is dropped") {
  CHECK(name_of("[linuxppc-dev] [PATCH] x", "linuxppc-dev") == "x");
  CHECK(name_of("[Linuxppc-Dev] [PATCH] x", "linuxppc-dev") == "x");
  CHECK(name_of("[PATCH linuxppc-dev 1/2] x", "linuxppc-dev") == "[1/2] x");
  // ...only as a whole token.
  CHECK(name_of("[linuxppc-dev2] x", "linuxppc-dev") == "[linuxppc-dev2] x");
  // Without a list name nothing else is dropped.
  CHECK(name_of("[linuxppc-dev] [PATCH] x", "") == "[linuxppc-dev] x");
}

// SubjectTest.test_series_markers, with the prefixes built from the subject.
TEST_CASE("subject: series markers") {
  auto nt = [](std::string_view s) {
    auto si = ps(s);
    return std::pair<int, int>{si.number, si.total};
  };
  using P = std::pair<int, int>;
  CHECK(nt("x") == P{0, 0});
  CHECK(nt("[bar] x") == P{0, 0});
  CHECK(nt("[bar 1/2] x") == P{1, 2});
  CHECK(nt("[bar 0/12] x") == P{0, 12});
  CHECK(nt("[PATCH 1 of 2] x") == P{1, 2});   // Mercurial
  CHECK(nt("[PATCH 0 of 12] x") == P{0, 12});
  CHECK(nt("[PATCH1/8] x") == P{1, 8});       // missing space
  CHECK(nt("[PATCH100/123] x") == P{100, 123});
  CHECK(nt("[v2PATCH1/4] x") == P{1, 4});
  CHECK(nt("[v2 PATCH1/4] x") == P{1, 4});
  CHECK(nt("[v2.3PATCH1/4] x") == P{1, 4});
  // The first token that matches wins; the token must end in the marker.
  CHECK(nt("[PATCH 2/3 4/5] x") == P{2, 3});
  CHECK(nt("[PATCH 1/2x] x") == P{0, 0});
  CHECK(nt("[PATCH /2] x") == P{0, 0});
  CHECK(nt("[PATCH 1/2/3] x") == P{2, 3});
  CHECK(nt("[PATCH 007/024] x") == P{7, 24});
  CHECK(nt("[PATCH] [3/4] x") == P{3, 4});
  // Outside the prefix groups a marker is just text.
  CHECK(nt("[PATCH] x 1/2") == P{0, 0});
}

TEST_CASE("subject: Mercurial's [PATCH N of M]") {
  auto si = ps("[PATCH 7 of 24] hg: x");
  CHECK(si.name == "[7 of 24] hg: x");
  CHECK(si.prefixes == Tokens{"7 of 24"});
  CHECK(si.number == 7);
  CHECK(si.total == 24);
  auto flagged = ps("[PATCH 1 of 3 V2] x");
  CHECK(flagged.name == "[1 of 3,V2] x");
  CHECK(flagged.number == 1);
  CHECK(flagged.total == 3);
  CHECK(flagged.version == 2);
  // Patchwork only recognises it right after "PATCH " (case-sensitive);
  // elsewhere "of" is an ordinary token.
  auto late = ps("[PATCH v2 1 of 3] x");
  CHECK(late.prefixes == Tokens{"v2", "1", "of", "3"});
  CHECK(late.number == 0);
  CHECK(late.total == 0);
  CHECK(ps("[patch 1 of 3] x").prefixes == Tokens{"1", "of", "3"});
}

// SubjectTest.test_version, with the prefixes/name built from the subject.
TEST_CASE("subject: version") {
  CHECK(ps("").version == 1);
  CHECK(ps("Hello, world").version == 1);
  CHECK(ps("[version] Hello, world").version == 1);
  CHECK(ps("[v2] Hello, world").version == 2);
  CHECK(ps("[V6] Hello, world").version == 6);
  CHECK(ps("[v10] Hello, world").version == 10);
  CHECK(ps("Hello, world (v2)").version == 2);
  CHECK(ps("Hello, world (V6)").version == 6);
  // More of the same rules.
  CHECK(ps("[PATCH v2 1/3 v3] x").version == 2);      // first vN token wins
  CHECK(ps("[PATCH 1/3] x (v4) (v5)").version == 4);  // first (vN) wins
  CHECK(ps("[PATCH v3] x (v4)").version == 3);        // token before (vN)
  CHECK(ps("[PATCH (v7)] x").version == 7);           // (vN) is searched in the name
  CHECK(ps("[PATCH] x v2").version == 1);             // bare trailing vN: not a version
  CHECK(ps("[PATCH] x (v2").version == 1);
  CHECK(ps("[PATCH] x (v)").version == 1);
  CHECK(ps("[PATCH] x (2)").version == 1);
  CHECK(ps("[PATCH v2.1] x").version == 1);
  CHECK(ps("[PATCH v] x").version == 1);
  CHECK(ps("[PATCH v02] x").version == 2);
}

TEST_CASE("subject: version-glued deviation") {
  auto si = ps("[PATCHv2 2/3] PCI: layerscape: x", "linuxppc-dev");
  // The name stays Patchwork's...
  CHECK(si.name == "[PATCHv2,2/3] PCI: layerscape: x");
  CHECK(si.number == 2);
  CHECK(si.total == 3);
  // ...the version does not (Patchwork reads 1).
  CHECK(si.version == 2);
  CHECK(si.deviations == Tokens{mlidx::kDeviationVersionGlued});
  CHECK(std::string(mlidx::kDeviationVersionGlued) == "version-glued");

  CHECK(ps("[PATCH-v3] x").version == 3);
  CHECK(ps("[patch_V4 1/2] x").version == 4);
  CHECK(ps("[RFCv5 PATCH] x").version == 5);
  CHECK(ps("[RFC-v6] x").version == 6);
  // Patchwork's own reading takes precedence: no deviation then.
  auto tok = ps("[PATCHv2 v3 1/2] x");
  CHECK(tok.version == 3);
  CHECK(tok.deviations.empty());
  auto paren = ps("[PATCHv2 1/2] x (v4)");
  CHECK(paren.version == 4);
  CHECK(paren.deviations.empty());
  // Not glued versions.
  CHECK(ps("[PATCHv] x").version == 1);
  CHECK(ps("[PATCHv2x] x").version == 1);
  CHECK(ps("[PATCHESv2] x").version == 1);
  CHECK(ps("[PATCH] PATCHv2 in the text").version == 1);
  CHECK(ps("[PATCHv2 1/2] x").deviations.size() == 1);
  CHECK(ps("[PATCH v2 1/2] x").deviations.empty());
}

TEST_CASE("subject: whitespace is normalised like Python's \\s") {
  CHECK(name_of("  [PATCH   v2\t1/2]    foo \t  bar  ") == "[v2,1/2] foo bar");
  CHECK(name_of("[PATCH\nv2] folded\r\n subject") == "[v2] folded subject");
  // U+00A0 NO-BREAK SPACE, U+2009 THIN SPACE, U+3000 IDEOGRAPHIC SPACE.
  CHECK(name_of("[PATCH\xC2\xA0v2]\xE2\x80\x89" "foo\xE3\x80\x80" "bar") == "[v2] foo bar");
  CHECK(ps("Re:\xC2\xA0" "foo").is_reply);
  // U+200B ZERO WIDTH SPACE is not whitespace for Python.
  CHECK(name_of("foo\xE2\x80\x8B" "bar") == "foo\xE2\x80\x8B" "bar");
  // A subject that is only a prefix group keeps Patchwork's trailing space.
  CHECK(name_of("[PATCH RFC]") == "[RFC] ");
  CHECK(name_of("[PATCH]") == "");
  CHECK(ps("[PATCH 0/3]").title == "");
}

TEST_CASE("subject: brackets") {
  // A group ends at the first ']': "[[PATCH] x" is the group "[PATCH".
  CHECK(name_of("[[PATCH] x") == "[[PATCH] x");
  CHECK(name_of("[a[b]c] x") == "[a[b] c] x");
  // No closing bracket: nothing is a prefix.
  CHECK(name_of("[PATCH x") == "[PATCH x");
  CHECK(name_of("[PATCH] [RFC x") == "[RFC x");
  CHECK(name_of("x ] [PATCH]") == "x ] [PATCH]");
}

TEST_CASE("subject: the name is cut to 255 characters, the title is not") {
  std::string rest(300, 'a');
  auto si = ps("[PATCH v2] " + rest);
  CHECK(si.name.size() == 255);
  CHECK(si.name.substr(0, 6) == "[v2] a");
  CHECK(si.title == rest);
  // Counted in code points, never splitting a UTF-8 sequence.
  std::string wide;
  for (int i = 0; i < 300; ++i) wide += "\xC3\xA9";  // é
  auto w = ps(wide);
  CHECK(w.name.size() == 255 * 2);
  CHECK(w.title.size() == 300 * 2);
}

TEST_CASE("subject: hostile input") {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();

  SUBCASE("10,000 '['") {
    std::string s(10000, '[');
    auto si = ps(s);
    CHECK(si.prefixes.empty());
    CHECK(si.title == s);
  }
  SUBCASE("10,000 '[' then one ']'") {
    std::string s(10000, '[');
    s += "] x";
    auto si = ps(s);
    CHECK(si.prefixes.size() == 1);
    CHECK(si.title == "x");
    CHECK(si.name.size() == 255);
  }
  SUBCASE("many groups and tokens: prefixes capped, numbering still read") {
    std::string s;
    for (int i = 0; i < 100000; ++i) s += "[a b] ";
    s += "[7/9 v5] x";
    auto si = ps(s);
    CHECK(si.prefixes.size() == 64);
    CHECK(si.number == 7);
    CHECK(si.total == 9);
    CHECK(si.version == 5);
    CHECK(si.title == "x");
    CHECK(si.name.size() == 255);
  }
  SUBCASE("1 MB subject") {
    std::string s = "[PATCH 1/2] ";
    s += std::string(1 << 20, 'x');
    auto si = ps(s);
    CHECK(si.number == 1);
    CHECK(si.title.size() == (1u << 20));
  }
  SUBCASE("1 MB of '(' and '(v'") {
    std::string s;
    for (int i = 0; i < (1 << 18); ++i) s += "(v1 ";
    auto si = ps(s);
    CHECK(si.version == 1);
  }
  SUBCASE("1 MB of whitespace") {
    auto si = ps(std::string(1 << 20, ' ') + "Re:" + std::string(1 << 20, '\t') + "x");
    CHECK(si.is_reply);
    CHECK(si.name == "x");
  }
  SUBCASE("NUL bytes are kept as text") {
    std::string s("[PATCH\0 1/2] a\0b", 16);
    auto si = ps(s);
    CHECK(si.prefixes == Tokens{std::string("PATCH\0", 6), "1/2"});
    CHECK(si.title == std::string("a\0b", 3));
    CHECK(si.number == 1);
  }
  SUBCASE("huge numbers saturate") {
    auto si = ps("[PATCH v99999999999999999999 99999999999999999999/999999999999999999999] x");
    CHECK(si.version == 2147483647);
    CHECK(si.number == 2147483647);
    CHECK(si.total == 2147483647);
  }
  SUBCASE("truncated UTF-8 lead bytes at the end") {
    CHECK(ps("x\xE2").name == "x\xE2");
    CHECK(ps("x\xE2\x80").name == "x\xE2\x80");
    CHECK(ps("x\xC2").name == "x\xC2");
  }
  SUBCASE("empty") {
    auto si = ps("");
    CHECK(si.name.empty());
    CHECK_FALSE(si.is_reply);
    CHECK(si.version == 1);
  }
  CHECK(std::chrono::duration<double>(clock::now() - t0).count() < kHangSeconds);
}
