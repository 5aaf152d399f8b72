// Patch state offline (issue 8): superseded from the version links,
// accepted from a git repository built here out of data/series.mbox
// (link-commits), human decisions (state set) and their survival through
// reindex.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>

#include "support.hh"

using namespace mlidx::test;

namespace {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// git in `dir`, with an identity and no user or system configuration; the
// output of the command (its first line when `first_line`).
std::string git(const fs::path& dir, const std::string& args, bool first_line = true) {
  std::string cmd = "cd " + quote(dir.string()) +
                    " && GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_COMMITTER_NAME=Maintainer "
                    "GIT_COMMITTER_EMAIL=maint@example.org GIT_COMMITTER_DATE='2026-11-23T10:00:00Z' "
                    "git " + args + " >" + quote((dir / ".." / "git.out").string()) + " 2>&1";
  int status = std::system(cmd.c_str());
  std::string out = read_file(dir / ".." / "git.out");
  REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "git " << args << ": " << out);
  if (first_line && out.find('\n') != std::string::npos) out.resize(out.find('\n'));
  return out;
}

// The mails of an mbox, each written to its own file (for git am).
std::vector<fs::path> split_mbox(const fs::path& mbox, const fs::path& dir) {
  std::string all = read_file(mbox);
  std::vector<fs::path> out;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t next = all.find("\nFrom ", start);
    std::string one = all.substr(start, next == std::string::npos ? std::string::npos : next + 1 - start);
    out.push_back(dir / ("mail" + std::to_string(out.size()) + ".eml"));
    write_file(out.back(), one);
    if (next == std::string::npos) break;
    start = next + 1;
  }
  return out;
}

const std::string kV1 = ".1795318957.git.maintainers@users.noreply.r-seed-fad1749f.example";
const std::string kV2 = ".1795318958.git.maintainers@users.noreply.r-seed-fad1749f.example";
const std::string kV1Schema = "58d552fb9edab54e4d712c5ed5d6a8cad7ee0af2" + kV1;
const std::string kV1Readme = "2b68684e9c339fef02170fc76582ab13ce63c464" + kV1;
const std::string kV2Schema = "58d552fb9edab54e4d712c5ed5d6a8cad7ee0af2" + kV2;
const std::string kV2Readme = "3e627c24e11685ba72ce0d8d10afac48bd276c08" + kV2;

// data/ imported, and a repository whose history holds: a base commit;
// v2 1/2 applied with git am as sent; v2 2/2 applied, then edited by hand
// and committed again with the same subject and author. A third change,
// sent as a patch from a side branch, is not in it.
struct Repo {
  TempDir t;
  fs::path db = t / "state.db", repo = t / "repo";
  std::string schema_commit, readme_commit, topic_msgid;

  Repo() {
    fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
    REQUIRE(run_mlidx({"import", (data / "series.mbox").string(), (data / "replies.mbox").string(), "--db",
                       db.string(), "--quiet"}).code == 0);
    fs::create_directories(repo);
    git(repo, "init -q -b main");
    write_file(repo / "LICENSE", "MIT\n");
    git(repo, "add LICENSE");
    git(repo, "-c user.name=Maintainer -c user.email=maint@example.org commit -q -m base");
    auto mails = split_mbox(data / "series.mbox", t.path);
    REQUIRE(mails.size() == 6);  // v1 cover, 1/2, 2/2; v2 cover, 1/2, 2/2
    git(repo, "am -q " + quote(mails[4].string()));
    schema_commit = git(repo, "rev-parse HEAD");
    git(repo, "am -q " + quote(mails[5].string()));
    std::string readme = read_file(repo / "README.md");
    auto at = readme.find("queried offline");
    REQUIRE(at != std::string::npos);
    write_file(repo / "README.md", readme.replace(at, 15, "queried offline, on a train"));
    git(repo, "commit -q -a --amend --no-edit");
    readme_commit = git(repo, "rev-parse HEAD");
    // The change nobody merged: sent as a patch, kept off main.
    git(repo, "checkout -q -b topic");
    write_file(repo / "NOTES", "A note nobody merged.\n");
    git(repo, "add NOTES");
    git(repo, "-c user.name=Ada -c user.email=ada@example.com commit -q -m 'notes: a file nobody merged'");
    write_file(t / "topic.mbox", git(repo, "format-patch -1 --stdout --add-header='Message-Id: <topic.1@example.com>'", false));
    git(repo, "checkout -q main");
    topic_msgid = "topic.1@example.com";
    REQUIRE(run_mlidx({"import", (t / "topic.mbox").string(), "--db", db.string(), "--quiet"}).code == 0);
  }
  std::string state(const std::string& msgid) {
    return query(db, "SELECT state || '|' || coalesce(commit_ref, '-') || '|' || coalesce(match_kind, '-') "
                     "FROM patch_states WHERE msgid = '" + msgid + "'");
  }
  Run link() { return run_mlidx({"link-commits", "--git", repo.string(), "--db", db.string()}); }
};

