// The derive passes behind Store::rederive (db/derive.cc): threads
// (thread_pass.cc) and Patchwork's classification and series
// (series_pass.cc), computed from one read of the stored mail.
#pragma once
#include <string>
#include <vector>

#include "db/sqlite.hh"
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
};

struct StoredMail {
  std::vector<ThreadMessage> threading;  // ThreadMessage::parent is in_reply_to
  std::vector<SeriesRow> series;         // same order
};

StoredMail load_stored_mail(Connection& c);

// Series input built from the stored rows (subjects parsed again: the rules
// may have changed since import).
struct SeriesInput {
  std::vector<SeriesMail> mails;
  std::vector<SubjectInfo> subjects;
};
SeriesInput series_input(const StoredMail& m);

// messages.kind's value for a classification.
const char* kind_name(MailKind k);

// Writers; the caller holds the transaction and has emptied the tables.
void write_threads(Connection& c, const Threading& t);
void write_series(Connection& c, const StoredMail& m, const SeriesInput& in, const SeriesResult& r);
// messages.thread_id and messages.kind, rewriting only rows that change.
void write_message_columns(Connection& c, const StoredMail& m, const Threading& t,
                           const SeriesResult& r);

}  // namespace mlidx::db
