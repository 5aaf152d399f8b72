// Re-deriving threads, classification and series from the stored mail: one
// read of messages and refs feeds both computations, which run on two
// threads, and one write pass sets messages.thread_id and kind together
// (each row rewrite is the dominant cost; docs/PERFORMANCE.md).
//
// Both computations always run over all mail, in memory: Patchwork's rules
// depend on import order and on everything received before, so what an
// import changes is found by comparing, not predicted. After an import only
// the rows that differ are written (Rewrite::Changed).
#include <malloc.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <unordered_map>

#include "db/passes.hh"
#include "db/snapshot.hh"
#include "db/store.hh"

namespace mlidx::db {
namespace {

// A row's cells as one string: its first cell's encoding is the key, and
// equal strings are equal rows. Appended without temporaries: TableSync
// encodes every row the pass computes (~400,000 at 350k messages) to
// compare it with the stored one.
void encode(const Cell& c, std::string& out) {
  char num[24];
  std::string_view v = c.t;
  if (c.kind == Cell::Int) v = {num, std::to_chars(num, num + sizeof num, c.i).ptr};
  char len[24];
  out += static_cast<char>('0' + c.kind);
  out.append(len, std::to_chars(len, len + sizeof len, v.size()).ptr);
  out += ':';
  out += v;
}

std::string encoded(const Row& r) {
  std::string k;
  for (const Cell& c : r) encode(c, k);
  return k;
}

// The first cell's encoding in an encoded row.
std::string_view key_in(std::string_view row) {
  std::size_t at = 1, len = 0;
  while (row[at] != ':') len = len * 10 + static_cast<std::size_t>(row[at++] - '0');
  return row.substr(0, at + 1 + len);
}

Row decoded(std::string_view row) {
  Row r;
  while (!row.empty()) {
    std::string_view cell = key_in(row);
    std::string_view v = cell.substr(cell.find(':') + 1);
    auto kind = static_cast<Cell::Kind>(cell[0] - '0');
    if (kind == Cell::Int) r.push_back(Cell::of(static_cast<std::int64_t>(std::stoll(std::string(v)))));
    else if (kind == Cell::Text) r.push_back(Cell::of(std::string(v)));
    else r.push_back(Cell{Cell::Null, 0, std::string(v)});
    row.remove_prefix(cell.size());
  }
  return r;
}

Cell cell_at(const Statement& s, int col) {
  switch (sqlite3_column_type(s.handle(), col)) {
    case SQLITE_NULL: return {};
    case SQLITE_INTEGER: return Cell::of(s.int64(col));
    default: return Cell::of(std::string(s.text(col)));
  }
}

std::string joined(const std::vector<const char*>& cols, const char* sep, bool params) {
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) out += sep;
    // Appended in two steps: "?" + to_string trips g++ 12's false
    // -Wrestrict (GCC bug 105329).
    if (params) {
      out += '?';
      out += std::to_string(i + 1);
    } else {
      out += cols[i];
    }
  }
  return out;
}

// "b = ?2, c = ?3": every column after the key.
std::string assignments(const std::vector<const char*>& cols) {
  std::string out;
  for (std::size_t i = 1; i < cols.size(); ++i) {
    if (i > 1) out += ", ";
    out += cols[i];
    out += " = ?";
    out += std::to_string(i + 1);
  }
  return out;
}

Statement& bind_row(Statement& s, const Row& r) {
  for (std::size_t i = 0; i < r.size(); ++i) {
    int at = static_cast<int>(i + 1);
    if (r[i].kind == Cell::Null) s.bind_null(at);
    else if (r[i].kind == Cell::Int) s.bind(at, r[i].i);
    else s.bind(at, std::string_view(r[i].t));
  }
  return s;
}

}  // namespace

const DerivedTable kThreads{"threads", {"id", "root_msgid", "subject", "message_count", "ghost_count",
                                        "first_date", "last_date"}};
const DerivedTable kGhosts{"ghosts", {"msgid", "thread_id", "parent_msgid"}};
const DerivedTable kSeries{"series", {"id", "name", "version", "total", "received", "date", "submitter_email",
                                      "cover_id", "previous_id", "superseded", "submitter_name", "list_id"}};
const DerivedTable kPatchSeries{"patch_series", {"patch_id", "series_id", "number", "total"}};
const DerivedTable kCoverData{"cover_data", {"message_id", "name", "title", "prefixes", "version", "total",
                                             "deviations", "series_id"}};
