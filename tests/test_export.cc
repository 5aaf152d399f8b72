// mlidx export: a thread as received (mboxrd), a series ready for `git am`
// with its review trailers. The acceptance test applies the export of
// data/series.mbox onto this repository's own history with git.
// Golden files: MLIDX_UPDATE_GOLDEN=1 build/tests/mlidx_tests -tc='export*'.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "support.hh"

using namespace mlidx::test;

namespace {

const fs::path kData = fs::path(MLIDX_SOURCE_DIR) / "data";

struct Archive {
  TempDir t;
  fs::path db = t / "a.db";
  // exit_code 1: an input is expected to end mid-line (stored, flagged).
  explicit Archive(const std::vector<fs::path>& inputs, int exit_code = 0) {
    std::vector<std::string> args = {"import", "--db", db.string()};
    for (const auto& p : inputs) args.push_back(p.string());
    REQUIRE(run_mlidx(args).code == exit_code);
  }
  std::string series_id(int version) const {
    return query1(db, "SELECT id FROM series WHERE version = " + std::to_string(version));
  }
  Run export_(std::vector<std::string> args) const {
    args.insert(args.begin(), {"export", "--db", db.string()});
    return run_mlidx(args);
  }
};

Archive sample() { return Archive({kData / "series.mbox", kData / "replies.mbox"}); }

void check_golden(const std::string& got, const std::string& name) {
  fs::path golden = fs::path(MLIDX_SOURCE_DIR) / "tests" / "golden" / name;
  if (const char* u = std::getenv("MLIDX_UPDATE_GOLDEN"); u && *u == '1') write_file(golden, got);
  CHECK(got == read_file(golden));
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// git in `dir`, away from the user's and the system's configuration; its
// stdout, and whether it succeeded.
std::pair<bool, std::string> git(const fs::path& dir, const std::string& args) {
  TempDir t;
  std::string cmd = "GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C " + quoted(dir.string()) + " " +
                    args + " >" + quoted((t / "out").string()) + " 2>" + quoted((t / "err").string()) +
                    " </dev/null";
  int status = std::system(cmd.c_str());
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) MESSAGE("git " << args << ": " << read_file(t / "err"));
  return {ok, read_file(t / "out")};
}

// Without git or this repository's history the git tests cannot run: a
// failure in CI, a skip with a message elsewhere.
bool have(bool ok, const std::string& what) {
  if (ok) return true;
  if (const char* ci = std::getenv("CI"); ci && *ci) FAIL_CHECK(what);
  else MESSAGE("skipped: " << what);
  return false;
}

// A repository with user.name/email set, checked out at `commit`: a clone
// of this source tree, or an empty one for an empty `commit`.
bool make_repo(const fs::path& repo, const std::string& commit) {
  bool ok = commit.empty() ? git(repo.parent_path(), "init -q " + quoted(repo.string())).first
                           : git(repo.parent_path(), "clone -q --no-checkout " + quoted(MLIDX_SOURCE_DIR) +
                                                         " " + quoted(repo.string())).first &&
                                 git(repo, "checkout -q --detach " + quoted(commit)).first;
  if (!have(ok, commit.empty() ? std::string("git")
                                : "git, and " + commit + " in the history of " + MLIDX_SOURCE_DIR))
    return false;
  REQUIRE(git(repo, "config user.name Tester").first);
  REQUIRE(git(repo, "config user.email tester@example.com").first);
  return true;
}

// The commit format-patch made a mail from: the sha of the "From <sha> Mon
// Sep 17 00:00:00 2001" line above its Message-Id in data/series.mbox.
std::string source_commit(const std::string& msgid) {
  std::string mbox = read_file(kData / "series.mbox");
  std::size_t at = mbox.find("Message-Id: <" + msgid + ">");
  REQUIRE(at != std::string::npos);
  std::size_t from = mbox.rfind("\nFrom ", at);
  from = from == std::string::npos ? 0 : from + 1;
  return mbox.substr(from + 5, 40);
}

std::string base64(std::string_view s) {
  const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 3) {
    auto byte = [&](std::size_t k) { return k < s.size() ? std::uint32_t(static_cast<unsigned char>(s[k])) : 0u; };
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += a[v >> 18 & 63];
    out += a[v >> 12 & 63];
    out += i + 1 < s.size() ? a[v >> 6 & 63] : '=';
    out += i + 2 < s.size() ? a[v & 63] : '=';
    if ((i / 3 + 1) % 19 == 0) out += '\n';
  }
  return out + "\n";
}

