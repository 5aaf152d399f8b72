// Golden test over the sample archive in data/: the thread trees, decoded
// headers and recorded problems are pinned in tests/golden/sample.txt.
// After a deliberate change: MLIDX_UPDATE_GOLDEN=1 build/tests/mlidx_tests
// -tc='golden*', then review the diff of the golden file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "support.hh"

using namespace mlidx::test;

namespace {

struct Node {
  std::string msgid, parent, line;
  std::string sort_key;
};

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> fields(const std::string& row) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t bar = row.find('|', pos);
    out.push_back(row.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
    if (bar == std::string::npos) return out;
    pos = bar + 1;
  }
}

// Depth-first with an explicit stack: thread depth is user data.
void render_thread(const fs::path& db, const std::string& tid, std::ostringstream& out) {
  std::vector<Node> nodes;
  for (auto& r : lines(query(db, "SELECT msgid, coalesce(in_reply_to, ''), coalesce(date, '-'), "
                                 "from_name, from_email, subject, id, kind FROM messages WHERE thread_id = " +
                                     tid)))
    if (auto f = fields(r); f.size() == 8)
      nodes.push_back({f[0], f[1], f[2] + " " + f[3] + " <" + f[4] + "> | " + f[5] + " [" + f[7] + "]",
                       f[2] + f[6]});
  for (auto& r : lines(query(db, "SELECT msgid, coalesce(parent_msgid, '') FROM ghosts WHERE thread_id = " + tid)))
    if (auto f = fields(r); f.size() == 2) nodes.push_back({f[0], f[1], "(ghost) <" + f[0] + ">", ""});
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i) index[nodes[i].msgid] = i;
  std::multimap<std::string, std::size_t> children;  // parent msgid -> child, in key order
  std::vector<std::size_t> roots;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (index.count(nodes[i].parent)) children.emplace(nodes[i].parent, i);
    else roots.push_back(i);
  }
  auto by_key = [&](std::size_t a, std::size_t b) { return nodes[a].sort_key > nodes[b].sort_key; };
  std::sort(roots.begin(), roots.end(), by_key);
  std::vector<std::pair<std::size_t, int>> stack;
  for (auto r : roots) stack.emplace_back(r, 1);
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    out << std::string(2 * depth, ' ') << nodes[n].line << "\n";
    std::vector<std::size_t> kids;
    auto range = children.equal_range(nodes[n].msgid);
    for (auto it = range.first; it != range.second; ++it) kids.push_back(it->second);
    std::sort(kids.begin(), kids.end(), by_key);
    for (auto k : kids) stack.emplace_back(k, depth + 1);
  }
}

std::string render(const fs::path& db) {
  std::ostringstream out;
  for (auto& r : lines(query(db, "SELECT id, message_count, ghost_count, root_msgid FROM threads ORDER BY id"))) {
    auto f = fields(r);
    out << "thread " << f[0] << ": " << f[1] << " messages, " << f[2] << " ghosts, root <" << f[3] << ">\n";
    render_thread(db, f[0], out);
  }
  out << "\nseries:\n"
      << query(db, "SELECT s.id || ' v' || s.version || ' ' || s.received || '/' || s.total || ' ' || s.name "
                   "|| ' | previous: ' || coalesce(s.previous_id, '-') || CASE WHEN s.superseded THEN "
                   "' (superseded)' ELSE '' END "
                   "|| ' | cover: ' || coalesce((SELECT msgid FROM messages WHERE id = s.cover_id), '-') "
                   "|| ' | patches: ' || coalesce((SELECT group_concat(number || '=' || msgid, ' ') FROM "
                   "(SELECT p.number, p.msgid FROM patches p WHERE p.series_id = s.id ORDER BY p.number)), '-') "
                   "FROM series s ORDER BY s.id")
      << "\n\ncomments:\n"
      << query(db, "SELECT c.msgid || ' -> ' || coalesce((SELECT msgid FROM messages WHERE id = "
                   "coalesce(c.patch_id, c.cover_id)), '?') FROM comments c ORDER BY c.id")
      << "\n\ntrailers:\n"
      << query(db, "SELECT p.name || ' | ' || t.name || ': ' || t.value || ' | from ' || t.source_msgid || "
                   "CASE WHEN t.inherited THEN ' (inherited)' ELSE '' END FROM trailers t JOIN patches p ON "
                   "p.id = t.patch_id ORDER BY t.patch_id, t.rowid")
      << "\n\nproblems:\n" << query(db, "SELECT m.subject || ' | ' || p.kind || ' | ' || p.detail FROM problems p "
                                      "JOIN messages m ON m.id = p.message_id ORDER BY m.id, p.rowid") << "\n";
  out << "\nattachments:\n" << query(db, "SELECT m.subject || ' | ' || a.content_type || ' | ' || a.filename || ' | ' "
                                         "|| a.size FROM attachments a JOIN messages m ON m.id = a.message_id") << "\n";
  out << "\nrecipients of the first review:\n"
      << query(db, "SELECT r.kind || ' ' || r.name || ' <' || r.email || '>' FROM recipients r JOIN messages m "
                   "ON m.id = r.message_id WHERE m.msgid = 'reply-to-joerg@users.noreply.r-seed-fad1749f.example' "
                   "ORDER BY r.position") << "\n";
  return out.str();
}

struct Sample {
  TempDir t;
  fs::path db = t / "sample.db";
  Run run;
  Sample() {
    fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
    run = run_mlidx({"import", (data / "replies.mbox").string(), (data / "series.mbox").string(),
                     "--db", db.string()});
  }
};

}  // namespace

