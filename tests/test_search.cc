// mlidx search: the query language (parsed and translated without a
// database), the FTS5 index kept by import, and the command's output.
// Golden file: tests/golden/search_data.txt; after a deliberate change,
// MLIDX_UPDATE_GOLDEN=1 build/tests/mlidx_tests -tc='search*' and review it.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "db/schema.hh"
#include "db/search_index.hh"
#include "db/sqlite.hh"
#include "search/query.hh"
#include "support.hh"

using namespace mlidx::test;
using mlidx::search::Field;
using mlidx::search::Node;

namespace {

const char* field_name(Field f) {
  switch (f) {
    case Field::Text: return "text";
    case Field::Subject: return "s";
    case Field::From: return "f";
    case Field::To: return "t";
    case Field::Cc: return "c";
    case Field::Address: return "a";
    case Field::Body: return "b";
  }
  return "?";
}

// The tree as an s-expression: (and s:"x" (not d:[2020-01-01,2020-02-01))).
std::string sexp(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Words: return std::string(field_name(n.field)) + ":\"" + n.text + "\"" + (n.prefix ? "*" : "");
    case Node::Kind::Date: return "d:[" + n.text + "," + n.until + ")";
    case Node::Kind::File: return "dfn:" + n.text + (n.glob_dir.empty() ? "" : "|" + n.glob_dir);
    case Node::Kind::List: return "l:" + n.text;
    default: break;
  }
  std::string s = n.kind == Node::Kind::And ? "(and" : n.kind == Node::Kind::Or ? "(or" : "(not";
  for (const auto& k : n.kids) s.append(" ").append(sexp(k));
  return s + ")";
}

std::string parsed(const std::string& q) {
  auto n = mlidx::search::parse(q);
  return n ? sexp(*n) : "error: " + n.error().why;
}

std::string error_of(const std::string& q) {
  auto n = mlidx::search::parse(q);
  return n ? "parsed: " + sexp(*n) : n.error().why;
}

mlidx::search::Sql sql_of(const std::string& q) {
  auto n = mlidx::search::parse(q);
  REQUIRE(n);
  return mlidx::search::to_sql(*n, {});
}

fs::path data(const std::string& name) { return fs::path(MLIDX_SOURCE_DIR) / "data" / name; }

Run search(const fs::path& db, std::vector<std::string> args) {
  args.insert(args.begin(), {"search", "--db", db.string()});
  return run_mlidx(args);
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The ids of a text listing (first column), in order.
std::vector<std::string> ids(const std::string& out) {
  std::vector<std::string> v;
  for (const auto& l : lines(out)) {
    std::istringstream in(l);
    std::string id;
    in >> id;
    v.push_back(id);
  }
  return v;
}

void exec(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  std::string why = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  REQUIRE_MESSAGE(rc == SQLITE_OK, why);
}

// Every message is in the index once, and the index agrees with the text
// it was built from (FTS5's own check against the external content).
void check_index_complete(const fs::path& db) {
  CHECK(query1(db, "SELECT count(*) FROM search_fts_docsize") == query1(db, "SELECT count(*) FROM messages"));
  CHECK(query1(db, "SELECT indexed_upto FROM search_state") == query1(db, "SELECT max(id) FROM messages"));
  exec(db, "INSERT INTO search_fts (search_fts) VALUES ('integrity-check')");
}

const std::vector<std::string> kDataQueries = {
    "readme",
    "s:schema",
    "s:\"schema reference\"",
    "\"the two commands\"",
    "f:joerg@example.org",
    "f:\"Zoe Avila\"",
    "muller",
    "t:joerg",
    "c:mlidx-devel@lists.example.org",
    "a:ada@example.com OR a:grace",
    "b:ghosts",
    "b:\"a whole list\"",
    "offline",  // only in lines a reply quotes: not indexed
    "b:\"Reviewed-by\" NOT s:v2",
    "d:2026-11-22",
    "NOT d:2026-11-22",  // the mail without a date
    "d:2026-11-22.. s:roadmap",
    "dfn:README.md",
    "dfn:docs/",
    "dfn:docs",
    "dfn:*.md s:v2",
    "l:mlidx-devel",
    "l:mlidx-devel.lists.example.org s:roadmap",
    "(s:schema OR s:readme) NOT s:v2",
    "s:doc*",
    "NOT s:PATCH",
    "s:PATCH NOT (s:v2 OR s:README)",
    "s:roadmap OR dfn:docs/SCHEMA.md",
};

}  // namespace

