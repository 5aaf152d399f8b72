// mlidx show ID|MSGID [--json|--raw] : one mail, for a reader, as
// Patchwork's REST record, or exactly as received.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.hh"
#include "cli/common.hh"
#include "cli/options.hh"
#include "cli/record.hh"
#include "util/text.hh"

namespace mlidx::cli {
namespace {

// Mail text made safe for a terminal: C0 and C1 controls and DEL dropped
// (ESC starts colour, cursor and title sequences; CSI is U+009B). Tab and
// line feed stay in body text; in a one-line field they become spaces.
std::string for_terminal(std::string_view s, bool one_line = true) {
  std::string repaired = is_valid_utf8(s) ? std::string() : repair_utf8(s);
  std::string_view in = repaired.empty() ? s : repaired;
  std::string out;
  out.reserve(in.size());
  std::size_t run = 0;  // start of the bytes kept as they are
  for (std::size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    bool c1 = c == 0xC2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) < 0xA0;
    if (c >= 0x20 && c != 0x7F && !c1) continue;
    if (!one_line && (c == '\n' || c == '\t')) continue;
    out.append(in.substr(run, i - run));
    if (c == '\n' || c == '\t') out += ' ';
    if (c1) ++i;
    run = i + 1;
  }
  out.append(in.substr(run));
  return out;
}

// https://no-color.org: colour only for a terminal, and never with NO_COLOR.
struct Style {
  bool on = false;
  std::string paint(std::string_view sgr, std::string_view text) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", sgr, text) : std::string(text);
  }
};

Style style_for_stdout() {
  const char* no_color = std::getenv("NO_COLOR");
  return {isatty(STDOUT_FILENO) && !(no_color && *no_color)};
}

void field(const Style& st, std::string_view label, std::string_view value) {
  fmt::print("{}{:<{}}{}\n", st.paint("1", label), "", 12 - label.size(), value);
}

std::string file_line(const FileChange& f) {
  std::string path = f.new_path == "/dev/null" ? f.old_path + " (deleted)"
                     : f.old_path == "/dev/null" ? f.new_path + " (new)"
                     : f.old_path != f.new_path ? f.old_path + " => " + f.new_path
                                                : f.new_path;
  return fmt::format("{} | +{} -{}", path, f.added, f.removed);
}

void print_patch_fields(const Style& st, const Record& r) {
  if (r.series)
    field(st, "Series:", fmt::format("#{} {} (v{}), patch {} of {}", r.series->id, for_terminal(r.series->name),
                                     r.series->version, r.number.value_or(1), r.total.value_or(1)));
  if (r.hash) field(st, "Hash:", *r.hash);
  field(st, "A/R/T:", fmt::format("{}/{}/{}", r.tags.acked, r.tags.reviewed, r.tags.tested));
  if (r.pull_url) field(st, "Pull-URL:", for_terminal(*r.pull_url));
  for (std::size_t i = 0; i < r.files.size(); ++i)
    field(st, i ? "" : "Files:", for_terminal(file_line(r.files[i])));
  for (std::size_t i = 0; i < r.trailers.size(); ++i) {
    const auto& t = r.trailers[i];
    std::string from = t.source_msgid == r.msgid ? ""
                       : t.inherited          ? fmt::format(" (<{}>, on the cover letter)", t.source_msgid)
                                              : fmt::format(" (<{}>)", t.source_msgid);
    field(st, i ? "" : "Trailers:", for_terminal(t.name + ": " + t.value + from));
  }
}

void print_header(const Style& st, const Record& r) {
  std::string from = r.from_name.empty() ? r.from_email : r.from_name + " <" + r.from_email + ">";
  field(st, "From:", for_terminal(from));
  field(st, "Date:", r.date.value_or("-"));
  field(st, "Subject:", for_terminal(r.subject));
  field(st, "Message-ID:", for_terminal("<" + r.msgid + ">"));
  field(st, "Kind:", fmt::format("{} (id {})", r.kind, r.id));
  if (r.kind == "patch") print_patch_fields(st, r);
  if (r.kind == "cover" && r.series)
    field(st, "Series:", fmt::format("#{} {} (v{}), {} patches", r.series->id, for_terminal(r.series->name),
                                     r.series->version, r.series->total));
  if (r.parent)
    field(st, "Answers:", for_terminal(fmt::format("{} #{} <{}> {}", r.parent->kind, r.parent->id,
                                                   r.parent->msgid, r.parent->name)));
}

// The diff is made safe once, then coloured line by line into one buffer.
void print_diff(const Style& st, std::string_view raw_diff) {
  std::string diff = for_terminal(raw_diff, false);
  std::string out;
  out.reserve(diff.size() + diff.size() / 8);
  for (std::string_view rest = diff; !rest.empty();) {
    std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    std::string_view sgr = line.starts_with("+++") || line.starts_with("---") || line.starts_with("diff ")
                               ? "1"
                           : line.starts_with("+")  ? "32"
                           : line.starts_with("-")  ? "31"
                           : line.starts_with("@@") ? "36"
                                                    : "";
    if (sgr.empty()) out.append(line);
    else out += st.paint(sgr, line);
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void print_human(const Record& r) {
  Style st = style_for_stdout();
  print_header(st, r);
  if (!r.content.empty()) fmt::print("\n{}\n", for_terminal(r.content, false));
  if (!r.diff.empty()) {
    fmt::print("\n");
    print_diff(st, r.diff);
  }
}

int show(db::Connection& c, const Args& args) {
  RecordReader reader(c);
  const std::string& arg = args.positional[0];
  auto not_found = [&] {
    return report({"show", fmt::format("no message with id or Message-ID '{}'", for_terminal(arg))});
  };
  auto id = reader.find(arg);
  if (!id) return not_found();
  if (args.has("--raw")) {
    std::string raw = reader.raw(*id);
    std::fwrite(raw.data(), 1, raw.size(), stdout);
    return 0;
  }
  auto record = reader.load(*id);
  if (!record) return not_found();
  if (args.has("--json")) fmt::print("{}\n", record_json(*record, reader.raw(*id), true));
  else print_human(*record);
  return 0;
}

}  // namespace

int cmd_show(const Argv& argv) {
  auto args = parse_args(argv, {{"--db"}, {"--json", "--raw"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto s = check_positional(*args, "show", 1, 1); !s) return report(s.error(), kExitUsage);
  if (args->has("--json") && args->has("--raw"))
    return report({"show", "--json and --raw exclude each other"}, kExitUsage);
  auto c = open_archive(*args);
  if (!c) return report(c.error());
  try {
    return show(*c, *args);
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
}

}  // namespace mlidx::cli
