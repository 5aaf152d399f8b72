// Issue 7's inputs: public-inbox v2 git archives (read incrementally, with
// removals), appended-to mbox files read from where the last import
// stopped, Maildir folders, .gz files and stdin - and their hostile cases.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "mbox/mbox.hh"
#include "util/mapped_file.hh"
#include "util/xxh128.hh"
#include "db/schema.hh"
#include "support.hh"

using namespace mlidx::test;

namespace {

const fs::path kData = fs::path(MLIDX_SOURCE_DIR) / "data";

// The messages of an mbox file, one string each (as public-inbox stores them:
// no "From " line).
std::vector<std::string> messages_of(const fs::path& mbox) {
  std::string data = read_file(mbox);
  mlidx::MboxReader reader(data, mlidx::InputKind::Mbox);
  mlidx::MboxMessage m;
  std::vector<std::string> out;
  while (reader.next(m)) out.emplace_back(m.raw);
  return out;
}

std::vector<std::string> data_messages() {
  auto all = messages_of(kData / "series.mbox");
  for (auto& m : messages_of(kData / "replies.mbox")) all.push_back(std::move(m));
  return all;
}

std::string shq(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  REQUIRE_MESSAGE(rc == 0, cmd);
}

// A public-inbox v2 inbox written with git's plumbing as public-inbox's
// writer does: one commit per message, whose tree holds the mail as `m`; a
// removal commits the removed mail as `d` instead.
struct Inbox {
  explicit Inbox(const fs::path& dir) : dir(dir) {
    fs::create_directories(dir / "git");
    fs::create_directories(dir / "all.git");  // public-inbox's alternates repository: not read
    write_file(dir / "msgmap.sqlite3", "");
  }
  fs::path epoch(int n) {
    fs::path g = dir / "git" / (std::to_string(n) + ".git");
    if (!fs::exists(g)) sh("git init -q --bare " + shq(g.string()));
    return g;
  }
  void commit(int n, const std::string& name, const std::string& mail) {
    fs::path g = epoch(n);
    fs::path f = dir / "blob.tmp";
    write_file(f, mail);
    std::string gd = "git --git-dir=" + shq(g.string());
    sh("export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t "
       "GIT_COMMITTER_EMAIL=t@example.org; b=$(" + gd + " hash-object -w " + shq(f.string()) +
       ") && t=$(printf '100644 blob %s\\t" + name + "\\n' $b | " + gd + " mktree) && "
       "p=$(" + gd + " rev-parse -q --verify HEAD); c=$(" + gd + " commit-tree $t ${p:+-p $p} -m m) && " +
       gd + " update-ref HEAD $c");
    fs::remove(f);
  }
  // A commit whose tree is empty: `m` deleted, no `d`.
  void delete_m(int n) {
    std::string gd = "git --git-dir=" + shq(epoch(n).string());
    sh("export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t "
       "GIT_COMMITTER_EMAIL=t@example.org; t=$(" + gd + " mktree </dev/null) && c=$(" + gd +
       " commit-tree $t -p HEAD -m rm) && " + gd + " update-ref HEAD $c");
  }
  void add(int n, const std::string& mail) { commit(n, "m", mail); }
  void remove(int n, const std::string& mail) { commit(n, "d", mail); }
  // Many commits in one git fast-import (thousands in a second, where
  // commit() runs four git processes each): the blob as `name` (m or d),
  // an empty name leaving the tree empty.
  struct Batch {
    std::string stream;
    int n = 0;
    void commit(const std::string& name, const std::string& blob) {
      stream += fmt::format("commit refs/heads/master\ncommitter t <t@example.org> {} +0000\ndata 1\nx\n"
                            "deleteall\n", 1700000000 + ++n);
      if (!name.empty()) stream += fmt::format("M 100644 inline {}\ndata {}\n{}\n", name, blob.size(), blob);
    }
  };
  void fast_import(int n, const Batch& b) {
    write_file(dir / "stream", b.stream);
    sh("git --git-dir=" + shq(epoch(n).string()) + " fast-import --quiet < " +
       shq((dir / "stream").string()));
    fs::remove(dir / "stream");
  }
  fs::path dir;
};

// The public-inbox tests need git. Without it they are skipped, saying so;
// under CI, where ./dev installs it, a missing git fails them.
bool skip_without_git() {
  if (std::system("git --version >/dev/null 2>&1") == 0) return false;
  const char* ci = std::getenv("CI");
  if (ci && *ci) FAIL_CHECK("git is not installed (./dev installs it)");
  else MESSAGE("skipped: git is not installed");
  return true;
}

Run import(const fs::path& db, const std::vector<std::string>& paths) {
  std::vector<std::string> args = {"import", "--db", db.string()};
  args.insert(args.end(), paths.begin(), paths.end());
  return run_mlidx(args);
}

std::string count(const fs::path& db, const std::string& table) {
  return query1(db, "SELECT count(*) FROM " + table);
}

// data/series.mbox imported from list.mbox; the tests then append to the
// file, rewrite it or age the database, and import again.
struct ImportedSeries {
  TempDir t;
  std::string series = read_file(kData / "series.mbox"), replies = read_file(kData / "replies.mbox");
  fs::path mbox = t / "list.mbox", db = t / "m.db";
  ImportedSeries() {
    write_file(mbox, series);
    REQUIRE(import(db, {mbox.string()}).code == 0);
  }
};

}  // namespace

