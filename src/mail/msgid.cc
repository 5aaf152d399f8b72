// Message-ID parsing (RFC 5322 3.6.4). Both parsers are single forward scans
// with counters instead of recursion, so a multi-megabyte References header
// of hostile bytes costs one pass.
#include "mail/msgid.hh"

#include <algorithm>
#include <cstddef>

namespace mlidx {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Bytes that can never be part of an id as we store it: whitespace (folding
// leftovers) and other C0 controls/DEL, which broken mailers leave behind.
bool is_dropped(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence, so the
// stored id stays valid UTF-8 when the input was.
void cut_utf8(std::string& s, std::size_t max) {
  if (s.size() <= max) return;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

// Region a lenient reading of Message-ID looks at: the content of the first
// <...>; from '<' to the end when it is never closed; else the whole value.
std::string_view lenient_region(std::string_view v) {
  std::size_t lt = v.find('<');
  if (lt == std::string_view::npos) return v;
  std::size_t gt = v.find('>', lt + 1);
  if (gt == std::string_view::npos) return v.substr(lt + 1);
  return v.substr(lt + 1, gt - lt - 1);
}

// Removes one leading '<' and one trailing '>' left over when the brackets
// were unbalanced ("<abc" or "abc>").
std::string_view strip_brackets(std::string_view s) {
  if (!s.empty() && s.front() == '<') s.remove_prefix(1);
  if (!s.empty() && s.back() == '>') s.remove_suffix(1);
  return s;
}

// Appends `token` with whitespace removed: a long id folded across lines
// (RFC 5322 3.2.2 FWS inside the brackets) is one id.
std::string without_space(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token)
    if (!is_dropped(c)) out += c;
  return out;
}

// An id is stored without brackets and must be non-empty and short enough.
void add_ref(std::vector<std::string>& out, std::string_view token) {
  if (token.size() > 4 * kMaxMsgidLen) return;  // cheap early reject
  std::string id = without_space(token);
  if (!id.empty() && id.size() <= kMaxMsgidLen) out.push_back(std::move(id));
}

// A value with no <...>: accepted only as one whitespace-free token with an
// '@' (git-send-email once wrote bare ids). "y", "n" and prose are junk.
void add_bare(std::vector<std::string>& out, std::string_view v) {
  std::size_t b = 0, e = v.size();
  while (b < e && is_space(v[b])) ++b;
  while (e > b && is_space(v[e - 1])) --e;
  std::string_view t = v.substr(b, e - b);
  if (t.empty() || t.size() > kMaxMsgidLen) return;
  bool at = false;
  for (char c : t) {
    if (is_dropped(c) || is_space(c)) return;
    if (c == '<' || c == '>' || c == '(' || c == ')' || c == '"' || c == ',') return;
    if (c == '@') at = true;
  }
  if (at) out.emplace_back(t);
}

// Skips a (comment) starting at v[i] == '('; returns the index after its
// ')', or npos when it never closes. Nesting is counted (RFC 5322 3.2.2).
std::size_t skip_comment(std::string_view v, std::size_t i) {
  int depth = 0;
  for (; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\' && i + 1 < v.size()) ++i;  // quoted-pair
    else if (c == '(') ++depth;
    else if (c == ')' && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

}  // namespace

LenientId parse_msgid_lenient(std::string_view value) {
  std::string_view region = lenient_region(value);
  LenientId out;
  int depth = 0;  // (comment) nesting, RFC 5322 3.2.2
  std::string kept;
  kept.reserve(std::min(region.size(), kMaxMsgidLen + 4));
  for (std::size_t i = 0; i < region.size(); ++i) {
    char c = region[i];
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    else if (depth == 0 && !is_dropped(c)) {
      kept += c;
      // Past the cap even after stray '<' '>' are stripped: a cut is proven.
      if (kept.size() > kMaxMsgidLen + 2) break;
    }
  }
  std::string_view id = strip_brackets(kept);
  out.id.assign(id);
  if (out.id.size() > kMaxMsgidLen) {
    cut_utf8(out.id, kMaxMsgidLen);
    out.truncated = true;
  }
  return out;
}

std::vector<std::string> parse_msgid_refs(std::string_view value, std::size_t* dropped) {
  std::vector<std::string> out;
  bool any_brackets = false;
  bool comments = true;  // off after an unclosed '(' so the scan stays linear
  std::size_t open = std::string_view::npos;  // index of the pending '<'
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (open == std::string_view::npos && c == '(' && comments) {
      // Text outside brackets such as (Joe's message of "Mon, 1 Jan") may
      // hold an address in <>; it is a comment, not a reference.
      std::size_t end = skip_comment(value, i);
      if (end == std::string_view::npos) {
        comments = false;
        continue;
      }
      i = end - 1;
    } else if (c == '<') {
      open = i;  // a second '<' before '>' restarts: the first never closed
    } else if (c == '>' && open != std::string_view::npos) {
      any_brackets = true;
      add_ref(out, value.substr(open + 1, i - open - 1));
      open = std::string_view::npos;
    }
  }
  if (!any_brackets) add_bare(out, value);
  // Keep the newest ids: the end of References is the nearest ancestors.
  if (out.size() > kMaxReferences) {
    if (dropped) *dropped += out.size() - kMaxReferences;
    out.erase(out.begin(), out.end() - std::ptrdiff_t(kMaxReferences));
  }
  return out;
}

}  // namespace mlidx
