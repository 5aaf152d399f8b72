// Patchwork's diff/comment split, hash, pull-request and tag rules, and git's
// stable patch-id, rewritten from the behaviour of patchwork/parser.py,
// patchwork/hasher.py and git's builtin/patch-id.c (see diff.hh). Everything
// here walks its input once, line by line; nothing recurses or throws (other
// than std::bad_alloc).
#include "patch/diff.hh"


#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "util/sha1.hh"
#include "util/text.hh"

namespace mlidx {
namespace {

using sv = std::string_view;
constexpr std::size_t npos = sv::npos;

// ---------------------------------------------------------------- UTF-8 / Python character classes

struct Cp {
  char32_t cp;
  std::size_t len;
};

// One code point at `i`; an invalid or truncated sequence reads as U+FFFD of
// length 1, so scanning always advances.
Cp decode_at(sv s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return {b, 1};
  std::size_t len = b >= 0xF0 && b < 0xF5 ? 4 : b >= 0xE0 ? (b < 0xF0 ? 3 : 0) : b >= 0xC2 ? 2 : 0;
  if (len == 0 || i + len > s.size()) return {0xFFFD, 1};
  char32_t cp = len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (c & 0x3F);
  }
  return {cp, len};
}

// Python's str.isspace() / re's \s on str patterns.
bool is_py_space(char32_t c) {
  if (c <= 0x7F) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// re's \w on str patterns: exact for ASCII; for other code points an
// approximation (letters and digits of every script are word characters, the
// common punctuation and symbol blocks are not).
bool is_py_word(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (is_py_space(c) || c < 0xA0) return false;
  if (c <= 0xBF)
    return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA || c == 0xBC ||
           c == 0xBD || c == 0xBE;
  if (c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2010 && c <= 0x205E) return false;
  if (c >= 0x3001 && c <= 0x3003) return false;
  if ((c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) || c == 0xFFFD) return false;
  return true;
}

// Case-insensitive match of an ASCII lower-case `pat` at the start of `s`, as
// Python's re.IGNORECASE does (which also folds KELVIN SIGN to k, LONG S to s,
// and both dotted/dotless capital/small I to i). Returns the bytes matched,
// or npos.
std::size_t ci_prefix(sv s, sv pat) {
  std::size_t i = 0;
  for (char pc : pat) {
    if (i >= s.size()) return npos;
    Cp c = decode_at(s, i);
    char32_t folded = c.cp;
    if (folded >= 'A' && folded <= 'Z') folded += 'a' - 'A';
    else if (folded == 0x212A) folded = 'k';
    else if (folded == 0x17F) folded = 's';
    else if (folded == 0x130 || folded == 0x131) folded = 'i';
    if (folded != static_cast<unsigned char>(pc)) return npos;
    i += c.len;
  }
  return i;
}

// The start of the code point that ends just before `end`.
std::size_t prev_cp_start(sv s, std::size_t end) {
  std::size_t i = end - 1;
  std::size_t steps = 0;
  while (i > 0 && steps < 3 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i, ++steps;
  if (decode_at(s, i).len != end - i) return end - 1;  // not one well-formed sequence: one byte
  return i;
}

// `s` starts with the literal `p`. Unlike string_view::starts_with (which
// GCC does not always inline, and then calls strlen and memcmp), the compare
// has a constant length and compiles to a few instructions.
template <std::size_t N>
bool has_prefix(sv s, const char (&p)[N]) {
  return s.size() >= N - 1 && std::memcmp(s.data(), p, N - 1) == 0;
}

// Lines split on '\n' as Python's str.split('\n'): a text of n newlines has
// n + 1 pieces, the last one possibly empty.
struct PySplit {
  sv text;
  std::size_t pos = 0;
  bool done = false;
  bool next(sv& line) {
    if (done) return false;
    std::size_t nl = text.find('\n', pos);
    if (nl == npos) {
      line = text.substr(pos);
      done = true;
    } else {
      line = text.substr(pos, nl - pos);
      pos = nl + 1;
    }
    return true;
  }
};

// A text made of stretches of one source text, recorded as [begin, end)
// offsets and copied out once at the end: parse_patch_text moves every line
// to one of three texts, and copying each line (twice, via its buffer) cost
// more than the parse. Adjacent stretches are joined. An `end` one past the
// source's size stands for the "\n" Python's split-and-join adds after a
// last line that has none.
class Pieces {
 public:
  void add(std::size_t begin, std::size_t end) {
    if (!spans_.empty() && spans_.back().second == begin) spans_.back().second = end;
    else spans_.emplace_back(begin, end);
  }
  // Appends all of `other`, which is left empty.
  void take(Pieces& other) {
    for (auto [b, e] : other.spans_) add(b, e);
    other.spans_.clear();
  }
  bool empty() const { return spans_.empty(); }
  // `spare`: bytes to reserve beyond the text, for what the caller appends.
  std::string build(sv src, std::size_t spare = 0) const {
    std::size_t n = spare;
    for (auto [b, e] : spans_) n += e - b;
    std::string out;
    out.reserve(n);
    for (auto [b, e] : spans_) {
      out.append(src.substr(b, std::min(e, src.size()) - b));
      if (e > src.size()) out.push_back('\n');
    }
    return out;
  }

 private:
  std::vector<std::pair<std::size_t, std::size_t>> spans_;
};

// ---------------------------------------------------------------- hunk headers

// Patchwork's r'^\@\@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? \@\@' (ASCII digits;
// Python's \d would also take other scripts' digits). The count groups are
// empty views when absent.
bool match_pw_hunk(sv line, sv& old_count, sv& new_count) {
  if (!has_prefix(line, "@@ -")) return false;
  std::size_t i = 4;
  auto digits = [&](std::size_t from) {
    std::size_t j = from;
    while (j < line.size() && line[j] >= '0' && line[j] <= '9') ++j;
    return j;
  };
  std::size_t j = digits(i);
  if (j == i) return false;
  i = j;
  old_count = {};
  if (i < line.size() && line[i] == ',') {
    j = digits(i + 1);
    if (j == i + 1) return false;  // ',' without digits: the group fails, then ' ' fails
    old_count = line.substr(i + 1, j - i - 1);
    i = j;
  }
  if (line.substr(i, 2) != " +") return false;
  i += 2;
  j = digits(i);
  if (j == i) return false;
  i = j;
  new_count = {};
  if (i < line.size() && line[i] == ',') {
    j = digits(i + 1);
    if (j == i + 1) return false;
    new_count = line.substr(i + 1, j - i - 1);
    i = j;
  }
  return line.substr(i, 3) == " @@";
}

// A count as Python's int() reads it (missing = 1), saturated far beyond any
// line count a body can hold.
long long count_value(sv digits) {
  if (digits.empty()) return 1;
  constexpr long long kCap = 1'000'000'000'000'000LL;
  long long v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
    if (v >= kCap) return kCap;
  }
  return v;
}

// "%d" of Python's int(digits): leading zeros dropped; missing = "1".
std::string count_text(sv digits) {
  if (digits.empty()) return "1";
  std::size_t i = digits.find_first_not_of('0');
  return i == npos ? std::string("0") : std::string(digits.substr(i));
}

// ---------------------------------------------------------------- Patchwork parse_patch

bool is_extended_header(sv line) {
  static constexpr sv kPrefixes[] = {"old mode ",         "new mode ",           "deleted file mode ",
                                     "new file mode ",    "copy from ",          "copy to ",
                                     "rename from ",      "rename to ",          "similarity index ",
                                     "dissimilarity index ", "index "};
  for (sv p : kPrefixes)
    if (line.starts_with(p)) return true;
  return false;
}

// CRLF becomes LF, in place; text parts rarely hold a CR, so one memchr
// usually settles it.
void replace_crlf(std::string& s) {
  std::size_t r = s.find('\r');
  if (r == npos) return;
  std::size_t w = r;
  for (; r < s.size(); ++r) {
    if (s[r] == '\r' && r + 1 < s.size() && s[r + 1] == '\n') continue;
    s[w++] = s[r];
  }
  s.resize(w);
}

// ---------------------------------------------------------------- paths (diff_files)

// C-style quoted path as git writes it ("a/x\ty"); returns the unquoted text
// and advances `i` past the closing quote. Octal escapes are bytes.
std::string unquote_c(sv s, std::size_t& i) {
  std::string out;
  ++i;  // opening quote
  while (i < s.size() && s[i] != '"') {
    char c = s[i++];
    if (c != '\\' || i >= s.size()) {
      out.push_back(c);
      continue;
    }
    char e = s[i++];
    switch (e) {
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k) v = v * 8 + (s[i++] - '0');
          out.push_back(static_cast<char>(v & 0xFF));
        } else {
          out.push_back(e);
        }
    }
  }
  if (i < s.size()) ++i;  // closing quote
  return out;
}