TEST_CASE("inputs: a public-inbox v2 inbox imported, fetched into and imported again reads only the new commits") {
  if (skip_without_git()) return;  // git-less machines: the git-missing test below covers them
  TempDir t;
  auto mails = data_messages();
  REQUIRE(mails.size() == 12);
  Inbox inbox(t / "inbox");
  for (std::size_t i = 0; i < 7; ++i) inbox.add(0, mails[i]);
  fs::path db = t / "inc.db";
  Run first = import(db, {inbox.dir.string()});
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  CHECK(first.out.find("read 7 messages: 7 new") != std::string::npos);
  CHECK(first.out.find("public-inbox: 7 new commits read") != std::string::npos);
  // As `git fetch` would: more commits on epoch 0, then a new epoch.
  for (std::size_t i = 7; i < 10; ++i) inbox.add(0, mails[i]);
  for (std::size_t i = 10; i < 12; ++i) inbox.add(1, mails[i]);
  Run second = import(db, {inbox.dir.string()});
  INFO(second.out << second.err);
  REQUIRE(second.code == 0);
  CHECK(second.out.find("read 5 messages: 5 new, 0 duplicates") != std::string::npos);
  CHECK(second.out.find("public-inbox: 5 new commits read") != std::string::npos);
  Run third = import(db, {inbox.dir.string()});
  CHECK(third.out.find("read 0 messages") != std::string::npos);
  CHECK(third.out.find("public-inbox: 0 new commits read") != std::string::npos);
  CHECK(count(db, "import_state WHERE kind = 'git'") == "2");

  fs::path once = t / "once.db";
  REQUIRE(import(once, {inbox.dir.string()}).code == 0);
  CHECK(count(once, "messages") == "12");
  CHECK(dump_relations(db) == dump_relations(once));
  // An epoch named alone is read the same way (and knows what it read).
  Run epoch = import(db, {(inbox.dir / "git" / "1.git").string()});
  CHECK(epoch.out.find("public-inbox: 0 new commits read") != std::string::npos);
}