// --- the language, without a database ---------------------------------

TEST_CASE("search: each prefix names its field") {
  CHECK(parsed("s:powerpc") == "s:\"powerpc\"");
  CHECK(parsed("f:mpe@ellerman.id.au") == "f:\"mpe@ellerman.id.au\"");
  CHECK(parsed("t:linuxppc-dev") == "t:\"linuxppc-dev\"");
  CHECK(parsed("c:someone") == "c:\"someone\"");
  CHECK(parsed("a:npiggin") == "a:\"npiggin\"");
  CHECK(parsed("b:leak") == "b:\"leak\"");
  CHECK(parsed("leak") == "text:\"leak\"");
  CHECK(parsed("l:linuxppc-dev.lists.ozlabs.org") == "l:linuxppc-dev.lists.ozlabs.org");
  // A colon after something other than a prefix is part of the word.
  CHECK(parsed("powerpc/64s:") == "text:\"powerpc/64s:\"");
  CHECK(parsed("Fixes:") == "text:\"Fixes:\"");
  CHECK(parsed("\"http://x.org\"") == "text:\"http://x.org\"");
}

TEST_CASE("search: phrases, prefixes and operators") {
  CHECK(parsed("s:\"fix the build\"") == "s:\"fix the build\"");
  CHECK(parsed("\"exact phrase\"") == "text:\"exact phrase\"");
  CHECK(parsed("s:radix*") == "s:\"radix\"*");
  CHECK(parsed("\"radix*\"") == "text:\"radix*\"");  // quoted: no prefix search
  CHECK(parsed("a b") == "(and text:\"a\" text:\"b\")");
  CHECK(parsed("a AND b") == "(and text:\"a\" text:\"b\")");
  CHECK(parsed("a OR b c") == "(or text:\"a\" (and text:\"b\" text:\"c\"))");
  CHECK(parsed("(a OR b) c") == "(and (or text:\"a\" text:\"b\") text:\"c\")");
  CHECK(parsed("NOT a b") == "(and (not text:\"a\") text:\"b\")");
  CHECK(parsed("a OR NOT b") == "(or text:\"a\" (not text:\"b\"))");
  CHECK(parsed("NOT NOT a") == "text:\"a\"");
  CHECK(parsed("NOT (NOT a)") == "text:\"a\"");
  std::string nots;
  for (int i = 0; i < 100001; ++i) nots += "NOT ";
  CHECK(parsed(nots + "a") == "(not text:\"a\")");
  CHECK(parsed("a (b (c d))") == "(and text:\"a\" text:\"b\" text:\"c\" text:\"d\")");
  // Lower-case operators are words.
  CHECK(parsed("a or b") == "(and text:\"a\" text:\"or\" text:\"b\")");
  CHECK(parsed("(s:a)(s:b)") == "(and s:\"a\" s:\"b\")");
}

TEST_CASE("search: d: ranges include both end days") {
  CHECK(parsed("d:2020-01-01..2020-01-31") == "d:[2020-01-01,2020-02-01)");
  CHECK(parsed("d:2020-01-01..") == "d:[2020-01-01,)");
  CHECK(parsed("d:..2020-12-31") == "d:[,2021-01-01)");
  CHECK(parsed("d:2020-02-28") == "d:[2020-02-28,2020-02-29)");
  CHECK(parsed("d:2020-02-29") == "d:[2020-02-29,2020-03-01)");
  CHECK(parsed("d:2019-02-28") == "d:[2019-02-28,2019-03-01)");
  CHECK(parsed("d:2020-04-30..2020-04-30") == "d:[2020-04-30,2020-05-01)");
  CHECK(mlidx::search::next_day("2000-02-28") == "2000-02-29");
  CHECK(mlidx::search::next_day("1900-02-28") == "1900-03-01");
}

