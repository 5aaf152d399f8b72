// Several lists in one database (issue 7): one message per Message-ID
// whatever the lists it came through, message_lists, --list-id, filters by
// list (l:, series --list) and stats per list.
#include <doctest/doctest.h>

#include "support.hh"

using namespace mlidx::test;

namespace {

std::string mail(const std::string& list_header, const std::string& msgid = "p1@x",
                 const std::string& subject = "[PATCH] powerpc: fix the thing") {
  return "From a Thu Jan  1 00:00:00 1970\n" + list_header + "Message-ID: <" + msgid +
         ">\nFrom: A <a@x>\nSubject: " + subject +
         "\nDate: Thu, 31 Aug 2017 17:17:25 -0400\n\nfix\n---\n"
         "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n";
}

struct Archive {
  TempDir t;
  std::string db = (t / "m.db").string();
  Run import(const std::string& name, const std::string& mbox, std::vector<std::string> extra = {}) {
    write_file(t / name, mbox);
    std::vector<std::string> args = {"import", "--db", db, (t / name).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_mlidx(args);
  }
  // One "msgid|list" line per list of each message.
  std::string lists() {
    std::string all = query(db, "SELECT m.msgid, l.list_id FROM message_lists l "
                                "JOIN messages m ON m.id = l.message_id ORDER BY 1, 2");
    return all.empty() ? all : all + "\n";
  }
};

// Each line of `raw` that an mbox reader would take for a separator gets
// one more '>' (mboxrd), so the copy splits as the original did.
std::string as_mbox(const std::string& raw) {
  std::string out = "From mlidx Thu Jan  1 00:00:00 1970\n";
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t nl = raw.find('\n', pos);
    std::size_t end = nl == std::string::npos ? raw.size() : nl + 1;
    std::string_view line(raw.data() + pos, end - pos);
    std::size_t q = line.find_first_not_of('>');
    if (q != std::string_view::npos && line.substr(q).starts_with("From ")) out += '>';
    out += line;
    pos = end;
  }
  if (out.back() != '\n') out += '\n';
  return out;
}

// The mail with its List-Id field (and any folded continuation) replaced.
std::string with_list_id(const std::string& raw, const std::string& list) {
  std::size_t header_end = raw.find("\n\n");
  std::size_t at = raw.rfind("\nList-Id:", header_end);
  REQUIRE(at != std::string::npos);
  std::size_t end = raw.find('\n', at + 1);
  while (end + 1 < raw.size() && (raw[end + 1] == ' ' || raw[end + 1] == '\t')) end = raw.find('\n', end + 1);
  return raw.substr(0, at) + "\nList-Id: Another list <" + list + ">" + raw.substr(end);
}

}  // namespace

TEST_CASE("lists: the same mail received through two lists is one message on both") {
  Archive a;
  REQUIRE(a.import("a.mbox", mail("List-Id: <ppc.lists.example.org>\n")).code == 0);
  Run r = a.import("b.mbox", mail("List-Id: Netdev <netdev.vger.example.org>\n"));
  CHECK(r.code == 0);
  CHECK(r.out.find("read 1 messages: 0 new, 0 duplicates, 0 variants") != std::string::npos);
  CHECK(r.out.find("lists: 1 messages already stored were also received through another list\n") !=
        std::string::npos);
  CHECK(query1(a.db, "SELECT count(*) FROM messages") == "1");
  CHECK(a.lists() == "p1@x|netdev.vger.example.org\np1@x|ppc.lists.example.org\n");
  // messages.list_id stays the first list; the copy's bytes are kept.
  CHECK(query1(a.db, "SELECT list_id FROM messages") == "ppc.lists.example.org");
  CHECK(query1(a.db, "SELECT count(*) FROM variants") == "1");
  CHECK(query1(a.db, "SELECT count(*) FROM problems WHERE kind = 'msgid-collision'") == "0");
  // A third copy through a list already known adds nothing.
  r = a.import("c.mbox", mail("List-Id: <netdev.vger.example.org>\n"));
  CHECK(r.out.find("lists:") == std::string::npos);
  CHECK(query1(a.db, "SELECT count(*) FROM message_lists") == "2");
}

TEST_CASE("lists: another author's mail under a known Message-ID is a collision, not a list copy") {
  Archive a;
  REQUIRE(a.import("a.mbox", mail("List-Id: <ppc.lists.example.org>\n")).code == 0);
  Run r = a.import("b.mbox", mail("List-Id: <netdev.vger.example.org>\n", "p1@x", "something else"));
  CHECK(r.out.find("1 variants") != std::string::npos);
  CHECK(r.out.find("lists:") == std::string::npos);
  CHECK(a.lists() == "p1@x|ppc.lists.example.org\n");
  CHECK(query1(a.db, "SELECT count(*) FROM problems WHERE kind = 'msgid-collision'") == "1");
}

