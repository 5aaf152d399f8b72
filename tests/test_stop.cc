// Hard stops and file errors (issue 5): Ctrl-C, a second import or a reader
// while an import runs, a full disk, a read-only or foreign database, an
// mbox cut short or shrinking under the import. Each ends in a clear
// "mlidx: ..." message and a non-zero exit, and loses nothing stored.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include "support.hh"

using namespace mlidx::test;

namespace {

const fs::path kData = fs::path(MLIDX_SOURCE_DIR) / "data";

// A child mlidx with its output in files, and `setup` run in the child
// before exec (limits, user).
struct Child {
  pid_t pid = -1;
  TempDir out;
};

Child spawn(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
            const std::function<void()>& setup = {}) {
  Child c;
  std::string o = (c.out / "out").string(), e = (c.out / "err").string();
  std::vector<std::string> argv_s{MLIDX_BIN};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  c.pid = fork();
  REQUIRE(c.pid >= 0);
  if (c.pid == 0) {
    int fo = open(o.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(e.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo < 0 || fe < 0) _exit(126);
    dup2(fo, 1);
    dup2(fe, 2);
    for (const auto& kv : env) putenv(const_cast<char*>(kv.c_str()));
    if (setup) setup();
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return c;
}

Run finish(Child& c) {
  int status = 0;
  waitpid(c.pid, &status, 0);
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(c.out / "out");
  r.err = read_file(c.out / "err");
  return r;
}

Run run_with(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
             const std::function<void()>& setup = {}) {
  Child c = spawn(args, env, setup);
  return finish(c);
}

// True once another process holds the import lock on `db` (or gave up
// after 30 s); the probe itself holds it only for an instant.
bool wait_for_import_lock(const fs::path& db) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    int fd = open(db.c_str(), O_RDONLY);
    if (fd >= 0) {
      bool held = flock(fd, LOCK_EX | LOCK_NB) != 0;
      close(fd);  // drops the probe's lock, if it got one
      if (held) return true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return false;
}

std::string clean_dump(const fs::path& mbox) {
  TempDir t;
  REQUIRE(run_mlidx({"import", "--quiet", "--db", (t / "clean.db").string(), mbox.string()}).code == 0);
  return dump_relations(t / "clean.db");
}

}  // namespace

TEST_CASE("stop: Ctrl-C stores what was read, says how far it got; a re-run completes it") {
  if (skip_without_shared()) return;
  fs::path corpus = corpus_10k();
  REQUIRE(!corpus.empty());
  const std::string expected = clean_dump(corpus);
  TempDir t;
  SUBCASE("at a fixed point: the 5,000th message written") {
    auto db = t / "a.db";
    Run r = run_with({"import", "--db", db.string(), corpus.string()}, {"MLIDX_INTERRUPT_AT=write:5000"});
    CHECK(r.code == 130);
    CHECK(r.err.find("mlidx: interrupted: stopped in " + corpus.string() + " at byte ") != std::string::npos);
    CHECK(r.err.find("run the same import again to continue") != std::string::npos);
    // The passes ran: what is stored is complete, not waiting for a re-run.
    auto n = std::stoi(query1(db, "SELECT count(*) FROM messages"));
    CHECK(n >= 5000);
    CHECK(n < 9991);
    CHECK(query1(db, "SELECT count(*) FROM messages WHERE thread_id IS NULL") == "0");
    CHECK(query1(db, "PRAGMA integrity_check") == "ok");
    // The re-run goes on from where the stopped one got to (issue 7): the
    // mail stored is not read again.
    int stored = std::stoi(query1(db, "SELECT messages FROM import_state"));
    CHECK(stored >= 5000);
    Run again = run_mlidx({"import", "--db", db.string(), corpus.string()});
    CHECK(again.code == 0);
    CHECK(again.out.find("read " + std::to_string(10000 - stored) + " messages (skipped " +
                         std::to_string(stored) + " already imported, from byte ") == 0);
    CHECK(dump_relations(db) == expected);
  }
  SUBCASE("a real SIGINT from outside, as soon as the import holds its lock") {
    auto db = t / "b.db";
    Child c = spawn({"import", "--db", db.string(), corpus.string()});
    REQUIRE(wait_for_import_lock(db));
    kill(c.pid, SIGINT);
    Run r = finish(c);
    CHECK(r.code == 130);
    CHECK(r.err.find("mlidx: interrupted: storing the mail read so far") != std::string::npos);
    CHECK(query1(db, "PRAGMA integrity_check") == "ok");
    CHECK(run_mlidx({"import", "--quiet", "--db", db.string(), corpus.string()}).code == 0);
    CHECK(dump_relations(db) == expected);
  }
}

TEST_CASE("stop: a second import waits or is refused; readers query while an import writes") {
  if (skip_without_shared()) return;
  fs::path corpus = corpus_10k();
  REQUIRE(!corpus.empty());
  TempDir t;
  auto db = t / "a.db";
  // A database that exists already is in WAL mode, where readers never wait.
  REQUIRE(run_mlidx({"import", "--quiet", "--db", db.string(), (kData / "series.mbox").string()}).code == 0);
  Child a = spawn({"import", "--quiet", "--db", db.string(), corpus.string()});
  REQUIRE(wait_for_import_lock(db));
  Run refused = run_mlidx({"import", "--wait", "0", "--db", db.string(), (kData / "replies.mbox").string()});
  CHECK(refused.code == 1);
  CHECK(refused.err == "mlidx: " + db.string() + ": another import is writing to it\n");
  // Queries during the import: each succeeds and sees committed mail only.
  int reads = 0, last = 0, status = 0;
  bool monotonic = true, done = false;
  while (!done && reads < 500) {
    Run q = run_mlidx({"sql", "--db", db.string(), "--csv", "SELECT count(*) FROM messages"});
    CHECK(q.code == 0);
    if (q.code != 0) break;
    int n = std::stoi(q.out.substr(q.out.find('\n') + 1));
    monotonic = monotonic && n >= last;
    last = n;
    ++reads;
    done = waitpid(a.pid, &status, WNOHANG) == a.pid;
  }
  CHECK(monotonic);
  MESSAGE(reads << " queries answered while the import ran; the last saw " << last << " messages");
  Child waiting = spawn({"import", "--db", db.string(), (kData / "replies.mbox").string()});
  if (!done) waitpid(a.pid, &status, 0);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  Run w = finish(waiting);
  CHECK(w.code == 0);
  CHECK(query1(db, "SELECT count(*) FROM messages") == std::to_string(9991 + 6 + 6));
  CHECK(query1(db, "PRAGMA integrity_check") == "ok");
}

// 3,000 mails of 8 KiB: more than the limits below let through.
fs::path write_big_mbox(const TempDir& t) {
  std::string line(79, 'x');
  line += '\n';
  std::string body;
  while (body.size() < 8192) body += line;
  std::string mbox;
  for (int i = 0; i < 3000; ++i)
    mbox += "From x Thu Jan  1 00:00:00 1970\nFrom: A <a@example.org>\nMessage-ID: <big-" +
            std::to_string(i) + "@x>\nSubject: mail " + std::to_string(i) +
            "\nDate: Mon, 1 Dec 2025 10:00:00 +0000\n\n" + body + "\n";
  write_file(t / "big.mbox", mbox);
  return t / "big.mbox";
}

TEST_CASE("stop: a full disk fails the import clearly and keeps what was stored") {
  TempDir t;
  const fs::path big = write_big_mbox(t);
  auto db = t / "a.db";
  REQUIRE(run_mlidx({"import", "--quiet", "--db", db.string(), (kData / "series.mbox").string()}).code == 0);
  const std::string before = dump_relations(db);
  SUBCASE("a file size limit (RLIMIT_FSIZE): writes past it fail with EFBIG") {
    auto size = static_cast<rlim_t>(fs::file_size(db) + (1u << 20));
    Run r = run_with({"import", "--db", db.string(), big.string()}, {}, [size] {
      signal(SIGXFSZ, SIG_IGN);
      rlimit lim{size, size};
      setrlimit(RLIMIT_FSIZE, &lim);
    });
    CHECK(r.code == 1);
    CHECK(r.err.rfind("mlidx: " + db.string() + ": ", 0) == 0);
    CHECK(query1(db, "PRAGMA integrity_check") == "ok");
    CHECK(dump_relations(db) == before);
  }
  SUBCASE("a full file system (a small tmpfs; needs root)") {
    fs::path mnt = t / "small";
    fs::create_directory(mnt);
    if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=8m") != 0) {
      MESSAGE("tmpfs not mountable here (not root?): only the file size limit is tested");
      return;
    }
    struct Unmount {
      fs::path p;
      ~Unmount() { umount2(p.c_str(), MNT_DETACH); }
    } unmount{mnt};
    auto small = mnt / "a.db";
    fs::copy_file(db, small);
    Run r = run_mlidx({"import", "--db", small.string(), big.string()});
    CHECK(r.code == 1);
    CHECK(r.err.rfind("mlidx: " + small.string() + ": database or disk is full", 0) == 0);
    CHECK(query1(small, "PRAGMA integrity_check") == "ok");
    CHECK(dump_relations(small) == before);
  }
}

TEST_CASE("stop: read-only, foreign and newer databases are refused and left alone") {
  TempDir t;
  fs::permissions(t.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  auto db = t / "a.db";
  REQUIRE(run_mlidx({"import", "--quiet", "--db", db.string(), (kData / "series.mbox").string()}).code == 0);
  const std::string before = dump_relations(db);
  const std::string mbox = (kData / "replies.mbox").string();
  SUBCASE("read-only file: import refused, queries still work") {
    fs::permissions(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    // root writes anything: drop to nobody, whom the permissions bind.
    auto as_reader = [] {
      if (geteuid() == 0 && setgid(65534) == 0) (void)!setuid(65534);
    };
    Run r = run_with({"import", "--db", db.string(), mbox}, {}, as_reader);
    CHECK(r.code == 1);
    CHECK(r.err == "mlidx: " + db.string() +
                       ": is read-only (file permissions or a read-only file system); mlidx needs to "
                       "write to it\n");
    Run q = run_with({"sql", "--db", db.string(), "--csv", "SELECT count(*) FROM messages"}, {}, as_reader);
    CHECK(q.code == 0);
    CHECK(q.out == "count(*)\n6\n");
    CHECK(dump_relations(db) == before);
  }
  SUBCASE("a newer schema") {
    REQUIRE(run_mlidx({"sql", "--write", "--db", db.string(), "PRAGMA user_version = 999"}).code == 0);
    Run r = run_mlidx({"import", "--db", db.string(), mbox});
    CHECK(r.code == 1);
    CHECK(r.err.find("schema version 999 is newer than this mlidx supports") != std::string::npos);
    CHECK(query1(db, "SELECT count(*) FROM messages") == "6");
  }
  SUBCASE("not a database") {
    auto text = t / "text.db";
    write_file(text, std::string(8192, 'x'));
    Run r = run_mlidx({"import", "--db", text.string(), mbox});
    CHECK(r.code == 1);
    CHECK(r.err == "mlidx: " + text.string() + ": file is not a database\n");
    CHECK(read_file(text) == std::string(8192, 'x'));
  }
}

TEST_CASE("stop: an mbox cut short is stored, its last message marked truncated, exit 1") {
  TempDir t;
  std::string whole = read_file(kData / "series.mbox");
  // Cut inside the last message's body, mid-line.
  std::size_t cut = whole.rfind("\n+") + 5;
  REQUIRE(cut < whole.size());
  write_file(t / "cut.mbox", whole.substr(0, cut));
  auto db = t / "a.db";
  Run r = run_mlidx({"import", "--db", db.string(), (t / "cut.mbox").string()});
  CHECK(r.code == 1);
  CHECK(r.out.rfind("read 6 messages: 6 new", 0) == 0);
  CHECK(r.err == "mlidx: " + (t / "cut.mbox").string() +
                     ": truncated: the file ends inside its last message, mid-line; that message is "
                     "stored with a 'truncated' problem\n");
  CHECK(query1(db, "SELECT count(*) FROM problems WHERE kind = 'truncated'") == "1");
  CHECK(query1(db, "SELECT message_id = (SELECT max(id) FROM messages) FROM problems "
                   "WHERE kind = 'truncated'") == "1");
  // A whole file is not flagged.
  Run whole_run = run_mlidx({"import", "--db", (t / "b.db").string(), (kData / "series.mbox").string()});
  CHECK(whole_run.code == 0);
  CHECK(whole_run.err.empty());
}

TEST_CASE("stop: an mbox shrinking under the import stops it with a message, the database intact") {
  if (skip_without_shared()) return;
  fs::path corpus = corpus_10k();
  REQUIRE(!corpus.empty());
  TempDir t;
  auto copy = t / "copy.mbox";
  fs::copy_file(corpus, copy);
  auto db = t / "a.db";
  Child c = spawn({"import", "--db", db.string(), copy.string()});
  REQUIRE(wait_for_import_lock(db));
  fs::resize_file(copy, 1u << 20);
  Run r = finish(c);
  CAPTURE(r.err);
  if (r.code == 0) {
    MESSAGE("the import read the whole file before it shrank: nothing to check");
  } else {
    CHECK(r.code == 1);
    CHECK(r.err.find("mlidx: import: an input file shrank while it was being read") != std::string::npos);
  }
  CHECK(query1(db, "PRAGMA integrity_check") == "ok");
  // What is left of the file now ends mid-line: stored, and said so.
  Run again = run_mlidx({"import", "--quiet", "--db", db.string(), copy.string()});
  CHECK(again.code == 1);
  CHECK(again.err.find(": truncated: the file ends inside its last message") != std::string::npos);
  CHECK(query1(db, "PRAGMA integrity_check") == "ok");
}
