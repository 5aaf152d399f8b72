// The full-text index (SQLite FTS5) behind `mlidx search`: derived data,
// rebuilt by `mlidx reindex` and kept up to date by each import.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "db/sqlite.hh"

namespace mlidx::db {

// Adds one message's text to the index, as schema/0002_search.sql says:
// subject, "name address" of the sender, of the To and of the Cc
// recipients (joined by ", ", append_recipient), and the body without the
// lines it quotes. Used by update_search_index, and by an import as it
// stores each new message (Store::index_as_stored).
class SearchWriter {
 public:
  explicit SearchWriter(Connection& c);
  void add(std::int64_t id, std::string_view subject, std::string_view from, std::string_view to,
           std::string_view cc, std::string_view body);
  // The same with the body's quoted lines already dropped (own_lines).
  void add_own(std::int64_t id, std::string_view subject, std::string_view from, std::string_view to,
               std::string_view cc, std::string_view own_body);

 private:
  Statement add_;
  std::string own_;
};

// The text without the lines it quotes ("> ..."), into `out`.
void own_lines(std::string_view text, std::string& out);

// "name email" appended to a recipient list, as recipients' rows give it.
void append_recipient(std::string& out, std::string_view name, std::string_view email);
// SQLite's substr(text, start + 1, length) on a TEXT value: characters as
// SQLite counts them (a byte >= 0xC0 takes the continuation bytes after
// it; any other byte is one), and the text ends at a NUL. The indexed body
// of a message that is not a patch is this of its body (the bodies view).
std::string_view sqlite_substr(std::string_view text, std::int64_t start, std::int64_t length);

// Takes message `id` out of the index, if the index holds it (before the
// message's rows are deleted: its indexed text is read back from them).
void unindex_message(Connection& c, std::int64_t id);

// Indexes every stored message the index does not hold yet (all of them
// when `rebuild`); returns how many were added. Runs inside the caller's
// transaction if there is one.
std::int64_t update_search_index(Connection& c, bool rebuild);

}  // namespace mlidx::db