TEST_CASE("search: dfn: takes a file, a directory or a glob") {
  CHECK(parsed("dfn:arch/powerpc/kernel/setup_64.c") ==
        "dfn:arch/powerpc/kernel/setup_64.c|arch/powerpc/kernel/setup_64.c/*");
  CHECK(parsed("dfn:arch/powerpc/") == "dfn:arch/powerpc|arch/powerpc/*");
  CHECK(parsed("dfn:arch/powerpc") == "dfn:arch/powerpc|arch/powerpc/*");
  CHECK(parsed("dfn:arch/powerpc/*") == "dfn:arch/powerpc/*");
  CHECK(parsed("dfn:arch/*/setup?.c") == "dfn:arch/*/setup?.c");
  CHECK(parsed("dfn:\"dir with space/\"") == "dfn:dir with space|dir with space/*");
}

TEST_CASE("search: malformed queries say what is wrong") {
  CHECK(error_of("") == "empty query");
  CHECK(error_of("  \t ") == "empty query");
  CHECK(error_of("s:\"fix the") == "unbalanced quote in '\"fix the'");
  CHECK(error_of("fix\"the") == "unbalanced quote in 'fix\"the' (a quote starts or ends a phrase)");
  CHECK(error_of("\"a\"b") == "unexpected 'b' after the closing quote of \"a\"");
  CHECK(error_of("(s:foo") == "unbalanced '(': missing ')'");
  CHECK(error_of("s:foo)") == "unbalanced ')'");
  CHECK(error_of(")") == "unbalanced ')'");
  CHECK(error_of("()") == "empty parentheses '()'");
  CHECK(error_of("zz:foo") ==
        "unknown prefix 'zz:' in 'zz:foo' (known: s: f: t: c: a: b: d: dfn: l:; put a word with a colon in quotes)");
  CHECK(error_of("http://x.org").starts_with("unknown prefix 'http:'"));
  CHECK(error_of("s:") == "'s:' needs a value right after the colon (s:word or s:\"a phrase\")");
  CHECK(error_of("s: foo").starts_with("'s:' needs a value"));
  CHECK(error_of("s:\"\"") == "empty phrase in 's:\"\"'");
  CHECK(error_of("---") == "nothing to search for in '---' (no letter or digit)");
  CHECK(error_of("b:*") == "nothing to search for in 'b:*' (no letter or digit)");
  CHECK(error_of("foo OR") == "the query ends where a term was expected");
  CHECK(error_of("AND foo") == "'AND' where a term was expected");
  CHECK(error_of("foo OR OR bar") == "'OR' where a term was expected");
  CHECK(error_of("NOT") == "the query ends where a term was expected");
  CHECK(error_of(std::string(200, '(') + "a" + std::string(200, ')')) == "parentheses nested too deep");
  for (const char* bad : {"d:2020-13-01", "d:2020-02-30", "d:2019-02-29", "d:20200101", "d:..", "d:2020-1-01",
                          "d:2020-01-01..2020-01-0x", "d:yesterday"})
    CHECK_MESSAGE(error_of(bad).starts_with("bad date range 'd:"), bad);
  CHECK(error_of("d:2020-02-01..2020-01-01") == "date range 'd:2020-02-01..2020-01-01' ends before it starts");
}