// Commit message lines git mailsplit reads as text, and as a separator.
const std::string kFromLines =
    "From the datasheet: hello is a greeting.\n"
    "From 0123456789012345678901234567890123456789 Mon Sep 17 00:00:00 2001\n";

// A series of 3 whose patch 2 never arrived: 1/3 base64 with an in-body
// From (the real author) and a trailer block, 3/3 multipart with a Latin-1
// quoted-printable message and the diff in a base64 text/x-patch part, sent
// with an encoded sender and subject.
std::string encoded_series() {
  std::string p1 =
      "From: R\xc3\xa9" "al Author <real@example.com>\n\nSay hello.\n" + kFromLines + "\n"
      "Signed-off-by: R\xc3\xa9" "al Author <real@example.com>\nReviewed-by: Rev One <rev@example.com>\n"
      "---\n hello.txt | 1 +\n 1 file changed, 1 insertion(+)\n\n"
      "diff --git a/hello.txt b/hello.txt\nnew file mode 100644\nindex 0000000..ce01362\n"
      "--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1 @@\n+hello\n-- \n2.39.5\n";
  std::string p3 =
      "diff --git a/world.txt b/world.txt\nnew file mode 100644\nindex 0000000..cc628cc\n"
      "--- /dev/null\n+++ b/world.txt\n@@ -0,0 +1 @@\n+world\n";
  return "From x Thu Jan  1 00:00:00 1970\n"
         "From: Ann Sender <ann@example.com>\nSubject: [PATCH 1/3] hello: add greeting\n"
         "Date: Mon, 2 Jan 2023 10:00:00 +0100\nMessage-ID: <b64-1@example.com>\nMIME-Version: 1.0\n"
         "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" +
         base64(p1) +
         "\nFrom x Thu Jan  1 00:00:00 1970\n"
         "From: =?UTF-8?Q?=C3=85nn?= Sender <ann@example.com>\n"
         "Subject: [PATCH 3/3] world: add the =?ISO-8859-1?Q?w=F6rld?=\n"
         "Date: Mon, 2 Jan 2023 10:00:02 +0100\nMessage-ID: <mp-3@example.com>\n"
         "In-Reply-To: <b64-1@example.com>\nReferences: <b64-1@example.com>\nMIME-Version: 1.0\n"
         "Content-Type: multipart/mixed; boundary=\"xx\"\n\n--xx\n"
         "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
         "Add the world, caf=E9 included.\n\nSigned-off-by: Ann Sender <ann@example.com>\n--xx\n"
         "Content-Type: text/x-patch; name=\"0003.patch\"\nContent-Disposition: attachment; filename=\"0003.patch\"\n"
         "Content-Transfer-Encoding: base64\n\n" +
         base64(p3) +
         "--xx--\n"
         "\nFrom x Thu Jan  1 00:00:00 1970\n"
         "From: Rev One <rev@example.com>\nSubject: Re: [PATCH 1/3] hello: add greeting\n"
         "Date: Mon, 2 Jan 2023 11:00:00 +0100\nMessage-ID: <r1@example.com>\nIn-Reply-To: <b64-1@example.com>\n\n"
         "Reviewed-by: Rev One <rev@example.com>\nAcked-by: Ack Er <ack@example.com>\n"
         "\nFrom x Thu Jan  1 00:00:00 1970\n"
         "From: Tess Ter <tess@example.com>\nSubject: Re: [PATCH 3/3] world: add the world\n"
         "Date: Mon, 2 Jan 2023 12:00:00 +0100\nMessage-ID: <r3@example.com>\nIn-Reply-To: <mp-3@example.com>\n\n"
         "Tested-by: Tess Ter <tess@example.com>\n";
}

}  // namespace