std::string strip_prefix(std::string p, char side) {
  if (p.size() > 2 && p[0] == side && p[1] == '/') p.erase(0, 2);
  return p;
}

// The path of a "--- " / "+++ " line: quoted, or up to a TAB (git adds one
// after names with spaces; diff(1) puts the time stamp after it).
std::string header_path(sv rest, char side) {
  if (!rest.empty() && rest[0] == '"') {
    std::size_t i = 0;
    return strip_prefix(unquote_c(rest, i), side);
  }
  rest = rest.substr(0, rest.find('\t'));
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r')) rest.remove_suffix(1);
  if (rest == "/dev/null") return std::string(rest);
  return strip_prefix(std::string(rest), side);
}

// "diff --git A B": quoted names, or the split whose two names agree (git's
// own rule for unquoted names with spaces), else the first " b/".
void git_header_paths(sv rest, std::string& old_path, std::string& new_path) {
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ')) rest.remove_suffix(1);
  if (!rest.empty() && rest[0] == '"') {
    std::size_t i = 0;
    old_path = strip_prefix(unquote_c(rest, i), 'a');
    while (i < rest.size() && rest[i] == ' ') ++i;
    sv second = rest.substr(i);
    if (!second.empty() && second[0] == '"') {
      std::size_t k = 0;
      new_path = strip_prefix(unquote_c(second, k), 'b');
    } else {
      new_path = strip_prefix(std::string(second), 'b');
    }
    return;
  }
  if (std::size_t q = rest.find(" \""); q != npos) {
    old_path = strip_prefix(std::string(rest.substr(0, q)), 'a');
    std::size_t k = 0;
    new_path = strip_prefix(unquote_c(rest.substr(q + 1), k), 'b');
    return;
  }
  if (rest.size() % 2 == 1 && rest[rest.size() / 2] == ' ') {
    std::string a = strip_prefix(std::string(rest.substr(0, rest.size() / 2)), 'a');
    std::string b = strip_prefix(std::string(rest.substr(rest.size() / 2 + 1)), 'b');
    if (a == b) {
      old_path = a;
      new_path = b;
      return;
    }
  }
  std::size_t split = rest.find(" b/");
  if (split == npos) split = rest.find(' ');
  if (split == npos) {
    old_path = new_path = strip_prefix(std::string(rest), 'a');
    return;
  }
  old_path = strip_prefix(std::string(rest.substr(0, split)), 'a');
  new_path = strip_prefix(std::string(rest.substr(split + 1)), 'b');
}