TEST_CASE("search: user text reaches FTS5 and SQL only as quoted, bound values") {
  CHECK(mlidx::search::fts_string("a\"b") == "\"a\"\"b\"");
  // FTS5 syntax in a query is just words.
  auto s = sql_of("NEAR(a b) s:x:y \"OR:z\"");
  REQUIRE(s.params.size() == 1);
  CHECK(s.params[0] ==
        "({subject body} : \"NEAR\" AND {subject body} : \"a\" AND {subject body} : \"b\" AND "
        "subject : \"x:y\" AND {subject body} : \"OR:z\")");
  // SQL in a query is just words too, and the statement text never holds it.
  s = sql_of("l:\"x'); DROP TABLE messages; --\" dfn:\"a' OR 1=1\"");
  CHECK(s.params == std::vector<std::string>{"x'); DROP TABLE messages; --", "x'); DROP TABLE messages; --.*",
                                             "a' OR 1=1", "a' OR 1=1", "a' OR 1=1/*", "a' OR 1=1/*"});
  CHECK(s.text.find("DROP") == std::string::npos);
  CHECK(s.text.find("1=1") == std::string::npos);
  CHECK(s.text.find("x'") == std::string::npos);
}

TEST_CASE("search: words rank in one MATCH, the rest are SQL conditions") {
  auto s = sql_of("s:powerpc dfn:arch/powerpc/ d:2020-01-01..2020-01-31 NOT b:kvm");
  CHECK(s.text.find("FROM search_fts JOIN messages m") != std::string::npos);
  CHECK(s.text.find("ORDER BY search_fts.rank, m.date DESC, m.id DESC") != std::string::npos);
  CHECK(s.params == std::vector<std::string>{"((subject : \"powerpc\") NOT body : \"kvm\")", "arch/powerpc",
                                             "arch/powerpc", "arch/powerpc/*", "arch/powerpc/*", "2020-01-01",
                                             "2020-02-01"});
  // Nothing to rank by: newest first.
  s = sql_of("d:2020-01-01 NOT s:x");
  CHECK(s.text.find("FROM messages m") != std::string::npos);
  CHECK(s.text.find("search_fts MATCH ?") != std::string::npos);  // NOT s:x, as a subquery
  CHECK(s.text.find("ORDER BY m.date DESC, m.id DESC") != std::string::npos);
  // A NOT alone cannot be an FTS5 query ("a NOT b" is binary).
  s = sql_of("NOT s:x");
  CHECK(s.text.find("NOT m.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)") != std::string::npos);
  // An OR of words and a date: words in a subquery.
  s = sql_of("s:x OR d:2020-01-01..");
  CHECK(s.params == std::vector<std::string>{"subject : \"x\"", "2020-01-01"});
  CHECK(s.text.find("LIMIT") == std::string::npos);
  auto n = mlidx::search::parse("s:x");
  CHECK(mlidx::search::to_sql(*n, {true, 5}).text.ends_with(" LIMIT 5"));
}

// --- the index and the command -----------------------------------------

TEST_CASE("search: golden output over data/") {
  TempDir t;
  fs::path db = t / "d.db";
  REQUIRE(run_mlidx({"import", data("series.mbox").string(), data("replies.mbox").string(), "--db", db.string()})
              .code == 0);
  check_index_complete(db);
  std::string got;
  for (const auto& q : kDataQueries) {
    Run r = search(db, {q});
    REQUIRE_MESSAGE(r.code == 0, (q + ": " + r.err));
    got += "$ mlidx search '" + q + "'\n" + r.out + "\n";
  }
  Run j = search(db, {"--json", "s:readme v2"});
  REQUIRE(j.code == 0);
  got += "$ mlidx search --json 's:readme v2'\n" + j.out;
  fs::path golden = fs::path(MLIDX_SOURCE_DIR) / "tests" / "golden" / "search_data.txt";
  if (const char* u = std::getenv("MLIDX_UPDATE_GOLDEN"); u && *u == '1') write_file(golden, got);
  CHECK(got == read_file(golden));
}