// GitEpochReader asks git for 64 commits ahead; removals are looked up
// on a second git process meanwhile. Written with git fast-import: one
// commit a mail, `d` for a removal, an empty tree for a plain deletion.
TEST_CASE("inputs: an epoch longer than the reader asks ahead, removals among its commits, is read in order") {
  if (skip_without_git()) return;
  TempDir t;
  Inbox inbox(t / "inbox");
  auto mail = [](int k) {
    return fmt::format("From: a{0}@example.org\nSubject: mail {0}\nMessage-ID: <m{0}@example.org>\n"
                       "Date: Mon, 1 Jan 2024 00:{1:02}:{2:02} +0000\n\nbody {0}\n", k, k / 60, k % 60);
  };
  Inbox::Batch b;
  for (int k = 1; k <= 150; ++k) {
    b.commit("m", mail(k));
    if (k == 100) b.commit("d", mail(40));  // public-inbox's removal of mail 40
    if (k == 120) b.commit("", "");         // `m` deleted: mail 120 removed
  }
  inbox.fast_import(0, b);
  fs::path db = t / "m.db";
  Run r = import(db, {inbox.dir.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("public-inbox: 152 new commits read (2 removals recorded)") != std::string::npos);
  CHECK(count(db, "messages") == "150");
  CHECK(count(db, "live_messages") == "148");
  CHECK(query1(db, "SELECT group_concat(subject, ',') FROM (SELECT subject FROM messages "
                   "WHERE subject IN ('mail 40', 'mail 120') ORDER BY id)") == "mail 40,mail 120");
  CHECK(count(db, "live_messages WHERE subject IN ('mail 40', 'mail 120')") == "0");
  // Stored in commit order.
  std::string order = query1(db, "SELECT group_concat(substr(subject, 6), ',') FROM "
                                 "(SELECT subject FROM messages ORDER BY id)");
  std::string expected;
  for (int k = 1; k <= 150; ++k) expected += (k > 1 ? "," : "") + std::to_string(k);
  CHECK(order == expected);
}

// Ctrl-C inside an epoch: the reader ends early (its git processes are
// stopped, not waited on for the rest), the commits written are
// remembered, and the next import reads only the rest.
TEST_CASE("inputs: an epoch import stopped by Ctrl-C keeps what it stored; the next reads the rest") {
  if (skip_without_git()) return;
  TempDir t;
  Inbox inbox(t / "inbox");
  // More than the queue can hold past the 5,000th write (16 batches of 64):
  // the parser, ahead by at most that, is still reading when it is stopped.
  constexpr int kMails = 8000;
  Inbox::Batch b;
  for (int k = 1; k <= kMails; ++k)
    b.commit("m", fmt::format("From: a@example.org\nSubject: m{0}\nMessage-ID: <m{0}@example.org>\n\nb\n",
                              k));
  inbox.fast_import(0, b);
  fs::path db = t / "m.db";
  auto start = std::chrono::steady_clock::now();
  Run r = run_mlidx_with({"import", "--db", db.string(), inbox.dir.string()}, "",
                         "MLIDX_INTERRUPT_AT=write:5000");
  INFO(r.out << r.err);
  REQUIRE(r.code == 130);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
  const int stored = std::stoi(count(db, "messages"));
  CHECK(stored >= 5000);
  CHECK(stored < kMails);
  CHECK(query1(db, "SELECT messages FROM import_state") == std::to_string(stored));
  CHECK(query1(db, "PRAGMA integrity_check") == "ok");
  r = import(db, {inbox.dir.string()});
  CHECK(r.code == 0);
  CHECK(r.out.find("public-inbox: " + std::to_string(kMails - stored) + " new commits read") != std::string::npos);
  CHECK(count(db, "messages") == std::to_string(kMails));
  CHECK(query1(db, "SELECT messages FROM import_state") == std::to_string(kMails));
}

TEST_CASE("inputs: a public-inbox removal is recorded, the mail is no longer live, and reindex keeps it") {
  if (skip_without_git()) return;
  TempDir t;
  auto mails = data_messages();
  Inbox inbox(t / "inbox");
  for (std::size_t i = 0; i < 4; ++i) inbox.add(0, mails[i]);
  fs::path db = t / "m.db";
  REQUIRE(import(db, {inbox.dir.string()}).code == 0);
  inbox.remove(0, mails[2]);
  inbox.add(0, mails[4]);
  Run r = import(db, {inbox.dir.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("public-inbox: 2 new commits read (1 removals recorded)") != std::string::npos);
  CHECK(count(db, "messages") == "5");
  CHECK(count(db, "live_messages") == "4");
  CHECK(count(db, "removals") == "1");
  std::string removed = query1(db, "SELECT m.subject FROM messages m JOIN problems p ON p.message_id = m.id "
                                   "WHERE p.kind = 'removed'");
  CHECK(!removed.empty());
  CHECK(rows(db, "SELECT count(*) FROM live_messages WHERE subject = ?1", {removed})[0][0] == "0");
  // A removal written as a plain deletion of `m` names the parent's mail.
  inbox.add(0, mails[5]);
  inbox.delete_m(0);
  r = import(db, {inbox.dir.string()});
  CHECK(r.out.find("public-inbox: 2 new commits read (1 removals recorded)") != std::string::npos);
  CHECK(count(db, "live_messages") == "4");
  CHECK(rows(db, "SELECT count(*) FROM messages m JOIN removals r ON r.raw_sha1 = m.raw_sha1 "
                 "WHERE m.id = (SELECT max(id) FROM messages)")[0][0] == "1");
  REQUIRE(run_mlidx({"reindex", "--db", db.string()}).code == 0);
  CHECK(count(db, "removals") == "2");
  CHECK(count(db, "live_messages") == "4");
  CHECK(count(db, "problems WHERE kind = 'removed'") == "2");
  // Still known after reindex: nothing is read again.
  Run again = import(db, {inbox.dir.string()});
  CHECK(again.out.find("public-inbox: 0 new commits read") != std::string::npos);
}

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// `git` on PATH as a script that logs each command line (one a line) to
// `log` and runs the real git: which git commands an import ran.
struct GitLog {
  explicit GitLog(const fs::path& dir) : dir(dir) {
    fs::create_directories(dir);
    std::string real = trimmed(read_command("command -v git"));
    write_file(dir / "git", "#!/bin/sh\necho \"$*\" >> " + shq(log().string()) + "\nexec " + shq(real) +
                                " \"$@\"\n");
    fs::permissions(dir / "git", fs::perms::owner_all);
  }
  fs::path log() const { return dir / "git.log"; }
  std::string env() const { return "PATH=" + dir.string() + ":" + std::getenv("PATH"); }
  std::string read_and_clear() {
    std::string out = fs::exists(log()) ? read_file(log()) : "";
    fs::remove(log());
    return out;
  }
  static std::string read_command(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
    return out;
  }
  fs::path dir;
};

Run import_logged(const fs::path& db, const Inbox& inbox, const GitLog& git) {
  return run_mlidx_with({"import", "--timing", "--db", db.string(), inbox.dir.string()}, "", git.env());
}

}  // namespace

// public-inbox's epochs are one line of commits: the commits after the last
// one read are found by walking back from HEAD to it, not by git commands
// that walk the whole epoch (merge-base, rev-list A..B).
TEST_CASE("inputs: a fetched public-inbox epoch is read by walking back to the last commit read") {
  if (skip_without_git()) return;
  TempDir t;
  auto mails = data_messages();
  Inbox inbox(t / "inbox");
  for (std::size_t i = 0; i < 4; ++i) inbox.add(0, mails[i]);
  GitLog git(t / "bin");
  fs::path db = t / "m.db";
  REQUIRE(import_logged(db, inbox, git).code == 0);
  git.read_and_clear();
  for (std::size_t i = 4; i < 7; ++i) inbox.add(0, mails[i]);
  Run r = import_logged(db, inbox, git);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("read 3 messages: 3 new, 0 duplicates") != std::string::npos);
  CHECK(r.out.find("public-inbox: 3 new commits read") != std::string::npos);
  // A small import: the stored mail's view is loaded before the writes
  // drop the derive snapshot (Importer::plan_resume).
  CHECK(r.out.find(", 4 of them read from the derive snapshot") != std::string::npos);
  std::string ran = git.read_and_clear();
  INFO(ran);
  CHECK(ran.find("rev-list --parents HEAD") != std::string::npos);
  CHECK(ran.find("merge-base") == std::string::npos);
  CHECK(ran.find("rev-list --reverse") == std::string::npos);
  fs::path once = t / "once.db";
  REQUIRE(import(once, {inbox.dir.string()}).code == 0);
  CHECK(dump_relations(db) == dump_relations(once));

  SUBCASE("a merge since: read as git's since..HEAD, the side branch too") {
    std::string gd = "git --git-dir=" + shq(inbox.epoch(0).string());
    std::string since = trimmed(GitLog::read_command(gd + " rev-parse HEAD"));
    inbox.add(0, mails[7]);
    std::string main_tip = trimmed(GitLog::read_command(gd + " rev-parse HEAD"));
    sh(gd + " update-ref HEAD " + since);
    inbox.add(0, mails[8]);
    sh("export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t "
       "GIT_COMMITTER_EMAIL=t@example.org; c=$(" + gd + " commit-tree HEAD^{tree} -p " + main_tip +
       " -p HEAD -m merge) && " + gd + " update-ref HEAD $c");
    r = import_logged(db, inbox, git);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("read 3 messages: 2 new, 1 duplicates") != std::string::npos);
    CHECK(r.out.find("public-inbox: 3 new commits read") != std::string::npos);
    CHECK(r.out.find("history rewritten") == std::string::npos);
    CHECK(git.read_and_clear().find("merge-base") != std::string::npos);
    CHECK(count(db, "messages") == "9");
  }
  SUBCASE("a rewritten history: every commit read again, known mail found known") {
    fs::remove_all(inbox.epoch(0));
    for (std::size_t i : {0, 1, 3, 4, 5, 6, 7}) inbox.add(0, mails[i]);
    r = import_logged(db, inbox, git);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("history rewritten since the last import: every commit read again") != std::string::npos);
    CHECK(r.out.find("read 7 messages: 1 new, 6 duplicates") != std::string::npos);
    std::string again = git.read_and_clear();
    INFO(again);
    CHECK(again.find("merge-base") == std::string::npos);
    CHECK(count(db, "messages") == "8");
  }
}