// ---------------------------------------------------------------- git patch-id

// SHA-1 of text that is mostly whole stretches of one source (patchwork_hash
// keeps most diff lines as they are): pieces that follow each other in the
// source are joined into one update, as a call per line costs more than the
// hashing itself. The digest is that of the pieces in order.
class RunHasher {
 public:
  // `s` must stay valid until the next call.
  void add_view(sv s) {
    if (run_.data() + run_.size() == s.data()) {
      run_ = sv(run_.data(), run_.size() + s.size());
      return;
    }
    flush();
    run_ = s;
  }
  // `s` may be a scratch buffer the caller reuses.
  void add_copy(sv s) {
    flush();
    ctx_.update(s);
  }
  Sha1 digest() {
    flush();
    return ctx_.finish();
  }

 private:
  void flush() {
    if (!run_.empty()) ctx_.update(run_);
    run_ = {};
  }
  Sha1Stream ctx_;
  sv run_;
};

constexpr bool git_isspace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// SHA-1 over what git's patch-id hashes: lines with their white space removed,
// collected in a block and handed to nettle a block at a time (the digest does
// not depend on how the input is cut into updates).
class CompactHasher {
 public:
  // Adds `line` without git's white space; returns the bytes added.
  std::size_t add_compact(sv line) {
    std::size_t added = 0;
    while (!line.empty()) {
      if (used_ == buf_.size()) flush();
      std::size_t take = std::min(line.size(), buf_.size() - used_);
      char* w = buf_.data() + used_;
      char* const start = w;
      for (std::size_t i = 0; i < take; ++i) {  // branch-free: most bytes are kept
        auto c = static_cast<unsigned char>(line[i]);
        *w = static_cast<char>(c);
        w += kKeep[c];
      }
      added += static_cast<std::size_t>(w - start);
      used_ += static_cast<std::size_t>(w - start);
      line.remove_prefix(take);
    }
    return added;
  }
  void add(sv s) {
    flush();
    ctx_.update(s);
  }
  // The digest; the context restarts.
  Sha1 digest() {
    flush();
    return ctx_.finish();
  }

 private:
  void flush() {
    if (used_) ctx_.update(sv(buf_.data(), used_));
    used_ = 0;
  }
  // 1 for the bytes git keeps (all but its isspace), by byte value.
  static constexpr std::array<std::uint8_t, 256> kKeep = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) t[c] = !git_isspace(static_cast<unsigned char>(c));
    return t;
  }();
  Sha1Stream ctx_;
  std::array<char, 8192> buf_;
  std::size_t used_ = 0;
};

// git's flush_one_hunk: the running SHA-1 is added into `result` as a 160-bit
// number, byte 0 least significant, and the context restarts.
void flush_one_hunk(Sha1& result, CompactHasher& c) {
  Sha1 h = c.digest();
  unsigned carry = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    carry += result[i] + h[i];
    result[i] = static_cast<std::uint8_t>(carry);
    carry >>= 8;
  }
}

