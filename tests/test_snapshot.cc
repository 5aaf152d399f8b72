// The derive snapshot (db/snapshot.hh): what the derive pass read of the
// stored mail, kept so that the next import reads only the mail stored
// since. It must give the pass exactly what reading every row gives, and
// must never be used once it can be stale.
#include <doctest/doctest.h>

#include <cstring>

#include "db/passes.hh"
#include "db/snapshot.hh"
#include "db/store.hh"
#include "mbox/mbox.hh"
#include "support.hh"
#include "util/build_id.hh"
#include "util/xxh128.hh"

using namespace mlidx::test;
using mlidx::db::Connection;
using mlidx::db::StoredMail;

namespace {

const fs::path kData = fs::path(MLIDX_SOURCE_DIR) / "data";

// Replies first: stored before what they answer, their rows get a thread
// and kind the derive pass then rewrites.
fs::path imported(const TempDir& t) {
  fs::path db = t / "a.db", mbox = t / "all.mbox";
  write_file(mbox, read_file(kData / "replies.mbox") + read_file(kData / "series.mbox"));
  Run r = run_mlidx({"import", "--timing", "--db", db.string(), mbox.string()});
  REQUIRE(r.code == 0);
  REQUIRE(r.out.find(" of 12 messages' thread and kind rewritten") != std::string::npos);
  CHECK(r.out.find(" 0 of 12 messages' thread and kind rewritten") == std::string::npos);
  return db;
}

Connection open(const fs::path& db) {
  auto c = Connection::open(db.string(), Connection::Mode::ReadWrite);
  REQUIRE(c);
  return std::move(*c);
}

int parts(const fs::path& db) { return std::stoi(query1(db, "SELECT count(*) FROM derive_snapshot")); }

// Everything the passes read, as text, one line a message.
std::string facts(const StoredMail& m) {
  std::string out;
  const auto& g = m.graph;
  for (std::size_t i = 0; i < g.size(); ++i) {
    out += std::to_string(g.id[i]) + " " + std::string(g.ids.at(g.msgid[i])) + " parent " +
           (g.parent[i] == g.kNone ? "-" : std::string(g.ids.at(g.parent[i]))) + " date " +
           g.date_text(i) + " refs";
    for (auto r : g.refs_of(i)) out += " " + std::string(g.ids.at(r));
    const auto& f = m.series.mails[i];
    out += " from " + std::string(m.series.submitters.at(f.submitter)) + " n " + std::to_string(f.number) +
           "/" + std::to_string(f.total) + " v" + std::to_string(f.version) + " flags " +
           std::to_string(f.has_date) + std::to_string(f.is_patch) + std::to_string(f.is_reply) +
           std::to_string(f.ignored) + std::to_string(f.empty) + " name " +
           (f.name == f.kNone ? "-" : std::string(m.series.texts.at(f.name))) + " thread " +
           std::to_string(m.old_thread[i]) + " kind " + std::to_string(m.old_kind[i]) + "\n";
  }
  return out + "upto " + std::to_string(m.upto) + " nodes " + std::to_string(g.ids.size()) + "\n";
}

}  // namespace

TEST_CASE("derive snapshot: what an import leaves is what reading every stored row gives") {
  TempDir t;
  fs::path db = imported(t);
  REQUIRE(parts(db) >= 2);  // the header and the data
  fs::copy_file(db, t / "b.db");
  auto b = open(t / "b.db");
  REQUIRE(b.exec("DELETE FROM derive_snapshot"));
  StoredMail read;
  mlidx::db::load_stored_mail(b, read);
  CHECK(read.from_snapshot == 0);

  auto a = open(db);
  StoredMail kept;
  REQUIRE(mlidx::db::read_snapshot(a, kept));
  CHECK(kept.graph.size() == 12);
  // With the threads and kinds as stored (the pass's, not those before it).
  CHECK(facts(kept) == facts(read));
  StoredMail loaded;
  mlidx::db::load_stored_mail(a, loaded);
  CHECK(loaded.from_snapshot == kept.graph.size());
  CHECK(facts(loaded) == facts(read));
}

