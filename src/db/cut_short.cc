// Mail stored cut short, replaced when it is read whole (Store::add_parsed).
//
// An mbox read while mail is appended to it (a cron job importing the file
// procmail or fetchmail writes) can end inside its last message. That
// message is stored with a `truncated` problem and is not resumable
// (db/importer.cc), so the next import reads it again from its start. Kept
// first-come as any other Message-ID is, the whole mail would only be a
// variant and the archive would keep the cut text for good - where a
// one-shot import of the grown file stores the whole mail (issue 7: the
// database must equal a one-shot import).
#include <algorithm>

#include "db/search_index.hh"
#include "db/store.hh"

namespace mlidx::db {
namespace {

void exec(Connection& c, const std::string& sql) {
  if (auto s = c.exec(sql); !s) throw DbError(s.error().why);
}

}  // namespace

// The id of the message `raw` completes, forgotten; 0 when none. Its bytes
// must be a proper prefix of `raw`: a cut-short message is the start of the
// mail, byte for byte (the same file, read from the same offset).
std::int64_t Store::forget_cut_short(std::string_view raw) {
  if (!cut_short_) {
    cut_short_.emplace();
    Statement all(conn_, "SELECT p.message_id, r.bytes FROM problems p JOIN raw r ON r.message_id = p.message_id "
                         "WHERE p.kind = 'truncated' ORDER BY p.message_id");
    while (all.step()) cut_short_->push_back({all.int64(0), std::string(all.text(1))});
  }
  auto it = std::find_if(cut_short_->begin(), cut_short_->end(), [raw](const CutShort& c) {
    return raw.size() > c.raw.size() && raw.starts_with(c.raw);
  });
  if (it == cut_short_->end()) return 0;
  std::int64_t id = it->id;
  cut_short_->erase(it);
  forget_message(id);
  return id;
}

// Every row the import wrote for message `id`, and the derived rows that
// name it as a mail (the derive pass writes them again, and rebuilds the
// trailers of a patch whose row it writes). Rare: prepared per call.
void Store::forget_message(std::int64_t id) {
  // Mail this import indexed as it stored it is in the index before the
  // commit says so (a file cut short and the whole one in one import).
  mark_indexed();
  unindex_message(conn_, id);
  const std::string n = std::to_string(id);
  for (const char* t : {"body_store", "mail_trailers", "raw", "message_headers", "recipients", "refs",
                        "attachments", "problems", "patch_data", "cover_data", "comment_data"})
    exec(conn_, std::string("DELETE FROM ") + t + " WHERE message_id = " + n);
  for (const char* t : {"patch_files", "trailers", "patch_series"})
    exec(conn_, std::string("DELETE FROM ") + t + " WHERE patch_id = " + n);
  exec(conn_, "DELETE FROM messages WHERE id = " + n);
  // link-commits has matched patches up to an id: this one comes again.
  exec(conn_, "UPDATE link_progress SET patches_upto = " + std::to_string(id - 1) +
                  " WHERE patches_upto >= " + n);
  next_id_ = 0;  // SQLite gives the next message max(id) + 1: maybe this id again
}

// The copies kept of the forgotten message (variants, other lists) belong
// to the message that replaced it.
void Store::move_copies(std::int64_t from, std::int64_t to) {
  if (from == to) return;
  const std::string f = std::to_string(from), t = std::to_string(to);
  exec(conn_, "UPDATE variants SET message_id = " + t + " WHERE message_id = " + f);
  exec(conn_, "UPDATE OR IGNORE other_lists SET message_id = " + t + " WHERE message_id = " + f);
  exec(conn_, "DELETE FROM other_lists WHERE message_id = " + f);
}

}  // namespace mlidx::db