const DerivedTable kCommentData{"comment_data", {"message_id", "patch_id", "cover_id", "deviations"}};

TableRows TableRows::read(Connection& c, const DerivedTable& t) {
  TableRows rows;
  Statement all(c, "SELECT " + joined(t.columns, ", ", false) + " FROM " + t.name);
  Row r;
  while (all.step()) {
    r.clear();
    for (int i = 0; i < static_cast<int>(t.columns.size()); ++i) r.push_back(cell_at(all, i));
    rows.order.push_back(rows.pool.add(encoded(r)));
  }
  std::sort(rows.order.begin(), rows.order.end(), [&rows](std::uint32_t a, std::uint32_t b) {
    return key_in(rows.pool.at(a)) < key_in(rows.pool.at(b));
  });
  return rows;
}

TableSync::TableSync(Connection& c, Rewrite mode, const DerivedTable& t, Snapshots& pre)
    // OR FAIL, and a row that is stored already updated in place: REPLACE
    // (like the default ABORT) runs each row in a statement journal, a copy
    // of the 64 KiB pages it lands on (store.cc, Store::Statements). After
    // an append of 500 mails to 10k, REPLACE journaled 60 MB of pages.
    : insert_(c, "INSERT OR FAIL INTO " + std::string(t.name) + " (" + joined(t.columns, ", ", false) +
                     ") VALUES (" + joined(t.columns, ", ", true) + ")"),
      update_(c, "UPDATE OR FAIL " + std::string(t.name) + " SET " + assignments(t.columns) + " WHERE " +
                     t.columns.front() + " = ?1"),
      erase_(c, "DELETE FROM " + std::string(t.name) + " WHERE " + t.columns.front() + " = ?1") {
  if (mode == Rewrite::All) return;
  if (auto it = pre.find(&t); it != pre.end()) {
    rows_ = std::move(it->second);
    pre.erase(it);
  } else {
    rows_ = TableRows::read(c, t);
  }
  kept_.assign(rows_.order.size(), false);
}

std::string_view TableSync::stored(std::size_t i) const { return rows_.pool.at(static_cast<std::uint32_t>(i)); }

bool TableSync::put(const Row& row, Row* old) {
  if (old) old->clear();
  if (rows_.order.empty()) {  // Rewrite::All, or nothing stored
    bind_row(insert_, row).run();
    return true;
  }
  row_.clear();
  for (const Cell& c : row) encode(c, row_);
  std::string_view k = key_in(row_);
  auto before = [this](std::uint32_t a, std::string_view key) { return key_in(stored(a)) < key; };
  auto it = std::lower_bound(rows_.order.begin(), rows_.order.end(), k, before);
  if (it == rows_.order.end() || key_in(stored(*it)) != k) {
    bind_row(insert_, row).run();
    return true;
  }
  kept_[*it] = true;
  if (stored(*it) == row_) return false;
  if (old) *old = decoded(stored(*it));
  bind_row(update_, row).run();
  return true;
}

std::vector<Row> TableSync::finish() {
  // Deleted in key order: the same writes whatever the table's order.
  std::vector<Row> gone;
  for (std::uint32_t i : rows_.order)
    if (!kept_[i]) gone.push_back(decoded(stored(i)));
  for (const Row& r : gone) bind_row(erase_, Row{r.front()}).run();
  rows_ = {};
  kept_ = {};
  return gone;
}

namespace {

// Exactly the room a first load needs (the counts come from indexes, in
// ~50 ms at 350k messages): grown by doubling, the vectors held up to half
// again as much as they used.
void reserve(Connection& c, StoredMail& m) {
  auto count = [&c](const char* sql) {
    Statement s(c, sql);
    return s.step() ? static_cast<std::size_t>(s.int64(0)) : std::size_t{0};
  };
  std::size_t n = count("SELECT count(*) FROM messages");
  std::size_t refs = count("SELECT count(*) FROM refs");
  std::size_t bytes = count("SELECT coalesce(sum(length(CAST(msgid AS BLOB))), 0) FROM messages");
  m.graph.reserve(n, refs);
  // Ids only referred to (ghosts) come on top: a few percent.
  m.graph.ids.reserve(n + n / 16, bytes + bytes / 16);
  m.graph.message_of.reserve(n + n / 16);
  m.series.mails.reserve(n);
  m.old_thread.reserve(n);
  m.old_kind.reserve(n);
}

}  // namespace

