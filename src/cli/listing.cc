#include "cli/listing.hh"

#include <fmt/format.h>

#include <array>
#include <cstdint>


#include "cli/output.hh"
#include "util/text.hh"

namespace mlidx::cli {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string terminal_text(std::string_view s, Lines lines) {
  // 1: look closer (C0 controls, DEL, 0xC2 which may start a C1 control).
  static constexpr auto kind = [] {
    std::array<std::uint8_t, 256> k{};
    for (int c = 0; c < 0x20; ++c) k[static_cast<std::size_t>(c)] = 1;
    k[0x7F] = k[0xC2] = 1;
    return k;
  }();
  std::string repaired = is_valid_utf8(s) ? std::string() : repair_utf8(s);
  std::string_view in = repaired.empty() ? s : std::string_view(repaired);
  std::string out;
  out.reserve(in.size());
  std::size_t run = 0;  // start of the bytes kept as they are
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (!kind[c]) continue;
    bool c1 = c == 0xC2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) <= 0x9F;
    if (c == 0xC2 && !c1) continue;
    if (lines == Lines::Keep && (c == '\n' || c == '\t')) continue;
    out.append(in.substr(run, i - run));
    if (c == '\t' || c == '\n' || c == '\r') out += ' ';
    else out.append(kReplacement);  // 0x9B is CSI: as dangerous as ESC
    i += c1;
    run = i + 1;
  }
  out.append(in.substr(run));
  return out;
}

std::string short_date(std::string_view iso) {
  if (iso.empty()) return "-";
  std::string d = terminal_text(iso.substr(0, 16));
  if (d.size() > 10 && d[10] == 'T') d[10] = ' ';
  return d;
}

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += !is_continuation(c);
  return n;
}

std::string fit(std::string_view s, std::size_t width) {
  if (width == 0) return {};
  std::size_t n = display_width(s);
  if (n <= width) return std::string(s) + std::string(width - n, ' ');
  std::size_t keep = 0, seen = 0;
  while (keep < s.size()) {
    if (!is_continuation(static_cast<unsigned char>(s[keep])) && seen++ == width - 1) break;
    ++keep;
  }
  return std::string(s.substr(0, keep)) + "…";
}

std::string author(std::string_view name, std::string_view email) {
  if (!name.empty()) return terminal_text(name);
  if (!email.empty()) return terminal_text(email);
  return "-";
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::stoll(std::string(s));
}

std::string json_str(std::string_view s) { return json_quote(repair_utf8(s)); }

std::string json_str_or_null(std::string_view s) { return s.empty() ? "null" : json_str(s); }

std::string json_text(const db::Statement& st, int col) {
  return st.is_null(col) ? "null" : json_str(st.text(col));
}

std::string json_int(const db::Statement& st, int col) {
  return st.is_null(col) ? "null" : std::to_string(st.int64(col));
}

}  // namespace mlidx::cli
