#include "util/charset.hh"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <vector>

#include "util/text.hh"

namespace mlidx {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// How a (normalized) charset label is decoded.
enum class Decoder { kUtf8, kAsciiLenient, kWindows1252, kIconv };

struct Target {
  Decoder decoder;
  std::string iconv_name;  // for kIconv
};

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
}

// Lowercased label with quotes, whitespace, an RFC 2231 "*lang" suffix and
// trailing junk ("utf-8;", "utf-8\" format=flowed") removed.
std::string normalize_label(std::string_view charset) {
  std::string_view s = trim(charset);
  while (!s.empty() && (s.front() == '"' || s.front() == '\'')) s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && is_label_char(s[n])) ++n;
  return to_lower(s.substr(0, n));
}

// "cp-850", "cp_1251", "win-1251" -> "cp850", "cp1251": typos seen in mail.
std::string fix_codepage_typo(const std::string& l) {
  for (std::string_view p : {"cp-", "cp_", "win-", "windows_", "ms-"}) {
    if (l.size() > p.size() && l.starts_with(p) &&
        l.find_first_not_of("0123456789", p.size()) == std::string::npos) {
      std::string digits = l.substr(p.size());
      return (p.starts_with("cp") || p == "ms-") ? "cp" + digits : "windows-" + digits;
    }
  }
  return l;
}

struct Alias {
  std::string_view label;
  Decoder decoder;
  std::string_view iconv_name;
};

// Small on purpose: only labels iconv lacks or gets "wrong" for mail. Anything
// else is handed to iconv_open as written (glibc knows most IANA names).
constexpr std::array kAliases = {
    Alias{"utf-8", Decoder::kUtf8, ""},
    Alias{"utf8", Decoder::kUtf8, ""},
    Alias{"unicode-1-1-utf-8", Decoder::kUtf8, ""},
    // Declared ASCII but mailers put 8-bit text in it anyway.
    Alias{"us-ascii", Decoder::kAsciiLenient, ""},
    Alias{"ascii", Decoder::kAsciiLenient, ""},
    Alias{"us_ascii", Decoder::kAsciiLenient, ""},
    Alias{"ansi_x3.4-1968", Decoder::kAsciiLenient, ""},
    Alias{"iso646-us", Decoder::kAsciiLenient, ""},
    // Labels that mean "unknown": best effort, like us-ascii.
    Alias{"unknown-8bit", Decoder::kAsciiLenient, ""},
    Alias{"x-unknown", Decoder::kAsciiLenient, ""},
    Alias{"unknown", Decoder::kAsciiLenient, ""},
    Alias{"8bit", Decoder::kAsciiLenient, ""},
    Alias{"7bit", Decoder::kAsciiLenient, ""},
    Alias{"x-user-defined", Decoder::kAsciiLenient, ""},
    Alias{"default", Decoder::kAsciiLenient, ""},
    // ISO-8859-1 labelled text is windows-1252 in practice (WHATWG Encoding).
    Alias{"iso-8859-1", Decoder::kWindows1252, ""},
    Alias{"iso8859-1", Decoder::kWindows1252, ""},
    Alias{"iso_8859-1", Decoder::kWindows1252, ""},
    Alias{"iso-8859-1:1987", Decoder::kWindows1252, ""},
    Alias{"latin1", Decoder::kWindows1252, ""},
    Alias{"latin-1", Decoder::kWindows1252, ""},
    Alias{"l1", Decoder::kWindows1252, ""},
    Alias{"cp819", Decoder::kWindows1252, ""},
    Alias{"windows-1252", Decoder::kWindows1252, ""},
    Alias{"cp1252", Decoder::kWindows1252, ""},
    Alias{"x-cp1252", Decoder::kWindows1252, ""},
    // Supersets that Windows mailers actually emit.
    Alias{"ks_c_5601-1987", Decoder::kIconv, "CP949"},
    Alias{"ks_c_5601", Decoder::kIconv, "CP949"},
    Alias{"ksc5601", Decoder::kIconv, "CP949"},
    Alias{"euc-kr", Decoder::kIconv, "CP949"},
    Alias{"gb2312", Decoder::kIconv, "GB18030"},
    Alias{"gbk", Decoder::kIconv, "GB18030"},
    Alias{"x-gbk", Decoder::kIconv, "GB18030"},
    Alias{"cp936", Decoder::kIconv, "GB18030"},
    Alias{"euc-cn", Decoder::kIconv, "GB18030"},
    Alias{"shift_jis", Decoder::kIconv, "CP932"},
    Alias{"shift-jis", Decoder::kIconv, "CP932"},
    Alias{"x-sjis", Decoder::kIconv, "CP932"},
    Alias{"sjis", Decoder::kIconv, "CP932"},
    Alias{"big5", Decoder::kIconv, "BIG5-HKSCS"},
    Alias{"tis-620", Decoder::kIconv, "CP874"},
    Alias{"iso-8859-11", Decoder::kIconv, "CP874"},
    // Visual/explicit Hebrew and Arabic (RFC 1556): same bytes as the base set.
    Alias{"iso-8859-8-i", Decoder::kIconv, "ISO-8859-8"},
    Alias{"iso-8859-8-e", Decoder::kIconv, "ISO-8859-8"},
    Alias{"iso-8859-6-i", Decoder::kIconv, "ISO-8859-6"},
    Alias{"iso-8859-6-e", Decoder::kIconv, "ISO-8859-6"},
    Alias{"x-mac-roman", Decoder::kIconv, "MACINTOSH"},
    Alias{"mac", Decoder::kIconv, "MACINTOSH"},
    Alias{"x-mac-cyrillic", Decoder::kIconv, "MAC-CYRILLIC"},
    Alias{"x-mac-ukrainian", Decoder::kIconv, "MACUKRAINIAN"},
    Alias{"x-mac-ce", Decoder::kIconv, "MAC-CENTRALEUROPE"},
    Alias{"x-mac-centraleurroman", Decoder::kIconv, "MAC-CENTRALEUROPE"},
};