TEST_CASE("inputs: hostile public-inbox paths fail clearly and touch nothing") {
  TempDir t;
  fs::path db = t / "m.db";
  // An inbox whose epoch is not a git repository.
  fs::create_directories(t / "bad" / "git" / "0.git");
  Run r = import(db, {(t / "bad").string()});
  CHECK(r.code != 0);
  CHECK(r.err.find("0.git: not a git repository") != std::string::npos);
  CHECK(!fs::exists(db));
  // A directory that is none of the inputs.
  fs::create_directories(t / "plain.git");
  r = import(db, {(t / "plain.git").string()});
  CHECK(r.code != 0);
  CHECK(r.err.find("neither a Maildir") != std::string::npos);
  CHECK(!fs::exists(db));
  if (skip_without_git()) return;
  // Looks like a repository (HEAD, objects/) but git cannot read it.
  fs::create_directories(t / "fake.git" / "objects");
  write_file(t / "fake.git" / "HEAD", "not a ref\n");
  r = import(db, {(t / "fake.git").string()});
  CHECK(r.code != 0);
  CHECK(r.err.find("fake.git: git cannot read this repository") != std::string::npos);
  CHECK(!fs::exists(db));
  // git missing: said plainly, before anything is written.
  Inbox inbox(t / "inbox");
  inbox.add(0, data_messages()[0]);
  r = run_mlidx_with({"import", "--db", db.string(), inbox.dir.string()}, "", "PATH=/nonexistent");
  CHECK(r.code != 0);
  CHECK(r.err.find("needs git, which is not installed") != std::string::npos);
  CHECK(!fs::exists(db));
}

