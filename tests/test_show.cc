// mlidx show: the seed records rebuilt as Patchwork's REST API gives them,
// the human and JSON forms over data/ (pinned in tests/golden/show_*), the
// raw bytes, hostile text and the bad-input paths. After a deliberate
// change: MLIDX_UPDATE_GOLDEN=1 build/tests/mlidx_tests -tc='show*', then
// review the diff of the golden files.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "support.hh"

using namespace mlidx::test;

namespace {

const std::string kCoverV2 = "cover.1795318958.git.maintainers@users.noreply.r-seed-fad1749f.example";
const std::string kPatch2V1 =
    "2b68684e9c339fef02170fc76582ab13ce63c464.1795318957.git.maintainers@users.noreply.r-seed-fad1749f.example";
const std::string kReview = "87review.fsf@example.org";

struct Archive {
  TempDir t;
  std::string db = (t / "show.db").string();
  explicit Archive(const std::vector<fs::path>& inputs) {
    std::vector<std::string> args = {"import", "--db", db};
    for (const auto& p : inputs) args.push_back(p.string());
    Run r = run_mlidx(args);
    REQUIRE(r.code == 0);
  }
  Run show(std::vector<std::string> args) const {
    args.insert(args.begin(), "show");
    args.insert(args.end(), {"--db", db});
    return run_mlidx(args);
  }
};

Archive sample() {
  fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
  return Archive({data / "series.mbox", data / "replies.mbox"});
}

void check_golden(const std::string& name, const std::string& got) {
  fs::path golden = fs::path(MLIDX_SOURCE_DIR) / "tests" / "golden" / name;
  if (const char* u = std::getenv("MLIDX_UPDATE_GOLDEN"); u && *u == '1') write_file(golden, got);
  CHECK(got == read_file(golden));
}

// One mail as a file of its own (no "From " line), so that its raw bytes are
// the file: CRLF line ends, a repeated field, an encoded word, a folded
// field, terminal escapes and a byte that is not UTF-8.
const std::string kHostile =
    "Received: from a by b;\r\n\tMon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Received: from c by d; Mon, 1 Jan 2024 00:00:01 +0000\r\n"
    "Message-ID: <hostile@example.org>\r\n"
    "From: =?UTF-8?Q?Evil_=1B]0;pwned=07?= <evil@example.org>\r\n"
    "Subject: =?UTF-8?B?w5xiZXI=?= \x1b[2Jwipe\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "X-Odd: caf\xe9\r\n"
    "\r\n"
    "Hello \x1b[31mred\x1b[0m and \xc2\x9b" "6n (a C1 CSI).\r\n";

}  // namespace

TEST_CASE("show: --json rebuilds the seed records" * doctest::skip(skip_without_shared())) {
  fs::path dir = shared_dir() / "seeds";
  Archive a({dir / "seeds.mbox"});
  for (const char* file : {"patch-2216640.json", "cover-808432.json"}) {
    CAPTURE(file);
    // parse_json, not json_fields: the seeds' submitter, series and headers are nested.
    Json seed = parse_json(read_file(dir / file));
    Run r = a.show({"--json", seed["msgid"].text});
    REQUIRE(r.code == 0);
    Json got = parse_json(r.out);
    CHECK(got["msgid"].text == seed["msgid"].text);
    // A field the seed lacks (a cover's hash, diff, ...) is absent here too.
    for (const char* key : {"msgid", "date", "name", "hash", "prefixes", "content", "diff", "pull_url"}) {
      CAPTURE(key);
      CHECK((got.find(key) != nullptr) == (seed.find(key) != nullptr));
      CHECK(got[key] == seed[key]);
    }
    CHECK(got["submitter"]["email"] == seed["submitter"]["email"]);
    const Json& headers = seed["headers"];
    REQUIRE(headers.kind == Json::Object);
    std::size_t equal = 0;
    for (const auto& [name, value] : headers.members) {
      CAPTURE(name);
      REQUIRE(got["headers"].find(name) != nullptr);
      equal += got["headers"][name] == value;
    }
    CHECK(equal == headers.members.size());
    CHECK(got["headers"].members.size() == headers.members.size());
  }
  Json cover = parse_json(a.show({"--json", "20170831211738.17922-1-jglisse@redhat.com"}).out);
  Json seed = parse_json(read_file(dir / "cover-808432.json"));
  REQUIRE(cover["series"].items.size() == 1);
  CHECK(cover["series"].items[0]["name"] == seed["series"].items[0]["name"]);
  CHECK(cover["series"].items[0]["version"] == seed["series"].items[0]["version"]);
}

TEST_CASE("show: a patch, the cover letter and a comment of data/ (golden)") {
  Archive a = sample();
  std::string human, json;
  for (const auto& msgid : {kPatch2V1, kCoverV2, kReview}) {
    Run h = a.show({msgid});
    Run j = a.show({"--json", msgid});
    CHECK(h.code == 0);
    CHECK(j.code == 0);
    CHECK(h.err.empty());
    CHECK_NOTHROW(parse_json(j.out));
    human += "==== mlidx show " + msgid + "\n" + h.out;
    json += "==== mlidx show --json " + msgid + "\n" + j.out;
  }
  CHECK(human.find("\x1b") == std::string::npos);  // not a terminal: no colour
  check_golden("show_human.txt", human);
  check_golden("show_json.txt", json);
}