TEST_CASE("search: --json, --limit and words given as separate arguments") {
  TempDir t;
  fs::path db = t / "d.db";
  REQUIRE(run_mlidx({"import", data("series.mbox").string(), data("replies.mbox").string(), "--db", db.string()})
              .code == 0);
  Run r = search(db, {"--json", "dfn:README.md"});
  REQUIRE(r.code == 0);
  auto objs = lines(r.out);
  REQUIRE(objs.size() == 4);  // "[", two patches, "]"
  auto first = json_fields(objs[1].substr(2, objs[1].size() - 3));  // without the indent and the comma
  CHECK(first.at("kind") == "patch");
  CHECK(first.at("series_id") == query1(db, "SELECT series_id FROM patches WHERE id = " + first.at("id")));
  CHECK(first.at("thread_id") == query1(db, "SELECT thread_id FROM messages WHERE id = " + first.at("id")));
  r = search(db, {"--json", "f:joerg"});
  CHECK(json_fields(lines(r.out)[1].substr(2)).count("series_id") == 0);  // a comment has none
  CHECK(search(db, {"--json", "s:nothing-like-this"}).out == "[]\n");
  CHECK(ids(search(db, {"--limit", "2", "s:PATCH"}).out).size() == 2);
  CHECK(ids(search(db, {"--limit", "0", "s:PATCH"}).out).size() == 9);
  CHECK(search(db, {"s:roadmap", "f:grace"}).out == search(db, {"s:roadmap f:grace"}).out);
  CHECK(ids(search(db, {"s:roadmap", "f:grace"}).out) == std::vector<std::string>{"11"});
}

TEST_CASE("search: --mbox writes each hit's raw bytes as mboxrd") {
  TempDir t;
  fs::path db = t / "d.db";
  REQUIRE(run_mlidx({"import", data("replies.mbox").string(), "--db", db.string()}).code == 0);
  Run r = search(db, {"--mbox", "b:\"next version\""});
  REQUIRE(r.code == 0);
  CHECK(r.out.starts_with("From mlidx@localhost Sun Nov 22 04:20:00 2026\n"));
  CHECK(r.out.find("\n>From the next version on") != std::string::npos);
  // Read back, the mail is byte for byte the one stored.
  write_file(t / "hits.mbox", r.out);
  fs::path back = t / "back.db";
  REQUIRE(run_mlidx({"import", (t / "hits.mbox").string(), "--db", back.string()}).code == 0);
  auto raw = [](const fs::path& d) {
    return rows(d, "SELECT r.bytes FROM raw r JOIN messages m ON m.id = r.message_id WHERE m.msgid = ?",
                {"reply-to-joerg@users.noreply.r-seed-fad1749f.example"});
  };
  REQUIRE(raw(back).size() == 1);
  CHECK(raw(back) == raw(db));
}

TEST_CASE("search: importing A then B indexes the same as A and B at once") {
  TempDir t;
  fs::path once = t / "once.db", twice = t / "twice.db";
  REQUIRE(run_mlidx({"import", data("series.mbox").string(), data("replies.mbox").string(), "--db", once.string()})
              .code == 0);
  REQUIRE(run_mlidx({"import", data("series.mbox").string(), "--db", twice.string()}).code == 0);
  CHECK(query1(twice, "SELECT indexed_upto FROM search_state") == "6");
  CHECK(ids(search(twice, {"f:joerg"}).out).empty());
  REQUIRE(run_mlidx({"import", data("replies.mbox").string(), "--db", twice.string()}).code == 0);
  check_index_complete(twice);
  for (const auto& q : kDataQueries) CHECK_MESSAGE(search(twice, {q}).out == search(once, {q}).out, q);
  CHECK(ids(search(twice, {"f:joerg"}).out) == std::vector<std::string>{"7"});
  // Nothing new: the index is left as it is.
  REQUIRE(run_mlidx({"import", data("replies.mbox").string(), "--db", twice.string()}).code == 0);
  check_index_complete(twice);
}