TEST_CASE_FIXTURE(ImportedSeries, "inputs: re-importing an appended-to mbox reads only the tail; a rewritten one is read in full") {
  write_file(mbox, series + replies);
  Run r = import(db, {mbox.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("read 6 messages (skipped 6 already imported, from byte " + std::to_string(series.size()) +
                   "): 6 new, 0 duplicates") == 0);
  CHECK(count(db, "messages") == "12");
  fs::path once = t / "once.db";
  REQUIRE(import(once, {mbox.string()}).code == 0);
  CHECK(dump_relations(db) == dump_relations(once));

  // Rewritten (same mail, other order): detected, read in full, nothing doubled.
  write_file(mbox, replies + series);
  r = import(db, {mbox.string()});
  CHECK(r.out.find("changed since the last import") != std::string::npos);
  CHECK(r.out.find("read 12 messages: 0 new, 12 duplicates") != std::string::npos);
  CHECK(count(db, "messages") == "12");
  // Its new state is what the next import compares with.
  r = import(db, {mbox.string()});
  CHECK(r.out.find("read 0 messages (skipped 12 already imported, from byte") == 0);
}

// A database from before schema version 7 recorded SHA-1 (version 5) or
// UMAC (version 6) digests of the prefixes: the migrations drop them, the
// next import reads each mbox in full (its mail known) without calling it
// changed, and records an XXH3-128 digest.
// Not an append: a new file, as small as an append, into a database with
// mail derived before.
TEST_CASE_FIXTURE(ImportedSeries, "inputs: a small new mbox is imported against the derive snapshot, as in one go") {
  fs::path more = t / "replies.mbox";
  write_file(more, replies);
  Run r = run_mlidx({"import", "--timing", "--db", db.string(), more.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("read 6 messages: 6 new") != std::string::npos);
  CHECK(r.out.find(", 6 of them read from the derive snapshot") != std::string::npos);
  fs::path once = t / "once.db";
  REQUIRE(import(once, {mbox.string(), more.string()}).code == 0);
  CHECK(dump_relations(db) == dump_relations(once));
  // Known mail in it is found by the writer (the parser has no keys).
  fs::path again = t / "again.mbox";
  write_file(again, replies + series);
  r = run_mlidx({"import", "--db", db.string(), again.string()});
  CHECK(r.out.find("read 12 messages: 0 new, 12 duplicates") != std::string::npos);
  CHECK(dump_relations(db) == dump_relations(once));
}

// A repeated import (nothing appended) has nothing to derive: it loads no
// view of the stored mail; an append does (Importer::plan_resume).
TEST_CASE_FIXTURE(ImportedSeries, "inputs: an import with nothing new to read loads no view of the stored mail") {
  Run again = run_mlidx({"import", "--timing", "--db", db.string(), mbox.string()});
  INFO(again.out << again.err);
  REQUIRE(again.code == 0);
  CHECK(again.out.find("read 0 messages (skipped 6 already imported") != std::string::npos);
  CHECK(again.out.find("stored mail loaded") == std::string::npos);
  write_file(mbox, series + replies);
  Run appended = run_mlidx({"import", "--timing", "--db", db.string(), mbox.string()});
  INFO(appended.out << appended.err);
  CHECK(appended.out.find("stored mail loaded") != std::string::npos);
}

TEST_CASE_FIXTURE(ImportedSeries, "inputs: an mbox state recorded before schema version 7 is read in full once, then resumed") {
  CHECK(query(db, "SELECT length(prefix_xxh128) FROM import_state") == "16");
  struct Layout {
    const char* column;
    int digest_bytes, version;
  };
  Layout old{"prefix_umac", 16, 6};
  SUBCASE("version 5, SHA-1") { old = {"prefix_sha1", 20, 5}; }
  SUBCASE("version 6, UMAC") { old = {"prefix_umac", 16, 6}; }
  CAPTURE(old.version);
  // Back to that version's layout (0004_inputs.sql, 0006_prefix_umac.sql)
  // with a digest this mlidx cannot check.
  for (const std::string& sql :
       {std::string("ALTER TABLE import_state RENAME COLUMN prefix_xxh128 TO ") + old.column,
        fmt::format("UPDATE import_state SET {} = randomblob({})", old.column, old.digest_bytes),
        fmt::format("PRAGMA user_version = {}", old.version)})
    REQUIRE(run_mlidx({"sql", "--write", "--db", db.string(), sql}).code == 0);
  Run r = import(db, {mbox.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("changed since the last import") == std::string::npos);
  CHECK(r.out.find("read 6 messages: 0 new, 6 duplicates") == 0);
  CHECK(query(db, "PRAGMA user_version") == std::to_string(mlidx::db::latest_version()));
  CHECK(query(db, "SELECT size = " + std::to_string(series.size()) +
                      ", length(prefix_xxh128) FROM import_state") == "1|16");
  write_file(mbox, series + replies);
  r = import(db, {mbox.string()});
  CHECK(r.out.find("read 6 messages (skipped 6 already imported, from byte " + std::to_string(series.size()) +
                   "): 6 new") == 0);
}

TEST_CASE("inputs: the prefix digest is the same however the bytes are given, and tells any change") {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += static_cast<char>(i * 7 + i / 13);
  auto whole = [](std::string_view d) {
    mlidx::Xxh128Stream s;
    s.update(d);
    return s.digest();
  };
  // Pieces cut across XXH3's 64-byte stripes, 256-byte input buffer and
  // 1024-byte blocks, and digests read on the way (as every commit of an
  // import does), give the digest of the whole.
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{255},
                          std::size_t{256}, std::size_t{1023}, std::size_t{1024}, std::size_t{1025},
                          std::size_t{4097}}) {
    mlidx::Xxh128Stream s;
    s.update(std::string_view(data).substr(0, cut));
    (void)s.digest();
    s.update(std::string_view(data).substr(cut));
    CHECK(s.digest() == whole(data));
  }
  CHECK(whole(data) != whole(std::string_view(data).substr(0, data.size() - 1)));
  std::string edited = data;
  edited[2500] ^= 1;
  CHECK(whole(edited) != whole(data));
  CHECK(whole("") != whole(std::string(1, '\0')));
}

// A resumed import leaves the look-up of repeats to the writer (the parser
// gets no keys of the stored mail) and reads the stored mail for the derive
// pass on a second connection while it writes: repeats of stored mail, of
// mail earlier in the tail and variants count as in a one-shot import.
TEST_CASE_FIXTURE(ImportedSeries, "inputs: an appended tail that repeats stored mail counts duplicates and variants as a full read does") {
  auto first = [](const std::string& mbox) {
    std::size_t next = mbox.find("\nFrom ", 1);
    return mbox.substr(0, next == std::string::npos ? mbox.size() : next + 1);
  };
  std::string stored_one = first(series), reply = first(replies);
  // The same Message-ID with other bytes: a variant.
  std::string variant = stored_one;
  variant.insert(variant.find("\n\n") + 1, "X-Resent: yes\n");
  std::string grown = series + stored_one + reply + reply + variant;
  write_file(mbox, grown);
  Run r = import(db, {mbox.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("read 4 messages (skipped 6 already imported, from byte " + std::to_string(series.size()) +
                   "): 1 new, 2 duplicates, 1 variants") == 0);
  fs::path once = t / "once.db";
  Run o = import(once, {mbox.string()});
  CHECK(o.out.find("read 10 messages: 7 new, 2 duplicates, 1 variants") == 0);
  CHECK(dump_relations(db) == dump_relations(once));
}

TEST_CASE("inputs: a Maildir's cur/ and new/ are imported, tmp/ is not") {
  TempDir t;
  auto mails = data_messages();
  fs::path md = t / "Maildir";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(md / d);
  for (std::size_t i = 0; i < mails.size(); ++i)
    write_file(md / (i < 6 ? "cur" : "new") / (std::to_string(1700000000 + i) + ".x.host:2,S"), mails[i]);
  write_file(md / "tmp" / "1.partial",
             "From: a@x\nMessage-ID: <in-delivery@x>\nSubject: partial\n\nbody\n");
  fs::path db = t / "m.db";
  Run r = import(db, {md.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("read 12 messages: 12 new") != std::string::npos);
  CHECK(count(db, "messages WHERE msgid = 'in-delivery@x'") == "0");
  fs::path from_mbox = t / "mbox.db";
  REQUIRE(import(from_mbox, {(kData / "series.mbox").string(), (kData / "replies.mbox").string()}).code == 0);
  CHECK(dump_relations(db) == dump_relations(from_mbox));
  // Importing it again adds nothing (files written within the last
  // listing's margin are read again, known).
  r = import(db, {md.string()});
  CHECK(r.out.find(" 0 new, ") != std::string::npos);
  CHECK(count(db, "messages") == "12");
}

// A Maildir remembers when it was listed (schema/0010): files whose inode
// has not changed since are not read again. The margin of two seconds
// (file systems keeping whole seconds) makes the test wait for it.
TEST_CASE("inputs: a Maildir imported before reads only the files changed since") {
  TempDir t;
  auto mails = data_messages();
  fs::path md = t / "Maildir";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(md / d);
  auto deliver = [&md](std::size_t i, const std::string& mail) {
    write_file(md / "new" / (std::to_string(1700000000 + i) + ".x.host"), mail);
  };
  for (std::size_t i = 0; i < 6; ++i) deliver(i, mails[i]);
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  deliver(6, mails[6]);
  fs::path db = t / "m.db";
  Run r = import(db, {md.string()});
  REQUIRE(r.code == 0);
  CHECK(query1(db, "SELECT kind || ' ' || messages FROM import_state") == "maildir 7");
  // Two seconds on, however long that import took (a sanitizer build):
  // the seventh file lies outside the next listing's margin.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  for (std::size_t i = 7; i < 12; ++i) deliver(i, mails[i]);
  r = import(db, {md.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // The first six were there, unchanged, two seconds before the last
  // listing's newest file: skipped. That file is read again, known.
  CHECK(r.out.find("read 6 messages (skipped 6 already imported): 5 new, 1 duplicates") != std::string::npos);
  fs::path once = t / "once.db";
  REQUIRE(import(once, {md.string()}).code == 0);
  CHECK(dump_relations(db) == dump_relations(once));
  // A file moved to cur/ with a flag (as a mail reader does) changed: read
  // again, known, with the five of the last listing's margin. reindex keeps
  // the state.
  fs::rename(md / "new" / "1700000000.x.host", md / "cur" / "1700000000.x.host:2,S");
  REQUIRE(run_mlidx({"reindex", "--db", db.string()}).code == 0);
  r = import(db, {md.string()});
  CHECK(r.out.find("read 6 messages (skipped 6 already imported): 0 new, 6 duplicates") != std::string::npos);
  CHECK(dump_relations(db) == dump_relations(once));
}

// Ctrl-C inside a Maildir (at the 5,000th mail written, the parser at most
// a full queue ahead of it) leaves no state: the next import reads it all.
// The files an earlier import read, unchanged since, are not even opened:
// a file only root can read, read by a first import as root, does not stop
// a second one run as another user. (Opening each file was most of the
// listing of a large Maildir.) Needs root and setpriv (util-linux).
TEST_CASE("inputs: a Maildir's files that the import will not read are not opened") {
  if (::geteuid() != 0 || std::system("command -v setpriv >/dev/null") != 0) {
    MESSAGE("skipped: needs root and setpriv, to import as another user");
    return;
  }
  TempDir t;
  auto mails = data_messages();
  fs::path md = t / "Maildir";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(md / d);
  for (std::size_t i = 0; i < 3; ++i) write_file(md / "cur" / fmt::format("{}.x.host:2,S", i), mails[i]);
  fs::permissions(md / "cur" / "0.x.host:2,S", fs::perms::none);
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));  // out of the next listing's margin
  write_file(md / "new" / "3.x.host", mails[3]);
  fs::path db = t / "m.db";
  REQUIRE(import(db, {md.string()}).code == 0);
  // Another user may write the database and read all but the first file.
  fs::permissions(t.path, fs::perms::all);
  fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                          fs::perms::group_write | fs::perms::others_read | fs::perms::others_write);
  std::string out = (t / "out").string();
  std::string cmd = "setpriv --reuid=65534 --regid=65534 --clear-groups " + shq(MLIDX_BIN) +
                    " import --db " + shq(db.string()) + " " + shq(md.string()) + " >" + shq(out) + " 2>&1";
  int status = std::system(cmd.c_str());
  INFO(read_file(out));
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read_file(out).find("read 1 messages (skipped 3 already imported): 0 new, 1 duplicates") !=
        std::string::npos);
  // Changed since (here: made readable), it is opened and read again.
  fs::permissions(md / "cur" / "0.x.host:2,S", fs::perms::owner_read | fs::perms::others_read);
  status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read_file(out).find("read 2 messages (skipped 2 already imported): 0 new, 2 duplicates") !=
        std::string::npos);
}

