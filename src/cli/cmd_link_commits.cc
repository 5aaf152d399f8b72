// mlidx link-commits --git REPO [REV...] : patches whose change is in the
// repository's history become accepted, with the commit as commit_ref.
// git is run three times per call, never once per commit: rev-parse (is it a
// repository), rev-list (the range), and one `git log -p` over the commits
// not read before, whose diffs are hashed here by the same code that hashed
// the mails (git_patch_id, patchwork_hash), so both sides compare alike.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>

#include "cli/commands.hh"
#include "cli/options.hh"
#include "db/state.hh"
#include "db/store.hh"
#include "mail/date.hh"
#include "patch/diff.hh"
#include "util/file_lock.hh"
#include "util/subprocess.hh"

namespace mlidx::cli {
namespace {

struct Counts {
  std::int64_t in_range = 0, read = 0;
};

Error git_error(const std::string& step, Subprocess& p, int code) {
  std::string why = p.error_line();
  if (why.empty()) why = fmt::format("exit status {}", code);
  return make_error("link-commits", fmt::format("git {}: {}", step, why));
}

// The repository's absolute git directory: what seen_commits is keyed by
// (the same repository reached by another path is the same).
Result<std::string> git_dir(const std::string& repo) {
  if (!std::filesystem::is_directory(repo))
    return make_error("link-commits", fmt::format("{}: no such directory", repo));
  auto p = Subprocess::start({"git", "-C", repo, "rev-parse", "--absolute-git-dir"});
  if (!p) return make_error("link-commits", "git: " + p.error().why);
  std::string dir;
  bool got = p->getline(dir);
  int code = p->wait();
  if (code != 0 || !got || dir.empty())
    return make_error("link-commits", fmt::format("{}: not a git repository ({})", repo,
                                                  p->error_line().empty() ? "git rev-parse failed" : p->error_line()));
  return dir;
}

// The commits of the range, merges left out (they bring no change of their
// own), oldest first so that a change picked to several branches is
// credited to its first commit.
Result<std::vector<std::string>> rev_list(const std::string& repo, const std::vector<std::string>& revs) {
  std::vector<std::string> argv = {"git", "-C", repo, "rev-list", "--no-merges", "--reverse", "--end-of-options"};
  argv.insert(argv.end(), revs.begin(), revs.end());
  auto p = Subprocess::start(argv);
  if (!p) return make_error("link-commits", "git: " + p.error().why);
  std::vector<std::string> out;
  for (std::string line; p->getline(line);) out.push_back(line);
  if (int code = p->wait(); code != 0) return git_error("rev-list", *p, code);
  return out;
}

// A file of commit ids, for `git log --stdin` (argv would overflow on a
// long history).
class IdFile {
 public:
  explicit IdFile(const std::vector<std::string>& ids) {
    char tmpl[] = "/tmp/mlidx-commits-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return;
    path_ = tmpl;
    std::string all;
    for (const auto& id : ids) all += id + "\n";
    ok_ = ::write(fd, all.data(), all.size()) == static_cast<ssize_t>(all.size());
    close(fd);
  }
  ~IdFile() {
    if (!path_.empty()) std::filesystem::remove(path_);
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool ok_ = false;
};

void link_one(db::CommitInfo& c, std::string& diff, db::CommitLinker& linker, Counts& n) {
  c.patch_id = git_patch_id(diff);
  c.hash = diff.empty() ? std::string() : patchwork_hash(diff);
  linker.link(c);
  ++n.read;
  diff.clear();
}

// One `git log -p` over the given commits: a header line per commit
// ("\1" id "\2" author email "\2" subject), then its diff. The options pin
// what user configuration could change in a diff's text.
Status read_commits(const std::string& repo, const std::vector<std::string>& ids, db::CommitLinker& linker,
                    Counts& n) {
  IdFile file(ids);
  if (!file.ok()) return make_error("link-commits", "cannot write a temporary file in /tmp");
  auto p = Subprocess::start({"git", "-C", repo, "log", "-p", "--no-walk=unsorted", "--stdin", "--no-color",
                              "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "-U3",
                              "--encoding=UTF-8", "--format=%x01%H%x02%ae%x02%s"},
                             file.path());
  if (!p) return make_error("link-commits", "git: " + p.error().why);
  std::optional<db::CommitInfo> cur;
  std::string diff;
  for (std::string line; p->getline(line);) {
    if (line.starts_with('\x01')) {
      if (cur) link_one(*cur, diff, linker, n);
      auto a = line.find('\x02', 1), b = a == std::string::npos ? a : line.find('\x02', a + 1);
      if (b == std::string::npos) return make_error("link-commits", "git log: unexpected output");
      cur = db::CommitInfo{line.substr(1, a - 1), line.substr(a + 1, b - a - 1), line.substr(b + 1), {}, {}};
    } else if (cur && (!diff.empty() || !line.empty())) {
      diff += line;
      diff += '\n';
    }
  }
  if (cur) link_one(*cur, diff, linker, n);
  if (int code = p->wait(); code != 0) return git_error("log", *p, code);
  return Ok{};
}

void print_totals(const Counts& n, const db::CommitLinker::Totals& t, std::int64_t seen_before) {
  fmt::print("{} commits in range, {} read before; read {}: {} patches accepted ({} by patch-id, {} by hash, "
             "{} by subject and author)\n",
             n.in_range, seen_before, n.read, t.accepted, t.by_kind[static_cast<int>(db::MatchKind::PatchId)],
             t.by_kind[static_cast<int>(db::MatchKind::Hash)],
             t.by_kind[static_cast<int>(db::MatchKind::SubjectAuthor)]);
  if (t.overruled)
    fmt::print("{} of them keep the state a user set (mlidx state set); their commit_ref is recorded\n",
               t.overruled);
}

int run(const Args& a, const std::string& repo) {
  auto dir = git_dir(repo);
  if (!dir) return report(dir.error());
  std::vector<std::string> revs = a.positional;
  if (revs.empty()) revs.push_back("HEAD");
  auto commits = rev_list(repo, revs);
  if (!commits) return report(commits.error());
  auto lock = FileLock::acquire(a.db(), 60);
  if (!lock) return report(lock.error());
  auto store = db::Store::open(a.db(), false);
  if (!store) return report(store.error());
  db::Connection& c = (*store)->conn();
  db::CommitLinker linker(c, *dir, format_utc(std::time(nullptr)));
  auto seen = linker.seen();
  std::vector<std::string> fresh;
  for (const auto& id : *commits)
    if (!seen.count(id)) fresh.push_back(id);
  Counts n;
  n.in_range = static_cast<std::int64_t>(commits->size());
  // A transaction that writes nothing (a re-run with nothing new) leaves
  // the file as it was.
  db::Transaction tx(c);
  linker.catch_up();
  if (!fresh.empty())
    if (auto s = read_commits(repo, fresh, linker, n); !s) return report(s.error());
  linker.finish();
  tx.commit();
  if (!a.has("--quiet")) print_totals(n, linker.totals(), n.in_range - static_cast<std::int64_t>(fresh.size()));
  return 0;
}

}  // namespace

int cmd_link_commits(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--git"}, {"--quiet"}});
  if (!args) return report(args.error(), kExitUsage);
  if (!args->values.count("--git") || args->value("--git").empty())
    return report({"link-commits", "--git REPO is required (see 'mlidx link-commits --help')"}, kExitUsage);
  if (!std::filesystem::exists(args->db()))
    return report({args->db(), "no such database (create one with 'mlidx import')"});
  try {
    return run(*args, args->value("--git"));
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
}

}  // namespace mlidx::cli