// Every token of the index with its message, column and position
// (fts5vocab 'instance'): equal dumps, equal indexes.
std::string index_terms(const fs::path& db) {
  auto c = mlidx::db::Connection::open(db.string(), mlidx::db::Connection::Mode::ReadWrite);
  REQUIRE(c);
  REQUIRE(c->exec("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, search_fts, 'instance')"));
  mlidx::db::Statement all(*c, "SELECT term, doc, col, offset FROM temp.terms");
  std::string out;
  while (all.step()) {
    out += all.text(0);
    for (int i = 1; i < 4; ++i) out += "|" + std::string(all.text(i));
    out += '\n';
  }
  return out;
}

// An import indexes each new message as it stores it, from the parsed
// mail; reindex and catching up after --no-search read the stored rows
// back (update_search_index). Both must give the same index.
void check_indexed_as_stored(const std::vector<std::string>& mboxes, const std::string& count) {
  TempDir t;
  fs::path db = t / "m.db", again = t / "again.db";
  std::vector<std::string> args = {"import", "--timing", "--db", db.string()};
  args.insert(args.end(), mboxes.begin(), mboxes.end());
  Run r = run_mlidx(args);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("(" + count + " messages, " + count + " of them as they were stored)") != std::string::npos);
  fs::copy_file(db, again);
  REQUIRE(run_mlidx({"reindex", "--db", again.string()}).code == 0);
  std::string stored = index_terms(db);
  CHECK(!stored.empty());
  CHECK(stored == index_terms(again));
}

TEST_CASE("search: sqlite_substr counts characters as SQLite's substr does, malformed UTF-8 included") {
  auto c = mlidx::db::Connection::open(":memory:", mlidx::db::Connection::Mode::Create);
  REQUIRE(c);
  mlidx::db::Statement sql(*c, "SELECT substr(CAST(?1 AS TEXT), ?2 + 1, ?3)");
  const std::vector<std::string> texts = {
      "", "plain", "M\xc3\xbcller \xe2\x82\xac x", "stray \x80\xbf continuation", "cut lead \xe2\x82",
      "lead at end \xf0", std::string("nul\0after", 9), "\xc3\xc3\xa9\x80z"};
  for (const auto& text : texts)
    for (std::int64_t start = 0; start <= 12; ++start)
      for (std::int64_t len = 0; len <= 12; ++len) {
        sql.bind_blob(1, text).bind(2, start).bind(3, len);
        REQUIRE(sql.step());
        std::string want(sql.text(0));
        sql.reset();
        CHECK_MESSAGE(std::string(mlidx::db::sqlite_substr(text, start, len)) == want,
                      text << " " << start << " " << len);
      }
}

TEST_CASE("search: the index an import builds as it stores equals the one read back from the rows") {
  check_indexed_as_stored({data("series.mbox").string(), data("replies.mbox").string()}, "12");
}

TEST_CASE("search: corpus: the index built as mail is stored equals the rebuilt one" *
          doctest::skip(skip_without_shared())) {
  fs::path mbox = corpus_10k();
  REQUIRE_MESSAGE(!mbox.empty(), "../shared/corpus/linuxppc-dev-10k.mbox.xz is missing");
  check_indexed_as_stored({mbox.string()}, "9991");
}

TEST_CASE("search: a rebuild and an upgrade from schema 1 index every message") {
  TempDir t;
  fs::path db = t / "d.db";
  REQUIRE(run_mlidx({"import", data("series.mbox").string(), data("replies.mbox").string(), "--db", db.string()})
              .code == 0);
  std::string before = search(db, {"readme OR f:zoe OR b:ghosts"}).out;
  {
    auto c = mlidx::db::Connection::open(db.string(), mlidx::db::Connection::Mode::ReadWrite);
    REQUIRE(c);
    CHECK(mlidx::db::update_search_index(*c, false) == 0);
    CHECK(mlidx::db::update_search_index(*c, true) == 12);
  }
  check_index_complete(db);
  CHECK(search(db, {"readme OR f:zoe OR b:ghosts"}).out == before);
  // An index left behind (import --no-search, a stopped import) catches up
  // on the next search, in either journal mode.
  exec(db, "PRAGMA journal_mode = DELETE; INSERT INTO search_fts (search_fts) VALUES ('delete-all'); "
           "UPDATE search_state SET indexed_upto = 0");
  Run r = search(db, {"readme OR f:zoe OR b:ghosts"});
  CHECK(r.err.empty());
  CHECK(r.out == before);
  check_index_complete(db);
  // A database of schema 1 (as released) gets its index on the first search.
  exec(db, "DROP TABLE search_fts; DROP TABLE search_state; PRAGMA user_version = 1");
  CHECK(search(db, {"readme OR f:zoe OR b:ghosts"}).out == before);
  check_index_complete(db);
}