// What an earlier import recorded of a Maildir is read before the inputs
// are all checked (the files it will not read are not opened): a glance
// that creates nothing, so a refused import leaves the database's
// directory as it was.
TEST_CASE("inputs: an import refused for one input leaves a Maildir's database and its directory as they were") {
  TempDir t;
  fs::path md = t / "Maildir";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(md / d);
  write_file(md / "cur" / "1.x.host:2,S", data_messages()[0]);
  fs::path db = t / "m.db";
  REQUIRE(import(db, {md.string()}).code == 0);
  REQUIRE(count(db, "import_state") == "1");
  // Left by that read-only query (a reader cannot remove them), now by nobody.
  fs::remove(t / "m.db-wal");
  fs::remove(t / "m.db-shm");
  const std::string before = read_file(db);
  Run r = import(db, {md.string(), (t / "missing.mbox").string()});
  CHECK(r.code != 0);
  CHECK(r.err.find("missing.mbox: No such file or directory") != std::string::npos);
  CHECK(read_file(db) == before);
  CHECK_FALSE(fs::exists(t / "m.db-wal"));
  CHECK_FALSE(fs::exists(t / "m.db-shm"));
}

TEST_CASE("inputs: a Maildir an import stopped in is read in full next time") {
  TempDir t;
  fs::path md = t / "Maildir";
  for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(md / d);
  for (int k = 0; k < 8000; ++k)
    write_file(md / "cur" / fmt::format("{:05}.x.host:2,S", k),
               fmt::format("From: a@example.org\nSubject: m{0}\nMessage-ID: <m{0}@example.org>\n\nb\n", k));
  fs::path db = t / "m.db";
  Run r = run_mlidx_with({"import", "--db", db.string(), md.string()}, "", "MLIDX_INTERRUPT_AT=write:5000");
  INFO(r.out << r.err);
  REQUIRE(r.code == 130);
  CHECK(count(db, "import_state") == "0");
  const int stored = std::stoi(count(db, "messages"));
  CHECK(stored >= 5000);
  CHECK(stored < 8000);
  r = import(db, {md.string()});
  CHECK(r.out.find("read 8000 messages: " + std::to_string(8000 - stored) + " new") != std::string::npos);
  CHECK(query1(db, "SELECT kind || ' ' || messages FROM import_state") == "maildir 8000");
}

