// The command line as a user meets it: errors are "mlidx: <what>: <why>",
// exit codes are non-zero, and a refused import leaves the database alone.
#include <doctest/doctest.h>

#include "support.hh"

using namespace mlidx::test;

namespace {
const std::string kMail =
    "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <one@x>\nFrom: A <a@x>\n"
    "Subject: hi\nDate: Thu, 31 Aug 2017 17:17:25 -0400\n\nbody\n";

void check_refused(const std::string& path, const std::string& why) {
  TempDir t;
  auto db = (t / "m.db").string();
  Run r = run_mlidx({"import", path, "--db", db});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: " + path + ": " + why + "\n");
  CHECK_FALSE(fs::exists(db));  // nothing created
}
}  // namespace

TEST_CASE("cli: import refuses a missing file, a directory, an empty and a binary file") {
  TempDir t;
  check_refused((t / "nope.mbox").string(), "No such file or directory");
  check_refused(t.path.string(), "is a directory, not an mbox file");
  write_file(t / "empty", "");
  check_refused((t / "empty").string(), "empty file, not a mailbox");
  write_file(t / "bin", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\xff\xfe", 12));
  check_refused((t / "bin").string(),
                "not a mailbox: it starts with neither a \"From \" line nor a header line");
}

TEST_CASE("cli: a bad input leaves an existing database as it was") {
  TempDir t;
  auto db = (t / "m.db").string();
  write_file(t / "good.mbox", kMail);
  REQUIRE(run_mlidx({"import", (t / "good.mbox").string(), "--db", db}).code == 0);
  std::string before = read_file(db);
  write_file(t / "empty", "");
  // The good file is named too: nothing is imported when any input is bad.
  Run r = run_mlidx({"import", (t / "good.mbox").string(), (t / "empty").string(), "--db", db});
  CHECK(r.code == 1);
  CHECK(read_file(db) == before);
  CHECK(query1(db, "SELECT count(*) FROM messages") == "1");
}

TEST_CASE("cli: usage errors exit 2 with a clear message") {
  Run r = run_mlidx({"frobnicate"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: frobnicate: unknown command (see 'mlidx --help')\n");
  r = run_mlidx({"import"});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("mlidx: import: ", 0) == 0);
  r = run_mlidx({"import", "--bogus", "x"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: --bogus: unknown option (see 'mlidx --help')\n");
}

TEST_CASE("cli: query commands do not create a missing database") {
  TempDir t;
  auto db = (t / "none.db").string();
  Run r = run_mlidx({"sql", "SELECT 1", "--db", db});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: " + db + ": no such database (create one with 'mlidx import')\n");
  CHECK(run_mlidx({"stats", "--db", db}).code == 1);
  CHECK_FALSE(fs::exists(db));
}

TEST_CASE("cli: sql is read-only unless --write") {
  TempDir t;
  auto db = (t / "m.db").string();
  write_file(t / "good.mbox", kMail);
  REQUIRE(run_mlidx({"import", (t / "good.mbox").string(), "--db", db}).code == 0);
  Run r = run_mlidx({"sql", "DELETE FROM messages", "--db", db});
  CHECK(r.code == 1);
  CHECK(r.err.find("--write") != std::string::npos);
  CHECK(query1(db, "SELECT count(*) FROM messages") == "1");
  r = run_mlidx({"sql", "SELECT msgid, subject FROM messages", "--db", db, "--json"});
  CHECK(r.code == 0);
  CHECK(r.out == "[\n  {\"msgid\": \"one@x\", \"subject\": \"hi\"}\n]\n");
  r = run_mlidx({"sql", "SELEKT", "--db", db});
  CHECK(r.code == 1);
  CHECK(r.err.find("syntax error") != std::string::npos);
}

TEST_CASE("cli: sql binds values instead of splicing them") {
  TempDir t;
  auto db = (t / "m.db").string();
  write_file(t / "good.mbox", kMail);
  REQUIRE(run_mlidx({"import", (t / "good.mbox").string(), "--db", db}).code == 0);
  auto sql = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"sql", "--db", db, "--tsv"});
    return run_mlidx(args);
  };
  Run r = sql({"SELECT subject FROM messages WHERE msgid = ?", "one@x"});
  CHECK(r.out == "subject\nhi\n");
  // A value that would change the query if spliced matches nothing.
  r = sql({"SELECT subject FROM messages WHERE msgid = ?", "x' OR '1'='1"});
  CHECK(r.code == 0);
  CHECK(r.out == "subject\n");
  r = sql({"SELECT subject FROM messages WHERE from_email = :who LIMIT ?", "1", "--param", "who=a@x"});
  CHECK(r.out == "subject\nhi\n");
  r = sql({"SELECT ?", "1", "2"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: sql: 2 values given for 1 ? parameters\n");
  r = sql({"SELECT :a", "--param", "b=1"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: --param: the statement has no parameter :b\n");
  r = sql({"SELECT :a", "--param", "novalue"});
  CHECK(r.code == 2);
}

TEST_CASE("cli: MLIDX_DB names the default database") {
  TempDir t;
  write_file(t / "good.mbox", kMail);
  std::string db = (t / "env.db").string();
  setenv("MLIDX_DB", db.c_str(), 1);
  Run r = run_mlidx({"import", (t / "good.mbox").string()});
  unsetenv("MLIDX_DB");
  CHECK(r.code == 0);
  CHECK(query1(db, "SELECT msgid FROM messages") == "one@x");
}

TEST_CASE("cli: a file that is not a database is refused and left alone") {
  TempDir t;
  write_file(t / "good.mbox", kMail);
  write_file(t / "text.db", "just some text, not SQLite\n");
  Run r = run_mlidx({"import", (t / "good.mbox").string(), "--db", (t / "text.db").string()});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: " + (t / "text.db").string() + ": file is not a database\n");
  CHECK(read_file(t / "text.db") == "just some text, not SQLite\n");
}

TEST_CASE("cli: --list-id sets the list of mail that names none") {
  TempDir t;
  write_file(t / "good.mbox", kMail);
  auto db = (t / "m.db").string();
  REQUIRE(run_mlidx({"import", (t / "good.mbox").string(), "--list-id", "foo.example.org", "--db", db}).code == 0);
  CHECK(query1(db, "SELECT list_id FROM messages") == "foo.example.org");
}

TEST_CASE("cli: the same mail twice in one input is stored once, new database or not") {
  TempDir t;
  write_file(t / "twice.mbox", kMail + "\n" + kMail);
  auto db = (t / "m.db").string();
  Run r = run_mlidx({"import", (t / "twice.mbox").string(), "--db", db});
  CHECK(r.out.rfind("read 2 messages: 1 new, 1 duplicates, 0 variants", 0) == 0);
  write_file(t / "other.mbox", "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <two@x>\nFrom: B <b@x>\n\nb\n");
  write_file(t / "more.mbox", read_file(t / "other.mbox") + "\n" + read_file(t / "other.mbox"));
  r = run_mlidx({"import", (t / "more.mbox").string(), "--db", db});
  CHECK(r.out.rfind("read 2 messages: 1 new, 1 duplicates, 0 variants", 0) == 0);
  CHECK(query1(db, "SELECT count(*) FROM messages") == "2");
}
