// mlidx thread: the tree of a thread over data/ (pinned in
// tests/golden/thread_*), ghosts in their place, the mbox round trip, hostile
// and deep threads, and the bad-input paths. After a deliberate change:
// MLIDX_UPDATE_GOLDEN=1 build/tests/mlidx_tests -tc='thread*', then review
// the diff of the golden files.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

#include "support.hh"

using namespace mlidx::test;

namespace {

const std::string kCoverV1 = "cover.1795318957.git.maintainers@users.noreply.r-seed-fad1749f.example";

struct Sample {
  TempDir t;
  std::string db = (t / "sample.db").string();
  Sample() {
    fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
    Run r = run_mlidx({"import", (data / "series.mbox").string(), (data / "replies.mbox").string(), "--db", db});
    REQUIRE(r.code == 0);
  }
  Run thread(std::vector<std::string> args) const {
    args.insert(args.begin(), {"thread", "--db", db});
    return run_mlidx(args);
  }
};

void check_golden(const std::string& name, const std::string& got) {
  fs::path golden = fs::path(MLIDX_SOURCE_DIR) / "tests" / "golden" / name;
  if (const char* u = std::getenv("MLIDX_UPDATE_GOLDEN"); u && *u == '1') write_file(golden, got);
  CHECK(got == read_file(golden));
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string mail(const std::string& msgid, const std::string& parent, const std::string& subject,
                 const std::string& date = "Mon, 1 Dec 2025 10:00:00 +0000") {
  std::string m = "From x Thu Jan  1 00:00:00 1970\nFrom: A <a@example.com>\nSubject: " + subject +
                  "\nDate: " + date + "\nMessage-ID: <" + msgid + ">\n";
  if (!parent.empty()) m += "In-Reply-To: <" + parent + ">\n";
  return m + "\nbody\n\n";
}

}  // namespace

TEST_CASE("thread: golden tree of every thread of data/") {
  Sample s;
  std::string got;
  for (const std::string& which : {kCoverV1, std::string("roadmap-3@example.com"), std::string("12")}) {
    Run r = s.thread({which});
    CHECK(r.code == 0);
    CHECK(r.err == "");
    got += "$ mlidx thread " + which + "\n" + r.out;
  }
  check_golden("thread_tree.txt", got);
}

TEST_CASE("thread: golden --json of data/") {
  Sample s;
  std::string got;
  for (const std::string& which : {kCoverV1, std::string("roadmap-3@example.com")}) {
    Run r = s.thread({which, "--json"});
    CHECK(r.code == 0);
    auto top = json_fields(r.out);  // throws on malformed JSON
    CHECK(top.count("root_msgid") == 1);
    got += r.out;
  }
  check_golden("thread_tree.json", got);
}

TEST_CASE("thread: any message, its id, <msgid> or a ghost names the same thread") {
  Sample s;
  Run by_cover = s.thread({kCoverV1});
  REQUIRE(by_cover.code == 0);
  CHECK(lines(by_cover.out).size() == 9);
  CHECK(s.thread({"1"}).out == by_cover.out);
  CHECK(s.thread({"<87review.fsf@example.org>"}).out == by_cover.out);
  CHECK(s.thread({"ack-v2@example.net"}).out == by_cover.out);
  Run by_ghost = s.thread({"roadmap-0@example.com"});
  CHECK(by_ghost.code == 0);
  CHECK(by_ghost.out == s.thread({"roadmap-2@example.com"}).out);
}

TEST_CASE("thread: ghosts appear where they belong in the tree") {
  Sample s;
  Run r = s.thread({"roadmap-3@example.com"});
  REQUIRE(r.code == 0);
  auto l = lines(r.out);
  REQUIRE(l.size() == 4);
  // roadmap-0 <- roadmap-1 (both never received) <- roadmap-2 <- roadmap-3
  CHECK(l[0].find("[not received] <roadmap-0@example.com>") != std::string::npos);
  CHECK(l[1].find("[not received] <roadmap-1@example.com>") != std::string::npos);
  CHECK(l[2].find("Ada Lovelace") != std::string::npos);
  CHECK(l[3].find("Grace Hopper") != std::string::npos);
  CHECK(l[1].find("[not") == l[0].find("[not") + 2);
  CHECK(l[2].find("Re: mlidx") == l[1].find("[not") + 2);
  CHECK(l[3].find("Re: mlidx") == l[2].find("Re: mlidx") + 2);
  Run j = s.thread({"roadmap-3@example.com", "--json"});
  CHECK(j.out.find("\"depth\": 1, \"parent\": \"roadmap-0@example.com\", \"id\": null, "
                   "\"msgid\": \"roadmap-1@example.com\", \"kind\": \"ghost\"") != std::string::npos);
}

TEST_CASE("thread: --mbox re-imports into the same messages, mboxrd quoting included") {
  Sample s;
  for (const std::string& which : {kCoverV1, std::string("roadmap-2@example.com")}) {
    Run r = s.thread({which, "--mbox"});
    REQUIRE(r.code == 0);
    CHECK(r.out.rfind("From mlidx@localhost ", 0) == 0);
    TempDir t;
    write_file(t / "thread.mbox", r.out);
    std::string copy = (t / "copy.db").string();
    REQUIRE(run_mlidx({"import", (t / "thread.mbox").string(), "--db", copy}).code == 0);
    std::string tid = query1(s.db, "SELECT thread_id FROM messages WHERE msgid = '" + which + "'");
    std::string want = query(s.db, "SELECT m.msgid, hex(r.bytes) FROM messages m JOIN raw r ON r.message_id = m.id "
                                   "WHERE m.thread_id = " + tid + " ORDER BY m.msgid");
    CHECK(query(copy, "SELECT m.msgid, hex(r.bytes) FROM messages m JOIN raw r ON r.message_id = m.id "
                      "ORDER BY m.msgid") == want);
  }
  // roadmap-3's body has a line starting "From here on": quoted once more.
  Run r = s.thread({"roadmap-2@example.com", "--mbox"});
  CHECK(r.out.find("\n>From here on, every message") != std::string::npos);
  CHECK(r.out.find("\nFrom here on") == std::string::npos);
  // Date order, each with its own date in the separator.
  CHECK(r.out.find("From mlidx@localhost Sun Nov 22 06:00:00 2026\n") <
        r.out.find("From mlidx@localhost Sun Nov 22 07:30:00 2026\n"));
}

TEST_CASE("thread: --mbox quotes >From lines and keeps CRLF mail and a missing last newline") {
  TempDir t;
  // mboxrd in the file: ">>From" is the mail's ">From", ">From" its "From".
  std::string first = "From x Thu Jan  1 00:00:00 1970\nFrom: A <a@example.com>\nSubject: quoting\n"
                      "Date: Mon, 1 Dec 2025 10:00:00 +0000\nMessage-ID: <q1@x>\n\n"
                      ">From the start\n>>From quoted once\nnot From here\n\n";
  std::string crlf = "From x Thu Jan  1 00:00:00 1970\r\nFrom: B <b@example.com>\r\nSubject: Re: quoting\r\n"
                     "Date: Mon, 1 Dec 2025 11:00:00 +0000\r\nMessage-ID: <q2@x>\r\nIn-Reply-To: <q1@x>\r\n\r\n"
                     ">From a CRLF body\r\n\r\n";
  std::string last = "From x Thu Jan  1 00:00:00 1970\nFrom: C <c@example.com>\nSubject: Re: quoting\n"
                     "Date: Mon, 1 Dec 2025 12:00:00 +0000\nMessage-ID: <q3@x>\nIn-Reply-To: <q1@x>\n\n"
                     "no newline at the end";
  write_file(t / "q.mbox", first + crlf + last);
  std::string db = (t / "m.db").string();
  // An mbox whose last line has no line end looks cut short: stored, and
  // said so with exit 1.
  Run imported = run_mlidx({"import", (t / "q.mbox").string(), "--db", db});
  REQUIRE(imported.code == 1);
  CHECK(imported.err.find(": truncated: the file ends inside its last message") != std::string::npos);
  REQUIRE(query1(db, "SELECT count(*) FROM messages") == "3");
  Run r = run_mlidx({"thread", "q1@x", "--mbox", "--db", db});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("\n\n>From the start\n>>From quoted once\nnot From here\n\nFrom mlidx@localhost") !=
        std::string::npos);
  CHECK(r.out.find("\r\n\r\n>From a CRLF body\r\n\r\nFrom mlidx@localhost") != std::string::npos);
  write_file(t / "out.mbox", r.out);
  std::string copy = (t / "copy.db").string();
  REQUIRE(run_mlidx({"import", (t / "out.mbox").string(), "--db", copy}).code == 0);
  std::string sql = "SELECT m.msgid, hex(r.bytes) FROM messages m JOIN raw r ON r.message_id = m.id ORDER BY m.msgid";
  CHECK(query1(copy, "SELECT count(*) FROM messages") == "3");
  // The last mail gains the newline it lacked; the others come back byte for byte.
  CHECK(query(copy, sql + " LIMIT 2") == query(db, sql + " LIMIT 2"));
  CHECK(query1(copy, "SELECT hex(r.bytes) FROM raw r JOIN messages m ON m.id = r.message_id WHERE m.msgid = 'q3@x'") ==
        query1(db, "SELECT hex(r.bytes || char(10)) FROM raw r JOIN messages m ON m.id = r.message_id "
                   "WHERE m.msgid = 'q3@x'"));
}