bool git_isalpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// isalnum in the C locale (mlidx never sets another).
bool is_ascii_alnum(char c) { return (c >= '0' && c <= '9') || git_isalpha(static_cast<unsigned char>(c)); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// get_oid_hex: 40 hex digits (what follows does not matter).
bool oid_hex_at(sv p) {
  if (p.size() < 40) return false;
  for (std::size_t i = 0; i < 40; ++i)
    if (!is_hex(p[i])) return false;
  return true;
}

// C's atoi (git: (int)strtol(s, NULL, 10)): leading white space and a sign
// are accepted; out of range saturates at LONG_MAX/LONG_MIN, then the value
// is truncated to int as the compiler does.
int git_atoi(sv s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  long long v = 0;
  bool sat = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (sat) continue;
    if (v > (std::numeric_limits<long long>::max() - 9) / 10) sat = true;
    else v = v * 10 + (s[i] - '0');
  }
  long r = sat ? (neg ? std::numeric_limits<long>::min() : std::numeric_limits<long>::max())
               : static_cast<long>(neg ? -v : v);
  return static_cast<int>(r);
}

std::size_t span_digits(sv s, std::size_t from) {
  std::size_t j = from;
  while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
  return j - from;
}

// git's scan_hunk_header (current form: a missing count is 1).
void scan_hunk_header(sv p, int& before, int& after) {
  std::size_t q = 4;
  std::size_t n = span_digits(p, q);
  if (q + n < p.size() && p[q + n] == ',') {
    q += n + 1;
    before = git_atoi(p.substr(q));
    n = span_digits(p, q);
  } else {
    before = 1;
  }
  if (n == 0 || q + n + 1 >= p.size() || p[q + n] != ' ' || p[q + n + 1] != '+') return;
  std::size_t r = q + n + 2;
  n = span_digits(p, r);
  if (r + n < p.size() && p[r + n] == ',') {
    r += n + 1;
    after = git_atoi(p.substr(r));
  } else {
    after = 1;
  }
}

// One round of git's get_one_patchid over `in` from `pos`. `has_nul`: `in`
// holds a NUL byte (rare; only then is every line searched for one).
long long get_one_patchid(sv in, std::size_t& pos, bool has_nul, bool stable, bool find_header, Sha1& result) {
  long long patchlen = 0;
  int before = -1, after = -1;
  bool diff_is_binary = false;
  sv pre_oid, post_oid;  // views into `in`
  CompactHasher ctx;
  result.fill(0);
  while (pos < in.size()) {
    std::size_t nl = in.find('\n', pos);
    std::size_t end = nl == npos ? in.size() : nl + 1;
    sv line = in.substr(pos, end - pos);
    pos = end;
    // git handles the line as a C string: it ends at a NUL.
    if (has_nul) line = line.substr(0, line.find('\0'));

    if (find_header) {
      sv p = line;
      if (has_prefix(p, "commit ")) p.remove_prefix(7);
      else if (has_prefix(p, "From ")) p.remove_prefix(5);
      if (oid_hex_at(p)) break;  // the next patch begins
    }
    if (patchlen == 0 && !has_prefix(line, "diff ")) continue;  // commit message
    find_header = true;

    if (before == -1) {
      if (has_prefix(line, "GIT binary patch") || has_prefix(line, "Binary files")) {
        diff_is_binary = true;
        before = 0;
        ctx.add(pre_oid);
        ctx.add(post_oid);
        if (stable) flush_one_hunk(result, ctx);
        continue;
      }
      if (has_prefix(line, "index ")) {
        std::size_t dots = line.find("..");
        if (dots != npos) {
          std::size_t sp = line.find(' ', dots);
          std::size_t oid2_end = sp != npos ? sp : (line.empty() ? 0 : line.size() - 1);
          sv pre = line.substr(6, dots > 6 ? dots - 6 : 0);
          sv post = dots + 2 <= oid2_end ? line.substr(dots + 2, oid2_end - dots - 2) : sv{};
          pre_oid = pre.substr(0, 64);
          post_oid = post.substr(0, 64);
        }
        continue;
      }
      if (has_prefix(line, "--- ")) before = after = 1;
      else if (line.empty() || !git_isalpha(static_cast<unsigned char>(line[0]))) break;
    }

    // "\ No newline at end of file" and the like.
    if (has_prefix(line, "\\ ") && line.size() > 12) continue;

    if (diff_is_binary) {
      if (has_prefix(line, "diff ")) {
        diff_is_binary = false;
        before = -1;
      }
      continue;
    }

    if (before == 0 && after == 0) {
      if (has_prefix(line, "@@ -")) {
        scan_hunk_header(line, before, after);
        continue;
      }
      if (!has_prefix(line, "diff ")) break;  // the end of the patch
      if (stable) flush_one_hunk(result, ctx);
      before = after = -1;
    }

    char c0 = line.empty() ? '\0' : line[0];
    if (c0 == '-' || c0 == ' ') --before;
    if (c0 == '+' || c0 == ' ') --after;

    patchlen += static_cast<long long>(ctx.add_compact(line));
  }
  flush_one_hunk(result, ctx);
  return patchlen;
}

// ---------------------------------------------------------------- pull requests

std::size_t skip_while(sv s, std::size_t i, bool (*pred)(char32_t)) {
  while (i < s.size()) {
    Cp c = decode_at(s, i);
    if (!pred(c.cp)) break;
    i += c.len;
  }
  return i;
}