std::string all_state(const fs::path& db) {
  return query(db, "SELECT msgid, state, state_source, archived, coalesce(commit_ref, ''), coalesce(match_kind, ''), "
                   "coalesce(reason, ''), coalesce(decided, '') FROM patch_states ORDER BY msgid") +
         query(db, "SELECT * FROM commit_matches ORDER BY msgid") +
         query(db, "SELECT * FROM seen_commits ORDER BY commit_ref");
}

}  // namespace

TEST_CASE("state: before link-commits, v1 is superseded by its v2 and the rest is new") {
  Repo r;
  CHECK(r.state(kV1Schema) == "superseded|-|-");
  CHECK(r.state(kV1Readme) == "superseded|-|-");
  CHECK(r.state(kV2Schema) == "new|-|-");
  CHECK(r.state(kV2Readme) == "new|-|-");
  CHECK(r.state(r.topic_msgid) == "new|-|-");
  // superseded only where a later series links back to the patch's series
  CHECK(query1(r.db, "SELECT count(*) FROM patch_states st JOIN patch_series ps ON ps.patch_id = st.patch_id "
                     "WHERE st.state = 'superseded' AND NOT EXISTS "
                     "(SELECT 1 FROM series s WHERE s.previous_id = ps.series_id)") == "0");
}

TEST_CASE("state: link-commits accepts the applied patches, by patch-id and by subject + author") {
  Repo r;
  Run run = r.link();
  REQUIRE(run.code == 0);
  CHECK(run.out == "3 commits in range, 0 read before; read 3: 2 patches accepted (1 by patch-id, 0 by hash, "
                   "1 by subject and author)\n");
  CHECK(r.state(kV2Schema) == "accepted|" + r.schema_commit + "|patch-id");
  CHECK(r.state(kV2Readme) == "accepted|" + r.readme_commit + "|subject-author");
  // v1 1/2 carries the same change as v2 1/2, but the current version gets it
  CHECK(r.state(kV1Schema) == "superseded|-|-");
  CHECK(r.state(kV1Readme) == "superseded|-|-");
  CHECK(r.state(r.topic_msgid) == "new|-|-");
  // the mail's stored patch-id is git's own for the commit
  std::string git_id = git(r.repo, "show " + r.schema_commit + " | git patch-id --stable");
  CHECK(git_id == query1(r.db, "SELECT patch_id FROM patch_data p JOIN messages m ON m.id = p.message_id "
                               "WHERE m.msgid = '" + kV2Schema + "'") + " " + r.schema_commit);

  // a second run over the same range reads nothing and changes nothing
  std::string before = all_state(r.db);
  Run again = r.link();
  CHECK(again.code == 0);
  CHECK(again.out == "3 commits in range, 3 read before; read 0: 0 patches accepted (0 by patch-id, 0 by hash, "
                     "0 by subject and author)\n");
  CHECK(all_state(r.db) == before);
}

TEST_CASE("state: a patch imported after its commit was read is matched without reading git again") {
  Repo r;
  // A second archive that has not seen the side branch's patch yet.
  fs::path db = r.t / "late.db";
  fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
  REQUIRE(run_mlidx({"import", (data / "series.mbox").string(), "--db", db.string(), "--quiet"}).code == 0);
  Run first = run_mlidx({"link-commits", "--git", r.repo.string(), "topic", "--db", db.string()});
  CHECK(first.out.find("4 commits in range, 0 read before; read 4: 2 patches accepted") == 0);
  REQUIRE(run_mlidx({"import", (r.t / "topic.mbox").string(), "--db", db.string(), "--quiet"}).code == 0);
  Run late = run_mlidx({"link-commits", "--git", r.repo.string(), "topic", "--db", db.string()});
  CHECK(late.out == "4 commits in range, 4 read before; read 0: 1 patches accepted (1 by patch-id, 0 by hash, "
                    "0 by subject and author)\n");
  std::string topic_commit = git(r.repo, "rev-parse topic");
  CHECK(query(db, "SELECT state, commit_ref, match_kind FROM patch_states WHERE msgid = '" + r.topic_msgid + "'") ==
        "accepted|" + topic_commit + "|patch-id");
  // and v1, already superseded, is still not given the commits of v2
  CHECK(query1(db, "SELECT count(*) FROM commit_matches") == "3");
  std::string before = all_state(db);
  CHECK(run_mlidx({"link-commits", "--git", r.repo.string(), "topic", "--db", db.string()}).out.find(
            "read 0: 0 patches accepted") != std::string::npos);
  CHECK(all_state(db) == before);
}

