// The derive passes behind Store::rederive (db/derive.cc): threads
// (thread_pass.cc) and Patchwork's classification and series
// (series_pass.cc), computed from one read of the stored mail.
#pragma once
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "db/sqlite.hh"
#include "db/store.hh"
#include "util/intern.hh"
#include "patch/subject.hh"
#include "series/series.hh"
#include "thread/threader.hh"

namespace mlidx::db {

// The derived tables TableSync keeps (first column: the key).
struct DerivedTable {
  const char* name;
  std::vector<const char*> columns;
};
extern const DerivedTable kThreads, kGhosts, kSeries, kPatchSeries, kCoverData, kCommentData;

// A derived table's rows as stored, each encoded as one string in one buffer
// (a few dozen bytes a row, where a map of Rows took ~210), in key order.
struct TableRows {
  static TableRows read(Connection& c, const DerivedTable& t);
  StringPool pool;
  std::vector<std::uint32_t> order;  // pool entries sorted by key
};
// Rows read ahead of the derive pass; a table not among them is read when
// its TableSync starts.
using Snapshots = std::unordered_map<const DerivedTable*, TableRows>;

// Everything the passes read, in id order, compact (MailGraph,
// SeriesFacts): ~100 bytes a message plus its Message-ID and references'
// ids once each; texts only the output needs are read back by id when
// written (docs/PERFORMANCE.md, "Derive memory"). Rows are only ever
// appended: an import adds messages with larger ids and leaves the stored
// ones as they are (unless it adds a list to one, Importer::run), so what
// was loaded before an import's writes is still valid after them.
struct StoredMail {
  MailGraph graph;      // MailGraph::parent is in_reply_to
  SeriesInput series;   // subjects parsed again: the rules may have changed since import
  // What the last derive pass left (thread_id -1: none yet), so that only
  // the rows whose value changes are rewritten.
  std::vector<std::int64_t> old_thread;
  std::vector<std::uint8_t> old_kind;  // MailKind, kOtherKind for any other text
  std::int64_t upto = 0;               // the largest id loaded
  std::size_t from_snapshot = 0;       // messages taken from the derive snapshot (db/snapshot.hh)
  // The derived tables as the last pass left them, read by
  // preload_stored_mail: an import's writes do not touch them (only the
  // derive pass does), so they are still what is stored when it runs.
  Snapshots derived;
  static constexpr std::uint8_t kOtherKind = 255;
  std::size_t bytes() const;           // heap held, for the measurements
};

// Appends the messages stored after m.upto; into an empty `m`, those the
// derive snapshot holds are taken from it (db/snapshot.hh).
void load_stored_mail(Connection& c, StoredMail& m);
// What Store::rederive needs of the mail stored so far, and the derived
// tables' rows it compares with (StoredMail::derived).
// The derived tables are read while `enough` says no: once the import's
// writes are done, those not read yet are read by the pass as it needs
// them (TableSync), one at a time. Ahead of a 500-mail append to 10k
// messages all six are read for free (8-11 ms the pass would wait); at
// 350k messages and a small import, reading them all kept the pass
// waiting longer and held 21 MB more at its peak (123 -> 144 MB).
StoredMail preload_stored_mail(Connection& c, const std::function<bool()>& enough = {});

// One stored message's SeriesFacts (series_pass.cc), appended to `in`.
struct SeriesRow {
  std::string_view subject, list_id, from_email;  // from_email lower-cased
  bool has_date = false;  // MailGraph::parsed_date
  bool is_patch = false, ignored = false, has_text = false;
};
void add_series_facts(SeriesInput& in, const SeriesRow& row);

// messages.kind's value for a classification.
const char* kind_name(MailKind k);

// One derived table brought to its new content (Rewrite, db/store.hh).
// The first column is the key.
struct Cell {
  enum Kind : std::uint8_t { Null, Int, Text } kind = Null;
  std::int64_t i = 0;
  std::string t;
  static Cell of(std::int64_t v) { return {Int, v, {}}; }
  static Cell of(std::string v) { return {Text, 0, std::move(v)}; }
  static Cell opt(std::int64_t v) { return v ? of(v) : Cell{}; }  // 0: NULL
  static Cell opt(std::string v) { return v.empty() ? Cell{} : of(std::move(v)); }
  bool operator==(const Cell&) const = default;
};
using Row = std::vector<Cell>;

class TableSync {
 public:
  // The stored rows are taken from `pre` when it holds the table's, else read.
  TableSync(Connection& c, Rewrite mode, const DerivedTable& table, Snapshots& pre);
  // Writes the row unless it is stored as it is. `old` receives the row it
  // replaces (empty when there was none); true when something was written.
  bool put(const Row& row, Row* old = nullptr);
  // Deletes the stored rows no put() named; returns them.
  std::vector<Row> finish();

 private:
  // The stored rows; which of them put() named.
  std::string_view stored(std::size_t i) const;
  TableRows rows_;
  std::vector<bool> kept_;  // per rows_.pool entry
  std::string row_;         // put()'s row, encoded
  Statement insert_, update_, erase_;
};

// Writers; the caller holds the transaction (Rewrite::All: and has emptied
// the tables).
void write_threads(Connection& c, Rewrite mode, const MailGraph& g, const Threading& t, Snapshots& pre);
void write_series(Connection& c, Rewrite mode, const MailGraph& g, const SeriesResult& r, Snapshots& pre);
// messages.thread_id and messages.kind, rewriting only rows that change;
// the count rewritten.
std::int64_t write_message_columns(Connection& c, const StoredMail& m, const Threading& t,
                                   const SeriesResult& r);

}  // namespace mlidx::db