bool is_scheme_char(char32_t c) { return is_py_word(c) || c == '+' || c == '-'; }
bool is_url_char(char32_t c) {
  return is_py_word(c) || c == '/' || c == '.' || c == '@' || c == ':' || c == '~' || c == '-';
}
bool is_gap_char(char32_t c) { return is_py_space(c) || c == '\\'; }
bool is_branch_char(char32_t c) { return is_py_word(c) || c == '/' || c == '.' || c == '_' || c == '-'; }

// r'\s*$' (MULTILINE) at k: the whitespace run from k reaches a '\n' or the end.
bool blank_to_eol(sv s, std::size_t k) {
  while (k < s.size()) {
    Cp c = decode_at(s, k);
    if (c.cp == '\n') return true;
    if (!is_py_space(c.cp)) return false;
    k += c.len;
  }
  return true;
}

// The rest of Patchwork's pull-request pattern after "are available in the
// git repository at:", at `p`:
//   \s*\n ^\s* ([\w+-]+(?:://|@)[\w/.@:~-]+[\s\\]*[\w/._-]*) \s*$
// with Python's backtracking order. Returns the group, or false.
bool match_pull_tail(sv s, std::size_t p, std::size_t& g_begin, std::size_t& g_end) {
  bool saw_nl = false;
  std::size_t u = p;
  while (u < s.size()) {
    Cp c = decode_at(s, u);
    if (!is_py_space(c.cp)) break;
    if (c.cp == '\n') saw_nl = true;
    u += c.len;
  }
  if (!saw_nl) return false;
  std::size_t sch = skip_while(s, u, is_scheme_char);
  if (sch == u) return false;
  std::size_t r1;
  if (s.substr(sch, 3) == "://") r1 = sch + 3;
  else if (sch < s.size() && s[sch] == '@') r1 = sch + 1;
  else return false;
  std::size_t e1 = skip_while(s, r1, is_url_char);
  if (e1 == r1) return false;
  // A shorter [\w/.@:~-]+ never helps: what it gives back is either taken by
  // [\w/._-]* and ends in the same place, or is '@', ':' or '~', which
  // neither \s nor the end of a line can follow.
  std::size_t w = skip_while(s, e1, is_gap_char);
  std::size_t b = skip_while(s, w, is_branch_char);
  g_begin = u;
  if (blank_to_eol(s, b)) {
    g_end = b;
    return true;
  }
  // [\s\\]* gives back characters, longest first: the group then ends inside
  // the gap, where the rest of the line is blank.
  if (w == e1) return false;
  std::vector<std::size_t> starts;
  for (std::size_t i = e1; i < w; i += decode_at(s, i).len) starts.push_back(i);
  bool ok_next = false;  // \s*$ at w fails: s[w] is neither blank nor '\n' (w == size was handled)
  for (std::size_t k = starts.size(); k-- > 0;) {
    Cp c = decode_at(s, starts[k]);
    bool ok = c.cp == '\n' || (is_py_space(c.cp) && ok_next);
    if (ok) {
      g_end = starts[k];
      return true;
    }
    ok_next = ok;
  }
  return false;
}

// Where Patchwork's clean_content cuts `text`: the first line that is "-- "
// or all underscores, and ends in "\n"; else the end.
std::size_t clean_content_cut(sv text) {
  std::size_t p = 0;
  while (p < text.size()) {
    if (text.substr(p, 4) == "-- \n") return p;
    if (text[p] == '_') {
      std::size_t q = text.find_first_not_of('_', p);
      if (q != npos && text[q] == '\n') return p;
    }
    std::size_t nl = text.find('\n', p);
    if (nl == npos) break;
    p = nl + 1;
  }
  return text.size();
}

// python_strip in place, without a copy.
void strip_in_place(std::string& s) {
  sv t = python_strip(s);
  std::size_t b = static_cast<std::size_t>(t.data() - s.data());
  s.resize(b + t.size());
  s.erase(0, b);
}

}  // namespace

// ---------------------------------------------------------------- public

std::string_view python_strip(std::string_view s) {
  std::size_t b = 0;
  while (b < s.size()) {
    Cp c = decode_at(s, b);
    if (!is_py_space(c.cp)) break;
    b += c.len;
  }
  std::size_t e = s.size();
  while (e > b) {
    std::size_t st = prev_cp_start(s, e);
    if (!is_py_space(decode_at(s, st).cp)) break;
    e = st;
  }
  return s.substr(b, e - b);
}

std::string_view patchwork_clean_content(std::string_view text) {
  return python_strip(text.substr(0, clean_content_cut(text)));
}