TEST_CASE("state: the Patchwork hash rule when the patch-id finds nothing") {
  Repo r;
  // A patch whose patch-id git would not give (e.g. one split differently):
  // the hash of its diff still finds the commit.
  // (v1 1/2 carries the same diff.)
  REQUIRE(run_mlidx({"sql", "--write", "--db", r.db.string(),
                     "UPDATE patch_data SET patch_id = NULL WHERE message_id IN "
                     "(SELECT id FROM messages WHERE msgid IN ('" + kV1Schema + "', '" + kV2Schema + "'))"})
              .code == 0);
  Run run = r.link();
  REQUIRE(run.code == 0);
  CHECK(run.out.find("2 patches accepted (0 by patch-id, 1 by hash, 1 by subject and author)") != std::string::npos);
  CHECK(r.state(kV2Schema) == "accepted|" + r.schema_commit + "|hash");
  CHECK(r.state(kV1Schema) == "superseded|-|-");
}

TEST_CASE("state: show, show --json, series and stats show the state") {
  Repo r;
  REQUIRE(r.link().code == 0);
  Run show = run_mlidx({"show", kV2Schema, "--db", r.db.string()});
  CHECK(show.out.find("State:      accepted, commit " + r.schema_commit + " (patch-id)\n") != std::string::npos);
  Run v1 = run_mlidx({"show", kV1Readme, "--db", r.db.string()});
  CHECK(v1.out.find("State:      superseded, a later version of its series exists\n") != std::string::npos);
  Json j = parse_json(run_mlidx({"show", "--json", kV2Readme, "--db", r.db.string()}).out);
  CHECK(j["state"].text == "accepted");
  CHECK(j["archived"].text == "false");
  CHECK(j["commit_ref"].text == r.readme_commit);
  CHECK(j["match_kind"].text == "subject-author");
  Json topic = parse_json(run_mlidx({"show", "--json", r.topic_msgid, "--db", r.db.string()}).out);
  CHECK(topic["state"].text == "new");
  CHECK(topic["commit_ref"].kind == Json::Null);

  // what of Ada's is still pending
  Run pending = run_mlidx({"series", "--state", "new", "--submitter", "ada@example.com", "--json", "--db",
                           r.db.string()});
  CHECK(pending.code == 0);
  Json p = parse_json(pending.out);
  REQUIRE(p.items.size() == 1);
  CHECK(p.items[0]["name"].text == "notes: a file nobody merged");
  CHECK(p.items[0]["state"].text == "new");
  Json mine = parse_json(run_mlidx({"series", "--state", "new", "--submitter",
                                    "maintainers@users.noreply.r-seed-fad1749f.example", "--json", "--db",
                                    r.db.string()}).out);
  CHECK(mine.items.empty());
  Run superseded = run_mlidx({"series", "--state", "superseded", "--db", r.db.string()});
  CHECK(superseded.out.find("  superseded  docs: schema reference and README\n") != std::string::npos);
  Run bad = run_mlidx({"series", "--state", "merged", "--db", r.db.string()});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("mlidx: series: --state: unknown state 'merged' (one of: new, under-review,") == 0);
  Run one = run_mlidx({"series", "2", "--db", r.db.string()});
  CHECK(one.out.find("accepted  [v2,1/2] docs: document every table") != std::string::npos);

  Run stats = run_mlidx({"stats", "--db", r.db.string()});
  CHECK(stats.out.find("  state new                     1\n") != std::string::npos);
  CHECK(stats.out.find("  state accepted                2\n") != std::string::npos);
  CHECK(stats.out.find("  state superseded              2\n") != std::string::npos);
  Json sj = parse_json(run_mlidx({"stats", "--json", "--db", r.db.string()}).out);
  CHECK(sj["states"]["accepted"].text == "2");
}