TEST_CASE("lists: l:, series --list and stats see every list of a mail") {
  Archive a;
  REQUIRE(a.import("a.mbox", mail("List-Id: <ppc.lists.example.org>\n") +
                                 mail("List-Id: <ppc.lists.example.org>\n", "q1@x", "[PATCH] other change"))
              .code == 0);
  REQUIRE(a.import("b.mbox", mail("List-Id: <netdev.vger.example.org>\n")).code == 0);
  Run s = run_mlidx({"search", "--db", a.db, "--json", "l:netdev"});
  CHECK(s.code == 0);
  CHECK(s.out.find("p1@x") != std::string::npos);
  CHECK(s.out.find("q1@x") == std::string::npos);
  s = run_mlidx({"search", "--db", a.db, "--json", "l:ppc.lists.example.org"});
  CHECK(s.out.find("p1@x") != std::string::npos);
  CHECK(s.out.find("q1@x") != std::string::npos);
  Run series = run_mlidx({"series", "--db", a.db, "--list", "netdev"});
  CHECK(series.code == 0);
  CHECK(series.out.find("powerpc: fix the thing") != std::string::npos);
  CHECK(series.out.find("other change") == std::string::npos);
  series = run_mlidx({"series", "--db", a.db, "--list", "nowhere"});
  CHECK(series.out.find("fix the thing") == std::string::npos);
  Run st = run_mlidx({"stats", "--db", a.db});
  CHECK(st.out.find("list ppc.lists.example.org: 2 messages, 2 patches, 0 covers, 0 comments, 2 series\n") !=
        std::string::npos);
  CHECK(st.out.find("list netdev.vger.example.org: 1 messages, 1 patches, 0 covers, 0 comments, 1 series\n") !=
        std::string::npos);
  st = run_mlidx({"stats", "--db", a.db, "--json"});
  Json j = parse_json(st.out);
  REQUIRE(j["per_list"].items.size() == 2);
  CHECK(j["per_list"].items[1]["list_id"].text == "netdev.vger.example.org");
  CHECK(j["per_list"].items[1]["series"].text == "1");
}

TEST_CASE("lists: --list-id names the list of mail without a List-Id field") {
  Archive a;
  // X-Mailing-List is an address some servers add, not an id: --list-id
  // outranks it; a List-Id field outranks --list-id.
  REQUIRE(a.import("a.mbox", mail("") + mail("X-Mailing-List: ppc@example.org\n", "x1@x") +
                                 mail("List-Id: <own.example.org>\n", "o1@x"),
                   {"--list-id", "given.example.org"})
              .code == 0);
  CHECK(a.lists() == "o1@x|own.example.org\np1@x|given.example.org\nx1@x|given.example.org\n");
  // Without --list-id, X-Mailing-List is still read.
  Archive b;
  REQUIRE(b.import("a.mbox", mail("X-Mailing-List: ppc@example.org\n", "x1@x")).code == 0);
  CHECK(b.lists() == "x1@x|ppc@example.org\n");
}

TEST_CASE("lists: the same bytes imported again with --list-id join that list too") {
  Archive a;
  std::string m = mail("") + mail("List-Id: <own.example.org>\n", "o1@x");
  REQUIRE(a.import("a.mbox", m, {"--list-id", "first.example.org"}).code == 0);
  Run r = a.import("a.mbox", m);
  CHECK(r.out.find("0 new, 2 duplicates") != std::string::npos);
  r = a.import("a.mbox", m, {"--list-id", "second.example.org"});
  // The mail that names its own list stays a plain duplicate.
  CHECK(r.out.find("0 new, 1 duplicates") != std::string::npos);
  CHECK(r.out.find("lists: 1 messages already stored") != std::string::npos);
  CHECK(a.lists() == "o1@x|own.example.org\np1@x|first.example.org\np1@x|second.example.org\n");
  // Imported again as the same list, only what was appended is read.
  r = a.import("a.mbox", m + mail("", "p2@x", "[PATCH] later"), {"--list-id", "second.example.org"});
  CHECK(r.out.find("read 1 messages (skipped 2 already imported") == 0);
  CHECK(query1(a.db, "SELECT list_id FROM messages WHERE msgid = 'p2@x'") == "second.example.org");
  // Mail stored without any list takes the first one named as its own.
  Archive b;
  REQUIRE(b.import("a.mbox", mail("")).code == 0);
  CHECK(b.lists() == "");
  REQUIRE(b.import("a.mbox", mail(""), {"--list-id", "late.example.org"}).code == 0);
  CHECK(query1(b.db, "SELECT list_id FROM messages") == "late.example.org");
  CHECK(query1(b.db, "SELECT count(*) FROM other_lists") == "0");
}