RawSplit parse_patch_text(std::string_view text) {
  // States as in Patchwork: 0 text, 1 suspected header (diff, Index:),
  // 2 after "---", 3 after "+++" (a hunk header is due), 4/5 inside a hunk,
  // 6 extended git header lines, 7 a git binary patch.
  Pieces diff, comment, buf;
  int state = 0;
  long long lc_old = 0, lc_new = 0;
  long long hunks = 0;
  sv line;
  // The current line with its "\n" (see Pieces for the last line's).
  auto add = [&text, &line](Pieces& dst) {
    std::size_t b = static_cast<std::size_t>(line.data() - text.data());
    dst.add(b, b + line.size() + 1);
  };
  auto flush_to = [&buf](Pieces& dst) { dst.take(buf); };
  PySplit split{text};
  while (split.next(line)) {
    switch (state) {
      case 0:
        if (has_prefix(line, "diff ") || has_prefix(line, "Index: ")) {
          state = 1;
          add(buf);
        } else if (has_prefix(line, "--- ")) {
          state = 2;
          add(buf);
        } else {
          add(comment);
        }
        break;
      case 1:
        add(buf);
        if (has_prefix(line, "--- ")) state = 2;
        if (is_extended_header(line)) state = 6;
        break;
      case 2:
        if (has_prefix(line, "+++ ")) {
          state = 3;
          add(buf);
        } else if (hunks) {
          state = 1;
          add(buf);
        } else {
          state = 0;
          flush_to(comment);
          add(comment);
        }
        break;
      case 3: {
        sv oc, nc;
        if (match_pw_hunk(line, oc, nc)) {
          lc_old = count_value(oc);
          lc_new = count_value(nc);
          state = 4;
          flush_to(diff);
          add(diff);
        } else if (has_prefix(line, "--- ")) {
          flush_to(diff);
          add(diff);
          state = 2;
        } else if (hunks && has_prefix(line, "\\ No newline at end of file")) {
          add(diff);
        } else if (hunks) {
          state = 1;
          add(buf);
        } else {
          state = 0;
          flush_to(comment);
          add(comment);
        }
        break;
      }
      case 4:
      case 5:
        if (has_prefix(line, "-")) --lc_old;
        else if (has_prefix(line, "+")) --lc_new;
        else if (has_prefix(line, "\\ No newline at end of file")) {
          // not counted
        } else {
          --lc_old;
          --lc_new;
        }
        add(diff);
        if (lc_old <= 0 && lc_new <= 0) {
          state = 3;
          ++hunks;
        } else {
          state = 5;
        }
        break;
      case 6:
        if (is_extended_header(line)) {
          flush_to(diff);
          add(diff);
        } else if (has_prefix(line, "--- ")) {
          flush_to(diff);
          add(diff);
          state = 2;
        } else if (has_prefix(line, "GIT binary patch")) {
          flush_to(diff);
          add(diff);
          state = 7;
        } else {
          add(buf);
          state = 1;
        }
        break;
      case 7:
        // Everything up to a line starting "diff" belongs to the binary
        // patch; that line waits in buf and the state returns to text.
        if (has_prefix(line, "diff")) {
          add(buf);
          state = 0;
        } else {
          flush_to(diff);
          add(diff);
        }
        break;
    }
  }
  comment.take(buf);
  RawSplit r;
  r.diff = diff.build(text);
  r.comment = comment.build(text, 1);  // split_text_parts adds a "\n"
  r.has_comment = !r.comment.empty();
  return r;
}

SplitPatch split_text_parts(const std::vector<TextPartView>& parts) {
  std::string diff;
  std::string comments;
  for (const auto& part : parts) {
    if (part.subtype == "x-patch" || part.subtype == "x-diff") {
      diff.assign(part.text);
      continue;
    }
    if (part.subtype != "plain") continue;
    if (!diff.empty()) {
      comments += python_strip(part.text);
      comments += '\n';
      continue;
    }
    RawSplit rs = parse_patch_text(part.text);
    diff = std::move(rs.diff);
    if (rs.has_comment) {
      if (comments.empty()) {  // the usual case: one plain part, taken over whole
        comments = std::move(rs.comment);
        strip_in_place(comments);
      } else {
        comments += python_strip(rs.comment);
      }
      comments += '\n';
    }
  }
  // Patchwork's clean_content, then CRLF to LF, all on the one string.
  comments.resize(clean_content_cut(comments));
  strip_in_place(comments);
  replace_crlf(comments);
  SplitPatch out;
  out.content = std::move(comments);
  out.diff = std::move(diff);
  return out;
}

SplitPatch split_patch(std::string_view text, const std::vector<std::string_view>& patch_parts) {
  std::vector<TextPartView> parts;
  parts.reserve(patch_parts.size() + 1);
  parts.push_back({"plain", text});
  for (sv p : patch_parts) parts.push_back({"x-patch", p});
  return split_text_parts(parts);
}

