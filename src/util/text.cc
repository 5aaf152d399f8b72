#include "util/text.hh"

#include <cstdint>
#include <cstring>

namespace mlidx {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there
// do not form one. Follows the well-formed byte table of RFC 3629 section 4 /
// Unicode Table 3-7, which excludes overlongs and surrogates by construction.
std::size_t valid_seq_len(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u;
  };
  auto cont = [](unsigned b, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return b >= lo && b <= hi;
  };
  unsigned b0 = at(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(at(1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;  // E0 80..9F: overlong
    unsigned hi = b0 == 0xED ? 0x9F : 0xBF;  // ED A0..BF: surrogates
    return cont(at(1), lo, hi) && cont(at(2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;  // F0 80..8F: overlong
    unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;  // F4 90..: above U+10FFFF
    return cont(at(1), lo, hi) && cont(at(2)) && cont(at(3)) ? 4 : 0;
  }
  return 0;  // 80..C1 (stray continuation, overlong lead), F5..FF
}

// Index of the first non-ASCII byte at or after i: mail text is mostly ASCII,
// so eight bytes are tested at a time.
std::size_t skip_ascii(std::string_view s, std::size_t i) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  while (i + 8 <= s.size()) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & kHigh) break;
    i += 8;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = skip_ascii(s, 0);
  while (i < s.size()) {
    std::size_t n = valid_seq_len(s, i);
    if (n == 0) return false;
    i = skip_ascii(s, i + n);
  }
  return true;
}

std::size_t append_repaired_utf8(std::string& out, std::string_view s) {
  std::size_t bad = 0;
  std::size_t run = 0;  // start of the pending run of valid bytes
  std::size_t i = skip_ascii(s, 0);
  while (i < s.size()) {
    std::size_t n = valid_seq_len(s, i);
    if (n != 0) { i = skip_ascii(s, i + n); continue; }
    out.append(s.substr(run, i - run));
    out.append(kReplacement);  // one per bad byte; resync on the next byte
    ++bad;
    run = ++i;
    i = skip_ascii(s, i);
  }
  out.append(s.substr(run));
  return bad;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_repaired_utf8(out, s);
  return out;
}

std::size_t utf8_prefix_len(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  std::size_t n = max_bytes;
  // Back off over continuation bytes so the cut lands before a lead byte.
  std::size_t floor = max_bytes >= 3 ? max_bytes - 3 : 0;
  while (n > floor && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

std::string replace_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 && c != '\t') out.append(kReplacement);
    else out.push_back(c);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  auto ws = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
  };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}


namespace {

// True when none of the 8 bytes needs escaping in JSON: no control byte
// (< 0x20), no '"' and no '\\'. Bit tricks from "Bit Twiddling Hacks"
// (haszero / hasless), so header text is escaped 8 bytes at a time.
bool json_plain8(const char* p) {
  constexpr std::uint64_t k01 = 0x0101010101010101ull, k80 = 0x8080808080808080ull;
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  auto has_zero = [&](std::uint64_t v) { return ((v - k01) & ~v & k80) != 0; };
  bool control = ((w - k01 * 0x20) & ~w & k80) != 0;  // some byte < 0x20
  return !control && !has_zero(w ^ (k01 * '"')) && !has_zero(w ^ (k01 * '\\'));
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size() && json_plain8(s.data() + i)) {
      i += 8;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.substr(run, i - run));
    run = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.substr(run));
  out.push_back('"');
}

void crlf_to_lf(std::string& s) {
  std::size_t cr = s.find("\r\n");
  if (cr == std::string::npos) return;
  std::size_t out = cr;
  for (std::size_t i = cr; i < s.size(); ++i)
    if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) s[out++] = s[i];
  s.resize(out);
}

std::string json_string_array(const std::vector<std::string>& items) {
  std::string j = "[";
  for (const auto& s : items) {
    if (j.size() > 1) j += ',';
    append_json_string(j, s);
  }
  return j + "]";
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace mlidx