// A resumed import loads the stored mail for the derive pass before it
// writes (Importer::plan_resume); a list set on a stored message that had
// none changes what was loaded, which is then read again. Variants and
// other lists do not (test_inputs.cc: the tail that repeats stored mail).
TEST_CASE("lists: a resumed import that sets a stored message's list derives from the new list") {
  Archive a;
  // A subject prefix that is the list's short name is not read (Patchwork):
  // on list v3.example.org, "[PATCH v3]" is version 1.
  const std::string listless = mail("", "p1@x", "[PATCH v3] powerpc: one");
  REQUIRE(a.import("c.mbox", listless).code == 0);
  CHECK(query1(a.db, "SELECT version FROM series") == "3");
  std::string own = mail("List-Id: <own.example.org>\n", "o1@x", "[PATCH] powerpc: other");
  REQUIRE(a.import("a.mbox", own, {"--list-id", "v3.example.org"}).code == 0);
  Run r = a.import("a.mbox", own + listless, {"--list-id", "v3.example.org"});
  INFO(r.out << r.err);
  CHECK(r.out.find("read 1 messages (skipped 1 already imported") == 0);
  CHECK(query1(a.db, "SELECT list_id FROM messages WHERE msgid = 'p1@x'") == "v3.example.org");
  CHECK(query1(a.db, "SELECT version FROM series WHERE list_id = 'v3.example.org'") == "1");
  fs::path again = a.t / "again.db";
  fs::copy_file(a.db, again);
  REQUIRE(run_mlidx({"reindex", "--db", again.string()}).code == 0);
  CHECK(dump_relations(a.db) == dump_relations(again));
}

TEST_CASE("lists: reindex keeps every list of every message") {
  Archive a;
  REQUIRE(a.import("a.mbox", mail("List-Id: <ppc.lists.example.org>\n")).code == 0);
  REQUIRE(a.import("b.mbox", mail("List-Id: <netdev.vger.example.org>\n")).code == 0);
  // A list the bytes do not record: only the table remembers it.
  REQUIRE(a.import("a.mbox", mail("List-Id: <ppc.lists.example.org>\n"), {"--list-id", "x.example.org"})
              .code == 0);
  REQUIRE(a.import("c.mbox", mail(""), {"--list-id", "cmdline.example.org"}).code == 0);
  std::string before = a.lists();
  CHECK(before == "p1@x|cmdline.example.org\np1@x|netdev.vger.example.org\np1@x|ppc.lists.example.org\n");
  REQUIRE(run_mlidx({"reindex", "--db", a.db}).code == 0);
  CHECK(a.lists() == before);
}

TEST_CASE("lists: the 10k corpus plus 100 of its mails from another list" *
          doctest::skip(skip_without_shared())) {
  fs::path mbox = corpus_10k();
  REQUIRE_MESSAGE(!mbox.empty(), "../shared/corpus/linuxppc-dev-10k.mbox.xz is missing");
  Archive a;
  REQUIRE(run_mlidx({"import", "--quiet", "--no-search", "--db", a.db, mbox.string()}).code == 0);
  auto first = rows(a.db, "SELECT r.bytes FROM messages m JOIN raw r ON r.message_id = m.id "
                          "WHERE m.list_id <> '' ORDER BY m.id LIMIT 100");
  REQUIRE(first.size() == 100);
  std::string copies;
  for (const auto& row : first) copies += as_mbox(with_list_id(*row[0], "other.lists.example.org"));
  Run r = a.import("copies.mbox", copies, {"--no-search"});
  CHECK(r.code == 0);
  CHECK(r.out.find("lists: 100 messages already stored were also received through another list") !=
        std::string::npos);
  CHECK(query1(a.db, "SELECT count(*) FROM messages") == "9991");
  CHECK(query1(a.db, "SELECT count(*) FROM (SELECT message_id FROM message_lists GROUP BY message_id "
                     "HAVING count(*) = 2)") == "100");
  CHECK(query1(a.db, "SELECT count(*) FROM message_lists WHERE list_id = 'other.lists.example.org'") == "100");
  Run s = run_mlidx({"search", "--db", a.db, "--json", "l:other"});
  CHECK(s.code == 0);
  CHECK(parse_json(s.out).items.size() == 100);
  CHECK(query1(a.db, "PRAGMA integrity_check") == "ok");
}
