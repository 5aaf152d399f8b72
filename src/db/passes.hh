// The derive passes behind Store::rederive (db/derive.cc): threads
// (thread_pass.cc) and Patchwork's classification and series
// (series_pass.cc), computed from one read of the stored mail.
#pragma once
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "db/sqlite.hh"
#include "db/store.hh"
#include "patch/subject.hh"
#include "series/series.hh"
#include "thread/threader.hh"

namespace mlidx::db {

// What the series pass reads of a messages row beyond the threading input.
struct SeriesRow {
  std::string from_name;
  std::string from_email;  // lower-cased
  std::string list_id;
  bool is_patch = false, ignored = false, has_text = false;
  // What the last derive pass left (thread_id -1: none yet), so that only
  // the rows whose value changes are rewritten.
  std::int64_t old_thread = -1;
  std::string old_kind;
};

// Series input built from the stored rows (subjects parsed again: the rules
// may have changed since import).
struct SeriesInput {
  std::vector<SeriesMail> mails;
  std::vector<SubjectInfo> subjects;
};

// Everything the passes read, in id order. Rows are only ever appended: an
// import adds messages with larger ids and leaves the stored ones as they
// are (unless it adds a list to one, Importer::run), so what was loaded
// before an import's writes is still valid after them.
struct StoredMail {
  std::vector<ThreadMessage> threading;  // ThreadMessage::parent is in_reply_to
  std::vector<SeriesRow> series;         // same order
  SeriesInput parsed;                    // a prefix of the same order (series_input)
  std::int64_t upto = 0;                 // the largest id loaded
};

// Appends the messages stored after m.upto.
void load_stored_mail(Connection& c, StoredMail& m);
// Extends m.parsed to every loaded message.
void series_input(StoredMail& m);
// Both, from the start: what Store::rederive needs of the mail stored so far.
StoredMail preload_stored_mail(Connection& c);

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
  TableSync(Connection& c, Rewrite mode, const char* table, std::vector<const char*> columns);
  // Writes the row unless it is stored as it is. `old` receives the row it
  // replaces (empty when there was none); true when something was written.
  bool put(const Row& row, Row* old = nullptr);
  // Deletes the stored rows no put() named; returns them.
  std::vector<Row> finish();

 private:
  std::unordered_map<std::string, Row> stored_;
  std::unordered_set<std::string> kept_;
  Statement insert_, update_, erase_;
};

// Writers; the caller holds the transaction (Rewrite::All: and has emptied
// the tables).
void write_threads(Connection& c, Rewrite mode, const Threading& t);
void write_series(Connection& c, Rewrite mode, const StoredMail& m, const SeriesInput& in,
                  const SeriesResult& r);
// messages.thread_id and messages.kind, rewriting only rows that change.
void write_message_columns(Connection& c, const StoredMail& m, const Threading& t,
                           const SeriesResult& r);

}  // namespace mlidx::db
