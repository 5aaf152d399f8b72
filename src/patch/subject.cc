// Patchwork's reading of a subject line (patchwork/parser.py: clean_header,
// clean_subject, split_prefixes, parse_series_marker, parse_version,
// subject_check), reimplemented as single forward scans: no regex engine, no
// recursion, no exceptions, linear in the length of the subject.
//
// Patchwork's steps, in order:
//   1. clean_header: runs of whitespace (Python's \s, which includes Unicode
//      spaces such as U+00A0) become one space; the ends are stripped.
//   2. subject_check: a reply is `^re[:\s]` (any case) on that text.
//   3. One leading `re`/`fw`/`fwd` followed by ':' or a space (any case) is
//      removed, with the spaces after it.
//   4. Every leading `[...]` group (up to the first ']', so "[[a]" is the
//      group "[a") is split on runs of commas and spaces; "PATCH N of M" at
//      the start of a group keeps "N of M" as one token (Mercurial). Tokens
//      equal to "patch" or to the project's name (case-insensitively) are
//      dropped.
//   5. name = "[tok1,tok2,...] rest", or "rest" when no token is left; the
//      database keeps its first 255 characters.
//   6. number/total: the first token ending in "<digits>/<digits>" or
//      "<digits> of <digits>"; version: the first token "vN"/"VN", else the
//      first "(vN)" in the name, else 1.
#include "patch/subject.hh"

#include <climits>
#include <cstddef>
#include <string>
#include <string_view>

#include "util/text.hh"

namespace mlidx {

namespace {

// Patchwork keeps every token; we keep the first kMaxPrefixTokens in
// SubjectInfo::prefixes (number, total, version and name still see them all,
// so nothing Patchwork stores changes).
constexpr std::size_t kMaxPrefixTokens = 64;
// Patch.name and Cover.name are CharField(max_length=255): Patchwork stores
// name[:255], counted in characters (code points).
constexpr std::size_t kMaxNameChars = 255;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Length of the whitespace character at s[i] as Python's str.isspace() sees
// it (which is what re's \s matches on str), or 0. Input is UTF-8.
std::size_t space_len(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b == ' ' || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F)) return 1;
  if (b < 0x80) return 0;
  auto at = [&](std::size_t k) -> unsigned char {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  if (b == 0xC2) return (at(1) == 0x85 || at(1) == 0xA0) ? 2 : 0;  // NEL, NBSP
  if (b == 0xE1) return (at(1) == 0x9A && at(2) == 0x80) ? 3 : 0;  // U+1680
  if (b == 0xE2) {
    const unsigned char c1 = at(1), c2 = at(2);
    if (c1 == 0x80 && ((c2 >= 0x80 && c2 <= 0x8A) ||  // U+2000..U+200A
                       c2 == 0xA8 || c2 == 0xA9 ||    // U+2028, U+2029
                       c2 == 0xAF))                   // U+202F
      return 3;
    if (c1 == 0x81 && c2 == 0x9F) return 3;  // U+205F
    return 0;
  }
  if (b == 0xE3) return (at(1) == 0x80 && at(2) == 0x80) ? 3 : 0;  // U+3000
  return 0;
}

// Patchwork's normalise_space(): re.sub(r'\s+', ' ', s).strip().
std::string normalise_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (const std::size_t n = space_len(s, i)) {
      pending = !out.empty();
      i += n;
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(s[i++]);
  }
  return out;
}

// Decimal digits to int, saturating (Python's int() is unbounded; Patchwork
// would then fail to store the row, we keep a large number instead).
int to_int(std::string_view digits) {
  long long v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
    if (v > INT_MAX) return INT_MAX;
  }
  return static_cast<int>(v);
}

// `^(re|fwd?)[:\s]\s*` on normalised text (whitespace is a single ' ').
// Returns the length to remove (marker, separator and a following space), or
// 0 when there is no marker.
std::size_t reply_marker_len(std::string_view s) {
  std::size_t n = 0;
  if (s.size() >= 2 && lower(s[0]) == 'r' && lower(s[1]) == 'e') {
    n = 2;
  } else if (s.size() >= 2 && lower(s[0]) == 'f' && lower(s[1]) == 'w') {
    // "fwd?" is greedy; backtracking to "fw" cannot help, as [:\s] would
    // then have to match the 'd'.
    n = (s.size() >= 3 && lower(s[2]) == 'd') ? 3 : 2;
  } else {
    return 0;
  }
  if (n >= s.size() || (s[n] != ':' && s[n] != ' ')) return 0;
  ++n;
  if (n < s.size() && s[n] == ' ') ++n;
  return n;
}

// Patchwork's series regex `.*?([0-9]+)(?:/| of )([0-9]+)$` applied with
// re.match to one token: the token ends in a run of digits preceded by "/"
// or " of ", itself preceded by at least one digit. Number is the whole digit
// run before the separator.
bool series_marker(std::string_view t, int& number, int& total) {
  std::size_t e = t.size();
  std::size_t d2 = e;
  while (d2 > 0 && is_digit(t[d2 - 1])) --d2;
  if (d2 == e) return false;
  std::size_t sep;
  if (d2 >= 1 && t[d2 - 1] == '/') {
    sep = d2 - 1;
  } else if (d2 >= 4 && t.substr(d2 - 4, 4) == " of ") {
    sep = d2 - 4;
  } else {
    return false;
  }
  std::size_t d1 = sep;
  while (d1 > 0 && is_digit(t[d1 - 1])) --d1;
  if (d1 == sep) return false;
  number = to_int(t.substr(d1, sep - d1));
  total = to_int(t.substr(d2));
  return true;
}

