// The store: de-duplication, variants, problems, re-threading.
#include <doctest/doctest.h>

#include "db/passes.hh"
#include "db/store.hh"
#include "support.hh"

using namespace mlidx;
using namespace mlidx::test;

namespace {
std::string mail(const std::string& id, const std::string& from, const std::string& subject,
                 const std::string& extra = "", const std::string& body = "hello\n") {
  return "Message-ID: <" + id + ">\nFrom: " + from + "\nSubject: " + subject +
         "\nDate: Mon, 1 Jan 2018 10:00:00 +0000\n" + extra + "\n" + body;
}

struct Db {
  TempDir t;
  std::string path = (t / "s.db").string();
  std::unique_ptr<db::Store> store;
  Db() {
    auto s = db::Store::open(path, true);
    REQUIRE(s);
    store = std::move(*s);
  }
  std::string q(const std::string& sql) { return query(path, sql); }
};
}  // namespace

TEST_CASE("store: the same bytes twice are one message") {
  Db d;
  std::string m = mail("a@x", "A <a@x>", "hi");
  CHECK(d.store->add(m) == db::Added::New);
  CHECK(d.store->add(m) == db::Added::Duplicate);
  CHECK(d.q("SELECT count(*) FROM messages") == "1");
  CHECK(d.q("SELECT count(*) FROM variants") == "0");
}

TEST_CASE("store: same Message-ID, other bytes: a variant; other author: also a collision") {
  Db d;
  CHECK(d.store->add(mail("a@x", "A <a@x>", "hi")) == db::Added::New);
  CHECK(d.store->add(mail("a@x", "A <a@x>", "hi", "X-Resent: 1\n")) == db::Added::Variant);
  CHECK(d.q("SELECT count(*) FROM problems WHERE kind = 'msgid-collision'") == "0");
  CHECK(d.store->add(mail("a@x", "B <b@x>", "other")) == db::Added::Variant);
  CHECK(d.q("SELECT count(*) FROM messages") == "1");
  CHECK(d.q("SELECT count(*) FROM variants") == "2");
  CHECK(d.q("SELECT count(*) FROM problems WHERE kind = 'msgid-collision'") == "1");
}

TEST_CASE("store: the original bytes are kept") {
  Db d;
  std::string m = mail("a@x", "A <a@x>", "=?utf-8?q?caf=C3=A9?=");
  d.store->add(m);
  CHECK(d.q("SELECT CAST(bytes AS TEXT) FROM raw") == m);
  CHECK(d.q("SELECT subject FROM messages") == "café");
}

TEST_CASE("store: a mail without Message-ID gets a stable fake id and a problem") {
  Db d;
  std::string m = "From: A <a@x>\nSubject: no id\n\nbody\n";
  d.store->add(m);
  CHECK(d.q("SELECT msgid FROM messages") == fake_msgid(m));
  CHECK(d.q("SELECT fake_msgid FROM messages") == "1");
  CHECK(d.q("SELECT group_concat(kind) FROM (SELECT kind FROM problems ORDER BY kind)") == "no-date,no-msgid");
  CHECK(d.store->add(m) == db::Added::Duplicate);
}

TEST_CASE("store: a parent imported later re-threads its children") {
  Db d;
  d.store->add(mail("child@x", "B <b@x>", "Re: topic", "In-Reply-To: <parent@x>\n"));
  d.store->rederive();
  CHECK(d.q("SELECT msgid FROM ghosts") == "parent@x");
  CHECK(d.q("SELECT root_msgid FROM threads") == "parent@x");
  d.store->add(mail("parent@x", "A <a@x>", "topic"));
  auto st = d.store->rederive().threads;
  CHECK(st.ghosts == 0);
  CHECK(d.q("SELECT count(*) FROM ghosts") == "0");
  CHECK(d.q("SELECT count(DISTINCT thread_id) FROM messages") == "1");
  CHECK(d.q("SELECT root_msgid || ' ' || message_count FROM threads") == "parent@x 2");
}