TEST_CASE("derive snapshot: a damaged, cut or foreign copy is not used") {
  TempDir t;
  fs::path db = imported(t);
  auto c = open(db);
  StoredMail m;
  bool damaged = true;
  SUBCASE("another build") {
    CHECK_FALSE(mlidx::db::read_snapshot(c, m, "some other build"));
    damaged = false;  // this build's own reads it
  }
  SUBCASE("a byte changed") {
    REQUIRE(c.exec("UPDATE derive_snapshot SET data = substr(data, 1, 100) || x'ff' || substr(data, 102) "
                   "WHERE part = 1 AND substr(data, 101, 1) <> x'ff'"));
    REQUIRE(c.changes() == 1);
    CHECK_FALSE(mlidx::db::read_snapshot(c, m));
  }
  SUBCASE("cut short") {
    REQUIRE(c.exec("UPDATE derive_snapshot SET data = substr(data, 1, length(data) - 1) "
                   "WHERE part = (SELECT max(part) FROM derive_snapshot)"));
    CHECK_FALSE(mlidx::db::read_snapshot(c, m));
  }
  SUBCASE("a piece missing") {
    REQUIRE(c.exec("INSERT INTO derive_snapshot (part, data) "
                   "SELECT 99, data FROM derive_snapshot WHERE part = 1"));
    REQUIRE(c.exec("DELETE FROM derive_snapshot WHERE part = 1"));
    CHECK_FALSE(mlidx::db::read_snapshot(c, m));
  }
  SUBCASE("a checksum made to match, over a length and a size beyond the data") {
    // The ids pool's byte count (the data's first 8 bytes) says 1 TiB, the
    // header's size 2 TiB: a reader that trusted them would try to allocate.
    auto data = rows(db, "SELECT data FROM derive_snapshot WHERE part > 0 ORDER BY part");
    std::string all;
    for (auto& row : data) all += *row[0];
    std::uint64_t huge = std::uint64_t{1} << 40, size = huge * 2;
    std::memcpy(all.data(), &huge, 8);
    mlidx::Xxh128Stream h;
    h.update(all);
    auto digest = h.digest();
    std::string header = *rows(db, "SELECT data FROM derive_snapshot WHERE part = 0")[0][0];
    std::memcpy(header.data() + 16, &size, 8);
    std::memcpy(header.data() + 32, digest.data(), 16);
    mlidx::db::Statement(c, "UPDATE derive_snapshot SET data = ?1 WHERE part = 0").bind_blob(1, header).run();
    mlidx::db::Statement(c, "UPDATE derive_snapshot SET data = ?1 WHERE part = 1")
        .bind_blob(1, std::string_view(all).substr(0, (*data[0][0]).size()))
        .run();
    CHECK_FALSE(mlidx::db::read_snapshot(c, m));
  }
  SUBCASE("a checksum made to match, over facts out of range") {
    // Written by this build from a graph whose parent points past its ids.
    StoredMail good;
    REQUIRE(mlidx::db::read_snapshot(c, good));
    good.graph.parent[0] = static_cast<std::uint32_t>(good.graph.ids.size() + 5);
    mlidx::db::write_snapshot(c, good);
    CHECK_FALSE(mlidx::db::read_snapshot(c, m));
  }
  CHECK(m.graph.size() == 0);
  CHECK(m.upto == 0);
  // The pass then reads every row.
  mlidx::db::load_stored_mail(c, m);
  CHECK(m.from_snapshot == (damaged ? 0 : 12));
  CHECK(m.graph.size() == 12);
}

