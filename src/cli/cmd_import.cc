// mlidx import PATH... : mbox files (also .gz and stdin), Maildir folders and
// public-inbox v2 git archives into the database.
#include <fmt/format.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cli/commands.hh"
#include "cli/options.hh"
#include "db/import_state.hh"
#include "db/importer.hh"
#include "mbox/sources.hh"
#include "util/file_lock.hh"
#include "util/writeback.hh"

namespace mlidx::cli {
namespace {

// Set by the first SIGINT/SIGTERM: the import stores what it has read and
// stops cleanly. The handler resets itself, so a second Ctrl-C kills at
// once - which loses nothing committed either (issue 5, crash safety).
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "used from a signal handler");

extern "C" void on_stop_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
  static const char msg[] =
      "\nmlidx: interrupted: storing the mail read so far (Ctrl-C again to stop at once)\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
}

// Another program truncating an input while it is mapped turns the next
// read of a vanished page into SIGBUS. The open transaction is rolled back
// by SQLite on the next open; what was committed stays.
extern "C" void on_bus_error(int) {
  static const char msg[] =
      "mlidx: import: an input file shrank while it was being read (truncated by another "
      "program?); stopped, the mail committed so far is kept\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(1);
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  struct sigaction bus {};
  bus.sa_handler = on_bus_error;
  sigemptyset(&bus.sa_mask);
  sigaction(SIGBUS, &bus, nullptr);
}

constexpr double kDefaultWaitSeconds = 60;

Result<double> wait_seconds(const Args& args) {
  std::string v = args.value("--wait");
  if (v.empty()) return kDefaultWaitSeconds;
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || end != v.data() + v.size() || d < 0)
    return make_error("--wait", "'" + v + "' is not a number of seconds");
  return d;
}

// What the next import of a Maildir may skip: files whose ctime is before
// this. Every file not in this listing gets a later ctime (created, moved
// in or renamed after it) - by the file system's clock, which on NFS is
// the server's: so the cutoff is the latest ctime listed, unless that is
// ahead of this machine's clock, less a margin for file systems that keep
// whole seconds (two for FAT). A file read again is found known.
std::int64_t maildir_cutoff(const std::vector<MaildirFile>& files, std::int64_t now_ns) {
  constexpr std::int64_t kMargin = std::int64_t{2} * 1000000000;
  std::int64_t latest = 0;
  for (const MaildirFile& f : files) latest = std::max(latest, f.ctime_ns);
  return std::min(latest, now_ns) - kMargin;
}

// The database an import writes to, and its --list-id: what earlier imports
// recorded there of a Maildir spares opening files it will not read.
struct ImportTarget {
  std::string db, list_id;
};

// A directory: a Maildir, a public-inbox v2 inbox (one input per epoch) or
// one epoch N.git.
Status open_directory(const std::string& p, const ImportTarget& target,
                      std::vector<db::ImportInput>& inputs, std::vector<Error>& errors) {
  if (is_maildir(p)) {
    db::ImportInput in(p, MappedFile(), InputKind::Mbox, db::Source::Maildir);
    std::size_t before = errors.size();
    std::error_code ec;
    auto key = std::filesystem::canonical(p, ec);
    if (!ec) in.state_key = key.string();
    std::int64_t open_from = INT64_MIN;
    if (!in.state_key.empty())
      open_from = db::recorded_listing(target.db, in.state_key, target.list_id).value_or(INT64_MIN);
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    in.files = list_maildir(p, errors, open_from);
    in.listed_ns = maildir_cutoff(in.files, now);
    if (errors.size() == before) inputs.push_back(std::move(in));
    return Ok{};
  }
  std::vector<std::string> epochs = public_inbox_epochs(p);
  if (epochs.empty() && is_git_dir(p)) epochs.push_back(p);
  if (epochs.empty())
    return make_error(p, "is a directory, but neither a Maildir (cur/, new/) nor a public-inbox v2 "
                         "inbox (git/0.git, ...) nor a git repository");
  for (const auto& e : epochs)
    if (!is_git_dir(e)) return make_error(e, "not a git repository (a public-inbox epoch is a bare repository)");
  if (!git_available())
    return make_error(p, "public-inbox import needs git, which is not installed (no git on $PATH)");
  for (const auto& e : epochs) {
    if (auto s = check_git_repository(e); !s) return s.error();
    std::error_code ec;
    auto key = std::filesystem::canonical(e, ec);
    inputs.emplace_back(e, MappedFile(), InputKind::Mbox, db::Source::Git);
    inputs.back().state_key = ec ? e : key.string();
  }
  return Ok{};
}