TEST_CASE("store: headers, recipients and refs are stored in order") {
  Db d;
  d.store->add(mail("m@x", "A <a@x>", "s",
                    "To: B <b@x>, c@x\nCc: \"D, E\" <d@x>\nReferences: <r1@x> <r2@x>\n"
                    "In-Reply-To: <r2@x>\n"));
  CHECK(d.q("SELECT kind || ':' || name || ':' || email FROM recipients ORDER BY position") ==
        "to:B:b@x\nto::c@x\ncc:D, E:d@x");
  CHECK(d.q("SELECT msgid FROM refs ORDER BY position") == "r1@x\nr2@x");
  CHECK(d.q("SELECT in_reply_to FROM messages") == "r2@x");
  CHECK(d.q("SELECT group_concat(name, ',') FROM (SELECT name FROM headers ORDER BY position)") ==
        "Message-ID,From,Subject,Date,To,Cc,References,In-Reply-To");
}

TEST_CASE("store: a database from a newer mlidx is refused") {
  TempDir t;
  auto path = (t / "new.db").string();
  {
    auto s = db::Store::open(path, true);
    REQUIRE(s);
    REQUIRE((*s)->conn().exec("PRAGMA user_version = 999"));
  }
  auto s = db::Store::open(path, false);
  REQUIRE_FALSE(s);
  CHECK(s.error().why.find("newer") != std::string::npos);
}

TEST_CASE("store: header values read back unfolded and decoded, whichever way they are kept") {
  Db d;
  d.store->add("Message-ID: <h@x>\r\nFrom: A <a@x>\r\nX-Plain: one line\r\n"
               "Received: from a\r\n\tby b\r\n  with c\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n"
               "X-Tab: a\tb\r\n\r\nbody\r\n");
  CHECK(d.q("SELECT name || '=' || value FROM headers ORDER BY position") ==
        "Message-ID=<h@x>\nFrom=A <a@x>\nX-Plain=one line\nReceived=from a by b  with c\n"
        "Subject=café\nX-Tab=a\tb");
  // Only the decoded value is stored as text; the others point into raw.
  CHECK(d.q("SELECT fields FROM message_headers").find("café") != std::string::npos);
  CHECK(d.q("SELECT fields FROM message_headers").find("one line") == std::string::npos);
}

namespace {
// A VFS over the default one that counts writes to statement journals
// ("sub-journals"): the import's writes must need none (store.cc,
// Store::Statements). SQLite keeps one such file open and reuses it, so
// writes are counted, not opens; the default VFS's file methods are kept,
// with xWrite wrapped.
int g_subjournal_writes = 0;
sqlite3_vfs g_counting{};
sqlite3_vfs* g_real = nullptr;
const sqlite3_io_methods* g_real_io = nullptr;
sqlite3_io_methods g_counting_io{};
int counting_write(sqlite3_file* f, const void* data, int n, sqlite3_int64 at) {
  ++g_subjournal_writes;
  return g_real_io->xWrite(f, data, n, at);
}
int counting_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
  int rc = g_real->xOpen(g_real, name, f, flags, out);
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_SUBJOURNAL) && f->pMethods) {
    g_real_io = f->pMethods;
    g_counting_io = *f->pMethods;
    g_counting_io.xWrite = counting_write;
    f->pMethods = &g_counting_io;
  }
  return rc;
}
struct CountingVfs {
  CountingVfs() {
    g_real = sqlite3_vfs_find(nullptr);
    g_counting = *g_real;
    g_counting.zName = "mlidx-counting";
    g_counting.xOpen = counting_open;
    sqlite3_vfs_register(&g_counting, 1);
  }
  ~CountingVfs() {
    sqlite3_vfs_unregister(&g_counting);
    sqlite3_vfs_register(g_real, 1);
  }
};
}  // namespace