// `^[vV](\d+)$` on one token.
bool version_token(std::string_view t, int& version) {
  if (t.size() < 2 || (t[0] != 'v' && t[0] != 'V')) return false;
  for (std::size_t i = 1; i < t.size(); ++i)
    if (!is_digit(t[i])) return false;
  version = to_int(t.substr(1));
  return true;
}

// Our deviation "version-glued": "PATCHv2", "PATCH-v2", "PATCH_v2",
// "RFCv3" (any case) as one token mean version 2 / 3. Patchwork reads version 1.
bool glued_version_token(std::string_view t, int& version) {
  std::size_t i;
  if (t.size() > 5 && istarts_with(t, "patch")) {
    i = 5;
  } else if (t.size() > 3 && istarts_with(t, "rfc")) {
    i = 3;
  } else {
    return false;
  }
  if (t[i] == '-' || t[i] == '_') ++i;
  return i < t.size() && version_token(t.substr(i), version);
}

// re.search(r'\([vV](\d+)\)', name): the first "(vN)".
bool paren_version(std::string_view s, int& version) {
  for (std::size_t i = s.find('('); i != std::string_view::npos; i = s.find('(', i + 1)) {
    if (i + 1 >= s.size() || (s[i + 1] != 'v' && s[i + 1] != 'V')) continue;
    std::size_t j = i + 2;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j == i + 2 || j >= s.size() || s[j] != ')') continue;
    version = to_int(s.substr(i + 2, j - i - 2));
    return true;
  }
  return false;
}

// Keeps the first `max_chars` code points of UTF-8 `s`.
void truncate_chars(std::string& s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // continuation
    if (chars == max_chars) {
      s.resize(i);
      return;
    }
    ++chars;
  }
}

struct TokenSink {
  std::string_view list_short_name;
  SubjectInfo& info;
  std::string joined;  // "tok1,tok2,..."
  std::size_t count = 0;
  bool have_marker = false;
  bool have_version = false;
  bool have_glued = false;
  int glued = 1;

  void add(std::string_view tok) {
    if (tok.empty()) return;
    if (iequals(tok, "patch")) return;
    if (!list_short_name.empty() && iequals(tok, list_short_name)) return;
    if (count++ > 0) joined.push_back(',');
    joined.append(tok);
    if (info.prefixes.size() < kMaxPrefixTokens) info.prefixes.emplace_back(tok);
    if (!have_marker) have_marker = series_marker(tok, info.number, info.total);
    if (!have_version) have_version = version_token(tok, info.version);
    if (!have_glued) have_glued = glued_version_token(tok, glued);
  }

  // split_prefixes(): an optional leading "PATCH <d+> of <d+>" (case
  // sensitive, one space) kept as one token, the rest split on [,\s]+.
  void add_group(std::string_view g) {
    if (g.size() > 6 && g.substr(0, 6) == "PATCH ") {
      std::size_t i = 6, a = i;
      while (i < g.size() && is_digit(g[i])) ++i;
      if (i > a && g.substr(i, 4) == " of ") {
        std::size_t j = i + 4, b = j;
        while (j < g.size() && is_digit(g[j])) ++j;
        if (j > b) {
          add(g.substr(6, j - 6));  // "PATCH" itself is always dropped
          g.remove_prefix(j);
        }
      }
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i <= g.size(); ++i) {
      if (i == g.size() || g[i] == ',' || g[i] == ' ') {
        add(g.substr(start, i - start));
        start = i + 1;
      }
    }
  }
};

}  // namespace

SubjectInfo parse_subject(std::string_view subject, std::string_view list_short_name) {
  SubjectInfo info;
  const std::string clean = normalise_space(subject);
  std::string_view s = clean;

  // subject_check(): `^(re)[:\s]`, any case.
  info.is_reply = s.size() >= 3 && lower(s[0]) == 'r' && lower(s[1]) == 'e' &&
                  (s[2] == ':' || s[2] == ' ');

  s.remove_prefix(reply_marker_len(s));

  TokenSink sink{list_short_name, info, {}};
  // prefix_re `^\[([^\]]*)\]\s*(.*)$`, repeated.
  while (!s.empty() && s[0] == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) break;
    sink.add_group(s.substr(1, close - 1));
    s.remove_prefix(close + 1);
    if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  }
  if (!sink.have_marker) info.number = info.total = 0;

  info.title = std::string(s);
  if (sink.count > 0) {
    info.name.reserve(sink.joined.size() + s.size() + 3);
    info.name.push_back('[');
    info.name += sink.joined;
    info.name += "] ";
    info.name += s;
  } else {
    info.name = info.title;
  }

  if (!sink.have_version) {
    int v = 1;
    if (paren_version(info.name, v)) {
      info.version = v;
    } else if (sink.have_glued) {
      info.version = sink.glued;
      info.deviations.emplace_back(kDeviationVersionGlued);
    } else {
      info.version = 1;
    }
  }

  truncate_chars(info.name, kMaxNameChars);
  return info;
}

}  // namespace mlidx
