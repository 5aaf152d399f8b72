// mlidx show ID|MSGID [--json|--raw] : one mail, for a reader, as
// Patchwork's REST record, or exactly as received.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.hh"
#include "cli/listing.hh"
#include "cli/common.hh"
#include "cli/options.hh"
#include "cli/record.hh"
#include "util/text.hh"

namespace mlidx::cli {
namespace {

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

// Why the patch is in its state: who decided, or what rule.
std::string state_line(const Record& r) {
  std::string out = r.state + (r.archived ? " (archived)" : "");
  if (r.state_source == "user") {
    out += fmt::format(", set {}", r.decided.value_or("-"));
    if (r.reason && !r.reason->empty()) out += ": " + *r.reason;
  } else if (r.state_source == "version") {
    out += ", a later version of its series exists";
  }
  if (r.commit_ref) out += fmt::format(", commit {} ({})", *r.commit_ref, r.match_kind.value_or("-"));
  return out;
}

void print_patch_fields(const Style& st, const Record& r) {
  field(st, "State:", terminal_text(state_line(r)));
  if (r.series)
    field(st, "Series:", fmt::format("#{} {} (v{}), patch {} of {}", r.series->id, terminal_text(r.series->name),
                                     r.series->version, r.number.value_or(1), r.total.value_or(1)));
  if (r.hash) field(st, "Hash:", *r.hash);
  field(st, "A/R/T:", fmt::format("{}/{}/{}", r.tags.acked, r.tags.reviewed, r.tags.tested));
  if (r.pull_url) field(st, "Pull-URL:", terminal_text(*r.pull_url));
  for (std::size_t i = 0; i < r.files.size(); ++i)
    field(st, i ? "" : "Files:", terminal_text(file_line(r.files[i])));
  for (std::size_t i = 0; i < r.trailers.size(); ++i) {
    const auto& t = r.trailers[i];
    std::string from = t.source_msgid == r.msgid ? ""
                       : t.inherited          ? fmt::format(" (<{}>, on the cover letter)", t.source_msgid)
                                              : fmt::format(" (<{}>)", t.source_msgid);
    field(st, i ? "" : "Trailers:", terminal_text(t.name + ": " + t.value + from));
  }
}

void print_header(const Style& st, const Record& r) {
  std::string from = r.from_name.empty() ? r.from_email : r.from_name + " <" + r.from_email + ">";
  field(st, "From:", terminal_text(from));
  field(st, "Date:", r.date.value_or("-"));
  field(st, "Subject:", terminal_text(r.subject));
  field(st, "Message-ID:", terminal_text("<" + r.msgid + ">"));
  field(st, "Kind:", fmt::format("{} (id {})", r.kind, r.id));
  if (r.kind == "patch") print_patch_fields(st, r);
  if (r.kind == "cover" && r.series)
    field(st, "Series:", fmt::format("#{} {} (v{}), {} patches", r.series->id, terminal_text(r.series->name),
                                     r.series->version, r.series->total));
  if (r.parent)
    field(st, "Answers:", terminal_text(fmt::format("{} #{} <{}> {}", r.parent->kind, r.parent->id,
                                                   r.parent->msgid, r.parent->name)));
}

// The diff is made safe once, then coloured line by line into one buffer.
void print_diff(const Style& st, std::string_view raw_diff) {
  std::string diff = terminal_text(raw_diff, Lines::Keep);
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
  if (!r.content.empty()) fmt::print("\n{}\n", terminal_text(r.content, Lines::Keep));
  if (!r.diff.empty()) {
    fmt::print("\n");
    print_diff(st, r.diff);
  }
}

int show(db::Connection& c, const Args& args) {
  RecordReader reader(c);
  const std::string& arg = args.positional[0];
  auto not_found = [&] {
    return report({"show", fmt::format("no message with id or Message-ID '{}'", terminal_text(arg))});
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