TEST_CASE("show: a patch's JSON carries its series, files, trailers and tags") {
  Archive a = sample();
  Json p = parse_json(a.show({"--json", kPatch2V1}).out);
  CHECK(p["kind"].text == "patch");
  CHECK(p["name"].text == "[2/2] README: the two commands, import and query examples");
  CHECK(p["prefixes"].items.size() == 1);
  CHECK(p["number"].text == "2");
  REQUIRE(p["series"].items.size() == 1);
  CHECK(p["series"].items[0]["version"].text == "1");
  CHECK(p["series"].items[0]["total"].text == "2");
  REQUIRE(p["files"].items.size() == 1);
  CHECK(p["files"].items[0]["new_path"].text == "README.md");
  CHECK(p["tags"]["Reviewed-by"].text == "1");
  CHECK(p["patch_id"].text.size() == 40);
  CHECK(p["hash"].text.size() == 40);
  CHECK(p["diff"].text.rfind("diff --git a/README.md b/README.md\n", 0) == 0);
  Json c = parse_json(a.show({"--json", kReview}).out);
  CHECK(c["kind"].text == "comment");
  CHECK(c["patch"]["msgid"].text == "<" + kPatch2V1 + ">");
}

TEST_CASE("show: an id, a Message-ID and one in angle brackets name the same mail") {
  Archive a = sample();
  std::string id = query1(a.db, "SELECT id FROM messages WHERE msgid = '" + kCoverV2 + "'");
  Run by_id = a.show({id});
  CHECK(by_id.code == 0);
  CHECK(by_id.out.find("Message-ID: <" + kCoverV2 + ">\n") != std::string::npos);
  CHECK(a.show({kCoverV2}).out == by_id.out);
  CHECK(a.show({"<" + kCoverV2 + ">"}).out == by_id.out);
}

TEST_CASE("show: --raw gives the bytes as received, the other forms are safe") {
  TempDir t;
  write_file(t / "hostile.eml", kHostile);
  Archive a({t / "hostile.eml"});
  Run raw = a.show({"--raw", "hostile@example.org"});
  CHECK(raw.code == 0);
  CHECK(raw.out == kHostile);
  // The mboxrd quoting of data/ is undone: the stored mail reads "From the".
  Archive s = sample();
  CHECK(s.show({"--raw", "reply-to-joerg@users.noreply.r-seed-fad1749f.example"}).out.find("\nFrom the next") !=
        std::string::npos);

  Run human = a.show({"hostile@example.org"});
  CHECK(human.code == 0);
  CHECK(human.out.find('\x1b') == std::string::npos);
  CHECK(human.out.find('\x07') == std::string::npos);
  CHECK(human.out.find("\xc2\x9b") == std::string::npos);
  CHECK(human.out.find('\r') == std::string::npos);
  // Import made the ESC of a header U+FFFD already; show does the same to
  // the body's ESC and C1 CSI.
  CHECK(human.out.find("Subject:    Über \xef\xbf\xbd[2Jwipe\n") != std::string::npos);
  CHECK(human.out.find("Hello \xef\xbf\xbd[31mred\xef\xbf\xbd[0m and \xef\xbf\xbd" "6n (a C1 CSI).") !=
        std::string::npos);

  Run json = a.show({"--json", "hostile@example.org"});
  CHECK(json.code == 0);
  Json j = parse_json(json.out);
  CHECK(j["kind"].text == "message");
  // Raw values as Patchwork keeps them: folding and encoded words as written,
  // a repeated field as a list, a byte that is not UTF-8 as U+FFFD.
  REQUIRE(j["headers"]["Received"].items.size() == 2);
  CHECK(j["headers"]["Received"].items[0].text == "from a by b;\n\tMon, 1 Jan 2024 00:00:00 +0000");
  CHECK(j["headers"]["Subject"].text == "=?UTF-8?B?w5xiZXI=?= \x1b[2Jwipe");
  CHECK(j["headers"]["X-Odd"].text == "caf\xef\xbf\xbd");
  CHECK(j["subject"].text == "Über \xef\xbf\xbd[2Jwipe");
  CHECK(j["content"].text.find("Hello \x1b[31mred") == 0);
}

TEST_CASE("show: colour on a terminal, none with NO_COLOR") {
  if (access("/usr/bin/script", X_OK) != 0) return;  // util-linux: gives the command a terminal
  Archive a = sample();
  auto on_terminal = [&](const std::string& env) {
    TempDir t;
    std::string cmd = env + " /usr/bin/script -qec \"" + std::string(MLIDX_BIN) + " show --db " + a.db + " " +
                      kPatch2V1 + "\" /dev/null > " + (t / "out").string() + " 2>&1 </dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return read_file(t / "out");
  };
  std::string coloured = on_terminal("NO_COLOR=");
  CHECK(coloured.find("\x1b[32m+# mlidx") != std::string::npos);
  CHECK(coloured.find("\x1b[1mFrom:") != std::string::npos);
  CHECK(on_terminal("NO_COLOR=1").find('\x1b') == std::string::npos);
}

TEST_CASE("show: bad input is refused with a clear message") {
  Archive a = sample();
  Run r = a.show({"no-such@example.org"});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: show: no message with id or Message-ID 'no-such@example.org'\n");
  CHECK(r.out.empty());
  r = a.show({"99999"});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: show: no message with id or Message-ID '99999'\n");
  r = a.show({"--json", "<nope@x>"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  r = a.show({});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: show: missing argument (see 'mlidx show --help')\n");
  r = a.show({"1", "2"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: show: unexpected argument '2' (see 'mlidx show --help')\n");
  r = a.show({"--mbox", "1"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: --mbox: unknown option (see 'mlidx --help')\n");
  r = a.show({"--json", "--raw", "1"});
  CHECK(r.code == 2);
  CHECK(r.err == "mlidx: show: --json and --raw exclude each other\n");
  TempDir t;
  r = run_mlidx({"show", "1", "--db", (t / "none.db").string()});
  CHECK(r.code == 1);
  CHECK(r.err.find("no such database") != std::string::npos);
}
