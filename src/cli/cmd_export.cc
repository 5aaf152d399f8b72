// mlidx export --thread MSGID|ID | --series ID [-o FILE] : an mbox.
//
// A thread is written as received (raw bytes, mboxrd). A series is written
// for `git am`, the way b4 am prepares one: each patch rebuilt as a single
// 8bit text/plain mail from its content and diff (which the import already
// transfer-decoded, so base64, quoted-printable and multipart patches apply
// too), with the trailers its reviewers gave in replies added under its own,
// in the mbox flavour git am reads (mbox_out.hh).
#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "cli/commands.hh"
#include "cli/common.hh"
#include "cli/mbox_out.hh"
#include "cli/options.hh"
#include "mail/date.hh"
#include "patch/diff.hh"
#include "util/text.hh"

namespace mlidx::cli {
namespace {

constexpr const char* kDefaultLinkPattern = "https://lore.kernel.org/r/%s";

// ---- output ----------------------------------------------------------------

struct CloseFile {
  void operator()(std::FILE* f) const {
    if (f != stdout) std::fclose(f);
  }
};
using OutFile = std::unique_ptr<std::FILE, CloseFile>;

// "x": the existence check and the creation are one step, so a file that
// appears meanwhile is not overwritten either.
Result<OutFile> open_output(const std::string& path, bool force) {
  if (path.empty()) return OutFile(stdout);
  std::FILE* f = std::fopen(path.c_str(), force ? "wb" : "wbx");
  if (f) return OutFile(f);
  if (errno == EEXIST) return make_error(path, "file exists (add --force to overwrite it)");
  return make_error(path, std::strerror(errno));
}

Status close_output(OutFile f, const std::string& path) {
  std::FILE* raw = f.release();
  bool failed = std::fflush(raw) != 0 || std::ferror(raw);
  if (raw != stdout && std::fclose(raw) != 0) failed = true;
  if (failed) return make_error(path.empty() ? "stdout" : path, std::strerror(errno));
  return Ok{};
}

// ---- header fields ---------------------------------------------------------

bool one_of(unsigned char c, std::string_view set) { return set.find(static_cast<char>(c)) != std::string_view::npos; }

bool is_plain_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  // Literal "=?" would be read back as the start of an encoded word.
  return s.find("=?") == std::string_view::npos;
}

std::size_t utf8_char_len(std::string_view s, std::size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

// RFC 2047 Q-encoded words, safe in a display name as in a Subject (5.3:
// only letters, digits and !*+-/ literal); each word within the 75-character
// limit (2), never splitting a character (5).
std::string encoded_words(std::string_view text) {
  std::string out, word;
  auto flush = [&] {
    if (!out.empty()) out += "\n ";
    out += "=?UTF-8?Q?" + word + "?=";
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_char_len(text, i);
    std::string enc;
    for (char ch : text.substr(i, n)) {
      unsigned char c = static_cast<unsigned char>(ch);
      if (std::isalnum(c) || one_of(c, "!*+-/")) enc += ch;
      else if (c == ' ') enc += '_';
      else enc += fmt::format("={:02X}", c);
    }
    if (!word.empty() && 12 + word.size() + enc.size() > 75) flush();
    word += enc;
    i += n;
  }
  if (!word.empty()) flush();
  return out;
}

// Mail text must not break the header it goes into: a decoded Subject can
// hold a newline (an encoded "=0A").
std::string unstructured(std::string_view text) {
  std::string s = replace_controls(text);
  return is_plain_ascii(s) ? s : encoded_words(s);
}

std::string mailbox(std::string_view name, std::string_view email) {
  std::string n = replace_controls(name), e = replace_controls(email);
  if (n.empty()) return e;
  std::string phrase;
  if (!is_plain_ascii(n)) {
    phrase = encoded_words(n);
  } else if (n.find_first_of("()<>[]:;@\\,.\"") != std::string::npos) {
    phrase = "\"";
    for (char c : n) phrase += c == '"' || c == '\\' ? std::string{'\\', c} : std::string{c};
    phrase += '"';
  } else {
    phrase = n;
  }
  return phrase + " <" + e + ">";
}

// The patch's own Date keeps the author's time zone; one git could not read
// is replaced by the UTC date the import settled on.
std::string date_field(std::string_view header, std::string_view utc) {
  if (is_plain_ascii(header) && parse_date(header)) return std::string(header);
  return rfc5322_date(utc);
}

// Python's urllib.parse.quote(msgid, safe="@"), as b4 builds its links.
std::string url_quote(std::string_view s) {
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || one_of(c, "@_.-~")) out += ch;
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// ---- commit message --------------------------------------------------------

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// git mailinfo's patchbreak(): where `git am` ends the commit message.
bool is_patchbreak(std::string_view line) {
  if (line.starts_with("diff -") || line.starts_with("Index: ")) return true;
  if (!line.starts_with("---")) return false;
  std::string_view rest = line.substr(3);
  if (rest.size() >= 2 && rest[0] == ' ' && !std::isspace(static_cast<unsigned char>(rest[1]))) return true;
  return rest.find_first_not_of(" \t\r") == std::string_view::npos;
}

// "Token: value" -> "token:value", the key two trailers are the same by.
std::string trailer_key(std::string_view name, std::string_view value) {
  return to_lower(trim(name)) + ":" + std::string(trim(value));
}

bool is_trailer_line(std::string_view line) {
  std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : line.substr(0, colon))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

// `content` with the lines of `extra` that it lacks added at the end of its
// commit message: under its last paragraph when that is a trailer block
// (Signed-off-by: ...), else as a new paragraph - so git interpret-trailers
// reads them as trailers too.
std::string add_trailers(std::string_view content, const std::vector<Trailer>& extra) {
  std::vector<std::string_view> lines = lines_of(content);
  std::size_t cut = 0;
  while (cut < lines.size() && !is_patchbreak(lines[cut])) ++cut;
  std::size_t msg_end = cut;
  while (msg_end > 0 && trim(lines[msg_end - 1]).empty()) --msg_end;

  std::set<std::string> present;
  for (std::size_t i = 0; i < msg_end; ++i)
    if (is_trailer_line(lines[i])) {
      std::size_t colon = lines[i].find(':');
      present.insert(trailer_key(lines[i].substr(0, colon), lines[i].substr(colon + 1)));
    }
  std::vector<std::string> block;
  for (const auto& t : extra)
    if (present.insert(trailer_key(t.name, t.value)).second) block.push_back(t.name + ": " + t.value);
  if (block.empty()) return std::string(content);

  std::size_t para = msg_end;
  while (para > 0 && !trim(lines[para - 1]).empty()) --para;
  bool under_trailers = para < msg_end;
  for (std::size_t i = para; i < msg_end; ++i)
    if (!is_trailer_line(lines[i]) && !lines[i].starts_with(' ') && !lines[i].starts_with('\t'))
      under_trailers = false;

  std::vector<std::string_view> out(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(msg_end));
  if (msg_end > 0 && !under_trailers) out.push_back("");
  for (const auto& b : block) out.push_back(b);
  out.insert(out.end(), lines.begin() + static_cast<std::ptrdiff_t>(cut), lines.end());
  std::string text;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) text += '\n';
    text += out[i];
  }
  return text;
}