// schema/0009: at 32 MiB FTS5's token hash missed the CPU caches and was
// the writer's largest cost during an import that indexes.
TEST_CASE("search: FTS5 holds 4 MiB of pending tokens, in a new and in an upgraded database") {
  TempDir t;
  fs::path db = t / "d.db";
  const std::string mbox = data("series.mbox").string();
  const char* hashsize = "SELECT v FROM search_fts_config WHERE k = 'hashsize'";
  REQUIRE(run_mlidx({"import", mbox, "--db", db.string()}).code == 0);
  CHECK(query1(db, hashsize) == "4194304");
  // A database of schema 8 still has 0002's 32 MiB: the next import lowers it.
  exec(db, "INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 33554432); PRAGMA user_version = 8");
  REQUIRE(query1(db, hashsize) == "33554432");
  REQUIRE(run_mlidx({"import", mbox, "--db", db.string()}).code == 0);
  CHECK(query1(db, hashsize) == "4194304");
  CHECK(query1(db, "PRAGMA user_version") == std::to_string(mlidx::db::latest_version()));
}

TEST_CASE("search: while another process writes, a lagging index is searched as it is, with a warning") {
  TempDir t;
  fs::path db = t / "d.db";
  REQUIRE(run_mlidx({"import", data("replies.mbox").string(), "--db", db.string()}).code == 0);
  exec(db, "INSERT INTO search_fts (search_fts) VALUES ('delete-all'); UPDATE search_state SET indexed_upto = 0");
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  Run r = search(db, {"f:joerg"});
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "mlidx: search: warning: the index lacks the newest mail (up to 6 messages) and cannot be "
                 "updated now (database is locked); searching without it\n");
  r = search(db, {"f:joerg"});
  CHECK(r.err.empty());
  CHECK(ids(r.out) == std::vector<std::string>{"1"});
  check_index_complete(db);
}

TEST_CASE("search: bad input exits non-zero with a clear message") {
  TempDir t;
  fs::path db = t / "d.db";
  REQUIRE(run_mlidx({"import", data("replies.mbox").string(), "--db", db.string()}).code == 0);
  auto check_usage = [&](std::vector<std::string> args, const std::string& err) {
    Run r = search(db, args);
    CHECK(r.code == 2);
    CHECK(r.err == err);
    CHECK(r.out.empty());
  };
  check_usage({"zz:foo"}, "mlidx: search: unknown prefix 'zz:' in 'zz:foo' (known: s: f: t: c: a: b: d: dfn: l:; "
                          "put a word with a colon in quotes)\n");
  check_usage({"s:\"fix the"}, "mlidx: search: unbalanced quote in '\"fix the'\n");
  check_usage({"(a OR b"}, "mlidx: search: unbalanced '(': missing ')'\n");
  check_usage({"d:2020-02-30"}, "mlidx: search: bad date range 'd:2020-02-30' (expected d:YYYY-MM-DD, "
                                "d:YYYY-MM-DD..YYYY-MM-DD, d:YYYY-MM-DD.. or d:..YYYY-MM-DD)\n");
  check_usage({""}, "mlidx: search: empty query\n");
  check_usage({}, "mlidx: search: missing argument (see 'mlidx search --help')\n");
  check_usage({"--bogus", "x"}, "mlidx: --bogus: unknown option (see 'mlidx --help')\n");
  check_usage({"--limit", "ten", "x"}, "mlidx: --limit: expects a number of hits (0 for all), not 'ten'\n");
  check_usage({"--limit", "-1", "x"}, "mlidx: --limit: expects a number of hits (0 for all), not '-1'\n");
  check_usage({"--json", "--mbox", "x"}, "mlidx: search: --json and --mbox exclude each other\n");
  Run r = run_mlidx({"search", "--db", (t / "none.db").string(), "x"});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: " + (t / "none.db").string() + ": no such database (create one with 'mlidx import')\n");
  CHECK_FALSE(fs::exists(t / "none.db"));
  // Control characters in a subject do not reach the terminal.
  write_file(t / "esc.mbox", "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <esc@x>\nFrom: A <a@x>\n"
                             "Subject: =?UTF-8?Q?evil_=1B=5B2J_title?=\nDate: Thu, 31 Aug 2017 17:17:25 -0400\n\nbody\n");
  REQUIRE(run_mlidx({"import", (t / "esc.mbox").string(), "--db", db.string()}).code == 0);
  r = search(db, {"s:evil"});
  CHECK(r.code == 0);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find("evil \xEF\xBF\xBD[2J title") != std::string::npos);
}