TEST_CASE("store: storing mail and deriving from it opens no statement journal") {
  CountingVfs vfs;
  Db d;
  g_subjournal_writes = 0;  // creating the schema writes some, once
  {
    db::Transaction tx(d.store->conn());
    // Appended rows land on pages earlier statements wrote: under the
    // default conflict action, a statement that writes several rows or
    // indexes (the recipients' multi-row insert, messages) would first copy
    // each such page to a statement journal.
    // Patches of several series, each answered by a comment with a trailer:
    // the derive pass then writes threads, series, patch_series,
    // comment_data and trailers rows.
    const std::string to = "To: list@x, C <c@x>, D <d@x>\nCc: E <e@x>, F <f@x>\n";
    const std::string diff = "x\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n" +
                             std::string(20000, 'x') + "\n";
    for (int i = 0; i < 30; ++i) {
      std::string patch = "p" + std::to_string(i) + "@x";
      CHECK(d.store->add(mail(patch, "A" + std::to_string(i / 3) + " <a@x>",
                              "[PATCH " + std::to_string(i % 3 + 1) + "/3] x" + std::to_string(i), to,
                              diff)) == db::Added::New);
      CHECK(d.store->add(mail("c" + std::to_string(i) + "@x", "B <b@x>", "Re: x",
                              to + "In-Reply-To: <" + patch + ">\nReferences: <" + patch + ">\n",
                              "Acked-by: B <b@x>\n")) == db::Added::New);
    }
    tx.commit();
  }
  d.store->rederive();
  CHECK(d.q("SELECT count(*) FROM messages") == "60");
  CHECK(d.q("SELECT count(*) FROM comments") == "30");
  CHECK(g_subjournal_writes == 0);
}

TEST_CASE("store: re-deriving after an append updates changed rows without a statement journal") {
  CountingVfs vfs;
  Db d;
  const std::string diff = "x\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n" +
                           std::string(20000, 'x') + "\n";
  auto add_round = [&](int from, int to, const std::string& reply_to_prefix) {
    db::Transaction tx(d.store->conn());
    for (int i = from; i < to; ++i) {
      std::string patch = "p" + std::to_string(i) + "@x";
      d.store->add(mail(patch, "A <a@x>", "[PATCH " + std::to_string(i % 3 + 1) + "/3] x" + std::to_string(i / 3),
                        "", diff));
    }
    // Replies to the first round's patches: their threads' counts change.
    for (int i = 0; i < 9; ++i)
      d.store->add(mail(reply_to_prefix + std::to_string(i) + "@x", "B <b@x>", "Re: x",
                        "In-Reply-To: <p" + std::to_string(i) + "@x>\nReferences: <p" + std::to_string(i) +
                            "@x>\n",
                        "Acked-by: B <b@x>\n"));
    tx.commit();
  };
  // Series of three sent one patch short: the append completes them, which
  // changes their series rows (received) as well as the threads rows.
  add_round(0, 8, "c");
  d.store->rederive(db::Rewrite::All);
  d.store.reset();  // reopened as an import after the first would: indexes built, WAL
  auto reopened = db::Store::open(d.path, false);
  REQUIRE(reopened);
  d.store = std::move(*reopened);
  std::string before = d.q("SELECT group_concat(id || ':' || received, ' ') FROM series");
  g_subjournal_writes = 0;
  add_round(8, 9, "d");
  d.store->rederive(db::Rewrite::Changed);
  CHECK(d.q("SELECT group_concat(id || ':' || received, ' ') FROM series") != before);
  CHECK(d.q("SELECT message_count FROM threads WHERE root_msgid = 'p0@x'") == "3");
  CHECK(g_subjournal_writes == 0);
}