Result<db::ImportInput> open_file(const std::string& p) {
  bool from_stdin = p == "-";
  auto f = from_stdin ? spool_stdin() : MappedFile::open(p);
  if (!f) return f.error();
  // Only a plain file can be appended to and resumed (not stdin, not .gz).
  bool resumable = !from_stdin;
  if (!from_stdin && is_gzip(f->view())) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(p, std::strerror(errno));
    f = inflate_gzip(fd, p);
    ::close(fd);
    if (!f) return f.error();
    resumable = false;
  }
  const std::string name = from_stdin ? "stdin" : p;
  InputKind k = sniff(f->view());
  if (k == InputKind::Empty || k == InputKind::NotMailbox) return make_error(name, describe_refusal(k));
  db::ImportInput in(name, std::move(*f), k);
  std::error_code ec;
  if (resumable && k == InputKind::Mbox) {
    auto key = std::filesystem::canonical(p, ec);
    if (!ec) in.state_key = key.string();
  }
  return in;
}

// Every input is opened and recognised before the database is touched, so a
// bad path leaves the database exactly as it was.
Result<std::vector<db::ImportInput>> open_inputs(const std::vector<std::string>& paths,
                                                 const ImportTarget& target) {
  std::vector<db::ImportInput> inputs;
  std::vector<Error> errors;
  for (const auto& p : paths) {
    std::error_code ec;
    if (p != "-" && std::filesystem::is_directory(p, ec)) {
      if (auto s = open_directory(p, target, inputs, errors); !s) errors.push_back(s.error());
      continue;
    }
    auto in = open_file(p);
    if (!in) errors.push_back(in.error());
    else inputs.push_back(std::move(*in));
  }
  if (errors.empty()) return inputs;
  for (std::size_t i = 0; i + 1 < errors.size(); ++i) report(errors[i]);
  return errors.back();
}

// What an incremental import skipped or could not skip, per input, after
// the summary (its first line has the total).
void print_resumed(const db::ImportCounts& c, const std::vector<db::ImportInput>& inputs) {
  std::size_t resumed = 0;
  for (const auto& in : inputs) resumed += in.source == db::Source::File && in.start > 0;
  for (const auto& in : inputs) {
    if (resumed > 1 && in.source == db::Source::File && in.start > 0)
      fmt::print("{}: read from byte {} on ({} messages already imported)\n", in.path, in.start,
                 in.skipped);
    else if (in.changed)
      fmt::print("{}: changed since the last import (not only appended to): read in full\n", in.path);
  }
  for (std::size_t i : c.rewound_inputs)
    fmt::print("{}: history rewritten since the last import: every commit read again\n", inputs[i].path);
  bool git = false;
  for (const auto& in : inputs) git = git || in.source == db::Source::Git;
  if (git)
    fmt::print("public-inbox: {} new commits read ({} removals recorded)\n", c.commits, c.removals);
}

// "(skipped N already imported[, from byte B])" when mail was not read again.
std::string skipped_note(const db::ImportCounts& c, const std::vector<db::ImportInput>& inputs) {
  if (c.skipped == 0) return {};
  std::size_t resumed = 0, at = 0;
  for (const auto& in : inputs)
    if (in.source == db::Source::File && in.start > 0) ++resumed, at = in.start;
  return resumed == 1 ? fmt::format(" (skipped {} already imported, from byte {})", c.skipped, at)
                      : fmt::format(" (skipped {} already imported)", c.skipped);
}

void print_summary(const db::ImportCounts& c, const db::Store::KindCounts& k, std::int64_t problems,
                   bool timing, const std::string& skipped) {
  fmt::print("read {} messages{}: {} new, {} duplicates, {} variants (same Message-ID, other bytes)\n",
             c.read, skipped, c.added, c.duplicates, c.variants);
  if (c.completed > 0)
    fmt::print("completed: {} messages stored cut short (their file ended inside them) were read whole "
               "and replace what was stored\n",
               c.completed);
  if (c.other_lists > 0)
    fmt::print("lists: {} messages already stored were also received through another list\n",
               c.other_lists);
  fmt::print("archive: {} patches, {} cover letters, {} comments, {} series\n", k.patches, k.covers,
             k.comments, c.series);
  fmt::print("problems recorded: {}\n", problems);
  fmt::print("threads: {} ({} ghosts: referenced, never received)\n", c.threads.threads,
             c.threads.ghosts);
  if (timing && c.resume_seconds > 0.005)
    fmt::print("time: resume check {:.2f} s (prefix hashed in {:.2f} s while the stored mail loaded)\n",
               c.resume_seconds, c.hash_seconds);
  if (timing && c.load_seconds > 0)
    fmt::print("time: stored mail loaded in {:.2f} s beside the hash and the writes; the passes waited "
               "{:.2f} s for it\n",
               c.load_seconds, c.load_wait_seconds);
  if (timing)
    fmt::print("time: parse {:.2f} s (parser thread, {:.2f} s of it waiting for the writer), write {:.2f} s "
               "(and {:.2f} s waiting for the parser), derive {:.2f} s ({} of {} messages' "
               "thread and kind rewritten, {} of them read from the derive snapshot), search index {:.2f} s "
               "({} messages, {} of them as they were stored), index builds {:.2f} s\n",
               c.parse_seconds, c.parse_waited_seconds, c.write_seconds, c.write_waited_seconds,
               c.derive_seconds, c.derive_rewrote, c.derived_messages, c.derived_from_snapshot,
               c.search_seconds, c.indexed, c.indexed_as_stored, c.finish_seconds);
}