void load_stored_mail(Connection& c, StoredMail& m) {
  if (m.upto == 0 && m.graph.size() == 0 && read_snapshot(c, m)) m.from_snapshot = m.graph.size();
  // patch_data's rows hold whole patches: probing it per message reads most
  // of its 25 MB, where one of its indexes lists the same ids in 0.3 MB.
  // Sorted and walked beside the messages: a hash set of them took ~5 MB at
  // 350k messages, at the load's peak.
  std::vector<std::int64_t> patches;
  {
    Statement ids(c, m.upto == 0 ? "SELECT message_id FROM patch_data"
                                 : "SELECT message_id FROM patch_data WHERE message_id > ?1");
    if (m.upto != 0) ids.bind(1, m.upto);
    while (ids.step()) patches.push_back(ids.int64(0));
    std::sort(patches.begin(), patches.end());
  }
  auto next_patch = patches.begin();
  if (m.upto == 0) reserve(c, m);
  Statement all(c,
      "SELECT id, msgid, coalesce(date, ''), subject, coalesce(in_reply_to, ''), "
      "lower(from_email), list_id, pw_ignore, has_text, coalesce(thread_id, -1), kind "
      "FROM messages WHERE id > ?1 ORDER BY id");
  all.bind(1, m.upto);
  // Both in id order, read side by side: no row is held to wait for its refs.
  Statement refs(c, "SELECT message_id, msgid FROM refs WHERE message_id > ?1 "
                    "ORDER BY message_id, position");
  refs.bind(1, m.upto);
  bool more_refs = refs.step();
  while (all.step()) {
    std::int64_t id = all.int64(0);
    std::uint32_t i = m.graph.add(id, all.text(1), all.text(2), all.text(4));
    while (more_refs && refs.int64(0) <= id) {
      if (refs.int64(0) == id) m.graph.add_ref(refs.text(1));
      more_refs = refs.step();
    }
    while (next_patch != patches.end() && *next_patch < id) ++next_patch;
    bool is_patch = next_patch != patches.end() && *next_patch == id;
    add_series_facts(m.series, {all.text(3), all.text(6), all.text(5), m.graph.parsed_date(i), is_patch,
                                all.int64(7) != 0, all.int64(8) != 0});
    m.old_thread.push_back(all.int64(9));
    std::string_view kind = all.text(10);
    std::uint8_t k = StoredMail::kOtherKind;
    for (MailKind mk : {MailKind::Message, MailKind::Patch, MailKind::Cover, MailKind::Comment})
      if (kind == kind_name(mk)) k = static_cast<std::uint8_t>(mk);
    m.old_kind.push_back(k);
  }
  if (!m.graph.id.empty()) m.upto = m.graph.id.back();
}

std::size_t StoredMail::bytes() const {
  std::size_t rows = 0;
  for (const auto& [table, r] : derived) rows += r.pool.bytes() + r.order.capacity() * sizeof(std::uint32_t);
  return graph.bytes() + series.submitters.bytes() + series.texts.bytes() +
         series.mails.capacity() * sizeof(SeriesFacts) + old_thread.capacity() * 8 + old_kind.capacity() + rows;
}

StoredMail preload_stored_mail(Connection& c, const std::function<bool()>& enough) {
  StoredMail m;
  load_stored_mail(c, m);
  for (const DerivedTable* t : {&kThreads, &kGhosts, &kSeries, &kPatchSeries, &kCoverData, &kCommentData}) {
    if (enough && enough()) break;
    m.derived.emplace(t, TableRows::read(c, *t));
  }
  // Room for what the import adds: growing these vectors later moves every
  // element into freshly faulted memory, on the derive pass's clock.
  std::size_t n = m.graph.size(), room = n + n / 4 + 1024;
  m.graph.reserve(room, m.graph.refs.size() + m.graph.refs.size() / 4 + 1024);
  m.series.mails.reserve(room);
  m.old_thread.reserve(room);
  m.old_kind.reserve(room);
  return m;
}

std::int64_t write_message_columns(Connection& c, const StoredMail& m, const Threading& t,
                                   const SeriesResult& r) {
  // OR FAIL: no statement journal (see TableSync).
  Statement set(c, "UPDATE OR FAIL messages SET thread_id = ?1, kind = ?2 WHERE id = ?3");
  std::int64_t written = 0;
  for (std::size_t i = 0; i < m.graph.size(); ++i) {
    if (t.thread_of[i] == m.old_thread[i] && static_cast<std::uint8_t>(r.mails[i].kind) == m.old_kind[i])
      continue;
    set.bind(1, t.thread_of[i]).bind(2, std::string_view(kind_name(r.mails[i].kind)))
        .bind(3, m.graph.id[i]).run();
    ++written;
  }
  return written;
}

