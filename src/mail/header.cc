#include "mail/header.hh"

#include <fmt/format.h>

#include "util/text.hh"

namespace mlidx {
namespace {

struct Line {
  std::string_view text;  // without the line end
  std::size_t next;       // offset of the following line
};

Line line_at(std::string_view s, std::size_t pos) {
  std::size_t end = s.find('\n', pos);
  std::size_t next = end == std::string_view::npos ? s.size() : end + 1;
  if (end == std::string_view::npos) end = s.size();
  std::string_view t = s.substr(pos, end - pos);
  if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
  return {t, next};
}

bool is_continuation(std::string_view line) {
  return !line.empty() && (line[0] == ' ' || line[0] == '\t');
}

std::string excerpt(std::string_view line) {
  return repair_utf8(line.substr(0, 60));
}

bool valid_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (c < 33 || c > 126 || c == ':') return false;
  return true;
}

// Obsolete syntax allows white space before the colon (RFC 5322 4.5.2).
std::string_view field_name(std::string_view line) {
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view name = line.substr(0, colon);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  return valid_field_name(name) ? name : std::string_view{};
}

}  // namespace

HeaderBlock split_header(std::string_view msg, Problems& problems) {
  HeaderBlock h;
  std::size_t pos = 0;
  bool open = false;  // a kept field is waiting for its value's end
  std::size_t value_start = 0;
  auto close_field = [&](std::size_t end) {
    if (open) h.fields.back().value = msg.substr(value_start, end - value_start);
    open = false;
  };
  while (pos < msg.size()) {
    Line l = line_at(msg, pos);
    if (l.text.empty()) {  // RFC 5322 2.1: an empty line ends the header
      close_field(pos);
      h.body = msg.substr(l.next);
      return h;
    }
    if (is_continuation(l.text)) {
      if (!open && h.fields.empty())
        problems.add("header-without-colon", "continuation line before any field");
      pos = l.next;
      continue;
    }
    close_field(pos);
    std::string_view name = field_name(l.text);
    if (name.empty()) {
      Line nl = line_at(msg, l.next);
      if (field_name(nl.text).empty() && !is_continuation(nl.text)) {
        // The sender forgot the blank line: what follows is body text.
        problems.add("header-without-colon", "body starts without a blank line: " + excerpt(l.text));
        h.body = msg.substr(pos);
        return h;
      }
      problems.add("header-without-colon", "skipped line: " + excerpt(l.text));
      pos = l.next;
      continue;
    }
    if (h.fields.size() < kMaxHeaderFields) {
      h.fields.push_back({name, {}});
      open = true;
      value_start = pos + (l.text.find(':') + 1);
    } else if (h.fields.size() == kMaxHeaderFields && !problems.has("header-limit")) {
      problems.add("header-limit", fmt::format("more than {} header fields", kMaxHeaderFields));
    }
    pos = l.next;
  }
  close_field(msg.size());
  h.body = msg.substr(msg.size());
  return h;
}

std::string unfold(std::string_view raw) {
  std::string_view t = trim(raw);
  std::size_t lf = t.find('\n');
  if (lf == std::string_view::npos) return std::string(t);  // one line: most fields
  std::string out;
  out.reserve(t.size());
  std::size_t pos = 0;
  while (lf != std::string_view::npos) {
    std::size_t end = lf > pos && t[lf - 1] == '\r' ? lf - 1 : lf;
    out.append(t.substr(pos, end - pos));
    pos = lf + 1;
    if (pos < t.size() && t[pos] == '\t') {  // a folding tab reads as a space
      out.push_back(' ');
      ++pos;
    }
    lf = t.find('\n', pos);
  }
  out.append(t.substr(pos));
  return out;
}

const RawField* find_field(const HeaderBlock& h, std::string_view name) {
  for (const auto& f : h.fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

}  // namespace mlidx
