#include "db/reindex.hh"

#include <filesystem>

#include "db/import_state.hh"
#include "db/search_index.hh"
#include "db/state.hh"
#include "db/store.hh"

namespace mlidx::db {
namespace {

// The list id is kept as stored: mail without a List-Id got it from
// `import --list-id`, which the raw bytes do not record.
// A mail stored cut short keeps its mark (the third column): the next
// import replaces it when the rest of it comes (db/cut_short.cc).
void copy_mail(Connection& from, Store& to, const std::string& sql, std::int64_t& count) {
  Statement all(from, sql);
  while (all.step()) {
    to.set_default_list_id(std::string(all.text(1)));
    to.add(all.text(0), all.int64(2) != 0);
    ++count;
  }
}

// Lists a message was also received through: a copy's list may have come
// from `import --list-id`, which its bytes do not record (schema/0003).
void copy_other_lists(Connection& from, Connection& to) {
  Statement all(from, "SELECT m.msgid, o.list_id FROM other_lists o "
                      "JOIN messages m ON m.id = o.message_id ORDER BY o.message_id, o.list_id");
  Statement add(to, "INSERT OR IGNORE INTO other_lists (message_id, list_id) "
                    "SELECT id, ?2 FROM messages WHERE msgid = ?1 AND list_id <> ?2");
  while (all.step()) add.bind(1, all.text(0)).bind(2, all.text(1)).run();
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix);
}

}  // namespace

Result<ReindexCounts> reindex(const std::string& path) {
  if (!std::filesystem::exists(path))
    return make_error(path, "no such database (create one with 'mlidx import')");
  auto old = Store::open(path, false);  // brings an older schema up to date first
  if (!old) return old.error();
  const std::string tmp = path + ".reindex";
  remove_database(tmp);  // left by an interrupted reindex
  ReindexCounts counts;
  try {
    auto fresh = Store::open(tmp, true);
    if (!fresh) return fresh.error();
    Store& s = **fresh;
    Connection& c = (*old)->conn();
    {
      Transaction tx(s.conn());
      copy_mail(c, s, "SELECT r.bytes, m.list_id, EXISTS (SELECT 1 FROM problems p WHERE p.message_id = m.id "
                      "AND p.kind = 'truncated') FROM messages m JOIN raw r ON r.message_id = m.id ORDER BY m.id",
                counts.messages);
      copy_mail(c, s, std::string("SELECT v.bytes, m.list_id, EXISTS (SELECT 1 FROM problems p "
                      "WHERE p.message_id = v.message_id AND p.kind = 'truncated-variant' AND p.detail = ") +
                      kCutVariantSql + ") FROM variants v JOIN messages m ON m.id = v.message_id ORDER BY v.id",
                counts.variants);
      copy_other_lists(c, s.conn());
      // What earlier imports read, and public-inbox's removals, are not
      // in the mail: carried over, or the next import would read it all again.
      copy_import_state(c, s.conn());
      // Human decisions and commit matches are no mail's: they are kept
      // as they are, by Message-ID.
      copy_permanent_state(c, s.conn());
      tx.commit();
    }
    s.rederive();
    update_search_index(s.conn(), true);
    s.finish_bulk_load();
  } catch (const DbError& e) {
    remove_database(tmp);
    return make_error(path, e.what());
  }
  // Both files were closed cleanly (checkpointed): the old WAL must not be
  // replayed into the new file.
  old->reset();
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error(path, "cannot replace the database: " + ec.message());
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  return counts;
}

}  // namespace mlidx::db
