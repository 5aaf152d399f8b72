// MIME structure of a message body. The only translation unit that includes
// mimetic, and it uses mimetic for one thing: splitting multipart bodies into
// their parts. Everything mimetic 0.9.8 gets wrong or handles dangerously is
// done here instead:
//   - RFC 2047/2231 and charsets (mimetic has neither);
//   - base64 and quoted-printable (mimetic's base64 reads past its table on
//     bytes such as '|');
//   - the top-level header (mimetic's field parser is quadratic in the field
//     length): mimetic gets a two-line synthetic header plus the body;
//   - nesting depth (mimetic recurses once per multipart or message/rfc822
//     level): a linear pre-scan gates what mimetic may see.
#include "mail/mime.hh"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <utility>

#include <mimetic/mimetic.h>

#include "mail/rfc2047.hh"
#include "util/charset.hh"
#include "util/codec.hh"
#include "util/text.hh"

namespace mlidx {
namespace {

// A part header field longer than this makes mimetic's field parser
// (128-byte realloc steps) too slow; such input skips mimetic.
constexpr std::size_t kMaxPartHeaderField = 64u << 10;
// Content-Type text kept when pre-scanning part headers for boundaries.
constexpr std::size_t kMaxScannedContentType = 8u << 10;
// Boundaries beyond RFC 2046's 70 characters are tolerated up to this.
constexpr std::size_t kMaxBoundary = 200;
// RFC 2231 continuation segments accepted per parameter.
constexpr std::size_t kMaxParamSegments = 256;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

// ---------------------------------------------------------------------------
// Header field values: `type/subtype; attr=value; attr="quoted"` parsed by a
// small tolerant scanner working on raw (possibly folded) values, so CR and LF
// count as white space and no unfolding copy is needed.

struct Param {
  std::string_view attr;
  std::string_view value;  // without quotes; escapes still in place if quoted
  bool quoted = false;
};

// The leading token before the first ';', up to white space or a comment.
std::string_view leading_token(std::string_view v) {
  v = trim_ws(v.substr(0, v.find(';')));
  std::size_t end = 0;
  while (end < v.size() && !is_ws(v[end]) && v[end] != '(') ++end;
  return v.substr(0, end);
}

// Advances `rest` past the next parameter. Junk without '=' is skipped.
bool next_param(std::string_view& rest, Param& out) {
  for (;;) {
    std::size_t semi = rest.find(';');
    if (semi == std::string_view::npos) return false;
    rest.remove_prefix(semi + 1);
    std::size_t eq = rest.find_first_of("=;");
    if (eq == std::string_view::npos || rest[eq] == ';') continue;
    out.attr = trim_ws(rest.substr(0, eq));
    rest.remove_prefix(eq + 1);
    while (!rest.empty() && is_ws(rest.front())) rest.remove_prefix(1);
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      while (i < rest.size() && rest[i] != '"') i += rest[i] == '\\' ? 2 : 1;
      i = std::min(i, rest.size());
      out.value = rest.substr(1, i - 1);
      out.quoted = true;
      rest.remove_prefix(std::min(i + 1, rest.size()));
    } else {
      std::size_t end = rest.find(';');
      std::string_view v = rest.substr(0, end);
      v = trim_ws(v.substr(0, v.find('(')));  // "us-ascii (comment)"
      out.value = v;
      out.quoted = false;
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    if (!out.attr.empty()) return true;
  }
}

// Quoted-string content: backslash escapes and folding line ends removed.
std::string unquote(const Param& p) {
  std::string out;
  out.reserve(p.value.size());
  for (std::size_t i = 0; i < p.value.size(); ++i) {
    char c = p.value[i];
    if (c == '\r' || c == '\n') continue;
    if (c == '\\' && p.quoted && i + 1 < p.value.size()) c = p.value[++i];
    out.push_back(c);
  }
  return out;
}

// First parameter named exactly `name` (case-insensitive), unquoted.
std::optional<std::string> get_param(std::string_view field, std::string_view name) {
  std::string_view rest = field;
  Param p;
  while (next_param(rest, p))
    if (iequals(p.attr, name)) return unquote(p);
  return std::nullopt;
}

// RFC 2231 %XX; an invalid escape is kept as written.
void append_pct_decoded(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = -1, lo = -1;
    if (s[i] == '%' && i + 2 < s.size()) {
      hi = hex_value(s[i + 1]);
      lo = hex_value(s[i + 2]);
    }
    if (hi >= 0 && lo >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
}

void note_conversion(const Converted& c, std::string_view charset, Problems& problems) {
  if (c.unknown_charset)
    problems.add("unknown-charset", "unknown charset " + repair_utf8(charset.substr(0, 64)));
  if (c.invalid_bytes) {
    std::string_view name = charset.empty() ? std::string_view("utf-8") : charset.substr(0, 64);
    problems.add("bad-charset", "invalid bytes for charset " + repair_utf8(name));
  }
}

struct Segment {
  std::size_t index;
  Param param;
  bool encoded;
};

// RFC 2231 name*N / name*N* segments, contiguous from 0, joined and decoded.
std::string join_segments(std::vector<Segment>& segs, Problems& problems) {
  std::sort(segs.begin(), segs.end(),
            [](const Segment& a, const Segment& b) { return a.index < b.index; });
  std::string bytes, charset;
  bool any_encoded = false;
  for (std::size_t i = 0; i < segs.size() && segs[i].index == i; ++i) {
    std::string v = unquote(segs[i].param);
    std::string_view sv = v;
    if (segs[i].encoded) {
      if (i == 0) {  // charset'language'value
        std::size_t q1 = sv.find('\''), q2 = q1 == std::string_view::npos ? q1 : sv.find('\'', q1 + 1);
        if (q2 != std::string_view::npos) {
          charset = std::string(sv.substr(0, q1));
          sv.remove_prefix(q2 + 1);
        }
      }
      append_pct_decoded(bytes, sv);
      any_encoded = true;
    } else {
      bytes += sv;
    }
  }
  if (!any_encoded) return decode_header_text(bytes, problems);  // some mailers put RFC 2047 here
  Converted c = to_utf8(bytes, charset);
  note_conversion(c, charset, problems);
  return std::move(c.text);
}

// A parameter as display text: RFC 2231 (extended and continued) preferred,
// else the plain value with RFC 2047 encoded words decoded (common, if
// forbidden inside quotes).
std::string get_param_text(std::string_view field, std::string_view name, Problems& problems) {
  std::optional<std::string> plain;
  std::vector<Segment> segs;
  std::string_view rest = field;
  Param p;
  while (next_param(rest, p)) {
    if (iequals(p.attr, name)) {
      if (!plain) plain = unquote(p);
      continue;
    }
    if (p.attr.size() <= name.size() || !istarts_with(p.attr, name) || p.attr[name.size()] != '*')
      continue;
    std::string_view suffix = p.attr.substr(name.size() + 1);
    if (suffix.empty()) {  // name*=charset'lang'value: a single segment 0
      segs.clear();
      segs.push_back({0, p, true});
      break;
    }
    bool encoded = suffix.back() == '*';
    if (encoded) suffix.remove_suffix(1);
    if (suffix.empty() || suffix.size() > 4 ||
        !std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    if (segs.size() < kMaxParamSegments)
      segs.push_back({static_cast<std::size_t>(std::stoul(std::string(suffix))), p, encoded});
  }
  if (!segs.empty()) return join_segments(segs, problems);
  if (plain) return decode_header_text(*plain, problems);
  return {};
}

// ---------------------------------------------------------------------------
// One leaf part, from its raw field values and still-encoded content.

struct PartFields {
  std::string_view content_type;
  std::string_view transfer_encoding;
  std::string_view disposition;
};

// Lower-case "type/subtype", or empty if the value is not one.
std::string media_type(std::string_view ct_value) {
  std::string_view t = leading_token(ct_value);
  std::size_t slash = t.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == t.size()) return {};
  return to_lower(t);
}

// Decodes the transfer encoding; returns nullopt when the bytes are usable
// as they are (7bit, 8bit, binary, none, unknown), avoiding a copy.
std::optional<std::string> transfer_decode(std::string_view cte_value, std::string_view content,
                                           Problems& problems) {
  std::string_view cte = leading_token(cte_value);
  if (iequals(cte, "base64")) return decode_base64(content);
  if (iequals(cte, "quoted-printable")) return decode_quoted_printable(content);
  if (!cte.empty() && !iequals(cte, "7bit") && !iequals(cte, "8bit") && !iequals(cte, "binary"))
    problems.add("unknown-encoding",
                 "unknown Content-Transfer-Encoding " + repair_utf8(cte.substr(0, 64)));
  return std::nullopt;
}

MimePart make_leaf(const PartFields& f, std::string_view content, bool in_digest,
                   Problems& problems) {
  MimePart part;
  part.content_type = media_type(f.content_type);
  if (part.content_type.empty()) part.content_type = in_digest ? "message/rfc822" : "text/plain";
  part.disposition = to_lower(leading_token(f.disposition).substr(0, 32));
  if (!f.disposition.empty()) part.filename = get_param_text(f.disposition, "filename", problems);
  if (part.filename.empty() && !f.content_type.empty())
    part.filename = get_param_text(f.content_type, "name", problems);
  std::optional<std::string> decoded = transfer_decode(f.transfer_encoding, content, problems);
  std::string_view bytes = decoded ? std::string_view(*decoded) : content;
  part.size = bytes.size();
  part.is_text = part.content_type.starts_with("text/");
  if (part.is_text) {
    std::string charset = get_param(f.content_type, "charset").value_or(std::string());
    Converted c = to_utf8(bytes, charset);
    note_conversion(c, charset, problems);
    part.text = std::move(c.text);
  }
  return part;
}

// The whole body as one text/plain part, when its structure is not usable.
MimePart text_fallback(std::string_view body, Problems& problems) {
  return make_leaf(PartFields{}, body, false, problems);
}

// ---------------------------------------------------------------------------
// Gate: a linear pre-scan that mirrors how mimetic will walk the body (part
// headers after each boundary, an embedded header after a message/rfc822
// header, boundaries found anywhere in a line) and estimates nesting depth,
// part count and part header field lengths before mimetic sees anything.

struct GateResult {
  const char* over = nullptr;  // why mimetic must not run; null if it may
  bool top_closed = false;     // the top-level close delimiter was seen
};

struct Scanner {
  std::vector<std::string> stack;  // "--boundary", or "" for a message/rfc822 level
  bool in_header = false;
  bool field_is_ct = false;
  std::size_t field_len = 0;
  std::string ct;  // current part's Content-Type, capped
  std::size_t parts = 0;
  GateResult result;

  void end_field() {
    field_is_ct = false;
    field_len = 0;
  }

  // End of a part header: what kind of body follows decides the next state.
  void end_header() {
    end_field();
    in_header = false;
    std::string type = media_type(ct);
    if (type.starts_with("multipart/")) {
      // mimetic uses "--" + whatever boundary it finds, even an empty one.
      stack.push_back("--" + get_param(ct, "boundary").value_or(std::string()));
    } else if (type == "message/rfc822") {
      stack.emplace_back();
      in_header = true;  // the embedded message's own header follows
      ++parts;
    }
    ct.clear();
    if (stack.size() > kMaxMimeDepth + 1) result.over = "nesting too deep";
  }

  void header_line(std::string_view line) {
    bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (continuation && field_len > 0) {
      field_len += line.size();
      if (field_is_ct && ct.size() + line.size() <= kMaxScannedContentType) ct += line;
    } else if (line.empty() || line.find(':') == std::string_view::npos) {
      end_header();  // a line without a colon also ends mimetic's header
    } else {
      end_field();
      field_len = line.size();
      std::string_view name = trim_ws(line.substr(0, line.find(':')));
      field_is_ct = iequals(name, "content-type");
      if (field_is_ct) ct = line.substr(line.find(':') + 1, kMaxScannedContentType);
    }
    if (field_len > kMaxPartHeaderField) result.over = "part header field too long";
  }

  void body_line(std::string_view line) {
    if (line.find("--") == std::string_view::npos) return;
    for (std::size_t i = stack.size(); i-- > 0;) {
      const std::string& delim = stack[i];
      if (delim.empty()) continue;
      std::size_t at = line.find(delim);
      if (at == std::string_view::npos) continue;
      std::string_view after = line.substr(at + delim.size());
      stack.resize(i + 1);
      if (after.starts_with("--")) {
        stack.pop_back();
        if (i == 0) result.top_closed = true;
      } else {
        ++parts;
        in_header = true;
        field_len = after.size();  // mimetic starts the header right here
      }
      return;
    }
  }
};

GateResult scan_structure(std::string_view body, std::string_view boundary) {
  Scanner s;
  s.stack.push_back("--" + std::string(boundary));
  std::size_t pos = 0;
  while (pos < body.size() && !s.result.over) {
    std::size_t nl = body.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? body.size() : nl;
    std::string_view line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (s.in_header)
      s.header_line(line);
    else
      s.body_line(line);
    if (s.parts > kMaxMimeParts) s.result.over = "too many parts";
    pos = end + 1;
  }
  return s.result;
}

// Hard bound on mimetic's recursion, independent of the line model above:
// every level needs its own "Content-Type:" whose value starts with
// multipart or message, wherever mimetic may think a header starts.
bool too_many_nesting_fields(std::string_view body) {
  std::size_t count = 0;
  for (std::size_t colon = body.find(':'); colon != std::string_view::npos;
       colon = body.find(':', colon + 1)) {
    std::size_t n = colon;
    while (n > 0 && (body[n - 1] == ' ' || body[n - 1] == '\t')) --n;
    if (n < 12 || !iequals(body.substr(n - 12, 12), "content-type")) continue;
    std::size_t v = colon + 1;
    while (v < body.size() && is_ws(body[v])) ++v;
    std::string_view value = body.substr(v, 9);
    if ((istarts_with(value, "multipart") || istarts_with(value, "message")) &&
        ++count > kMaxMimeParts)
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Walking mimetic's tree: iteratively, bounded by depth and part count.

std::string_view field_value(const mimetic::MimeEntity& e, std::string_view name,
                             std::string& storage) {
  for (const mimetic::Field& f : e.header()) {
    const auto& n = f.name();
    if (iequals(std::string_view(n.data(), n.size()), name)) {
      storage = f.value();
      return storage;
    }
  }
  return {};
}

struct WalkItem {
  const mimetic::MimeEntity* entity;
  std::size_t depth;
  bool in_digest;
};

// Size of an embedded message: mimetic already parsed it into children.
std::size_t embedded_size(const mimetic::MimeEntity& e) {
  std::size_t size = e.body().size();
  for (const mimetic::MimeEntity* child : e.body().parts()) size += child->size();
  return size;
}

void walk(const mimetic::MimeEntity& top, std::vector<MimePart>& out, Problems& problems) {
  std::vector<WalkItem> stack{{&top, 0, false}};
  std::string ct_s, cte_s, cd_s;
  bool limited = false;
  while (!stack.empty()) {
    WalkItem item = stack.back();
    stack.pop_back();
    if (out.size() >= kMaxMimeParts) {
      limited = true;
      break;
    }
    const mimetic::MimeEntity& e = *item.entity;
    PartFields f{field_value(e, "content-type", ct_s), field_value(e, "content-transfer-encoding", cte_s),
                 field_value(e, "content-disposition", cd_s)};
    std::string type = media_type(f.content_type);
    if (type.starts_with("multipart/")) {
      const mimetic::MimeEntityList& kids = e.body().parts();
      if (kids.empty()) {  // boundary never found: keep the text searchable
        problems.add("bad-mime", "multipart without parts");
        out.push_back(text_fallback(e.body().preamble(), problems));
      } else if (item.depth + 1 > kMaxMimeDepth) {
        limited = true;
      } else {
        bool digest = type == "multipart/digest";
        for (auto it = kids.rbegin(); it != kids.rend(); ++it)
          stack.push_back({*it, item.depth + 1, digest});
      }
    } else if (type == "message/rfc822" || (type.empty() && item.in_digest)) {
      MimePart part = make_leaf(f, {}, item.in_digest, problems);
      part.size = embedded_size(e);  // stored whole, as an attachment
      out.push_back(std::move(part));
    } else {
      out.push_back(make_leaf(f, e.body(), item.in_digest, problems));
    }
  }
  if (limited) problems.add("mime-limit", "MIME structure cut at depth/part limit");
}

const RawField* find_raw(const HeaderBlock& h, std::string_view name) {
  for (const RawField& f : h.fields)
    if (iequals(trim_ws(f.name), name)) return &f;
  return nullptr;
}

std::string_view raw_value(const HeaderBlock& h, std::string_view name) {
  const RawField* f = find_raw(h, name);
  return f ? f->value : std::string_view();
}

bool usable_boundary(std::string_view b) {
  // These cannot be passed through mimetic's parameter parser intact.
  return !b.empty() && b.size() <= kMaxBoundary &&
         std::none_of(b.begin(), b.end(), [](char c) {
           return c == '"' || c == '\\' || c == ';' || static_cast<unsigned char>(c) < 0x20 ||
                  c == 0x7f;
         });
}

std::vector<MimePart> parse_multipart(const HeaderBlock& h, std::string_view type,
                                      std::string_view ct_value, Problems& problems) {
  std::vector<MimePart> out;
  std::string boundary = get_param(ct_value, "boundary").value_or(std::string());
  if (!usable_boundary(boundary)) {
    problems.add("bad-mime", boundary.empty() ? "multipart without boundary"
                                              : "unusable multipart boundary");
    out.push_back(text_fallback(h.body, problems));
    return out;
  }
  GateResult gate;
  if (h.body.size() > kMaxMimeInput)
    gate.over = "body too large";
  else if (too_many_nesting_fields(h.body))
    gate.over = "too many nested Content-Type fields";
  else
    gate = scan_structure(h.body, boundary);
  if (gate.over) {
    problems.add("mime-limit", std::string("MIME structure not parsed: ") + gate.over);
    out.push_back(text_fallback(h.body, problems));
    return out;
  }
  // mimetic never sees the message's own header (fault 4): only this.
  std::string input;
  input.reserve(h.body.size() + boundary.size() + 64);
  input.append("Content-Type: ").append(type).append("; boundary=\"").append(boundary);
  input.append("\"\r\n\r\n").append(h.body);
  try {
    mimetic::MimeEntity top(input.data(), input.data() + input.size());
    walk(top, out, problems);
  } catch (const std::exception& e) {
    problems.add("bad-mime", std::string("mimetic: ") + repair_utf8(e.what()));
  } catch (...) {
    problems.add("bad-mime", "mimetic threw");
  }
  if (out.empty()) out.push_back(text_fallback(h.body, problems));
  if (!gate.top_closed) problems.add("truncated-mime", "closing MIME boundary missing");
  return out;
}

}  // namespace

std::vector<MimePart> parse_mime(const HeaderBlock& header, Problems& problems) {
  std::string_view ct_value = raw_value(header, "content-type");
  std::string type = media_type(ct_value);
  if (type.starts_with("multipart/")) return parse_multipart(header, type, ct_value, problems);
  // Fast path, most list mail: one part, no mimetic. A top-level
  // message/rfc822 is a leaf too, as everywhere else.
  PartFields f{ct_value, raw_value(header, "content-transfer-encoding"),
               raw_value(header, "content-disposition")};
  std::vector<MimePart> out;
  out.push_back(make_leaf(f, header.body, false, problems));
  return out;
}

std::string decode_quoted_printable(std::string_view in) {
  // Decoding never lengthens: written through a pointer into room made once
  // (push_back per byte was ~1.5 % of a bulk import).
  std::string out(in.size(), '\0');
  char* const begin = out.data();
  char* o = begin;
  // RFC 2045 6.7 (3): white space at the end of an encoded line was added in
  // transport and is deleted; this is where the current literal run began.
  char* trailing_ws = nullptr;
  const std::size_t n = in.size();
  for (std::size_t i = 0; i < n; ++i) {
    char c = in[i];
    if (c == '\n' || c == '\r') {
      if (trailing_ws) o = trailing_ws;
      trailing_ws = nullptr;
      *o++ = c;
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (!trailing_ws) trailing_ws = o;
      *o++ = c;
      continue;
    }
    trailing_ws = nullptr;
    if (c != '=') {
      *o++ = c;
      continue;
    }
    int hi = i + 2 < n ? hex_value(in[i + 1]) : -1;
    int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
    if (lo >= 0) {
      *o++ = static_cast<char>(hi * 16 + lo);
      i += 2;
      continue;
    }
    // Soft line break: "=" [white space] ("\n" | "\r\n").
    std::size_t j = i + 1;
    while (j < n && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j < n && in[j] == '\n') {
      i = j;
    } else if (j + 1 < n && in[j] == '\r' && in[j + 1] == '\n') {
      i = j + 1;
    } else {
      *o++ = '=';  // not an escape: kept as written
    }
  }
  if (trailing_ws) o = trailing_ws;
  out.resize(static_cast<std::size_t>(o - begin));
  return out;
}

}  // namespace mlidx
