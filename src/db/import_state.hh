// What earlier imports read of each input (schema/0004_inputs.sql): where an
// appended-to mbox or a fetched public-inbox epoch resumes, and the mail
// public-inbox removed. Permanent data: reindex copies it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "db/sqlite.hh"

namespace mlidx::db {

struct InputState {
  std::int64_t size = 0;        // mbox: bytes read (whole messages)
  std::string prefix_xxh128;    // mbox: XXH3-128 of those bytes, 16 bytes (util/xxh128.hh)
  std::string last_commit;      // git
  std::int64_t listed_ns = 0;   // maildir: when it was listed (schema/0010), 0: never
  std::int64_t messages = 0;    // messages (git: commits, maildir: files) read so far
};

class ImportState {
 public:
  // Rows of inputs read with this `import --list-id` ("" for none).
  ImportState(Connection& c, std::string list_id);
  std::optional<InputState> find(const std::string& source);
  void save_mbox(const std::string& source, const InputState& s);
  void save_git(const std::string& source, const InputState& s);
  void save_maildir(const std::string& source, const InputState& s);
  // Records the removal and gives the stored mail with these bytes (if
  // any) a `removed` problem; false when this commit was recorded before.
  bool record_removal(const std::string& source, const std::string& commit, const std::string& raw_sha1);

 private:
  std::string list_id_;
  Statement find_, save_, removal_, problem_;
};

// What an earlier import with this --list-id recorded of the Maildir
// `source` (InputState::listed_ns), read before the import takes its lock
// (the inputs are checked before the database is touched), without
// locking or changing anything: none when there is no such database or
// row, or it cannot be read. An import between this and the next one's
// own read may move it; a file then read without being checked here is
// reported when it is read.
std::optional<std::int64_t> recorded_listing(const std::string& db_path, const std::string& source,
                                             const std::string& list_id);

// For reindex: copies import_state and removals into the new database and
// gives removed mail its `removed` problem again.
void copy_import_state(Connection& from, Connection& to);

}  // namespace mlidx::db