std::string patchwork_hash(std::string_view diff) {
  if (diff.empty()) return {};
  // Patchwork drops every CR first; a copy is made only when there is one.
  std::string no_cr;
  if (diff.find('\r') != npos) {
    no_cr.reserve(diff.size());
    for (char c : diff)
      if (c != '\r') no_cr.push_back(c);
    diff = no_cr;
  }
  const sv body = python_strip(diff);
  RunHasher hasher;
  std::string out;  // a rewritten line; reused
  PySplit split{body};
  sv line;
  while (split.next(line)) {
    if (line.empty()) continue;
    bool is_minus = has_prefix(line, "--- "), is_plus = has_prefix(line, "+++ ");
    std::size_t name_end = 4;
    if (is_minus || is_plus) name_end = skip_while(line, 4, [](char32_t c) { return !is_py_space(c); });
    sv oc, nc;
    if ((is_minus || is_plus) && name_end > 4) {
      // r'^(---|\+\+\+) (\S+)': the name without its first path component
      sv name = line.substr(4, name_end - 4);
      std::size_t slash = name.find('/');
      out = is_minus ? "--- a/" : "+++ b/";
      if (slash != npos) out += name.substr(slash + 1);
      out.push_back('\n');
      hasher.add_copy(out);
    } else if (match_pw_hunk(line, oc, nc)) {
      out = "@@ -";
      out += count_text(oc);
      out += " +";
      out += count_text(nc);
      out += " @@\n";
      hasher.add_copy(out);
    } else if (line[0] == '-' || line[0] == '+' || line[0] == ' ') {
      // Kept as it is: hashed straight from `body`, with its "\n" when it
      // has one there (only the last line has not).
      std::size_t end = static_cast<std::size_t>(line.data() - body.data()) + line.size();
      if (end < body.size()) {
        hasher.add_view(body.substr(end - line.size(), line.size() + 1));
      } else {
        hasher.add_view(line);
        hasher.add_copy("\n");
      }
    }
  }
  return to_hex(hasher.digest());
}

std::string git_patch_id(std::string_view diff) {
  std::size_t pos = 0;
  bool find_header = true;
  const bool has_nul = diff.find('\0') != npos;
  Sha1 result{};
  while (pos < diff.size()) {
    long long len = get_one_patchid(diff, pos, has_nul, /*stable=*/true, find_header, result);
    if (len) return to_hex(result);
    find_header = false;
  }
  return {};
}

namespace {

// diff_files's state over one diff, line by line.
class FileScan {
 public:
  void line(sv line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (in_hunk_ && hunk_line(line)) return;
    if (!header_line(line) && !files_.empty()) extended_line(line);
  }
  std::vector<FileStat> take() { return std::move(files_); }

 private:
  FileStat& start() {
    files_.emplace_back();
    seen_body_ = false;
    from_index_ = false;
    return files_.back();
  }
  FileStat& current() { return files_.empty() ? start() : files_.back(); }

  // A line inside a hunk; false when it ends the hunk early (the hunk is
  // shorter than its header says) and is to be read as a header line.
  bool hunk_line(sv line) {
    char c = line.empty() ? ' ' : line[0];
    if (c == '-') {
      ++current().lines_removed;
      --old_left_;
    } else if (c == '+') {
      ++current().lines_added;
      --new_left_;
    } else if (c == ' ') {
      --old_left_;
      --new_left_;
    } else if (c != '\\') {  // "\ No newline at end of file" is of neither side
      in_hunk_ = false;
      return false;
    }
    if (old_left_ <= 0 && new_left_ <= 0) in_hunk_ = false;
    return true;
  }

  // "diff", "Index:", "---", "+++" and "@@" lines, which may start a file.
  bool header_line(sv line) {
    if (has_prefix(line, "diff ")) {
      FileStat* f;
      if (!files_.empty() && from_index_ && !seen_body_) {
        f = &files_.back();
        from_index_ = false;
      } else {
        f = &start();
      }
      if (has_prefix(line, "diff --git ")) git_header_paths(line.substr(11), f->old_path, f->new_path);
    } else if (has_prefix(line, "Index: ")) {
      FileStat& f = start();
      f.old_path = f.new_path = std::string(trim(line.substr(7)));
      from_index_ = true;
    } else if (has_prefix(line, "--- ")) {
      FileStat& f = files_.empty() || seen_body_ ? start() : files_.back();
      f.old_path = header_path(line.substr(4), 'a');
      seen_body_ = true;
    } else if (has_prefix(line, "+++ ")) {
      current().new_path = header_path(line.substr(4), 'b');
      seen_body_ = true;
    } else if (has_prefix(line, "@@ -")) {
      sv oc, nc;
      if (match_pw_hunk(line, oc, nc)) {
        current();
        seen_body_ = true;
        old_left_ = count_value(oc);
        new_left_ = count_value(nc);
        in_hunk_ = old_left_ > 0 || new_left_ > 0;
      }
    } else {
      return false;
    }
    return true;
  }