TEST_CASE("store: the derive pass shrinks the page cache for itself and restores it, unless the mail was loaded ahead") {
  // PassMemory (db/derive.cc): the pass runs with a 1 MiB cache, so that it
  // does not grow beside the 16 MiB the import filled; the index builds and
  // the search index after it get the import's cache back.
  Db d;
  REQUIRE(d.store->add(mail("a@x", "A <a@x>", "hi")) == db::Added::New);
  auto cache_size = [&d] {
    db::Statement s(d.store->conn(), "PRAGMA cache_size");
    REQUIRE(s.step());
    return s.int64(0);
  };
  const std::int64_t before = cache_size();
  CHECK(before == -16384);
  db::Connection& c = d.store->conn();
  REQUIRE(c.exec("CREATE TEMP TABLE seen (size INTEGER)"));
  // The pass writes threads rows: a temporary trigger there reads the
  // cache size the pass runs with.
  REQUIRE(c.exec("CREATE TEMP TRIGGER t AFTER INSERT ON main.threads BEGIN "
                 "INSERT INTO seen SELECT cache_size FROM pragma_cache_size; END"));
  d.store->rederive();
  db::Statement seen(c, "SELECT DISTINCT size FROM seen");
  REQUIRE(seen.step());
  CHECK(seen.int64(0) == -1024);
  CHECK_FALSE(seen.step());
  CHECK(cache_size() == before);

  // With the stored mail loaded ahead (a resumed import's companion) the
  // cache is left alone: released, the pages the import had just written
  // were read back from the WAL.
  REQUIRE(c.exec("DELETE FROM seen"));
  db::StoredMail ahead = db::preload_stored_mail(c);
  REQUIRE(d.store->add(mail("b@x", "B <b@x>", "other")) == db::Added::New);
  d.store->rederive(db::Rewrite::Changed, &ahead);
  db::Statement kept(c, "SELECT DISTINCT size FROM seen");
  REQUIRE(kept.step());
  CHECK(kept.int64(0) == before);
  CHECK_FALSE(kept.step());
}

// preload_stored_mail reads the derived tables' rows while `enough` says
// no (an import's companion, until the writes end); the pass reads the
// others itself. What is stored does not depend on where it stopped.
TEST_CASE("derive: the derived rows preloaded until enough; the pass stores the same either way") {
  auto fill = [](Db& d) {
    const std::string diff = "---\n a | 1 +\n\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n";
    REQUIRE(d.store->add(mail("c@x", "A <a@x>", "[PATCH 0/2] s", "", "cover\n")) == db::Added::New);
    REQUIRE(d.store->add(mail("p1@x", "A <a@x>", "[PATCH 1/2] one", "In-Reply-To: <c@x>\n", diff)) == db::Added::New);
    REQUIRE(d.store->add(mail("p2@x", "A <a@x>", "[PATCH 2/2] two", "In-Reply-To: <c@x>\n", diff)) == db::Added::New);
    REQUIRE(d.store->add(mail("r@x", "B <b@x>", "Re: [PATCH 1/2] one", "In-Reply-To: <p1@x>\n",
                              "Reviewed-by: B <b@x>\n")) == db::Added::New);
    REQUIRE(d.store->add(mail("o@x", "C <c@x>", "other", "References: <gone@x>\n")) == db::Added::New);
    d.store->rederive();
  };
  // The new mail changes rows of every derived table: a reply to the cover
  // letter (comment_data), joining the other thread (threads, ghosts), and
  // patch 1's v2 (series, patch_series, trailers).
  auto more = [](Db& d) {
    const std::string diff = "---\n a | 1 +\n\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+z\n";
    REQUIRE(d.store->add(mail("r2@x", "C <c@x>", "Re: [PATCH 0/2] s", "In-Reply-To: <c@x>\nReferences: <gone@x>\n",
                              "Acked-by: C <c@x>\n")) == db::Added::New);
    REQUIRE(d.store->add(mail("v2@x", "A <a@x>", "[PATCH v2 1/1] one", "", diff)) == db::Added::New);
  };
  Db plain;
  fill(plain);
  more(plain);
  plain.store->rederive(db::Rewrite::Changed);
  const std::string expected = dump_relations(plain.path);
  REQUIRE(expected.find("r2@x") != std::string::npos);

  for (int stop_after : {0, 2, 6}) {
    CAPTURE(stop_after);
    Db d;
    fill(d);
    int asked = 0;
    db::StoredMail ahead =
        db::preload_stored_mail(d.store->conn(), [&asked, stop_after] { return asked++ >= stop_after; });
    CHECK(ahead.derived.size() == static_cast<std::size_t>(stop_after));
    more(d);
    d.store->rederive(db::Rewrite::Changed, &ahead);
    CHECK(dump_relations(d.path) == expected);
  }
}
