// Re-deriving threads, classification and series from the stored mail: one
// read of messages and refs feeds both computations, which run on two
// threads, and one write pass sets messages.thread_id and kind together
// (each row rewrite is the dominant cost; docs/PERFORMANCE.md).
//
// Both computations always run over all mail, in memory: Patchwork's rules
// depend on import order and on everything received before, so what an
// import changes is found by comparing, not predicted. After an import only
// the rows that differ are written (Rewrite::Changed).
#include <algorithm>
#include <thread>
#include <unordered_map>

#include "db/passes.hh"
#include "db/store.hh"

namespace mlidx::db {
namespace {

// A row's cells as one string: the map key, and what equality compares.
void encode(const Cell& c, std::string& out) {
  out += static_cast<char>('0' + c.kind);
  const std::string v = c.kind == Cell::Int ? std::to_string(c.i) : c.t;
  out += std::to_string(v.size());
  out += ':';
  out += v;
}

std::string key_of(const Row& r) {
  std::string k;
  encode(r.front(), k);
  return k;
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

TableSync::TableSync(Connection& c, Rewrite mode, const char* table, std::vector<const char*> cols)
    // OR FAIL, and a row that is stored already updated in place: REPLACE
    // (like the default ABORT) runs each row in a statement journal, a copy
    // of the 64 KiB pages it lands on (store.cc, Store::Statements). After
    // an append of 500 mails to 10k, REPLACE journaled 60 MB of pages.
    : insert_(c, "INSERT OR FAIL INTO " + std::string(table) + " (" + joined(cols, ", ", false) +
                     ") VALUES (" + joined(cols, ", ", true) + ")"),
      update_(c, "UPDATE OR FAIL " + std::string(table) + " SET " + assignments(cols) + " WHERE " +
                     cols.front() + " = ?1"),
      erase_(c, "DELETE FROM " + std::string(table) + " WHERE " + cols.front() + " = ?1") {
  if (mode == Rewrite::All) return;
  Statement all(c, "SELECT " + joined(cols, ", ", false) + " FROM " + table);
  while (all.step()) {
    Row r;
    r.reserve(cols.size());
    for (int i = 0; i < static_cast<int>(cols.size()); ++i) r.push_back(cell_at(all, i));
    std::string k = key_of(r);
    stored_.emplace(std::move(k), std::move(r));
  }
}

bool TableSync::put(const Row& row, Row* old) {
  std::string k = key_of(row);
  auto it = stored_.find(k);
  if (old) old->clear();
  if (it == stored_.end()) {
    bind_row(insert_, row).run();
    return true;
  }
  kept_.insert(k);
  if (it->second == row) return false;
  if (old) *old = it->second;
  bind_row(update_, row).run();
  return true;
}

std::vector<Row> TableSync::finish() {
  std::vector<Row> gone;
  for (auto& [k, r] : stored_)
    if (!kept_.count(k)) gone.push_back(std::move(r));
  // Deleted in key order: the same writes whatever the hash map's order.
  std::sort(gone.begin(), gone.end(), [](const Row& a, const Row& b) { return key_of(a) < key_of(b); });
  for (const Row& r : gone) bind_row(erase_, Row{r.front()}).run();
  stored_.clear();
  kept_.clear();
  return gone;
}

void load_stored_mail(Connection& c, StoredMail& m) {
  std::unordered_map<std::int64_t, std::size_t> index;
  // patch_data's rows hold whole patches: probing it per message reads most
  // of its 25 MB, where one of its indexes lists the same ids in 0.3 MB.
  std::unordered_set<std::int64_t> patches;
  {
    Statement ids(c, m.upto == 0 ? "SELECT message_id FROM patch_data"
                                 : "SELECT message_id FROM patch_data WHERE message_id > ?1");
    if (m.upto != 0) ids.bind(1, m.upto);
    while (ids.step()) patches.insert(ids.int64(0));
  }
  Statement all(c,
      "SELECT id, msgid, coalesce(date, ''), subject, coalesce(in_reply_to, ''), "
      "from_name, lower(from_email), list_id, pw_ignore, has_text, coalesce(thread_id, -1), kind "
      "FROM messages WHERE id > ?1 ORDER BY id");
  all.bind(1, m.upto);
  while (all.step()) {
    std::int64_t id = all.int64(0);
    index.emplace(id, m.threading.size());
    m.threading.push_back({id, std::string(all.text(1)), std::string(all.text(2)),
                           std::string(all.text(3)), std::string(all.text(4)), {}});
    m.series.push_back({std::string(all.text(5)), std::string(all.text(6)), std::string(all.text(7)),
                        patches.count(id) != 0, all.int64(8) != 0, all.int64(9) != 0,
                        all.int64(10), std::string(all.text(11))});
  }
  Statement refs(c, "SELECT message_id, msgid FROM refs WHERE message_id > ?1 "
                    "ORDER BY message_id, position");
  refs.bind(1, m.upto);
  while (refs.step()) m.threading[index.at(refs.int64(0))].refs.emplace_back(refs.text(1));
  if (!m.threading.empty()) m.upto = m.threading.back().id;
}

StoredMail preload_stored_mail(Connection& c) {
  StoredMail m;
  load_stored_mail(c, m);
  // Room for what the import adds: growing these vectors later moves every
  // element into freshly faulted memory, on the derive pass's clock.
  std::size_t room = m.threading.size() + m.threading.size() / 4 + 1024;
  m.threading.reserve(room);
  m.series.reserve(room);
  m.parsed.mails.reserve(room);
  m.parsed.subjects.reserve(room);
  series_input(m);
  return m;
}

void write_message_columns(Connection& c, const StoredMail& m, const Threading& t,
                           const SeriesResult& r) {
  // OR FAIL: no statement journal (see TableSync).
  Statement set(c, "UPDATE OR FAIL messages SET thread_id = ?1, kind = ?2 WHERE id = ?3");
  for (std::size_t i = 0; i < m.threading.size(); ++i) {
    std::string_view kind = kind_name(r.mails[i].kind);
    if (t.thread_of[i] == m.series[i].old_thread && kind == m.series[i].old_kind) continue;
    set.bind(1, t.thread_of[i]).bind(2, kind).bind(3, m.threading[i].id).run();
  }
}

Store::Derived Store::rederive(Rewrite mode, StoredMail* preloaded) {
  StoredMail own;
  StoredMail& stored = preloaded ? *preloaded : own;
  load_stored_mail(conn_, stored);
  SeriesResult series;
  std::exception_ptr failed;
  std::thread classify([&] {
    try {
      series_input(stored);
      series = compute_series(stored.parsed.mails);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  Threading threads = compute_threads(stored.threading);
  classify.join();
  if (failed) std::rethrow_exception(failed);
  Transaction tx(conn_);
  if (mode == Rewrite::All)
    if (auto s = conn_.exec("DELETE FROM threads; DELETE FROM ghosts;"); !s) throw DbError(s.error().why);
  write_threads(conn_, mode, threads);
  write_series(conn_, mode, stored, stored.parsed, series);
  write_message_columns(conn_, stored, threads, series);
  tx.commit();
  return {{static_cast<std::int64_t>(threads.threads.size()),
           static_cast<std::int64_t>(threads.ghosts.size())},
          static_cast<std::int64_t>(series.series.size())};
}

}  // namespace mlidx::db