TEST_CASE("inputs: a Maildir with an unreadable entry is refused before the database is touched") {
  TempDir t;
  fs::path md = t / "Maildir";
  fs::create_directories(md / "cur");
  fs::create_directories(md / "new");
  write_file(md / "new" / "1.a", data_messages()[0]);
  fs::create_symlink(t / "gone", md / "cur" / "2.b");  // dangling: unreadable even for root
  fs::path db = t / "m.db";
  Run r = import(db, {md.string()});
  CHECK(r.code != 0);
  CHECK(r.err.find("mlidx: " + (md / "cur" / "2.b").string() + ": No such file or directory") != std::string::npos);
  CHECK(!fs::exists(db));
}

TEST_CASE("inputs: a .gz mbox is inflated; a truncated one is refused and nothing is imported") {
  TempDir t;
  fs::path gz = t / "series.mbox.gz";
  sh("gzip -c " + shq((kData / "series.mbox").string()) + " > " + shq(gz.string()));
  fs::path db = t / "gz.db", plain = t / "plain.db";
  Run r = import(db, {gz.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("read 6 messages: 6 new") != std::string::npos);
  REQUIRE(import(plain, {(kData / "series.mbox").string()}).code == 0);
  CHECK(dump_relations(db) == dump_relations(plain));

  std::string bytes = read_file(gz);
  write_file(t / "cut.mbox.gz", bytes.substr(0, bytes.size() / 2));
  fs::path cut_db = t / "cut.db";
  r = import(cut_db, {(kData / "replies.mbox").string(), (t / "cut.mbox.gz").string()});
  CHECK(r.code != 0);
  CHECK(r.err.find("cut.mbox.gz: truncated gzip data") != std::string::npos);
  CHECK(!fs::exists(cut_db));
}

TEST_CASE("inputs: '-' reads an mbox or a single mail from stdin") {
  TempDir t;
  fs::path db = t / "m.db", plain = t / "plain.db";
  Run r = run_mlidx_with({"import", "--db", db.string(), "-"}, read_file(kData / "series.mbox"));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("read 6 messages: 6 new") != std::string::npos);
  REQUIRE(import(plain, {(kData / "series.mbox").string()}).code == 0);
  CHECK(dump_relations(db) == dump_relations(plain));
  r = run_mlidx_with({"import", "--db", db.string(), "-"},
                     "From: a@x\nMessage-ID: <one@x>\nSubject: one mail\n\nbody\n");
  CHECK(r.out.find("read 1 messages: 1 new") != std::string::npos);
  CHECK(count(db, "messages WHERE msgid = 'one@x'") == "1");
  // gzip on stdin is inflated too.
  TempDir g;
  sh("gzip -c " + shq((kData / "replies.mbox").string()) + " > " + shq((g / "r.gz").string()));
  r = run_mlidx_with({"import", "--db", db.string(), "-"}, read_file(g / "r.gz"));
  CHECK(r.out.find("read 6 messages: 6 new") == 0);
  r = run_mlidx_with({"import", "--db", (t / "e.db").string(), "-"}, "");
  CHECK(r.code != 0);
  CHECK(r.err.find("mlidx: stdin: empty file") != std::string::npos);
  CHECK(!fs::exists(t / "e.db"));
}

