// One mail as Patchwork's REST API shows it (../shared/seeds/*.json): what
// `show` prints, and what other commands can reuse for their --json.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hh"
#include "patch/diff.hh"

namespace mlidx::cli {

struct SeriesRef {
  std::int64_t id = 0;
  std::string name;
  std::int64_t version = 1, total = 0, received = 0;
  std::optional<std::string> date;
};

struct FileChange {
  std::string old_path, new_path;
  std::int64_t added = 0, removed = 0;
};

struct TrailerRef {
  std::string name, value, source_msgid;
  bool inherited = false;  // given on the cover letter, not on the patch
};

// The patch or cover letter a comment answers.
struct ParentRef {
  std::int64_t id = 0;
  std::string msgid, kind, name;
};

struct Record {
  std::int64_t id = 0;
  std::string msgid;  // without angle brackets, as stored
  std::optional<std::string> date;
  std::string from_name, from_email, subject, list_id;
  std::string kind;  // patch, cover, comment, message
  // Patchwork's name (prefix groups normalised) for patches and covers,
  // else the subject.
  std::string name;
  std::string prefixes_json = "[]";  // patches: stored JSON array
  std::optional<std::string> hash, patch_id, pull_url;
  std::optional<std::int64_t> number, total;  // patches: place in the series
  // A patch's commit message and diff; for other mail, Patchwork's content
  // (the text body, signature and list footer cut).
  std::string content, diff;
  std::optional<SeriesRef> series;
  std::vector<FileChange> files;
  std::vector<TrailerRef> trailers;
  TagCounts tags;  // patches: Patchwork's A/R/T over its content and its comments'
  std::optional<ParentRef> parent;
  // patches: the patch_states row (schema/0005_state.sql)
  std::string state = "new", state_source = "default";
  bool archived = false;
  std::optional<std::string> commit_ref, match_kind, reason, decided;
};

// Reads records by id; every statement is prepared once here, so a command
// that shows many records pays for preparation once.
class RecordReader {
 public:
  explicit RecordReader(db::Connection& c);  // throws db::DbError
  // messages.id named by a decimal id or a Message-ID (angle brackets
  // optional); one lookup by key or by the msgid index.
  std::optional<std::int64_t> find(std::string_view id_or_msgid);
  // Everything but the raw mail, which only the JSON form needs (a patch
  // mail can be megabytes).
  std::optional<Record> load(std::int64_t id);
  std::string raw(std::int64_t id);

 private:
  void load_patch(Record& r);
  void load_cover(Record& r);
  void load_series(Record& r, std::int64_t series_id);
  void load_parent(Record& r);
  void load_state(Record& r);
  db::Statement by_id_, by_msgid_, raw_, text_, patch_, cover_, series_, parent_, files_, trailers_,
      comment_texts_, state_;
};

// The record as one JSON object (pretty: indented over lines, else one
// line); its headers are read from raw_mail, the bytes of RecordReader::raw.
std::string record_json(const Record& r, std::string_view raw_mail, bool pretty);

}  // namespace mlidx::cli
