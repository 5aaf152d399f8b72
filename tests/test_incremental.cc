// Issue 7's incremental import, derive side: after mail is appended to an
// imported mbox, the import that reads only the tail derives threads,
// classification, series and trailers by comparing with what is stored and
// writing only what changed (Rewrite::Changed, db/derive.cc). Whatever the
// cut, the database must equal a one-shot import of the whole file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "mbox/mbox.hh"
#include "support.hh"

using namespace mlidx::test;

namespace {

const fs::path kData = fs::path(MLIDX_SOURCE_DIR) / "data";

struct Mail {
  std::string text;   // with its "From " line, as it sits in the file
  std::string msgid;  // from its first Message-ID field, without <>
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string msgid_of(std::string_view raw) {
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t nl = raw.find('\n', pos);
    std::string_view line = raw.substr(pos, nl == std::string_view::npos ? raw.npos : nl - pos);
    if (line.empty() || line == "\r") break;  // end of the header
    if (lower(std::string(line.substr(0, 11))) == "message-id:") {
      auto open = line.find('<'), close = line.find('>');
      if (open != line.npos && close != line.npos && close > open)
        return std::string(line.substr(open + 1, close - open - 1));
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return {};
}

std::vector<Mail> mails_of(const std::string& data) {
  mlidx::MboxReader reader(data, mlidx::InputKind::Mbox);
  mlidx::MboxMessage m;
  std::vector<std::size_t> starts;
  std::vector<std::string> ids;
  while (reader.next(m)) {
    starts.push_back(m.offset);
    ids.push_back(msgid_of(m.raw));
  }
  std::vector<Mail> out;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    std::size_t end = i + 1 < starts.size() ? starts[i + 1] : data.size();
    out.push_back({data.substr(starts[i], end - starts[i]), ids[i]});
  }
  return out;
}

std::string joined(const std::vector<Mail>& mails, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += mails[i].text;
  return out;
}

Run import(const fs::path& db, const fs::path& mbox) {
  return run_mlidx({"import", "--db", db.string(), mbox.string()});
}

// dump_relations compares trailers by (patch_id, name) only; the derive
// pass must also keep each patch's trailers in the order a full pass gives.
std::string derived_rows(const fs::path& db) {
  std::string out;
  for (const char* t : {"threads", "ghosts", "series", "patch_series", "cover_data", "comment_data"})
    out += std::string("== ") + t + "\n" + query(db, std::string("SELECT * FROM ") + t + " ORDER BY 1");
  out += "== trailers\n" +
         query(db, "SELECT patch_id, group_concat(name || '=' || value || '@' || source_msgid || "
                   "'/' || inherited, ';') FROM (SELECT * FROM trailers ORDER BY patch_id, rowid) "
                   "GROUP BY patch_id ORDER BY patch_id");
  out += "== kinds\n" + query(db, "SELECT id, thread_id, kind FROM messages ORDER BY id");
  return out;
}

// Imports mails [0, cut), appends the rest to the same file and imports it
// again; the second import must read only the tail, and the database must
// equal `once` (the whole file imported in one go).
// The derive snapshot's data (db/snapshot.hh): the resumed import's pass
// read the snapshot the first import left, appended the tail's mail, and
// must leave what the one-shot import's pass leaves.
std::string snapshot(const fs::path& db) {
  return query(db, "SELECT part, hex(data) FROM derive_snapshot WHERE part > 0 ORDER BY part");
}

void check_cut(const TempDir& t, const std::vector<Mail>& mails, std::size_t cut,
               const std::string& expected, const std::string& expected_derived,
               const std::string& expected_snapshot) {
  CAPTURE(cut);
  fs::path mbox = t / "list.mbox", db = t / "inc.db";
  fs::remove(db);
  fs::remove(t / "inc.db-wal");
  fs::remove(t / "inc.db-shm");
  std::string head = joined(mails, 0, cut);
  write_file(mbox, head);
  REQUIRE(import(db, mbox).code == 0);
  const std::string stored = query1(db, "SELECT count(*) FROM messages");
  write_file(mbox, head + joined(mails, cut, mails.size()));
  Run r = run_mlidx({"import", "--timing", "--db", db.string(), mbox.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find(", " + stored + " of them read from the derive snapshot") != std::string::npos);
  CHECK(snapshot(db) == expected_snapshot);
  CHECK(r.out.find("(skipped " + std::to_string(cut) + " already imported, from byte " +
                   std::to_string(head.size()) + ")") != std::string::npos);
  CHECK(dump_relations(db) == expected);
  CHECK(derived_rows(db) == expected_derived);
}

// Every cut of `data` (or the given ones) against one one-shot import.
void check_cuts(const std::string& data, std::vector<std::size_t> cuts = {}) {
  TempDir t;
  auto mails = mails_of(data);
  REQUIRE(mails.size() >= 2);
  fs::path whole = t / "whole.mbox", once = t / "once.db";
  write_file(whole, data);
  REQUIRE(import(once, whole).code == 0);
  const std::string expected = dump_relations(once), expected_derived = derived_rows(once);
  const std::string expected_snapshot = snapshot(once);
  REQUIRE(!expected_snapshot.empty());
  if (cuts.empty())
    for (std::size_t c = 1; c < mails.size(); ++c) cuts.push_back(c);
  for (std::size_t c : cuts) check_cut(t, mails, c, expected, expected_derived, expected_snapshot);
}

std::string reversed(const std::string& data) {
  auto mails = mails_of(data);
  std::reverse(mails.begin(), mails.end());
  return joined(mails, 0, mails.size());
}

// Patchwork's series test mails (../shared), in name order.
std::vector<fs::path> patchwork_series_files() {
  fs::path dir = shared_dir() / "testdata" / "patchwork" / "series";
  REQUIRE_MESSAGE(fs::exists(dir), dir.string());
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".mbox") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("incremental: every cut of data/'s series and replies derives what a one-shot import does") {
  check_cuts(read_file(kData / "series.mbox") + read_file(kData / "replies.mbox"));
}

TEST_CASE("incremental: the same mail in reverse (replies before patches, covers after them), every cut") {
  check_cuts(reversed(read_file(kData / "series.mbox") + read_file(kData / "replies.mbox")));
}

TEST_CASE("incremental: every cut of Patchwork's series test mails" *
          doctest::skip(skip_without_shared())) {
  const std::vector<fs::path> files = patchwork_series_files();
  REQUIRE(files.size() >= 20);
  std::string all;
  for (const auto& f : files) {
    CAPTURE(f);
    std::string data = read_file(f);
    if (mails_of(data).size() >= 2) check_cuts(data);
    all += data;
  }
  // All of them in one file: versions link across files, submitters meet
  // within the 20-minute window.
  std::size_t n = mails_of(all).size();
  check_cuts(all, {1, n / 4, n / 2, n - 1});
  check_cuts(reversed(all), {n / 3, 2 * n / 3});
}

TEST_CASE("incremental: the 10k corpus cut mid-thread, mid-series and between patches and their cover" *
          doctest::skip(skip_without_shared())) {
  fs::path corpus = corpus_10k();
  REQUIRE_MESSAGE(!corpus.empty(), "the 10k corpus could not be unpacked");
  // The first 3,000 mails: enough for every kind of cut, and quick.
  auto all = mails_of(read_file(corpus));
  REQUIRE(all.size() == 10000);
  std::vector<Mail> mails(all.begin(), all.begin() + 3000);
  TempDir t;
  // Covers come first in this corpus; one is moved after its last patch, so
  // that a cut can fall between them.
  fs::path probe = t / "probe.db", whole = t / "whole.mbox", once = t / "once.db";
  write_file(whole, joined(mails, 0, mails.size()));
  REQUIRE(import(probe, whole).code == 0);
  auto index_of = [&](const std::string& msgid) {
    auto it = std::find_if(mails.begin(), mails.end(), [&](const Mail& m) { return m.msgid == msgid; });
    REQUIRE_MESSAGE(it != mails.end(), msgid);
    return static_cast<std::size_t>(it - mails.begin());
  };
  auto cover = rows(probe,
      "SELECT c.msgid, (SELECT m.msgid FROM patch_series p JOIN messages m ON m.id = p.patch_id "
      "WHERE p.series_id = s.id ORDER BY p.patch_id DESC LIMIT 1) FROM series s "
      "JOIN messages c ON c.id = s.cover_id WHERE s.received >= 3 ORDER BY s.id LIMIT 1");
  REQUIRE(cover.size() == 1);
  // And a reply to a patch is moved before the patch.
  auto reply = rows(probe,
      "SELECT m.msgid, p.msgid FROM comment_data c JOIN messages m ON m.id = c.message_id "
      "JOIN messages p ON p.id = c.patch_id WHERE m.id > 2000 ORDER BY m.id LIMIT 1");
  REQUIRE(reply.size() == 1);
  auto move = [&](std::size_t from, std::size_t to) {  // mail `from` to position `to`
    auto at = [&](std::size_t i) { return mails.begin() + static_cast<std::ptrdiff_t>(i); };
    if (from < to) std::rotate(at(from), at(from) + 1, at(to) + 1);
    else std::rotate(at(to), at(from), at(from) + 1);
  };
  REQUIRE(index_of(*cover[0][0]) < index_of(*cover[0][1]));
  move(index_of(*cover[0][0]), index_of(*cover[0][1]));
  REQUIRE(index_of(*reply[0][0]) > index_of(*reply[0][1]));
  move(index_of(*reply[0][0]), index_of(*reply[0][1]));
  write_file(whole, joined(mails, 0, mails.size()));
  REQUIRE(import(once, whole).code == 0);

  // Cut points found in the one-shot result, as mail positions in the file.
  auto position = [&](const std::string& sql) {
    std::string msgid = query1(once, sql);
    REQUIRE_MESSAGE(!msgid.empty(), sql);
    auto it = std::find_if(mails.begin(), mails.end(), [&](const Mail& m) { return m.msgid == msgid; });
    REQUIRE(it != mails.end());
    return static_cast<std::size_t>(it - mails.begin());
  };
  std::vector<std::size_t> cuts;
  // Right after patch 1 of a series whose patch 2 comes later.
  cuts.push_back(1 + position(
      "SELECT m.msgid FROM patch_series a JOIN patch_series b ON b.series_id = a.series_id "
      "AND b.number = 2 AND b.patch_id > a.patch_id JOIN messages m ON m.id = a.patch_id "
      "WHERE a.number = 1 ORDER BY a.patch_id LIMIT 1 OFFSET 20"));
  // Just before a cover letter whose patches came first.
  cuts.push_back(position(
      "SELECT m.msgid FROM cover_data c JOIN messages m ON m.id = c.message_id WHERE EXISTS "
      "(SELECT 1 FROM patch_series p WHERE p.series_id = c.series_id AND p.patch_id < c.message_id) "
      "ORDER BY c.message_id LIMIT 1"));
  // Just before a reply to a patch in the prefix, in a thread that goes on.
  cuts.push_back(position(
      "SELECT m.msgid FROM comment_data c JOIN messages m ON m.id = c.message_id "
      "WHERE c.patch_id < c.message_id AND m.id > 1500 ORDER BY c.message_id LIMIT 1"));
  // Between a reply that came first and the patch it answers.
  cuts.push_back(position(
      "SELECT p.msgid FROM comment_data c JOIN messages p ON p.id = c.patch_id "
      "WHERE c.patch_id > c.message_id ORDER BY c.message_id LIMIT 1"));
  // A later version of a series arriving in the tail (the earlier one
  // becomes superseded).
  cuts.push_back(position(
      "SELECT m.msgid FROM series s JOIN messages m ON m.id = (SELECT min(patch_id) FROM patch_series "
      "WHERE series_id = s.id) WHERE s.previous_id IS NOT NULL ORDER BY s.id LIMIT 1"));
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  const std::string expected = dump_relations(once), expected_derived = derived_rows(once);
  for (std::size_t c : cuts) {
    REQUIRE(c > 0);
    REQUIRE(c < mails.size());
    check_cut(t, mails, c, expected, expected_derived, snapshot(once));
  }
}

TEST_CASE("incremental: mail that changes no thread or series rewrites no derived row") {
  TempDir t;
  fs::path mbox = t / "list.mbox", db = t / "m.db";
  std::string data = read_file(kData / "series.mbox") + read_file(kData / "replies.mbox");
  write_file(mbox, data);
  REQUIRE(import(db, mbox).code == 0);
  // Count every row the next import writes into the derived tables (`mlidx
  // sql` runs one statement per call).
  std::vector<std::string> sql = {"CREATE TABLE written (t TEXT)"};
  for (const char* table : {"threads", "ghosts", "series", "patch_series", "cover_data", "comment_data",
                            "trailers"})
    for (const char* op : {"INSERT", "UPDATE", "DELETE"})
      sql.push_back(std::string("CREATE TRIGGER w_") + table + "_" + op + " AFTER " + op + " ON " +
                    table + " BEGIN INSERT INTO written VALUES ('" + table + "'); END");
  sql.push_back("CREATE TRIGGER w_messages AFTER UPDATE OF thread_id, kind ON messages "
                "BEGIN INSERT INTO written VALUES ('messages'); END");
  for (const auto& s : sql) REQUIRE(run_mlidx({"sql", "--write", "--db", db.string(), s}).code == 0);
  // A new thread of one plain mail: one threads row. Its messages row is
  // stored with its thread and kind already (Store::guess_derived), so the
  // pass does not update it.
  write_file(mbox, data + "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <unrelated@x>\n"
                          "From: A <a@x>\nSubject: lunch?\nDate: Mon, 2 Jan 2023 10:00:00 +0100\n\n"
                          "anyone?\n");
  Run r = import(db, mbox);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("1 new") != std::string::npos);
  CHECK(query(db, "SELECT t, count(*) FROM written GROUP BY t ORDER BY t") == "threads|1");
}

TEST_CASE("import: new rows are stored with the thread and kind the pass gives them") {
  // Store::guess_derived: the derive pass then updates only the rows it
  // guessed wrong. In data/ every thread's first mail comes first, so no
  // guess is wrong; a reply stored before its patch is one the pass fixes.
  TempDir t;
  fs::path first = t / "first.mbox", mbox = t / "list.mbox", db = t / "m.db";
  // A first import creates the database, so that the trigger is there
  // before the import measured.
  write_file(first, "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <first@x>\nFrom: A <a@x>\n"
                    "Subject: hello\nDate: Mon, 2 Jan 2023 09:00:00 +0100\n\nhi\n");
  REQUIRE(import(db, first).code == 0);
  REQUIRE(run_mlidx({"sql", "--write", "--db", db.string(), "CREATE TABLE written (id INTEGER)"}).code == 0);
  REQUIRE(run_mlidx({"sql", "--write", "--db", db.string(),
                     "CREATE TRIGGER w AFTER UPDATE OF thread_id, kind ON messages "
                     "BEGIN INSERT INTO written VALUES (new.id); END"}).code == 0);
  // The reply first: guessed a plain message of its own thread, it becomes
  // a comment in the patch's thread.
  const std::string patch =
      "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <p1@x>\nFrom: A <a@x>\n"
      "Subject: [PATCH] x: fix y\nDate: Mon, 2 Jan 2023 10:00:00 +0100\n\n"
      "fix\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n";
  const std::string reply =
      "From b Thu Jan  1 00:00:00 1970\nMessage-ID: <r1@x>\nIn-Reply-To: <p1@x>\nFrom: B <b@x>\n"
      "Subject: Re: [PATCH] x: fix y\nDate: Mon, 2 Jan 2023 11:00:00 +0100\n\nlooks good\n";
  write_file(mbox, read_file(kData / "series.mbox") + read_file(kData / "replies.mbox") + reply + patch);
  Run r = run_mlidx({"import", "--timing", "--db", db.string(), mbox.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(query(db, "SELECT m.msgid FROM written w JOIN messages m ON m.id = w.id ORDER BY w.id") == "r1@x");
  // --timing counts them, out of every stored message.
  CHECK(r.out.find("(1 of " + query(db, "SELECT count(*) FROM messages") +
                   " messages' thread and kind rewritten,") != std::string::npos);
  CHECK(query(db, "SELECT kind FROM messages WHERE msgid = 'r1@x'") == "comment");
  CHECK(query(db, "SELECT count(*) FROM messages WHERE kind = 'comment'") != "0");
  CHECK(query(db, "SELECT count(DISTINCT kind) FROM messages") == "4");
}

TEST_CASE("import: the thread guesses outlive the growth of their table") {
  // Store::guess_slot starts with 2,048 slots and doubles when a set is
  // full: 3,000 thread starters and then a reply to each are guessed right
  // only if every starter's guess moved with the table.
  TempDir t;
  fs::path mbox = t / "list.mbox", db = t / "m.db";
  std::string data;
  const int n = 3000;
  for (int i = 0; i < n; ++i)
    data += fmt::format("From a Thu Jan  1 00:00:00 1970\nMessage-ID: <t{}@x>\nFrom: A <a@x>\n"
                        "Subject: topic {}\nDate: Mon, 2 Jan 2023 09:00:00 +0100\n\nhi\n\n", i, i);
  for (int i = 0; i < n; ++i)
    data += fmt::format("From b Thu Jan  1 00:00:00 1970\nMessage-ID: <r{}@x>\nIn-Reply-To: <t{}@x>\n"
                        "From: B <b@x>\nSubject: Re: topic {}\nDate: Mon, 2 Jan 2023 10:00:00 +0100\n\n"
                        "yes\n\n", i, i, i);
  write_file(mbox, data);
  Run r = run_mlidx({"import", "--timing", "--no-search", "--db", db.string(), mbox.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(query(db, "SELECT count(*) FROM threads") == std::to_string(n));
  CHECK(r.out.find("(0 of " + std::to_string(2 * n) + " messages' thread and kind rewritten,") !=
        std::string::npos);
}

TEST_CASE("import: the summary's counts are the stored ones, with a derive pass and without") {
  // With a pass they are counted from its result (Store::Derived::kinds);
  // an import that stores nothing runs no pass and counts with SQL.
  TempDir t;
  fs::path mbox = t / "list.mbox", db = t / "m.db";
  const std::string series = read_file(kData / "series.mbox");
  write_file(mbox, series);
  REQUIRE(import(db, mbox).code == 0);
  // An append makes the next import resume: the stored mail is loaded
  // beside the writes (WAL mode), and --timing says how long that took.
  write_file(mbox, series + read_file(kData / "replies.mbox"));
  auto expected = [&db] {
    return "archive: " + query(db, "SELECT count(*) FROM messages WHERE kind = 'patch'") + " patches, " +
           query(db, "SELECT count(*) FROM messages WHERE kind = 'cover'") + " cover letters, " +
           query(db, "SELECT count(*) FROM messages WHERE kind = 'comment'") + " comments, " +
           query(db, "SELECT count(*) FROM series") + " series\n";
  };
  Run r = run_mlidx({"import", "--timing", "--db", db.string(), mbox.string()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // replies.mbox's mail is new: the summary does not say ": 0 new, ".
  CHECK(r.out.find(" new, ") != std::string::npos);
  CHECK(r.out.find(": 0 new, ") == std::string::npos);
  CHECK(query(db, "SELECT count(*) FROM messages WHERE kind = 'comment'") != "0");
  CHECK(r.out.find(expected()) != std::string::npos);
  CHECK(r.out.find("time: stored mail loaded in ") != std::string::npos);
  Run again = run_mlidx({"import", "--db", db.string(), mbox.string()});
  INFO(again.out << again.err);
  REQUIRE(again.code == 0);
  CHECK(again.out.find(": 0 new, ") != std::string::npos);
  CHECK(again.out.find(expected()) != std::string::npos);
}

namespace {

// The word the cut falls in, as far as the cut file has it ("fir" of
// "first"): indexed from the cut mail, it must not be found once the mail
// is whole, unless the whole mail has that word too (as a one-shot import
// would say).
std::string word_before(const std::string& data, std::size_t cut) {
  std::size_t b = cut;
  while (b > 0 && std::isalnum(static_cast<unsigned char>(data[b - 1]))) --b;
  return data.substr(b, cut - b);
}

std::string found(const fs::path& db, const std::string& word) {
  return query1(db, "SELECT count(*) FROM search_fts WHERE search_fts MATCH '\"" + word + "\"'");
}

// data/'s mail imported in one go, and the places the cut tests cut it.
struct OneShotOfData {
  OneShotOfData() {
    write_file(mbox, data);
    REQUIRE(import(once, mbox).code == 0);
    expected = dump_relations(once);
    expected_derived = derived_rows(once);
    REQUIRE(roadmap3 != std::string::npos);
  }
  const std::string data = read_file(kData / "series.mbox") + read_file(kData / "replies.mbox");
  const std::size_t series_end = read_file(kData / "series.mbox").size();
  const std::size_t roadmap3 = data.find("Message-ID: <roadmap-3@example.com>");
  TempDir t;
  fs::path mbox = t / "list.mbox", once = t / "once.db";
  std::string expected, expected_derived;
};

}  // namespace

// db/cut_short.cc: an mbox read while mail is appended to it ends inside
// its last message. The next import reads that message again, whole, and
// it replaces the cut one: the database is then a one-shot import's.
TEST_CASE("incremental: a message stored cut short is replaced by the whole mail when the file grows") {
  OneShotOfData w;
  const std::vector<std::size_t> cuts = {
      w.data.rfind("\n+", w.series_end) + 5,             // a patch's diff (the last patch of series.mbox)
      w.roadmap3 - 12,                                   // a reply's header, before its Message-ID
      w.data.find("Maildir first", w.roadmap3) + 11,     // its body, mid-word: "fir"
      w.data.find("mlidx keeps this", w.roadmap3) + 13,  // a mail with no Message-ID (its id is its bytes' hash)
  };
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    const std::size_t cut = cuts[i];
    CAPTURE(cut);
    REQUIRE(w.data[cut - 1] != '\n');
    fs::path db = w.t / ("cut" + std::to_string(i) + ".db");
    write_file(w.mbox, w.data.substr(0, cut));
    REQUIRE(import(db, w.mbox).code == 1);  // "truncated: the file ends inside its last message"
    REQUIRE(query1(db, "SELECT count(*) FROM problems WHERE kind = 'truncated'") == "1");
    const std::string word = word_before(w.data, cut);
    if (i == 2) REQUIRE(found(db, word) == "1");  // "fir" is indexed from the cut reply
    // What says where the file ended is not in the mail: reindex keeps it.
    if (i == 0) REQUIRE(run_mlidx({"reindex", "--db", db.string()}).code == 0);
    write_file(w.mbox, w.data);
    Run r = run_mlidx({"import", "--db", db.string(), w.mbox.string()});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("completed: 1 messages stored cut short") != std::string::npos);
    CHECK(r.out.find("0 variants") != std::string::npos);
    CHECK(dump_relations(db) == w.expected);
    CHECK(derived_rows(db) == w.expected_derived);
    CHECK(found(db, word) == found(w.once, word));
    CHECK(query1(db, "SELECT count(*) FROM problems WHERE kind = 'truncated'") == "0");
    // The cut file and the whole one in one import: the cut mail was
    // indexed by this import's writer, not yet recorded as indexed.
    fs::path cut_file = w.t / "cut.mbox", both = w.t / ("both" + std::to_string(i) + ".db");
    write_file(cut_file, w.data.substr(0, cut));
    Run one = run_mlidx({"import", "--db", both.string(), cut_file.string(), w.mbox.string()});
    INFO(one.out << one.err);
    CHECK(one.code == 1);
    CHECK(one.out.find("completed: 1 messages stored cut short") != std::string::npos);
    CHECK(dump_relations(both) == w.expected);
    CHECK(derived_rows(both) == w.expected_derived);
    CHECK(found(both, word) == found(w.once, word));
  }
}

TEST_CASE("incremental: mail that extends a whole stored message is a variant, not a replacement") {
  // Only a message stored cut short is replaced: anyone can send mail that
  // begins with the bytes of a patch on the list and adds a hunk.
  const std::string data = read_file(kData / "series.mbox");
  TempDir t;
  fs::path mbox = t / "list.mbox", more = t / "more.mbox", db = t / "m.db";
  write_file(mbox, data);
  REQUIRE(import(db, mbox).code == 0);
  const std::string before = query(db, "SELECT id, size, raw_sha1 FROM messages ORDER BY id");
  std::size_t last = data.rfind("\nFrom ") + 1;
  std::string extended = data.substr(last);
  extended.insert(extended.rfind("-- \n"), "+an added line\n");
  write_file(more, extended);
  Run r = import(db, more);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("1 variants") != std::string::npos);
  CHECK(r.out.find("completed") == std::string::npos);
  CHECK(query(db, "SELECT id, size, raw_sha1 FROM messages ORDER BY id") == before);
}

TEST_CASE("incremental: a \"From \" line the reader would not split at is not a place to resume") {
  // After a line that is not blank, a "From " line starts a message only
  // when a header line follows it (mbox.cc, separator_at): here it is body
  // text of the last message, as a one-shot import reads the file. The
  // import reads that message again and stores it whole.
  TempDir t;
  fs::path mbox = t / "list.mbox", db = t / "m.db", once = t / "once.db";
  const std::string head = "From a Thu Jan  1 00:00:00 1970\nMessage-ID: <1@x>\nFrom: A <a@x>\n"
                           "Subject: one\n\nfirst line\n";
  write_file(mbox, head);
  REQUIRE(import(db, mbox).code == 0);
  write_file(mbox, head + "From b Thu Jan  1 00:00:00 1970\nnot a header, a quoted line\n");
  REQUIRE(import(once, mbox).code == 0);
  Run r = import(db, mbox);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("read 1 messages: 0 new, 0 duplicates, 0 variants", 0) == 0);
  CHECK(r.out.find("completed: 1 messages") != std::string::npos);
  CHECK(query1(db, "SELECT count(*) FROM messages") == "1");
  CHECK(dump_relations(db) == dump_relations(once));
}

// The file ended inside its last message on a line end: nothing told the
// first import it was cut. Text appended with no "From " line first goes on
// with that message, which is read again from its start and replaces the
// stored part (Importer::plan_resume, Store::forget_continued).
TEST_CASE("incremental: a message cut on a line end is replaced when the rest of it is appended") {
  OneShotOfData w;
  const std::vector<std::size_t> cuts = {
      w.data.rfind("\n+", w.series_end) + 1,                      // a patch's diff, before a line
      w.roadmap3,                                                 // a reply's header, before its Message-ID
      w.data.find("Maildir first, please.\n", w.roadmap3) + 23,  // its body, after a line
      w.data.find("\n\n", w.roadmap3) + 2,                        // between its header and its body
  };
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    const std::size_t cut = cuts[i];
    CAPTURE(cut);
    REQUIRE(w.data[cut - 1] == '\n');
    REQUIRE(w.data.compare(cut, 5, "From ") != 0);
    fs::path db = w.t / ("cut" + std::to_string(i) + ".db");
    write_file(w.mbox, w.data.substr(0, cut));
    REQUIRE(import(db, w.mbox).code == 0);  // a whole file, as far as anyone can tell
    const std::size_t last = w.data.rfind("\nFrom ", cut - 1) + 1;
    write_file(w.mbox, w.data);
    Run r = run_mlidx({"import", "--db", db.string(), w.mbox.string()});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("from byte " + std::to_string(last) + ")") != std::string::npos);
    CHECK(r.out.find("completed: 1 messages stored cut short") != std::string::npos);
    CHECK(r.out.find("0 variants") != std::string::npos);
    CHECK(dump_relations(db) == w.expected);
    CHECK(derived_rows(db) == w.expected_derived);
    // The next import resumes after the last message, as after a one-shot import.
    Run again = import(db, w.mbox);
    CHECK(again.out.find("read 0 messages (skipped " + query1(w.once, "SELECT count(*) FROM messages")) !=
          std::string::npos);
  }
}

// A mail cut short whose Message-ID is stored already is a variant: a
// `truncated-variant` problem on its message marks it, and the whole mail
// replaces it too (the resend of a patch, cut mid-line or on a line end).
TEST_CASE("incremental: a variant stored cut short is replaced by the whole mail") {
  const std::string series = read_file(kData / "series.mbox");
  std::string resend = series.substr(series.rfind("\nFrom ") + 1);
  // After its Subject: cut there, it is still the same mail by author and
  // subject (no collision), received through another list.
  const std::size_t after_subject = resend.find('\n', resend.find("\nSubject:") + 1) + 1;
  resend.insert(after_subject, "X-Resent: once more\nList-Id: Other list <other.lists.example.org>\n");
  const std::string data = series + "\n" + resend;
  TempDir t;
  fs::path mbox = t / "list.mbox", once = t / "once.db";
  write_file(mbox, data);
  REQUIRE(import(once, mbox).code == 0);
  REQUIRE(query1(once, "SELECT count(*) FROM variants") == "1");
  const std::string expected = dump_relations(once), expected_derived = derived_rows(once);
  const std::size_t diff = data.rfind("\n+") + 1, list = data.rfind("Other list") + 8;
  // Mid-line, on a line end, and in its List-Id (whose cut value must not
  // become one of the message's lists).
  for (std::size_t cut : {diff + 4, diff, list}) {
    for (bool reindex : {false, true}) {
      CAPTURE(cut);
      CAPTURE(reindex);
      fs::path db = t / ("cut" + std::to_string(cut) + (reindex ? "r" : "") + ".db");
      write_file(mbox, data.substr(0, cut));
      Run first = import(db, mbox);
      REQUIRE(query1(db, "SELECT count(*) FROM variants") == "1");
      const bool mid_line = data[cut - 1] != '\n';
      CHECK(first.code == (mid_line ? 1 : 0));
      CHECK(query1(db, "SELECT count(*) FROM problems WHERE kind = 'truncated-variant'") == (mid_line ? "1" : "0"));
      if (reindex) REQUIRE(run_mlidx({"reindex", "--db", db.string()}).code == 0);
      write_file(mbox, data);
      Run r = import(db, mbox);
      INFO(r.out << r.err);
      REQUIRE(r.code == 0);
      CHECK(r.out.find("completed: 1 messages stored cut short") != std::string::npos);
      CHECK(dump_relations(db) == expected);
      CHECK(derived_rows(db) == expected_derived);
      CHECK(query1(db, "SELECT count(*) FROM problems WHERE kind = 'truncated-variant'") == "0");
    }
  }
}

// A cron job importing an mbox while mail is delivered to it: each import
// finds the file cut wherever the delivery was (mid-line, on a line end,
// inside a header, between mails). However many such imports ran, the last
// one leaves what a one-shot import of the whole file does.
namespace {

// `data` cut at 12 (16 for data/) pseudo-random places, one import after
// each, then whole: the database must be a one-shot import's.
void check_growth(const std::string& data, std::uint64_t seed, int pieces) {
  CAPTURE(seed);
  TempDir t;
  fs::path mbox = t / "list.mbox", once = t / "once.db", db = t / "grown.db";
  write_file(mbox, data);
  REQUIRE(import(once, mbox).code == 0);
  std::uint64_t x = seed * 0x9E3779B97F4A7C15u;
  std::vector<std::size_t> cuts;
  for (int i = 0; i < pieces; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
    cuts.push_back(1 + x % (data.size() - 1));
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.push_back(data.size());
  for (std::size_t cut : cuts) {
    write_file(mbox, data.substr(0, cut));
    Run r = import(db, mbox);
    CAPTURE(cut);
    INFO(r.out << r.err);
    REQUIRE((r.code == 0 || r.code == 1));
  }
  CHECK(dump_relations(db) == dump_relations(once));
  CHECK(derived_rows(db) == derived_rows(once));
}

}  // namespace

TEST_CASE("incremental: imports of a file growing in arbitrary pieces end as a one-shot import") {
  const std::string data = read_file(kData / "series.mbox") + read_file(kData / "replies.mbox");
  for (std::uint64_t seed : {1u, 2u, 3u}) check_growth(data, seed, 16);
}

// Patchwork's series test mails share Message-IDs across files. Seeds that
// found faults on the way: a cut mail completed by a copy stored whole
// before (34, 35); a cut patch taken for a reply to its cover letter, which
// gave its trailers to the series, missed by a pass that compared rows
// (3, 12); two variants of one message with the same collision problem, of
// which the cut one must take only its own away (97).
TEST_CASE("incremental: Patchwork's series test mails growing in arbitrary pieces" *
          doctest::skip(skip_without_shared())) {
  const std::vector<fs::path> files = patchwork_series_files();
  std::string all;
  for (const auto& f : files) all += read_file(f);
  for (std::uint64_t seed : {3u, 12u, 34u, 35u, 97u}) check_growth(all, seed, 12);
}

// A patch completed after a reply to its cover letter was stored: the
// trailers that reply gives the series' patches must come back on it (the
// next derive pass rewrites every derived row, Store::forget_message).
TEST_CASE("incremental: a patch completed after its cover letter's reply keeps the reply's trailers") {
  const std::string series = read_file(kData / "series.mbox"), replies = read_file(kData / "replies.mbox");
  const std::size_t last = series.rfind("\nFrom ") + 1;
  const std::size_t ack = replies.rfind("\nFrom ", replies.find("Message-ID: <ack-v2@example.net>")) + 1;
  const std::size_t ack_end = replies.find("\nFrom ", ack) + 1;
  // The v2 cover, its first patch, the ack on the cover, then the last patch.
  const std::string data = series.substr(0, last) + replies.substr(ack, ack_end - ack) + series.substr(last);
  TempDir t;
  fs::path mbox = t / "list.mbox", once = t / "once.db", db = t / "cut.db";
  write_file(mbox, data);
  REQUIRE(import(once, mbox).code == 0);
  const std::string inherited = "SELECT count(*) FROM trailers t JOIN messages m ON m.id = t.patch_id "
                                "WHERE t.inherited = 1 AND m.subject LIKE '[PATCH v2 2/2]%'";
  REQUIRE(query1(once, inherited) != "0");
  const std::size_t cut = data.rfind("\n+") + 4;  // in the last patch's diff, mid-line
  write_file(mbox, data.substr(0, cut));
  REQUIRE(import(db, mbox).code == 1);
  REQUIRE(query1(db, inherited) == query1(once, inherited));  // a patch already, cut or not
  write_file(mbox, data);
  Run r = import(db, mbox);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("completed: 1 messages") != std::string::npos);
  CHECK(query1(db, inherited) == query1(once, inherited));
  CHECK(dump_relations(db) == dump_relations(once));
  CHECK(derived_rows(db) == derived_rows(once));
}