TEST_CASE("golden: data/ thread trees, decoded headers and problems") {
  Sample s;
  REQUIRE(s.run.code == 0);
  std::string got = render(s.db);
  fs::path golden = fs::path(MLIDX_SOURCE_DIR) / "tests" / "golden" / "sample.txt";
  if (const char* u = std::getenv("MLIDX_UPDATE_GOLDEN"); u && *u == '1') write_file(golden, got);
  CHECK(got == read_file(golden));
}

TEST_CASE("golden: data/ bodies are decoded and mbox quoting undone") {
  Sample s;
  auto body = [&](const std::string& msgid) {
    return query1(s.db, "SELECT b.body FROM messages m JOIN bodies b ON b.message_id = m.id WHERE m.msgid = '" + msgid + "'");
  };
  // ISO-8859-1 8bit body converted to UTF-8.
  CHECK(query(s.db, "SELECT b.body FROM messages m JOIN bodies b ON b.message_id = m.id WHERE m.msgid = 'ack-v2@example.net'")
            .find("Acked-by: Zoë Ávila <zoe@example.net>") != std::string::npos);
  // Quoted-printable UTF-8.
  CHECK(query(s.db, "SELECT b.body FROM messages m JOIN bodies b ON b.message_id = m.id WHERE m.msgid = '87review.fsf@example.org'")
            .find("Reviewed-by: Jörg Müller <joerg@example.org>") != std::string::npos);
  // mboxrd ">From" unquoted, and an unquoted "From " body line did not split the mail.
  CHECK(query(s.db, "SELECT b.body FROM messages m JOIN bodies b ON b.message_id = m.id WHERE m.msgid = 'reply-to-joerg@users.noreply.r-seed-fad1749f.example'")
            .find("\nFrom the next version on") != std::string::npos);
  CHECK(query(s.db, "SELECT b.body FROM messages m JOIN bodies b ON b.message_id = m.id WHERE m.msgid = 'roadmap-3@example.com'")
            .find("\nFrom here on, every message") != std::string::npos);
  CHECK(body("roadmap-2@example.com").rfind("The original proposal", 0) == 0);
  CHECK(query1(s.db, "SELECT count(*) FROM messages") == "12");
}

TEST_CASE("golden: importing data/ again changes nothing") {
  Sample s;
  std::string before = render(s.db);
  fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
  Run again = run_mlidx({"import", (data / "series.mbox").string(), (data / "replies.mbox").string(),
                         "--db", s.db.string()});
  CHECK(again.code == 0);
  // Both files are known and unchanged (issue 7): nothing is read again.
  CHECK(again.out.find("read 0 messages (skipped 12 already imported): 0 new, 0 duplicates") == 0);
  CHECK(render(s.db) == before);
  // The same mail under other names is read, and all of it is known.
  TempDir t;
  fs::copy_file(data / "series.mbox", t / "a.mbox");
  fs::copy_file(data / "replies.mbox", t / "b.mbox");
  Run copies = run_mlidx({"import", (t / "a.mbox").string(), (t / "b.mbox").string(), "--db", s.db.string()});
  CHECK(copies.out.find("read 12 messages: 0 new, 12 duplicates") == 0);
  CHECK(render(s.db) == before);
}

TEST_CASE("golden: stats over data/, as text and as JSON") {
  Sample s;
  REQUIRE(s.run.code == 0);
  Run text = run_mlidx({"stats", "--db", s.db.string()});
  Run json = run_mlidx({"stats", "--json", "--db", s.db.string()});
  CHECK(text.code == 0);
  CHECK(json.code == 0);
  std::string got = text.out + "\n" + json.out;
  fs::path golden = fs::path(MLIDX_SOURCE_DIR) / "tests" / "golden" / "stats.txt";
  if (const char* u = std::getenv("MLIDX_UPDATE_GOLDEN"); u && *u == '1') write_file(golden, got);
  CHECK(got == read_file(golden));
  CHECK(json_fields(json.out).at("series_complete") == "2");
  Run bad = run_mlidx({"stats", "extra", "--db", s.db.string()});
  CHECK(bad.code == 2);
  CHECK(bad.err == "mlidx: stats: unexpected argument 'extra' (see 'mlidx stats --help')\n");
}

TEST_CASE("golden: sql over data/ in every output format") {
  Sample s;
  REQUIRE(s.run.code == 0);
  const std::string q =
      "SELECT s.id, s.version, s.received || '/' || s.total AS got, s.name, "
      "(SELECT count(*) FROM trailers t JOIN patch_series ps ON ps.patch_id = t.patch_id "
      "WHERE ps.series_id = s.id) AS trailers FROM series s ORDER BY s.id";
  std::string got;
  for (const char* format : {"--table", "--tsv", "--csv", "--json", "--jsonl"}) {
    Run r = run_mlidx({"sql", format, q, "--db", s.db.string()});
    CHECK(r.code == 0);
    got += std::string("$ mlidx sql ") + format + "\n" + r.out + "\n";
  }
  Run r = run_mlidx({"sql", "--tsv", "SELECT subject FROM messages WHERE from_email = ? ORDER BY id",
                     "zoe@example.net", "--db", s.db.string()});
  got += "$ mlidx sql --tsv ... ? zoe@example.net\n" + r.out;
  fs::path golden = fs::path(MLIDX_SOURCE_DIR) / "tests" / "golden" / "sql.txt";
  if (const char* u = std::getenv("MLIDX_UPDATE_GOLDEN"); u && *u == '1') write_file(golden, got);
  CHECK(got == read_file(golden));
}