TEST_CASE("derive snapshot: a write from outside mlidx's import drops it") {
  TempDir t;
  fs::path db = imported(t);
  for (const char* sql : {"UPDATE messages SET subject = 'x' WHERE id = 2",
                          "DELETE FROM refs WHERE message_id = (SELECT max(message_id) FROM refs)",
                          "INSERT INTO refs (message_id, position, msgid) VALUES (1, 99, 'new@x')",
                          "UPDATE patch_data SET name = 'y' "
                          "WHERE message_id = (SELECT min(message_id) FROM patch_data)"}) {
    CAPTURE(sql);
    fs::path copy = t / "copy.db";
    fs::remove(copy);
    fs::copy_file(db, copy);
    REQUIRE(parts(copy) >= 2);
    // As the sqlite3 shell or `mlidx sql --write` would: triggers on.
    Run r = run_mlidx({"sql", "--write", "--db", copy.string(), sql});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(parts(copy) == 0);
  }
}

TEST_CASE("derive snapshot: a list set on stored mail drops it in the same transaction") {
  TempDir t;
  fs::path db = imported(t);
  auto store = mlidx::db::Store::open(db.string(), false);
  REQUIRE(store);
  (*store)->set_default_list_id("new.lists.example.org");
  // series.mbox's mail names no list.
  std::string data = read_file(kData / "series.mbox");
  mlidx::MboxReader reader(data, mlidx::InputKind::Mbox);
  mlidx::MboxMessage first;
  REQUIRE(reader.next(first));
  std::string raw(first.raw);
  REQUIRE(parts(db) >= 2);
  {
    mlidx::db::Transaction tx((*store)->conn());
    CHECK((*store)->add_list_of_copy(raw));
    CHECK(parts(db) >= 2);  // not yet committed: another connection still sees it
    tx.commit();
  }
  CHECK(parts(db) == 0);
}

// Damage that passes the checksum (as a faulty build or a hand-made copy
// would write it): every byte of a real snapshot's data changed in turn,
// and 64-bit lengths set to 0, 1 and huge values. read_snapshot must either
// refuse it or give the passes something they can run over - never crash
// or allocate without bound.
TEST_CASE("derive snapshot: any single damaged byte or length is refused or harmless") {
  TempDir t;
  fs::path db = imported(t);
  auto c = open(db);
  const std::string good = mlidx::db::snapshot_data(c);
  REQUIRE(good.size() > 1000);
  std::size_t used = 0, refused = 0;
  auto attempt = [&](const std::string& data) {
    mlidx::db::write_snapshot_data(c, data, mlidx::build_id());
    StoredMail m;
    if (!mlidx::db::read_snapshot(c, m)) {
      ++refused;
      CHECK(m.graph.size() == 0);
      return;
    }
    ++used;
    auto threads = mlidx::compute_threads(m.graph);
    auto series = mlidx::compute_series(m.graph, m.series);
    CHECK(threads.thread_of.size() == m.graph.size());
    CHECK(series.mails.size() == m.graph.size());
  };
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string data = good;
    data[i] = static_cast<char>(data[i] ^ 0x5a);
    attempt(data);
  }
  for (std::size_t i = 0; i + 8 <= good.size(); i += 8)
    for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1} << 62}) {
      std::string data = good;
      std::memcpy(data.data() + i, &v, 8);
      attempt(data);
    }
  MESSAGE(used << " damaged copies used, " << refused << " refused");
  CHECK(refused > 0);
  attempt(good);
  CHECK(used > 0);
}

// The companion reads the stored mail before the import's writes; a commit
// by another connection in between (the sqlite3 shell during an import) can
// change rows it read. The pass then writes no snapshot, and the next
// import reads every row.
TEST_CASE("derive snapshot: not written when another connection committed since the store was opened") {
  TempDir t;
  fs::path db = imported(t);
  auto store = mlidx::db::Store::open(db.string(), false);
  REQUIRE(store);
  mlidx::db::drop_snapshot((*store)->conn());  // its own connection: still allowed
  SUBCASE("no other writer") {
    (*store)->rederive(mlidx::db::Rewrite::Changed);
    CHECK(parts(db) >= 2);
  }
  SUBCASE("another connection committed") {
    auto other = open(db);
    REQUIRE(other.exec("UPDATE messages SET subject = 'changed elsewhere' WHERE id = 3"));
    (*store)->rederive(mlidx::db::Rewrite::Changed);
    CHECK(parts(db) == 0);
  }
}
