#include "mail/rfc2047.hh"

#include <cstring>

#include <algorithm>
#include <array>
#include <cstdint>

#include "util/charset.hh"
#include "util/codec.hh"
#include "util/text.hh"

namespace mlidx {
namespace {

// Longest charset (with "*lang") accepted; real names are far shorter, and
// the bound keeps each parse attempt O(1) in the charset part.
constexpr std::size_t kMaxCharsetLen = 64;

// RFC 2047 section 2 "token": no SPACE, CTLs or especials. '.' and ':' are
// especials there but occur in real charset labels, so they are allowed.
bool is_charset_char(char c) {
  auto b = static_cast<unsigned char>(c);
  if (b <= 0x20 || b >= 0x7F) return false;
  return std::string_view("()<>@,;\"/[]?=\\").find(c) == std::string_view::npos;
}

bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool all_lws(std::string_view s) { return std::all_of(s.begin(), s.end(), is_lws); }

struct EncodedWord {
  std::string_view charset;  // "*lang" (RFC 2231 section 5) removed
  char encoding = 0;         // 'b' or 'q'
  std::string_view text;
  std::size_t end = 0;       // one past the closing "?="
};

enum class Parse { kNotAWord, kMalformed, kOk };

// Parses "=?charset?E?text?=" at value[p] (which holds "=?"). The text ends
// at its first '?', which must be followed by '=' (RFC 2047 section 2: '?'
// cannot occur in encoded-text). Each attempt scans only to the next '?', so
// all attempts together stay linear in the value.
Parse parse_word(std::string_view v, std::size_t p, EncodedWord& w) {
  std::size_t i = p + 2;
  while (i < v.size() && i - (p + 2) <= kMaxCharsetLen && is_charset_char(v[i])) ++i;
  if (i == p + 2 || i + 2 >= v.size() || v[i] != '?' || v[i + 2] != '?')
    return Parse::kNotAWord;
  char enc = v[i + 1];
  bool alnum = (enc >= 'a' && enc <= 'z') || (enc >= 'A' && enc <= 'Z') ||
               (enc >= '0' && enc <= '9');
  if (!alnum) return Parse::kNotAWord;
  std::string_view charset = v.substr(p + 2, i - (p + 2));
  std::size_t text_begin = i + 3;
  std::size_t q = v.find('?', text_begin);
  if (q == std::string_view::npos || q + 1 >= v.size() || v[q + 1] != '=')
    return Parse::kMalformed;
  enc = static_cast<char>(enc | 0x20);  // encoding letter is case-insensitive
  if (enc != 'b' && enc != 'q') return Parse::kMalformed;
  w.charset = charset.substr(0, charset.find('*'));
  w.encoding = enc;
  w.text = v.substr(text_begin, q - text_begin);
  w.end = q + 2;
  return Parse::kOk;
}

// RFC 2047 section 4.2: '_' is 0x20, "=XX" a hex octet. A '=' without two
// hex digits is kept literally rather than lost.
void decode_q(std::string_view s, std::string& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (int hi = 0, lo = 0;
               c == '=' && i + 2 < s.size() && (hi = hex_value(s[i + 1])) >= 0 &&
               (lo = hex_value(s[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
}

// The next "=?" at or after `from`. '?' is rare in headers while '=' is
// everywhere in DKIM signatures, so search for the '?' (string_view::find
// would call memchr for every '=').
std::size_t find_word_start(std::string_view s, std::size_t from) {
  std::size_t pos = from + 1;
  while (pos < s.size()) {
    const void* p = std::memchr(s.data() + pos, '?', s.size() - pos);
    if (!p) break;
    pos = static_cast<std::size_t>(static_cast<const char*>(p) - s.data());
    if (s[pos - 1] == '=') return pos - 1;
    ++pos;
  }
  return std::string_view::npos;
}

// Builds the decoded value; problems of one kind are reported once per value.
class Decoder {
 public:
  Decoder(std::string_view value, Problems& problems)
      : value_(value), problems_(problems) {
    out_.reserve(value.size());
  }

  std::string run() {
    std::size_t raw_start = 0;  // first byte of text not yet emitted
    bool after_word = false;    // the text before raw_start ends with a word
    std::size_t scan = 0;
    for (;;) {
      std::size_t p = find_word_start(value_, scan);
      if (p == std::string_view::npos) break;
      EncodedWord w;
      Parse r = parse_word(value_, p, w);
      if (r != Parse::kOk) {
        if (r == Parse::kMalformed)
          note(reported_bad_word_, "bad-encoded-word", value_.substr(p, 80));
        scan = p + 2;  // left as written: it stays part of the raw text
        continue;
      }
      std::string_view gap = value_.substr(raw_start, p - raw_start);
      // RFC 2047 section 6.2: whitespace between adjacent encoded words is
      // not displayed. Glued words (empty gap) are joined likewise.
      if (!(after_word && all_lws(gap))) {
        flush();
        append_raw(gap);
      }
      add_word(w);
      after_word = true;
      raw_start = scan = w.end;
    }
    flush();
    append_raw(value_.substr(raw_start));
    return finish();
  }

 private:
  // Adjacent words in one charset are joined as bytes before conversion, so
  // a multi-byte character split across words (which RFC 2047 section 5
  // forbids but mailers do) comes out whole.
  void add_word(const EncodedWord& w) {
    if (!iequals(w.charset, charset_)) flush();
    charset_ = w.charset;
    if (w.encoding == 'b') pending_ += decode_base64(w.text);
    else decode_q(w.text, pending_);
  }

  void flush() {
    if (!pending_.empty()) {
      Converted c = to_utf8(pending_, charset_);
      out_ += c.text;
      if (c.unknown_charset) note(reported_unknown_, "unknown-charset", charset_);
      else if (c.invalid_bytes) note(reported_bad_charset_, "bad-charset", charset_);
    }
    pending_.clear();
    charset_ = {};
  }

  void append_raw(std::string_view s) {
    if (append_repaired_utf8(out_, s) != 0)
      note(reported_8bit_, "8bit-header", "raw 8-bit bytes outside encoded words");
  }

  // C0 controls (NUL included) other than TAB become U+FFFD: they cannot be
  // typed in a header and break terminals and SQL consumers.
  std::string finish() {
    bool has_control = std::any_of(out_.begin(), out_.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 && c != '\t';
    });
    return has_control ? replace_controls(out_) : std::move(out_);
  }

  void note(bool& reported, const char* kind, std::string_view detail) {
    if (reported) return;
    reported = true;
    problems_.add(kind, std::string(detail));
  }

  std::string_view value_;
  Problems& problems_;
  std::string out_;
  std::string pending_;        // decoded bytes of the current run of words
  std::string_view charset_;   // their charset
  bool reported_bad_word_ = false;
  bool reported_unknown_ = false;
  bool reported_bad_charset_ = false;
  bool reported_8bit_ = false;
};

// True when decoding cannot change `v`: no "=?" (so no encoded word), no C0
// control but TAB, and valid UTF-8. Most header values and display names
// are like that, and then a copy is the whole result, with no problem.
// Eight bytes are tested at a time; a word holding a byte that may matter
// ('?', a control or TAB, an 8-bit byte) is looked at byte by byte.
bool decodes_to_itself(std::string_view v) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  bool ascii = true;
  std::size_t i = 0;
  auto byte_ok = [&](std::size_t k) {
    auto b = static_cast<unsigned char>(v[k]);
    if (b >= 0x80) ascii = false;
    else if (b < 0x20 && b != '\t') return false;
    else if (b == '?' && k > 0 && v[k - 1] == '=') return false;
    return true;
  };
  for (; i + 8 <= v.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, v.data() + i, 8);
    std::uint64_t q = w ^ (kOnes * '?');
    // Per byte: the high bit set, below 0x20, or equal to '?' (the classic
    // "has a byte less than n" bit tricks; exact about whether any exists).
    std::uint64_t hit = (w | ((w - kOnes * 0x20) & ~w) | ((q - kOnes) & ~q)) & kHigh;
    if (hit == 0) continue;
    for (std::size_t k = i; k < i + 8; ++k)
      if (!byte_ok(k)) return false;
  }
  for (; i < v.size(); ++i)
    if (!byte_ok(i)) return false;
  return ascii || is_valid_utf8(v);
}

}  // namespace

std::string decode_header_text(std::string_view value, Problems& problems) {
  if (decodes_to_itself(value)) return std::string(value);
  return Decoder(value, problems).run();
}

}  // namespace mlidx
