// mlidx reindex: a database whose derived rows were damaged (or derived by
// older rules) comes back identical to a fresh import of the same mail.
#include <doctest/doctest.h>

#include "support.hh"

using namespace mlidx::test;

namespace {

// Every relation of SPEC.md plus the permanent tables, in a stable order.
std::string dump(const fs::path& db) {
  std::string out;
  for (const char* t : {"messages", "headers", "recipients", "problems", "threads", "ghosts",
                        "patches", "covers", "comments", "series", "patch_files", "trailers",
                        "refs", "attachments", "variants", "bodies"})
    out += std::string("== ") + t + "\n" + query(db, std::string("SELECT * FROM ") + t + " ORDER BY 1, 2");
  return out;
}

// A mail without List-Id (given one by --list-id) and a variant: two facts
// the raw bytes alone do not reproduce in order.
const std::string kExtra =
    "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <same@x>\nFrom: A <a@x>\n"
    "Subject: first\nDate: Thu, 31 Aug 2017 17:17:25 -0400\n\nbody\n"
    "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <same@x>\nFrom: B <b@x>\n"
    "Subject: other bytes\nDate: Thu, 31 Aug 2017 17:18:25 -0400\n\nbody\n";

}  // namespace

TEST_CASE("reindex: damaged derived rows come back as a fresh import made them") {
  TempDir t;
  fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
  write_file(t / "extra.mbox", kExtra);
  auto db = (t / "m.db").string();
  REQUIRE(run_mlidx({"import", "--quiet", "--db", db, (data / "series.mbox").string(),
                     (data / "replies.mbox").string()}).code == 0);
  REQUIRE(run_mlidx({"import", "--quiet", "--db", db, "--list-id", "extra.example.org",
                     (t / "extra.mbox").string()}).code == 0);
  std::string fresh = dump(db);
  REQUIRE(query1(db, "SELECT count(*) FROM variants") == "1");
  for (const char* damage : {"UPDATE messages SET kind = 'message', thread_id = NULL",
                             "DELETE FROM series", "DELETE FROM threads", "DELETE FROM trailers",
                             "UPDATE messages SET subject = 'x'"})
    REQUIRE(run_mlidx({"sql", "--write", "--db", db, damage}).code == 0);
  REQUIRE(dump(db) != fresh);
  Run r = run_mlidx({"reindex", "--db", db});
  CHECK(r.code == 0);
  CHECK(r.err == "reindexed 13 messages and 1 variants from their raw bytes\n");
  CHECK(dump(db) == fresh);
  CHECK_FALSE(fs::exists(db + ".reindex"));
  CHECK(query1(db, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("reindex: bad command lines and missing databases") {
  TempDir t;
  auto db = (t / "none.db").string();
  Run r = run_mlidx({"reindex", "--db", db});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: " + db + ": no such database (create one with 'mlidx import')\n");
  CHECK_FALSE(fs::exists(db));
  r = run_mlidx({"reindex", "extra", "--db", db});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: reindex: unexpected argument 'extra' (see 'mlidx reindex --help')\n");
  r = run_mlidx({"reindex", "--bogus"});
  CHECK(r.code == 2);
}