TEST_CASE("export: git am applies data/series.mbox v1 and v2 onto their base, trailers included") {
  Archive a = sample();
  for (int version : {1, 2}) {
    CAPTURE(version);
    std::string sid = a.series_id(version);
    std::string first = query1(a.db, "SELECT msgid FROM patches WHERE series_id = " + sid + " AND number = 1");
    std::string last = query1(a.db, "SELECT msgid FROM patches WHERE series_id = " + sid + " AND number = 2");
    Run r = a.export_({"--series", sid, "-o", (a.t / "s.mbox").string(), "--force"});
    REQUIRE(r.code == 0);
    CHECK(r.out.empty());
    fs::path repo = a.t / ("repo" + std::to_string(version));
    if (!make_repo(repo, source_commit(first) + "~1")) return;
    REQUIRE(git(repo, "am -q " + quoted((a.t / "s.mbox").string())).first);
    std::string log = git(repo, "log -2 --reverse --format='%an%n%B'").second;
    if (version == 1) {
      CHECK(log ==
            "Seed fad1749f maintainers\ndocs: document every table and column of the schema\n\n"
            "Seed fad1749f maintainers\nREADME: the two commands, import and query examples\n\n"
            "Reviewed-by: J\xc3\xb6rg M\xc3\xbcller <joerg@example.org>\n\n");
      // v1 is this repository's own history: the same tree comes out.
      CHECK(git(repo, "rev-parse 'HEAD^{tree}'").second ==
            git(repo, "rev-parse " + quoted(source_commit(last) + "^{tree}")).second);
    } else {
      // The ack on the v2 cover letter is for every patch of it.
      std::string ack = "Acked-by: Zo\xc3\xab \xc3\x81vila <zoe@example.net>\n";
      CHECK(log ==
            "Seed fad1749f maintainers\ndocs: document every table and column of the schema\n\n" + ack +
            "\nSeed fad1749f maintainers\nREADME: the two commands, import and query examples\n\n" + ack +
            "\n");
      CHECK(read_file(repo / "README.md").find("so that a whole list can be queried offline") != std::string::npos);
    }
  }
}

TEST_CASE("export: git am takes base64 and multipart patches, the in-body author, trailers once each") {
  TempDir t;
  write_file(t / "enc.mbox", encoded_series());
  Archive a({t / "enc.mbox"});
  std::string sid = query1(a.db, "SELECT series_id FROM patches WHERE msgid = 'b64-1@example.com'");
  REQUIRE(query1(a.db, "SELECT total || ' ' || received FROM series WHERE id = " + sid) == "3 2");

  Run r = a.export_({"--series", sid});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: series " + sid +
                     ": only 2 of 3 patches received, missing 2/3 (add --partial to export the others)\n");
  CHECK(r.out.empty());

  r = a.export_({"--series", sid, "--partial", "-o", (t / "p.mbox").string()});
  REQUIRE(r.code == 0);
  std::string mbox = read_file(t / "p.mbox");
  CHECK(mbox.find("Content-Transfer-Encoding: 8bit\n") != std::string::npos);
  CHECK(mbox.find("base64") == std::string::npos);
  // git am's mbox, not mboxrd: only the line git would split at is quoted.
  CHECK(mbox.find("\nFrom the datasheet:") != std::string::npos);
  CHECK(mbox.find("\n>From 0123456789") != std::string::npos);
  fs::path repo = t / "repo";
  if (!make_repo(repo, "")) return;
  REQUIRE(git(repo, "am -q " + quoted((t / "p.mbox").string())).first);
  CHECK(git(repo, "log -2 --reverse --format='%an <%ae>%n%B'").second ==
        "R\xc3\xa9" "al Author <real@example.com>\nhello: add greeting\n\nSay hello.\n"
        "From the datasheet: hello is a greeting.\n"
        ">From 0123456789012345678901234567890123456789 Mon Sep 17 00:00:00 2001\n\n"
        "Signed-off-by: R\xc3\xa9" "al Author <real@example.com>\nReviewed-by: Rev One <rev@example.com>\n"
        "Acked-by: Ack Er <ack@example.com>\n\n"
        "\xc3\x85nn Sender <ann@example.com>\nworld: add the w\xc3\xb6rld\n\nAdd the world, caf\xc3\xa9 included.\n\n"
        "Signed-off-by: Ann Sender <ann@example.com>\nTested-by: Tess Ter <tess@example.com>\n\n");
  CHECK(read_file(repo / "hello.txt") == "hello\n");
  CHECK(read_file(repo / "world.txt") == "world\n");
}

