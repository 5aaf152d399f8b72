#include "cli/mbox_out.hh"

#include <ctime>

#include "mail/date.hh"
#include "mbox/mbox.hh"

namespace mlidx::cli {
namespace {

// strftime of the UTC time `date` names, or of the epoch when it names none.
std::string format_date(std::string_view date, const char* format, bool* ok = nullptr) {
  auto epoch = date.empty() ? std::nullopt : parse_date(date);
  if (ok) *ok = epoch.has_value();
  std::time_t t = static_cast<std::time_t>(epoch.value_or(0));
  std::tm tm{};
  char buf[64];
  if (!gmtime_r(&t, &tm) || std::strftime(buf, sizeof buf, format, &tm) == 0) return {};
  return buf;
}

bool mboxrd_quoted(std::string_view line) {
  std::size_t q = line.find_first_not_of('>');
  return q != std::string_view::npos && line.substr(q).starts_with("From ");
}

bool git_separator(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return looks_like_from_line(line);
}

void write_message(std::FILE* out, std::string_view raw, std::string_view date,
                   bool (*needs_quote)(std::string_view line)) {
  std::string m = "From mlidx@localhost " + format_date(date, "%a %b %e %H:%M:%S %Y") + "\n";
  m.reserve(m.size() + raw.size() + raw.size() / 64 + 4);
  for (std::size_t pos = 0; pos < raw.size();) {
    std::size_t nl = raw.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? raw.size() : nl + 1;
    std::string_view line = raw.substr(pos, end - pos);
    if (needs_quote(line)) m += '>';
    m += line;
    pos = end;
  }
  // The reader drops the blank line before the next separator (or the end),
  // so a mail that ends in a line end reads back byte for byte.
  const char* eol = raw.ends_with("\r\n") ? "\r\n" : "\n";
  if (!raw.ends_with('\n')) m += eol;
  m += eol;
  std::fwrite(m.data(), 1, m.size(), out);
}

}  // namespace

void write_mboxrd(std::FILE* out, std::string_view raw, std::string_view date) {
  write_message(out, raw, date, mboxrd_quoted);
}

void write_git_am_mbox(std::FILE* out, std::string_view mail, std::string_view date) {
  write_message(out, mail, date, git_separator);
}

std::string rfc5322_date(std::string_view date) {
  bool ok = false;
  std::string s = format_date(date, "%a, %d %b %Y %H:%M:%S +0000", &ok);
  return ok ? s : std::string();
}

}  // namespace mlidx::cli
