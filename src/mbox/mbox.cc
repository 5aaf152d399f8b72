#include "mbox/mbox.hh"

#include <cstring>

namespace mlidx {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view line_at(std::string_view data, std::size_t pos) {
  std::size_t end = data.find('\n', pos);
  if (end == std::string_view::npos) end = data.size();
  std::string_view line = data.substr(pos, end - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::size_t skip_line(std::string_view data, std::size_t pos) {
  std::size_t end = data.find('\n', pos);
  return end == std::string_view::npos ? data.size() : end + 1;
}

// The line before `pos` (which starts a line) is empty: mbox writers put a
// blank line before each separator.
bool after_blank_line(std::string_view data, std::size_t pos) {
  if (pos < 2) return pos == 0;
  if (data[pos - 2] == '\n') return true;
  return pos >= 3 && data[pos - 2] == '\r' && data[pos - 3] == '\n';
}

// The mbox writer's blank line before the next separator is not part of the
// mail (mboxrd, RFC 4155 appendix).
std::string_view drop_separator_blank(std::string_view m) {
  if (m.ends_with("\r\n\r\n")) m.remove_suffix(2);
  else if (m.ends_with("\n\n")) m.remove_suffix(1);
  return m;
}

}  // namespace

bool looks_like_from_line(std::string_view line) {
  if (line.size() < 20 || !line.starts_with("From ")) return false;
  std::size_t colon = line.rfind(':');
  if (colon == std::string_view::npos || colon < 9 || colon + 3 > line.size()) return false;
  if (!is_digit(line[colon - 4]) || !is_digit(line[colon - 2]) || !is_digit(line[colon - 1]) ||
      !is_digit(line[colon + 1]) || !is_digit(line[colon + 2]))
    return false;
  std::size_t p = colon + 3;
  while (p < line.size() && line[p] == ' ') ++p;
  long year = 0;
  std::size_t digits = 0;
  for (; p < line.size() && is_digit(line[p]) && digits < 6; ++p, ++digits)
    year = year * 10 + (line[p] - '0');
  return year > 90;
}

bool looks_like_header_line(std::string_view line) {
  std::size_t i = 0;
  for (; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == ':') break;
    if (c < 33 || c > 126) return false;
  }
  return i > 0 && i < line.size();
}

bool separator_at(std::string_view data, std::size_t pos) {
  return looks_like_from_line(line_at(data, pos)) &&
         (after_blank_line(data, pos) || looks_like_header_line(line_at(data, skip_line(data, pos))));
}

std::size_t last_message_start(std::string_view data) {
  // Line starts from the end back: the reader splits at each one where
  // separator_at holds, and at 0.
  std::size_t end = data.size();
  while (end > 0) {
    std::size_t nl = end >= 2 ? data.rfind('\n', end - 2) : std::string_view::npos;
    std::size_t line = nl == std::string_view::npos ? 0 : nl + 1;
    if (line == 0) break;
    if (separator_at(data, line)) return line;
    end = line;
  }
  return data.starts_with("From ") ? 0 : std::string_view::npos;
}

InputKind sniff(std::string_view data) {
  if (data.empty()) return InputKind::Empty;
  std::string_view first = line_at(data, 0);
  // Only the first separator is taken on trust: a file that starts with
  // "From " is an mbox whatever follows (Patchwork's fuzzed mails do this).
  if (first.starts_with("From ")) return InputKind::Mbox;
  if (looks_like_header_line(first)) return InputKind::SingleMessage;
  return InputKind::NotMailbox;
}

const char* describe_refusal(InputKind k) {
  switch (k) {
    case InputKind::Empty: return "empty file, not a mailbox";
    case InputKind::NotMailbox:
      return "not a mailbox: it starts with neither a \"From \" line nor a header line";
    default: return "";
  }
}

MboxReader::MboxReader(std::string_view data, InputKind kind, std::size_t start)
    : data_(data), pos_(start), single_(kind == InputKind::SingleMessage) {}

// memchr for the 'F' is the fast part: capital F is rare in mail text, and
// memchr runs at memory speed between hits, several times faster than
// string_view::find (a memchr per line) or glibc's memmem here. The same
// pass finds whether the mail has a quoted ">From " line to undo: a second
// pass over each mail for that cost 2-3 % of the parser.
std::size_t MboxReader::find_next_separator(std::size_t from, bool& quoted) const {
  std::size_t pos = from + 1;
  while (pos + 5 <= data_.size()) {
    const void* p = std::memchr(data_.data() + pos, 'F', data_.size() - pos);
    if (!p) break;
    pos = static_cast<std::size_t>(static_cast<const char*>(p) - data_.data());
    if (data_.compare(pos, 5, "From ") != 0) {
      ++pos;
      continue;
    }
    if (data_[pos - 1] == '>') {
      quoted = true;
    } else if (data_[pos - 1] == '\n' && separator_at(data_, pos)) {
      return pos;
    }
    ++pos;
  }
  return data_.size();
}

bool MboxReader::next(MboxMessage& out) {
  if (pos_ >= data_.size()) return false;
  out.offset = pos_;
  if (single_) {
    out.raw = data_;
    pos_ = data_.size();
    return true;
  }
  std::size_t body = skip_line(data_, pos_);
  bool quoted = false;
  std::size_t end = find_next_separator(body > 0 ? body - 1 : 0, quoted);
  pos_ = end;
  std::string_view mail = drop_separator_blank(data_.substr(body, end - body));
  out.raw = quoted ? unquote(mail) : mail;
  return true;
}

// mboxrd quotes every ">*From " line with one more '>'; mboxo quotes only
// "From ". Removing one '>' from ">+From " undoes both (for mboxo a mail that
// really had ">From " is indistinguishable, and that ambiguity is mboxo's).
std::string_view MboxReader::unquote(std::string_view msg) {
  buf_.clear();
  buf_.reserve(msg.size());
  std::size_t line = 0;
  while (line < msg.size()) {
    std::size_t next = skip_line(msg, line);
    std::size_t q = line;
    while (q < next && msg[q] == '>') ++q;
    bool quoted = q > line && msg.substr(q).starts_with("From ");
    buf_.append(msg.substr(line + (quoted ? 1 : 0), next - line - (quoted ? 1 : 0)));
    line = next;
  }
  return buf_;
}

}  // namespace mlidx