Target resolve(std::string_view charset) {
  std::string label = fix_codepage_typo(normalize_label(charset));
  if (label.empty()) return {Decoder::kUtf8, ""};
  for (const Alias& a : kAliases)
    if (a.label == label) return {a.decoder, std::string(a.iconv_name)};
  return {Decoder::kIconv, std::move(label)};
}

// WHATWG windows-1252 for 0x80..0x9F; the five bytes Microsoft leaves
// undefined map to the C1 controls, as ISO-8859-1 would, so nothing is lost.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void append_code_point(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Every byte is defined, so this never reports invalid bytes.
void decode_windows1252(std::string_view bytes, std::string& out) {
  out.reserve(out.size() + bytes.size() + bytes.size() / 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x80) out.push_back(c);
    else if (b < 0xA0) append_code_point(out, kCp1252High[b - 0x80]);
    else append_code_point(out, b);
  }
}

Converted decode_utf8(std::string_view bytes) {
  Converted r;
  r.text.reserve(bytes.size());
  r.invalid_bytes = append_repaired_utf8(r.text, bytes) != 0;
  return r;
}

// ASCII-labelled text with 8-bit bytes: UTF-8 if it parses as such (a modern
// mailer that forgot the label), else windows-1252 (an old one).
Converted decode_ascii_lenient(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return {std::string(bytes), false, false};
  Converted r;
  decode_windows1252(bytes, r.text);
  return r;
}

// One iconv_t per charset label per thread. Bounded so that mail naming many
// bogus charsets cannot open converters without limit.
class ConverterCache {
 public:
  ~ConverterCache() {
    for (Entry& e : entries_)
      if (e.cd != kFailed) iconv_close(e.cd);
  }
  // The converter for `name`, or kFailed if iconv does not know it.
  iconv_t get(const std::string& name) {
    for (Entry& e : entries_)
      if (e.name == name) return e.cd;
    iconv_t cd = open(name);
    if (entries_.size() >= kMaxEntries) {
      Entry& victim = entries_[next_victim_];
      next_victim_ = (next_victim_ + 1) % kMaxEntries;
      if (victim.cd != kFailed) iconv_close(victim.cd);
      victim = {name, cd};
    } else {
      entries_.push_back({name, cd});
    }
    return cd;
  }
  static inline const iconv_t kFailed = reinterpret_cast<iconv_t>(-1);

 private:
  struct Entry {
    std::string name;
    iconv_t cd;
  };
  static constexpr std::size_t kMaxEntries = 32;

  static iconv_t open(const std::string& name) {
    iconv_t cd = iconv_open("UTF-8", name.c_str());
    // "x-euc-jp" and friends: the experimental prefix hides a known name.
    if (cd == kFailed && name.starts_with("x-"))
      cd = iconv_open("UTF-8", name.c_str() + 2);
    return cd;
  }

  std::vector<Entry> entries_;
  std::size_t next_victim_ = 0;
};

ConverterCache& cache() {
  thread_local ConverterCache c;
  return c;
}

// Runs iconv over all of `bytes`. EILSEQ/EINVAL: emit U+FFFD for one byte and
// go on, so a bad byte costs one replacement and the rest still converts.
Converted convert(iconv_t cd, std::string_view bytes) {
  Converted r;
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
  std::string& out = r.text;
  std::size_t used = 0;
  out.resize(bytes.size() * 2 + 16);
  char* in = const_cast<char*>(bytes.data());  // iconv's API is not const-correct
  std::size_t in_left = bytes.size();
  bool flushing = false;  // input done; emitting any final shift sequence
  for (;;) {
    char* dst = out.data() + used;
    std::size_t dst_left = out.size() - used;
    std::size_t rc = flushing ? iconv(cd, nullptr, nullptr, &dst, &dst_left)
                              : iconv(cd, &in, &in_left, &dst, &dst_left);
    int err = errno;
    used = out.size() - dst_left;
    if (rc != static_cast<std::size_t>(-1)) {
      if (flushing) break;
      flushing = in_left == 0;
      continue;
    }
    if (err == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    // Anything else cannot happen with glibc; never loop on it.
    if ((err != EILSEQ && err != EINVAL) || in_left == 0) break;
    if (out.size() - used < kReplacement.size()) out.resize(out.size() * 2);
    out.replace(used, kReplacement.size(), kReplacement);
    used += kReplacement.size();
    r.invalid_bytes = true;
    ++in;
    --in_left;
  }
  out.resize(used);
  // Belt and braces: the contract is valid UTF-8 whatever iconv produced.
  if (!is_valid_utf8(out)) {
    out = repair_utf8(out);
    r.invalid_bytes = true;
  }
  return r;
}

}  // namespace

Converted to_utf8(std::string_view bytes, std::string_view charset) {
  Target t = resolve(charset);
  switch (t.decoder) {
    case Decoder::kUtf8: return decode_utf8(bytes);
    case Decoder::kAsciiLenient: return decode_ascii_lenient(bytes);
    case Decoder::kWindows1252: {
      Converted r;
      decode_windows1252(bytes, r.text);
      return r;
    }
    case Decoder::kIconv: break;
  }
  iconv_t cd = cache().get(t.iconv_name);
  if (cd == ConverterCache::kFailed) {
    Converted r = decode_utf8(bytes);
    r.unknown_charset = true;
    return r;
  }
  return convert(cd, bytes);
}

}  // namespace mlidx