// What an interrupted or cut-short import tells the user, on stderr.
int report_incomplete(const db::ImportCounts& c, const std::vector<db::ImportInput>& inputs) {
  for (const auto& e : c.errors) report(e);
  for (std::size_t i : c.truncated_inputs)
    report({inputs[i].path, "truncated: the file ends inside its last message, mid-line; that "
                            "message is stored with a 'truncated' problem"});
  if (c.interrupted) {
    const auto& in = inputs[c.stopped_input];
    std::size_t left = inputs.size() - c.stopped_input - 1;
    std::string where =
        in.source == db::Source::File
            ? fmt::format("at byte {} of {}", c.stopped_offset, in.file.view().size())
            : fmt::format("after {} {}", c.stopped_offset,
                          in.source == db::Source::Git ? "new commits" : "files");
    report({"interrupted", fmt::format("stopped in {} {}{}; the {} messages read are "
                                       "stored - run the same import again to continue",
                                       in.path, where,
                                       left ? fmt::format(" ({} more files not read)", left) : "",
                                       c.read)});
    return kExitInterrupted;
  }
  return c.truncated_inputs.empty() && c.errors.empty() ? 0 : 1;
}

}  // namespace

// How often the written pages are handed to the disk: 50, 100 and 250 ms
// gave the same 50k import times (docs/PERFORMANCE.md).
constexpr std::chrono::milliseconds kWritebackEvery{100};

int cmd_import(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--list-id", "--wait"}, {"--quiet", "--timing", "--no-search"}});
  if (!args) return report(args.error(), kExitUsage);
  if (args->positional.empty())
    return report({"import", "no mbox file given (usage: mlidx import PATH... [--db PATH])"},
                  kExitUsage);
  auto wait = wait_seconds(*args);
  if (!wait) return report(wait.error(), kExitUsage);
  auto inputs = open_inputs(args->positional, {args->db(), args->value("--list-id")});
  if (!inputs) return report(inputs.error());
  install_handlers();
  // Declared before the store: it must outlive every connection.
  auto lock = FileLock::acquire(
      args->db(), *wait,
      [&] { report({args->db(), fmt::format("another import is writing to it; waiting up to {} s", *wait)}); },
      &g_stop);
  if (!lock) return report(lock.error(), g_stop ? kExitInterrupted : kExitFailure);
  auto store = db::Store::open(args->db(), true);
  if (!store) return report(store.error());
  (*store)->set_default_list_id(args->value("--list-id"));

  bool show_progress = isatty(STDERR_FILENO) && !args->has("--quiet");
  auto progress = [&](const db::ImportCounts& c, const std::string& path) {
    if (show_progress)
      fmt::print(stderr, "\rmlidx: importing {}: {} messages read, {} new", path, c.read, c.added);
  };
  db::ImportCounts counts;
  try {
    db::Importer importer(**store);
    importer.set_search_index(!args->has("--no-search"));
    importer.set_stop_flag(&g_stop);
    // The database through the lock's descriptor, which outlives every
    // connection (util/writeback.hh); a fresh import's WAL appears at its end.
    std::vector<Writeback::Target> files{{lock->fd(), {}}};
    if (std::string name = (*store)->file_name(); !name.empty()) files.push_back({-1, name + "-wal"});
    Writeback writeback(std::move(files), kWritebackEvery);
    counts = importer.run(*inputs, progress);
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
  if (show_progress) fmt::print(stderr, "\r\033[K");
  if (!args->has("--quiet")) {
    try {
      // The pass's own counts when one ran: the query scans `messages`.
      auto kinds = counts.kinds ? *counts.kinds : (*store)->kind_counts();
      print_summary(counts, kinds, (*store)->problems_added(), args->has("--timing"),
                    skipped_note(counts, *inputs));
      print_resumed(counts, *inputs);
    } catch (const db::DbError& e) {
      return report({args->db(), e.what()});
    }
  }
  std::fflush(stdout);
  return report_incomplete(counts, *inputs);
}

}  // namespace mlidx::cli