// ---- series ----------------------------------------------------------------

struct Patch {
  std::int64_t id = 0, number = 0;
  std::string msgid, date, from_name, from_email, subject, content, diff;
};

Result<std::int64_t> parse_id(const std::string& opt, const std::string& s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0)
    return make_error(opt, fmt::format("not a numeric id: '{}'", replace_controls(s)));
  return v;
}

// The first few only: a subject can claim "1/99999999".
std::string missing_numbers(const std::vector<Patch>& patches, std::int64_t total) {
  std::set<std::int64_t> have;
  for (const auto& p : patches) have.insert(p.number);
  std::string out;
  int listed = 0;
  for (std::int64_t n = 1; n <= total; ++n) {
    if (have.count(n)) continue;
    if (++listed > 10) return out + ", ...";
    out += fmt::format("{}{}/{}", out.empty() ? "" : ", ", n, total);
  }
  return out;
}

Result<std::vector<Patch>> load_series(db::Connection& c, std::int64_t id, bool partial) {
  std::string what = fmt::format("series {}", id);
  db::Statement s(c, "SELECT total, received FROM series WHERE id = ?");
  if (!s.bind(1, id).step()) return make_error(what, "no such series");
  std::int64_t total = s.int64(0), received = s.int64(1);
  db::Statement st(c,
                   "SELECT p.id, p.number, p.msgid, coalesce(p.date, ''), p.submitter_name, "
                   "p.submitter_email, m.subject, p.content, p.diff FROM patches p "
                   "JOIN messages m ON m.id = p.id WHERE p.series_id = ? ORDER BY p.number, p.id");
  st.bind(1, id);
  std::vector<Patch> patches;
  while (st.step())
    patches.push_back({st.int64(0), st.int64(1), std::string(st.text(2)), std::string(st.text(3)),
                       std::string(st.text(4)), std::string(st.text(5)), std::string(st.text(6)),
                       std::string(st.text(7)), std::string(st.text(8))});
  if (patches.empty()) return make_error(what, "no patch of it was received");
  if (received < total && !partial)
    return make_error(what, fmt::format("only {} of {} patches received, missing {} "
                                        "(add --partial to export the others)",
                                        received, total, missing_numbers(patches, total)));
  return patches;
}

struct SeriesWriter {
  db::Connection& c;
  std::string link_pattern;  // empty: no Link trailer
  db::Statement date{c, "SELECT value FROM headers WHERE message_id = ? AND name = 'Date' COLLATE NOCASE "
                        "ORDER BY position LIMIT 1"};
  // A patch's own trailers are already in its content; inherited ones come
  // from replies to the cover letter.
  db::Statement trailers{c, "SELECT name, value FROM trailers WHERE patch_id = ? AND source_msgid <> ? "
                            "ORDER BY rowid"};