TEST_CASE("state: a human decision wins over every rule, and survives reindex") {
  Repo r;
  Run set = run_mlidx({"state", "set", kV2Schema, "changes-requested", "--reason", "split the table docs",
                       "--db", r.db.string()});
  CHECK(set.code == 0);
  CHECK(set.out == "<" + kV2Schema + ">: changes-requested\n");
  // by id too, with archived: over the superseded rule
  std::string v1_id = query1(r.db, "SELECT id FROM messages WHERE msgid = '" + kV1Readme + "'");
  CHECK(run_mlidx({"state", "set", v1_id, "rejected", "--archived", "--db", r.db.string()}).code == 0);
  Run link = r.link();
  CHECK(link.out.find("1 of them keep the state a user set") != std::string::npos);
  CHECK(r.state(kV2Schema) == "changes-requested|" + r.schema_commit + "|patch-id");
  CHECK(r.state(kV1Readme) == "rejected|-|-");
  CHECK(query1(r.db, "SELECT archived FROM patch_states WHERE msgid = '" + kV1Readme + "'") == "1");
  Run show = run_mlidx({"show", kV2Schema, "--db", r.db.string()});
  CHECK(show.out.find(": split the table docs, commit " + r.schema_commit) != std::string::npos);
  Json j = parse_json(run_mlidx({"show", "--json", kV1Readme, "--db", r.db.string()}).out);
  CHECK(j["state"].text == "rejected");
  CHECK(j["archived"].text == "true");

  // reindex rebuilds everything else; decisions, matches and seen commits stay
  std::string before = all_state(r.db);
  REQUIRE(run_mlidx({"reindex", "--quiet", "--db", r.db.string()}).code == 0);
  CHECK(all_state(r.db) == before);
  CHECK(r.link().out.find("3 read before; read 0") != std::string::npos);

  // clear: the rules decide again
  Run clear = run_mlidx({"state", "clear", kV2Schema, "--db", r.db.string()});
  CHECK(clear.out == "<" + kV2Schema + ">: accepted\n");
  CHECK(r.state(kV2Schema) == "accepted|" + r.schema_commit + "|patch-id");
}

TEST_CASE("state: bad command lines and inputs") {
  Repo r;
  auto err = [&](std::vector<std::string> args) {
    args.push_back("--db");
    args.push_back(r.db.string());
    Run run = run_mlidx(args);
    return std::to_string(run.code) + " " + run.err;
  };
  CHECK(err({"state", "set", kV2Schema, "merged"}).find(
            "2 mlidx: state: unknown state 'merged' (one of: new, under-review, accepted,") == 0);
  CHECK(err({"state", "set", "1", "rejected"}) == "1 mlidx: state: '1' is a cover, not a patch\n");
  CHECK(err({"state", "set", "nosuch@x", "rejected"}) == "1 mlidx: state: no message 'nosuch@x'\n");
  CHECK(err({"state", "set", kV2Schema}).find("2 mlidx: state: usage: mlidx state set") == 0);
  CHECK(err({"state"}).find("2 mlidx: state: missing subcommand") == 0);
  CHECK(err({"state", "frob", "1"}) == "2 mlidx: state: unknown subcommand 'frob' (set or clear)\n");
  CHECK(err({"link-commits"}) == "2 mlidx: link-commits: --git REPO is required (see 'mlidx link-commits --help')\n");
  CHECK(err({"link-commits", "--git", (r.t / "nowhere").string()}) ==
        "1 mlidx: link-commits: " + (r.t / "nowhere").string() + ": no such directory\n");
  CHECK(err({"link-commits", "--git", r.t.path.string()}).find(
            "1 mlidx: link-commits: " + r.t.path.string() + ": not a git repository (fatal: not a git repository") == 0);
  CHECK(err({"link-commits", "--git", r.repo.string(), "no-such-branch"}).find(
            "1 mlidx: link-commits: git rev-list: fatal: ambiguous argument 'no-such-branch'") == 0);
  // git missing from PATH
  const char* path = std::getenv("PATH");
  std::string saved = path ? path : "";
  setenv("PATH", (r.t / "empty").c_str(), 1);
  Run nogit = run_mlidx({"link-commits", "--git", r.repo.string(), "--db", r.db.string()});
  setenv("PATH", saved.c_str(), 1);
  CHECK(nogit.code == 1);
  CHECK(nogit.err == "mlidx: link-commits: git: not found in PATH (is it installed?)\n");
  CHECK(query1(r.db, "SELECT count(*) FROM commit_matches") == "0");
}
