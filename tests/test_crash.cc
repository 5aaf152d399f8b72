// Crash safety (issue 5): an import of the 10k corpus killed with SIGKILL
// at several points - inside the write transaction of the mail, and inside
// and after the transaction of the passes at the end - is completed by
// re-running it, to exactly what a clean import gives.
#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.hh"

extern char** environ;

using namespace mlidx::test;

namespace {

// Runs `mlidx import` with MLIDX_CRASH_AT=point (src/db/importer.cc):
// true if it died by SIGKILL there.
bool import_killed_at(const std::string& db, const fs::path& mbox, const std::string& point) {
  std::vector<std::string> args = {MLIDX_BIN, "import", "--quiet", "--db", db, mbox.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"MLIDX_CRASH_AT=" + point};
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, MLIDX_BIN, nullptr, nullptr, argv.data(), env.data()) == 0);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

}  // namespace

TEST_CASE("crash: an import killed at any moment is completed by a re-run, as a clean import") {
  if (skip_without_shared()) return;
  fs::path corpus = corpus_10k();
  REQUIRE(!corpus.empty());
  TempDir t;
  auto clean = (t / "clean.db").string();
  REQUIRE(run_mlidx({"import", "--quiet", "--db", clean, corpus.string()}).code == 0);
  const std::string expected = dump_relations(clean);
  // Inside the write transaction of the mail; after the mail is committed,
  // inside the transaction of the passes (derived, then indexed); after all
  // is committed, before the switch to WAL.
  for (std::string point : {"write:5000", "tail:derived", "tail:indexed", "tail:committed"}) {
    CAPTURE(point);
    auto db = (t / (std::string(point).replace(4, 1, "-") + ".db")).string();
    CHECK(import_killed_at(db, corpus, point));
    Run again = run_mlidx({"import", "--quiet", "--db", db, corpus.string()});
    CHECK(again.code == 0);
    CHECK(query1(db, "PRAGMA integrity_check") == "ok");
    CHECK(dump_relations(db) == expected);
    // The bulk load's deferred work, FTS5's merge included, is done:
    // automerge is back on for later imports.
    CHECK(query1(db, "SELECT count(*) FROM deferred_indexes") == "0");
    CHECK(query1(db, "SELECT coalesce((SELECT v FROM search_fts_config WHERE k = 'automerge'), 4)") == "4");
  }
}

// The derive snapshot (db/snapshot.hh) the first import left holds none of
// the second's mail. Killed after its mail is committed, the second import
// must not leave it for the re-run: its writes drop it (triggers,
// schema/0008) in their own transaction, so the re-run reads every row and
// leaves what a clean import leaves, snapshot included.
TEST_CASE("crash: an import killed before its pass leaves no stale derive snapshot") {
  TempDir t;
  const fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
  const std::string series = read_file(data / "series.mbox"), replies = read_file(data / "replies.mbox");
  fs::path once = t / "once.mbox", list = t / "list.mbox";
  write_file(once, series + replies);
  auto clean = (t / "clean.db").string(), db = (t / "a.db").string();
  REQUIRE(run_mlidx({"import", "--quiet", "--db", clean, once.string()}).code == 0);
  write_file(list, series);
  REQUIRE(run_mlidx({"import", "--quiet", "--db", db, list.string()}).code == 0);
  REQUIRE(query1(db, "SELECT count(*) FROM derive_snapshot") != "0");
  write_file(list, series + replies);
  CHECK(import_killed_at(db, list, "tail:derived"));
  CHECK(query1(db, "SELECT count(*) FROM derive_snapshot") == "0");
  Run again = run_mlidx({"import", "--timing", "--db", db, list.string()});
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(again.out.find("of 12 messages' thread and kind rewritten, 0 of them read from the derive "
                       "snapshot") != std::string::npos);
  CHECK(dump_relations(db) == dump_relations(clean));
  const char* snapshot = "SELECT part, hex(data) FROM derive_snapshot WHERE part > 0 ORDER BY part";
  CHECK(query(db, snapshot) == query(clean, snapshot));
}