  std::string mail(const Patch& p) {
    date.reset();
    std::string date_value = date_field(date.bind(1, p.id).step() ? date.text(0) : "", p.date);
    std::vector<Trailer> extra;
    trailers.reset();
    trailers.bind(1, p.id).bind(2, p.msgid);
    while (trailers.step()) extra.push_back({std::string(trailers.text(0)), std::string(trailers.text(1))});
    if (!link_pattern.empty()) {
      std::string url = link_pattern;
      url.replace(url.find("%s"), 2, url_quote(p.msgid));
      extra.push_back({"Link", url});
    }
    std::string m = "From: " + mailbox(p.from_name, p.from_email) + "\n";
    if (!date_value.empty()) m += "Date: " + date_value + "\n";
    m += "Subject: " + unstructured(p.subject) + "\n";
    m += "Message-ID: <" + p.msgid + ">\n";
    m += "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n";
    m += add_trailers(p.content, extra);
    m += '\n';
    if (!p.diff.empty()) {
      m += '\n';
      m += p.diff;
      if (!p.diff.ends_with('\n')) m += '\n';
    }
    return m;
  }
};

// ---- thread ----------------------------------------------------------------

// By id, or by Message-ID (brackets optional) of a received mail or a ghost.
Result<std::int64_t> find_thread(db::Connection& c, const std::string& arg) {
  std::string_view msgid = trim(arg);
  if (msgid.starts_with('<') && msgid.ends_with('>') && msgid.size() >= 2) msgid = msgid.substr(1, msgid.size() - 2);
  db::Statement st(c,
                   "SELECT thread_id FROM messages WHERE id = ?1 UNION ALL "
                   "SELECT thread_id FROM messages WHERE msgid = ?2 UNION ALL "
                   "SELECT thread_id FROM ghosts WHERE msgid = ?2");
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), id);
  if (ec == std::errc() && end == arg.data() + arg.size()) st.bind(1, id);
  else st.bind_null(1);
  st.bind(2, msgid);
  std::string what = "--thread " + replace_controls(arg);
  if (!st.step()) return make_error(what, "no such message");
  if (st.is_null(0)) return make_error(what, "the message has no thread yet (run 'mlidx reindex')");
  return st.int64(0);
}

void write_thread(db::Connection& c, std::int64_t thread, std::FILE* out) {
  db::Statement st(c,
                   "SELECT coalesce(m.date, ''), r.bytes FROM messages m JOIN raw r ON r.message_id = m.id "
                   "WHERE m.thread_id = ? ORDER BY m.date IS NULL, m.date, m.id");
  st.bind(1, thread);
  while (st.step()) write_mboxrd(out, st.text(1), st.text(0));
}

// ---- command ---------------------------------------------------------------

Status check_usage(const Args& a) {
  if (auto ok = check_positional(a, "export", 0, 0); !ok) return ok;
  bool series = a.values.count("--series"), thread = a.values.count("--thread");
  if (series == thread) return make_error("export", "give one of --series ID and --thread MSGID");
  if (thread && (a.has("--partial") || a.has("--link") || a.values.count("--link-pattern")))
    return make_error("export", "--partial, --link and --link-pattern apply to --series only");
  if (a.values.count("--link-pattern") && a.value("--link-pattern").find("%s") == std::string::npos)
    return make_error("--link-pattern", "must hold %s, where the Message-ID goes");
  if (series)
    if (auto id = parse_id("--series", a.value("--series")); !id) return id.error();
  return Ok{};
}

}  // namespace

int cmd_export(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--series", "--thread", "-o", "--link-pattern"},
                                {"--partial", "--link", "--force"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto ok = check_usage(*args); !ok) return report(ok.error(), kExitUsage);
  auto c = open_archive(*args);
  if (!c) return report(c.error());
  const std::string path = args->value("-o");
  try {
    if (args->values.count("--thread")) {
      auto thread = find_thread(*c, args->value("--thread"));
      if (!thread) return report(thread.error());
      auto out = open_output(path, args->has("--force"));
      if (!out) return report(out.error());
      write_thread(*c, *thread, out->get());
      if (auto ok = close_output(std::move(*out), path); !ok) return report(ok.error());
      return 0;
    }
    auto patches = load_series(*c, *parse_id("--series", args->value("--series")), args->has("--partial"));
    if (!patches) return report(patches.error());
    bool link = args->has("--link") || args->values.count("--link-pattern");
    SeriesWriter w{*c, link ? args->value("--link-pattern", kDefaultLinkPattern) : ""};
    auto out = open_output(path, args->has("--force"));
    if (!out) return report(out.error());
    for (const auto& p : *patches) write_git_am_mbox(out->get(), w.mail(p), p.date);
    if (auto ok = close_output(std::move(*out), path); !ok) return report(ok.error());
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
  return 0;
}

}  // namespace mlidx::cli