TEST_CASE("thread: control characters in mail never reach the terminal") {
  TempDir t;
  // A C1 CSI (U+009B) is valid UTF-8 and survives the import; C0 controls
  // do not, but a database changed by other tools may hold them.
  write_file(t / "evil.mbox", mail("evil@x", "", "red\xc2\x9b" "2J"));
  std::string db = (t / "m.db").string();
  REQUIRE(run_mlidx({"import", (t / "evil.mbox").string(), "--db", db}).code == 0);
  REQUIRE(run_mlidx({"sql", "--write", "--db", db,
                     "UPDATE messages SET from_name = char(27) || ']0;pwned' || char(7), "
                     "subject = subject || char(27) || '[31m' || char(9) || 'tab'"}).code == 0);
  Run r = run_mlidx({"thread", "evil@x", "--db", db});
  CHECK(r.code == 0);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find('\x07') == std::string::npos);
  CHECK(r.out.find("\xc2\x9b") == std::string::npos);
  CHECK(r.out.find("\xef\xbf\xbd]0;pwned\xef\xbf\xbd") != std::string::npos);
  CHECK(r.out.find("red\xef\xbf\xbd" "2J\xef\xbf\xbd[31m tab\n") != std::string::npos);
  Run j = run_mlidx({"thread", "evil@x", "--json", "--db", db});
  CHECK(j.out.find("\"subject\": \"red\xc2\x9b" "2J\\u001b[31m\\ttab\"") != std::string::npos);
}