TEST_CASE("inputs: MappedFile::scan hands over the file's first bytes in order, in pieces, clipped at its end") {
  TempDir t;
  // Over two 8 MiB pieces, and not a whole number of pages.
  std::string data((std::size_t{17} << 20) + 123, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  write_file(t / "f", data);
  auto f = mlidx::MappedFile::open((t / "f").string());
  REQUIRE(f);
  auto scanned = [&f](std::size_t end, std::size_t& pieces) {
    std::string out;
    pieces = 0;
    std::size_t n = f->scan(end, [&](std::string_view part) {
      out += part;
      ++pieces;
    });
    CHECK(n == out.size());
    return out;
  };
  std::size_t pieces = 0;
  CHECK(scanned(data.size(), pieces) == data);
  CHECK(pieces == 3);
  // Twice: the pages dropped after the first pass are read again.
  CHECK(scanned(data.size() - 5, pieces) == data.substr(0, data.size() - 5));
  CHECK(scanned(5, pieces) == data.substr(0, 5));
  CHECK(scanned(data.size() + 100, pieces) == data);
  CHECK(scanned(0, pieces).empty());
  CHECK(pieces == 0);
  // The map still reads the same bytes after the pieces were dropped.
  CHECK(f->view() == data);
}

TEST_CASE("inputs: MappedFile::read_at reads the mapped bytes from the file, clipped at its end") {
  TempDir t;
  std::string data;
  for (int i = 0; i < 70000; ++i) data += static_cast<char>('a' + i % 26);
  write_file(t / "f", data);
  auto f = mlidx::MappedFile::open((t / "f").string());
  REQUIRE(f);
  std::string buf(40000, '\0');
  CHECK(f->read_at(0, buf.data(), buf.size()) == 40000);
  CHECK(buf == data.substr(0, 40000));
  // What the import hashed through the map before: the same bytes.
  f->release_before(data.size());
  CHECK(f->read_at(65536, buf.data(), buf.size()) == 70000 - 65536);
  CHECK(buf.substr(0, 70000 - 65536) == data.substr(65536));
  CHECK(f->read_at(data.size(), buf.data(), buf.size()) == 0);
  mlidx::MappedFile moved = std::move(*f);
  CHECK(moved.read_at(3, buf.data(), 2) == 2);
  CHECK(buf.substr(0, 2) == "de");
}