TEST_CASE("export: a patch's content and diff are its mail's text, so a series is rebuilt from them") {
  Archive a = sample();
  auto all = rows(a.db, "SELECT b.body, p.content, p.diff FROM patches p JOIN bodies b ON b.message_id = p.id ORDER BY p.id");
  REQUIRE(all.size() == 4);
  for (const auto& r : all) CHECK(*r[0] == *r[1] + "\n\n" + *r[2] + "-- \n2.39.5\n");
  // v1 1/2 has no review: its export is the mail's text without the signature.
  Run r = a.export_({"--series", a.series_id(1)});
  REQUIRE(r.code == 0);
  std::string body = *all[0][0];
  std::string exported = r.out.substr(r.out.find("\n\n") + 2);
  CHECK(exported.substr(0, exported.find("\nFrom mlidx@localhost ")) + "-- \n2.39.5\n" == body);
}

TEST_CASE("export: golden series mboxes of data/, with and without Link trailers") {
  Archive a = sample();
  Run r = a.export_({"--series", a.series_id(1)});
  CHECK(r.code == 0);
  check_golden(r.out, "export_series_v1.mbox");
  r = a.export_({"--series", a.series_id(2), "--link"});
  CHECK(r.code == 0);
  check_golden(r.out, "export_series_v2_link.mbox");
  r = a.export_({"--series", a.series_id(2), "--link-pattern", "https://example.org/m/%s/"});
  CHECK(r.out.find("\nLink: https://example.org/m/3e627c24e11685ba72ce0d8d10afac48bd276c08.1795318958.git."
                   "maintainers@users.noreply.r-seed-fad1749f.example/\n---\n") != std::string::npos);
}

TEST_CASE("export: golden thread mbox, found by a ghost's Message-ID") {
  Archive a = sample();
  Run r = a.export_({"--thread", "<roadmap-0@example.com>"});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  // mboxrd: the body line "From here on" is quoted, the attachment kept as sent.
  CHECK(r.out.find("\n>From here on, every message") != std::string::npos);
  check_golden(r.out, "export_thread_roadmap.mbox");
}

TEST_CASE("export: a thread comes back byte for byte when imported again, in date order") {
  Archive a = sample();
  std::string id = query1(a.db, "SELECT id FROM messages WHERE msgid = 'ack-v2@example.net'");
  Run r = a.export_({"--thread", id, "-o", (a.t / "t.mbox").string()});
  REQUIRE(r.code == 0);
  Archive back({a.t / "t.mbox"});
  const std::string raw = "SELECT m.msgid, hex(r.bytes) FROM messages m JOIN raw r ON r.message_id = m.id ";
  std::string thread = query1(a.db, "SELECT thread_id FROM messages WHERE id = " + id);
  CHECK(query(back.db, raw + "ORDER BY m.id") ==
        query(a.db, raw + "WHERE m.thread_id = " + thread + " ORDER BY m.date, m.id"));
  CHECK(query1(back.db, "SELECT count(*) FROM messages") == "9");
  // The mboxrd ">From" of data/replies.mbox is quoted again on the way out.
  CHECK(read_file(a.t / "t.mbox").find("\n>From the next version on") != std::string::npos);
}

