// The command line as a user meets it: errors are "mlidx: <what>: <why>",
// exit codes are non-zero, and a refused import leaves the database alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

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
  check_refused(t.path.string(), "is a directory, but neither a Maildir (cur/, new/) nor a public-inbox "
                                 "v2 inbox (git/0.git, ...) nor a git repository");
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
  // A second statement is refused, not dropped: the DELETE must not run
  // while only the UPDATE does.
  r = run_mlidx({"sql", "--write", "UPDATE messages SET subject = 'x'; DELETE FROM messages", "--db", db});
  CHECK(r.code == 1);
  CHECK(r.err.find("mlidx: sql: one statement at a time: more follows the first") == 0);
  CHECK(query1(db, "SELECT subject FROM messages") == "hi");
  // Trailing semicolons and comments are no second statement.
  r = run_mlidx({"sql", "SELECT count(*) FROM messages; -- all\n;", "--db", db, "--tsv"});
  CHECK(r.code == 0);
  CHECK(r.out == "count(*)\n1\n");
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

TEST_CASE("cli: an import stopped before its derive pass is completed by the next one") {
  TempDir t;
  auto db = (t / "m.db").string();
  auto series = (fs::path(MLIDX_SOURCE_DIR) / "data" / "series.mbox").string();
  REQUIRE(run_mlidx({"import", "--quiet", "--db", db, series}).code == 0);
  const std::string derived =
      "SELECT (SELECT group_concat(thread_id || kind) FROM messages), (SELECT count(*) FROM threads), "
      "(SELECT group_concat(name) FROM series)";
  std::string before = query(db, derived);
  // The state a kill between the data commit and the derive commit leaves.
  for (const char* undo : {"UPDATE messages SET thread_id = NULL, kind = 'message'", "DELETE FROM threads",
                           "DELETE FROM series"})
    REQUIRE(run_mlidx({"sql", "--write", "--db", db, undo}).code == 0);
  Run r = run_mlidx({"import", "--db", db, series});
  CHECK(r.code == 0);
  // The file is known and unchanged: nothing is read, the derive pass runs.
  CHECK(r.out.find("read 0 messages (skipped 6 already imported, from byte") == 0);
  CHECK(query(db, derived) == before);
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

namespace {
std::vector<std::string> command_names() {
  std::vector<std::string> names;
  std::string overview = run_mlidx({"--help"}).out;
  std::size_t at = overview.find("Commands:\n");
  REQUIRE(at != std::string::npos);
  std::istringstream in(overview.substr(at + 10));
  for (std::string line; std::getline(in, line) && line.starts_with("  ");)
    names.push_back(line.substr(2, line.find(' ', 2) - 2));
  return names;
}

// The options a usage text names ("--json", "-o"), in order.
std::vector<std::string> options_of(const std::string& usage) {
  std::vector<std::string> opts;
  for (std::size_t i = usage.find('-'); i != std::string::npos; i = usage.find('-', i + 1)) {
    if (i > 0 && usage[i - 1] != ' ' && usage[i - 1] != '[' && usage[i - 1] != '|') continue;
    std::size_t end = usage.find_first_not_of("abcdefghijklmnopqrstuvwxyz-", i + 1);
    std::string opt = usage.substr(i, end - i);
    if (opt.size() > 1 && opt != "--" && std::find(opts.begin(), opts.end(), opt) == opts.end())
      opts.push_back(opt);
  }
  return opts;
}
}  // namespace

TEST_CASE("cli: every command has --help, a man page section and shell completion") {
  fs::path docs = fs::path(MLIDX_SOURCE_DIR) / "docs";
  std::string man = read_file(docs / "mlidx.1");
  std::string completion = read_file(docs / "mlidx.bash-completion");
  auto names = command_names();
  CHECK(names.size() == 11);
  for (const auto& name : names) {
    CAPTURE(name);
    Run r = run_mlidx({name, "--help"});
    CHECK(r.code == 0);
    CHECK(r.out.starts_with("usage: mlidx " + name));
    CHECK(run_mlidx({"help", name}).out == r.out);
    CHECK(man.find(".SS " + name) != std::string::npos);
    std::size_t entry = completion.find("    " + name + ") opts=\"");
    REQUIRE(entry != std::string::npos);
    std::string opts = completion.substr(entry, completion.find('\n', entry) - entry);
    for (const auto& opt : options_of(r.out.substr(0, r.out.find("\n\n"))))
      if (opt != "--db") {
        bool listed = opts.find(" " + opt) != std::string::npos || opts.find("\"" + opt) != std::string::npos;
        CHECK_MESSAGE(listed, opt);
      }
  }
  Run unknown = run_mlidx({"help", "nope"});
  CHECK(unknown.code == 2);
  CHECK(unknown.err == "mlidx: nope: unknown command (see 'mlidx --help')\n");
}

TEST_CASE("cli: queries refuse a database without the schema and leave it alone") {
  TempDir t;
  auto db = (t / "empty.db").string();
  write_file(db, "");
  // sql runs on any SQLite file, as the sqlite3 shell would.
  for (std::vector<std::string> args : {std::vector<std::string>{"stats"},
                                        std::vector<std::string>{"series"}}) {
    args.insert(args.end(), {"--db", db});
    Run r = run_mlidx(args);
    CHECK(r.code == 1);
    CHECK(r.err == "mlidx: " + db + ": has no mlidx schema (empty, or an import is just creating it)\n");
  }
  CHECK(fs::file_size(db) == 0);
}