namespace {

// The pass is an import's peak at scale: at 350k messages it holds ~80 MB
// on top of what the load left behind, and that was ~55 MB more than the
// load needed. SQLite's page cache (16 MiB) is shrunk for the pass, which
// reads its tables in order and writes few rows, and the heap's free pages
// are given back to the kernel: the writer's batches and FTS5's buffers
// leave 20-60 MB of freed, scattered heap that the pass's large vectors,
// fresh mappings, would not reuse. Peak RSS at 350k, 3 alternated runs:
// 141 -> 119 MB without the search index, 163 -> 150 MB with it
// (docs/PERFORMANCE.md, "Scale").
class PassMemory {
 public:
  explicit PassMemory(Connection& c) : c_(c) {
    Statement size(c_, "PRAGMA cache_size");
    if (size.step()) cache_size_ = size.int64(0);
    if (auto s = c_.exec("PRAGMA cache_size = -1024"); !s) throw DbError(s.error().why);
    sqlite3_db_release_memory(c_.handle());
#ifdef __GLIBC__
    malloc_trim(0);
#endif
  }
  ~PassMemory() { (void)c_.exec("PRAGMA cache_size = " + std::to_string(cache_size_)); }
  PassMemory(const PassMemory&) = delete;
  PassMemory& operator=(const PassMemory&) = delete;

 private:
  Connection& c_;
  std::int64_t cache_size_ = -2000;  // SQLite's default
};

}  // namespace

Store::Derived Store::rederive(Rewrite mode, StoredMail* preloaded) {
  guesses_ = std::vector<Guess>();  // freed: the pass is the import's peak at scale
  // Mail loaded ahead (an import into a database in WAL mode) was read on
  // the companion's connection; this one's cache holds the pages the
  // import just wrote, which the pass reads and rewrites: released, they
  // were read back from the WAL (10k + 500 appended: 550 more reads of
  // 64 KiB pages).
  std::optional<PassMemory> memory;
  if (!preloaded) memory.emplace(conn_);
  StoredMail own;
  StoredMail& stored = preloaded ? *preloaded : own;
  load_stored_mail(conn_, stored);
  // One after the other, not on two threads: their working memory then
  // does not add up at the pass's peak. 350k messages without the index,
  // two alternated runs: peak RSS 102.6 / 104.0 -> 96.2 / 97.4 MB, the pass
  // 2.02 / 2.08 -> 1.79 / 1.68 s; at 50k the pass took 0.21 s either way
  // (docs/PERFORMANCE.md, "ninth session").
  Threading threads = compute_threads(stored.graph);
  SeriesResult series = compute_series(stored.graph, stored.series);
  Transaction tx(conn_);
  if (mode == Rewrite::All)
    if (auto s = conn_.exec("DELETE FROM threads; DELETE FROM ghosts;"); !s) throw DbError(s.error().why);
  write_threads(conn_, mode, stored.graph, threads, stored.derived);
  write_series(conn_, mode, stored.graph, series, stored.derived);
  std::int64_t rewritten = write_message_columns(conn_, stored, threads, series);
  // What the pass read, as it leaves the stored rows, for the next one.
  stored.old_thread = std::move(threads.thread_of);
  for (std::size_t i = 0; i < series.mails.size(); ++i)
    stored.old_kind[i] = static_cast<std::uint8_t>(series.mails[i].kind);
  // What the companion read ahead comes from before this import's writes;
  // a commit by another connection since (an UPDATE from the sqlite3 shell
  // during the import) may have changed those rows, and the snapshot would
  // keep that stale view. The write lock is held here: nothing else can
  // commit before this transaction does.
  if (data_version() == data_version_) write_snapshot(conn_, stored);
  else drop_snapshot(conn_);
  tx.commit();
  KindCounts kinds;
  for (const auto& m : series.mails) {
    kinds.patches += m.kind == MailKind::Patch;
    kinds.covers += m.kind == MailKind::Cover;
    kinds.comments += m.kind == MailKind::Comment;
  }
  return {{static_cast<std::int64_t>(threads.threads.size()),
           static_cast<std::int64_t>(threads.ghosts.size())},
          kinds,
          static_cast<std::int64_t>(series.series.size()), static_cast<std::int64_t>(stored.graph.size()),
          rewritten, static_cast<std::int64_t>(stored.from_snapshot)};
}

}  // namespace mlidx::db