TEST_CASE("export: bad command lines exit 2, unknown ids 1, with a clear message") {
  Archive a = sample();
  auto check = [&](std::vector<std::string> args, int code, const std::string& err) {
    CAPTURE(args);
    Run r = a.export_(args);
    CHECK(r.code == code);
    CHECK(r.err == err);
    CHECK(r.out.empty());
  };
  check({}, 2, "mlidx: export: give one of --series ID and --thread MSGID\n");
  check({"--series", "1", "--thread", "x@y"}, 2, "mlidx: export: give one of --series ID and --thread MSGID\n");
  check({"--series", "1", "--bogus"}, 2, "mlidx: --bogus: unknown option (see 'mlidx --help')\n");
  check({"--series", "one"}, 2, "mlidx: --series: not a numeric id: 'one'\n");
  check({"--series"}, 2, "mlidx: --series: needs a value\n");
  check({"--series", "1", "extra"}, 2, "mlidx: export: unexpected argument 'extra' (see 'mlidx export --help')\n");
  check({"--series", "1", "--link-pattern", "https://x/"}, 2,
        "mlidx: --link-pattern: must hold %s, where the Message-ID goes\n");
  check({"--thread", "x@y", "--partial"}, 2,
        "mlidx: export: --partial, --link and --link-pattern apply to --series only\n");
  check({"--series", "99"}, 1, "mlidx: series 99: no such series\n");
  check({"--thread", "nobody@example.com"}, 1, "mlidx: --thread nobody@example.com: no such message\n");
  check({"--thread", "999"}, 1, "mlidx: --thread 999: no such message\n");

  TempDir t;
  Run r = run_mlidx({"export", "--series", "1", "--db", (t / "none.db").string()});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: " + (t / "none.db").string() + ": no such database (create one with 'mlidx import')\n");
}

TEST_CASE("export: -o leaves an existing file alone unless --force") {
  Archive a = sample();
  fs::path out = a.t / "out.mbox";
  write_file(out, "keep me\n");
  Run r = a.export_({"--series", "1", "-o", out.string()});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: " + out.string() + ": file exists (add --force to overwrite it)\n");
  CHECK(read_file(out) == "keep me\n");
  r = a.export_({"--series", "1", "-o", out.string(), "--force"});
  CHECK(r.code == 0);
  CHECK(read_file(out) == a.export_({"--series", "1"}).out);
  r = a.export_({"--series", "1", "-o", (a.t / "no" / "such" / "dir.mbox").string()});
  CHECK(r.code == 1);
  CHECK(r.err == "mlidx: " + (a.t / "no" / "such" / "dir.mbox").string() + ": No such file or directory\n");
}

TEST_CASE("export: CRLF mail and >From lines survive a thread export and import") {
  TempDir t;
  write_file(t / "crlf.mbox",
             "From a Thu Jan  1 00:00:00 1970\r\nMessage-ID: <c1@x>\r\nFrom: A <a@x>\r\nSubject: crlf\r\n"
             "Date: Thu, 31 Aug 2017 17:17:25 -0400\r\n\r\n>From quoted\r\n>>From twice\r\nend\r\n\r\n"
             "From b Thu Jan  1 00:00:00 1970\r\nMessage-ID: <c2@x>\r\nIn-Reply-To: <c1@x>\r\nFrom: B <b@x>\r\n"
             "Subject: Re: crlf\r\n\r\nno date, no final line end");
  Archive a({t / "crlf.mbox"}, 1);
  Run r = a.export_({"--thread", "c2@x", "-o", (t / "out.mbox").string()});
  REQUIRE(r.code == 0);
  std::string out = read_file(t / "out.mbox");
  CHECK(out.find("\r\n>From quoted\r\n>>From twice\r\nend\r\n\r\nFrom mlidx@localhost Thu Jan  1 00:00:00 1970\n") !=
        std::string::npos);
  CHECK(out.starts_with("From mlidx@localhost Thu Aug 31 21:17:25 2017\n"));
  Archive back({t / "out.mbox"});
  const std::string raw = "SELECT m.msgid, hex(r.bytes) FROM messages m JOIN raw r ON r.message_id = m.id ORDER BY m.msgid";
  auto before = rows(a.db, raw), after = rows(back.db, raw);
  REQUIRE(after.size() == 2);
  CHECK(after[0] == before[0]);
  // mbox needs a line end after the last line: the only byte added.
  CHECK(*after[1][1] == *before[1][1] + "0A");
}
