#include "db/import_state.hh"

#include <filesystem>

namespace mlidx::db {
namespace {

constexpr const char* kProblem =
    "INSERT INTO problems (message_id, kind, detail) "
    "SELECT id, 'removed', 'removed from the public-inbox archive ' || ?2 || ' in commit ' || ?3 "
    "FROM messages WHERE raw_sha1 = ?1";

}  // namespace

ImportState::ImportState(Connection& c, std::string list_id)
    : list_id_(std::move(list_id)),
      find_(c, "SELECT size, prefix_xxh128, last_commit, messages, listed_ns FROM import_state "
               "WHERE source = ? AND list_id = ?"),
      save_(c, "INSERT OR REPLACE INTO import_state (source, kind, size, prefix_xxh128, last_commit, "
               "messages, list_id, listed_ns, updated) "
               "VALUES (?,?,?,?,?,?,?,?, strftime('%Y-%m-%dT%H:%M:%S', 'now'))"),
      removal_(c, "INSERT OR IGNORE INTO removals (source, commit_id, raw_sha1) VALUES (?,?,?)"),
      problem_(c, kProblem) {}

std::optional<InputState> ImportState::find(const std::string& source) {
  find_.bind(1, source).bind(2, list_id_);
  std::optional<InputState> s;
  if (find_.step()) {
    s.emplace();
    s->size = find_.int64(0);
    s->prefix_xxh128 = find_.text(1);
    s->last_commit = find_.text(2);
    s->messages = find_.int64(3);
    s->listed_ns = find_.int64(4);
  }
  find_.reset();
  return s;
}

std::optional<std::int64_t> recorded_listing(const std::string& db_path, const std::string& source,
                                             const std::string& list_id) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db_path, ec)) return std::nullopt;
  // Not even the -wal and -shm files are created: an import refused for
  // another input leaves the database's directory as it was. Read while
  // another import writes, the value may be stale (an earlier cutoff: more
  // files opened) or, in a page being rewritten, wrong; either only moves
  // where an unreadable file is reported: here, or when it is read.
  auto c = Connection::open(db_path, Connection::Mode::Glance);
  if (!c) return std::nullopt;
  try {
    auto s = ImportState(*c, list_id).find(source);
    if (s && s->listed_ns != 0) return s->listed_ns;
  } catch (const DbError&) {  // not a database, or from before schema 10: open every file
  }
  return std::nullopt;
}

void ImportState::save_mbox(const std::string& source, const InputState& s) {
  save_.bind(1, source).bind(2, std::string_view("mbox")).bind(3, s.size).bind_blob(4, s.prefix_xxh128)
      .bind_null(5).bind(6, s.messages).bind(7, list_id_).bind(8, std::int64_t{0}).run();
}

void ImportState::save_git(const std::string& source, const InputState& s) {
  save_.bind(1, source).bind(2, std::string_view("git")).bind(3, std::int64_t{0}).bind_null(4)
      .bind(5, s.last_commit).bind(6, s.messages).bind(7, list_id_).bind(8, std::int64_t{0}).run();
}

void ImportState::save_maildir(const std::string& source, const InputState& s) {
  save_.bind(1, source).bind(2, std::string_view("maildir")).bind(3, std::int64_t{0}).bind_null(4)
      .bind_null(5).bind(6, s.messages).bind(7, list_id_).bind(8, s.listed_ns).run();
}

bool ImportState::record_removal(const std::string& source, const std::string& commit,
                                 const std::string& raw_sha1) {
  removal_.bind(1, source).bind(2, commit).bind_blob(3, raw_sha1).run();
  if (sqlite3_changes(sqlite3_db_handle(removal_.handle())) == 0) return false;
  problem_.bind_blob(1, raw_sha1).bind(2, source).bind(3, commit).run();
  return true;
}

void copy_import_state(Connection& from, Connection& to) {
  {
    Statement all(from, "SELECT source, kind, size, prefix_xxh128, last_commit, messages, updated, list_id, "
                        "listed_ns FROM import_state ORDER BY source, list_id");
    Statement ins(to, "INSERT INTO import_state (source, kind, size, prefix_xxh128, last_commit, messages, "
                      "updated, list_id, listed_ns) VALUES (?,?,?,?,?,?,?,?,?)");
    while (all.step()) {
      for (int i = 0; i < 9; ++i) {
        if (all.is_null(i)) ins.bind_null(i + 1);
        else if (i == 2 || i == 5 || i == 8) ins.bind(i + 1, all.int64(i));
        else if (i == 3) ins.bind_blob(i + 1, all.text(i));
        else ins.bind(i + 1, all.text(i));
      }
      ins.run();
    }
  }
  Statement all(from, "SELECT source, commit_id, raw_sha1 FROM removals ORDER BY rowid");
  Statement ins(to, "INSERT INTO removals (source, commit_id, raw_sha1) VALUES (?,?,?)");
  Statement problem(to, kProblem);
  while (all.step()) {
    ins.bind(1, all.text(0)).bind(2, all.text(1)).bind_blob(3, all.text(2)).run();
    problem.bind_blob(1, all.text(2)).bind(2, all.text(0)).bind(3, all.text(1)).run();
  }
}

}  // namespace mlidx::db