TEST_CASE("thread: a reply cycle and a very deep thread are shown whole") {
  TempDir t;
  // a <-> b reply to each other; c replies to b.
  write_file(t / "cycle.mbox", mail("a@x", "b@x", "one", "Mon, 1 Dec 2025 10:00:00 +0000") +
                                   mail("b@x", "a@x", "two", "Mon, 1 Dec 2025 11:00:00 +0000") +
                                   mail("c@x", "b@x", "three", "Mon, 1 Dec 2025 12:00:00 +0000"));
  std::string db = (t / "m.db").string();
  REQUIRE(run_mlidx({"import", (t / "cycle.mbox").string(), "--db", db}).code == 0);
  Run r = run_mlidx({"thread", "c@x", "--db", db});
  CHECK(r.code == 0);
  auto l = lines(r.out);
  REQUIRE(l.size() == 3);
  CHECK(l[0].find("one") != std::string::npos);  // the earliest heads the cycle
  CHECK(l[1].find("  two") != std::string::npos);
  CHECK(l[2].find("    three") != std::string::npos);

  // 3000 replies, each to the one before: no recursion, and the indentation
  // stops growing while the depth is still shown.
  std::string deep;
  for (int i = 0; i < 3000; ++i)
    deep += mail(std::to_string(i) + "@deep", i ? std::to_string(i - 1) + "@deep" : "", "deep");
  write_file(t / "deep.mbox", deep);
  std::string deep_db = (t / "deep.db").string();
  REQUIRE(run_mlidx({"import", (t / "deep.mbox").string(), "--db", deep_db}).code == 0);
  r = run_mlidx({"thread", "0@deep", "--db", deep_db});
  CHECK(r.code == 0);
  l = lines(r.out);
  REQUIRE(l.size() == 3000);
  CHECK(l.back().find("[2999] deep") != std::string::npos);
  CHECK(l.back().size() < 200);
  Run j = run_mlidx({"thread", "0@deep", "--json", "--db", deep_db});
  CHECK(j.code == 0);
  CHECK(j.out.find("{\"depth\": 2999, \"parent\": \"2998@deep\"") != std::string::npos);
}

TEST_CASE("thread: bad input gives a clear message and a non-zero exit") {
  Sample s;
  Run r = s.thread({"nope@example.com"});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: thread: no message with Message-ID <nope@example.com>\n");
  CHECK(r.out == "");
  r = s.thread({"999"});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: thread: no message with id 999\n");
  r = s.thread({});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: thread: missing argument (see 'mlidx thread --help')\n");
  r = s.thread({"1", "2"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: thread: unexpected argument '2' (see 'mlidx thread --help')\n");
  r = s.thread({"1", "--tree"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: --tree: unknown option (see 'mlidx --help')\n");
  r = s.thread({"1", "--json", "--mbox"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: thread: --json and --mbox exclude each other\n");
  TempDir t;
  r = run_mlidx({"thread", "1", "--db", (t / "none.db").string()});
  CHECK(r.code == 1);
  CHECK_FALSE(fs::exists(t / "none.db"));
}