TEST_CASE("search: corpus: s:powerpc dfn:FILE finds exactly the mail whose diff touches FILE with the word in its subject") {
  if (skip_without_shared()) return;
  fs::path corpus = corpus_10k();
  REQUIRE(!corpus.empty());
  TempDir t;
  fs::path db = t / "c.db";
  REQUIRE(run_mlidx({"import", "--quiet", corpus.string(), "--db", db.string()}).code == 0);
  const std::string file = "arch/powerpc/kernel/setup_64.c";
  Run r = search(db, {"s:powerpc dfn:" + file});
  REQUIRE(r.code == 0);
  auto got = ids(r.out);
  // unicode61 folds case and splits at every character that is neither a
  // letter nor a digit; next to ASCII that is [^a-z0-9] below, and no
  // subject here has "powerpc" beside a non-ASCII character, where the two
  // definitions could differ.
  const std::string touching =
      "FROM messages m WHERE m.id IN (SELECT patch_id FROM patch_files WHERE old_path = ?1 OR new_path = ?1)";
  CHECK(rows(db, "SELECT m.id " + touching + " AND lower(m.subject) GLOB '*powerpc*' AND (lower(m.subject) GLOB "
                 "'*[^ -~]powerpc*' OR lower(m.subject) GLOB '*powerpc[^ -~]*')", {file}).empty());
  auto want_rows = rows(db, "SELECT m.id " + touching + " AND ' ' || lower(m.subject) || ' ' GLOB "
                            "'*[^a-z0-9]powerpc[^a-z0-9]*'", {file});
  std::set<std::string> want;
  for (const auto& row : want_rows) want.insert(*row[0]);
  CHECK(std::set<std::string>(got.begin(), got.end()) == want);
  CHECK(got.size() == want.size());  // no hit twice
  CHECK(want.size() == 23);
  // Every patch (Patchwork's sense) among them, and only those, is a patch hit.
  std::set<std::string> patches, patch_hits;
  for (const auto& row : rows(db, "SELECT p.id FROM patches p JOIN messages m ON m.id = p.id WHERE p.id IN (SELECT "
                                  "patch_id FROM patch_files WHERE old_path = ?1 OR new_path = ?1) AND ' ' || "
                                  "lower(m.subject) || ' ' GLOB '*[^a-z0-9]powerpc[^a-z0-9]*'", {file}))
    patches.insert(*row[0]);
  for (const auto& l : lines(r.out))
    if (l.find("  patch  ") != std::string::npos) patch_hits.insert(ids(l)[0]);
  CHECK(patch_hits == patches);
  CHECK(patches.size() == 11);
  check_index_complete(db);
}