  // git's extended header lines and binary markers, for the file begun last.
  void extended_line(sv line) {
    FileStat& f = files_.back();
    if (has_prefix(line, "rename from ") || has_prefix(line, "copy from ")) {
      f.old_path = quoted_or_plain(line.substr(line.find(" from ") + 6));
    } else if (has_prefix(line, "rename to ") || has_prefix(line, "copy to ")) {
      f.new_path = quoted_or_plain(line.substr(line.find(" to ") + 4));
    } else if (has_prefix(line, "new file mode ")) {
      f.old_path = "/dev/null";
    } else if (has_prefix(line, "deleted file mode ")) {
      f.new_path = "/dev/null";
    } else if (has_prefix(line, "GIT binary patch")) {
      f.binary = true;
    } else if (has_prefix(line, "Binary files ") && line.ends_with(" differ")) {
      f.binary = true;
      sv names = line.substr(13, line.size() - 13 - 7);
      if (std::size_t a = names.find(" and "); a != npos) {
        std::string o = header_path(names.substr(0, a), 'a');
        std::string n = header_path(names.substr(a + 5), 'b');
        if (f.old_path != "/dev/null" || o == "/dev/null") f.old_path = o;
        if (f.new_path != "/dev/null" || n == "/dev/null") f.new_path = n;
      }
    }
  }

  static std::string quoted_or_plain(sv rest) {
    std::size_t i = 0;
    return !rest.empty() && rest[0] == '"' ? unquote_c(rest, i) : std::string(rest);
  }

  std::vector<FileStat> files_;
  // Per file: whether "---"/a hunk was seen (a further "---" then starts a
  // new file) and whether it began with "Index:" (its "diff" line, if any,
  // does not start another).
  bool seen_body_ = false, from_index_ = false;
  long long old_left_ = 0, new_left_ = 0;
  bool in_hunk_ = false;
};

}  // namespace

std::vector<FileStat> diff_files(std::string_view diff) {
  FileScan scan;
  PySplit split{diff};
  sv line;
  while (split.next(line)) scan.line(line);
  return scan.take();
}

std::string find_pull_url(std::string_view content) {
  constexpr sv kSince = "the following changes since commit";
  constexpr sv kAt = "are available in the git repository at:";
  // r'^The following changes since commit.*^are available in the git
  // repository at:...' (DOTALL, MULTILINE, IGNORECASE): the greedy .* makes
  // the last "are available" line that completes the match win, after the
  // first "The following changes" line.
  std::size_t since = npos;
  std::vector<std::pair<std::size_t, std::size_t>> candidates;  // line start, after "at:"
  for (std::size_t p = 0; p < content.size();) {
    if (since == npos) {
      if (ci_prefix(content.substr(p), kSince) != npos) since = p;
    } else if (std::size_t m = ci_prefix(content.substr(p), kAt); m != npos) {
      candidates.emplace_back(p, p + m);
    }
    std::size_t nl = content.find('\n', p);
    if (nl == npos) break;
    p = nl + 1;
  }
  for (std::size_t k = candidates.size(); k-- > 0;) {
    std::size_t b = 0, e = 0;
    if (!match_pull_tail(content, candidates[k].second, b, e)) continue;
    // re.sub(r'\s+', ' ', group).strip()
    std::string out;
    sv g = content.substr(b, e - b);
    for (std::size_t i = 0; i < g.size();) {
      Cp c = decode_at(g, i);
      if (is_py_space(c.cp)) {
        if (out.empty() || out.back() != ' ') out.push_back(' ');
      } else {
        out.append(g.substr(i, c.len));
      }
      i += c.len;
    }
    return std::string(python_strip(out));
  }
  return {};
}

std::vector<Trailer> find_trailers(std::string_view text) {
  std::vector<Trailer> out;
  PySplit split{text};
  sv line;
  while (split.next(line)) {
    if (line.empty() || !((line[0] >= 'A' && line[0] <= 'Z') || (line[0] >= 'a' && line[0] <= 'z'))) continue;
    std::size_t i = 0;
    while (i < line.size() && (is_ascii_alnum(line[i]) || line[i] == '-')) ++i;
    if (i >= line.size() || line[i] != ':') continue;
    sv name = line.substr(0, i);
    bool by = name.size() > 3 && iequals(name.substr(name.size() - 3), "-by");
    if (!by && !iequals(name, "Fixes")) continue;
    sv value = trim(line.substr(i + 1));
    if (value.empty()) continue;
    out.push_back({std::string(name), std::string(value)});
  }
  return out;
}

TagCounts patchwork_tag_counts(std::string_view content) {
  TagCounts t;
  for (std::size_t p = 0; p <= content.size();) {
    sv rest = content.substr(p);
    if (ci_prefix(rest, "acked-by:") != npos) ++t.acked;
    else if (ci_prefix(rest, "reviewed-by:") != npos) ++t.reviewed;
    else if (ci_prefix(rest, "tested-by:") != npos) ++t.tested;
    std::size_t nl = content.find('\n', p);
    if (nl == npos) break;
    p = nl + 1;
  }
  return t;
}

}  // namespace mlidx
