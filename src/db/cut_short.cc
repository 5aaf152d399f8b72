// Mail stored cut short, replaced when it is read whole (Store::add_parsed).
//
// An mbox read while mail is appended to it (a cron job importing the file
// procmail or fetchmail writes) can end inside its last message. That
// message is stored with a `truncated` problem and is not resumable
// (db/importer.cc), so the next import reads it again from its start. Kept
// first-come as any other Message-ID is, the whole mail would only be a
// variant and the archive would keep the cut text for good - where a
// one-shot import of the grown file stores the whole mail (issue 7: the
// database must equal a one-shot import). A file cut on a line end leaves
// no mark: the importer finds text appended to its last message and names
// that message (forget_continued). A whole mail stored already (a copy from
// elsewhere) only drops the cut one (Store::drop_cut_short).
#include <algorithm>

#include "db/search_index.hh"
#include "db/store.hh"

namespace mlidx::db {
namespace {

// Whether `whole` is the mail a file cut short inside gave as `cut`: its
// start, or - when the file was cut inside the next mail's "From " line,
// which the reader then took as the cut mail's text (not a separator: no
// full time stamp yet) - the cut mail without that line's start.
bool completes(std::string_view whole, std::string_view cut) {
  if (whole.size() > cut.size()) return whole.starts_with(cut);
  if (whole.empty() || whole.size() == cut.size() || !cut.starts_with(whole)) return false;
  std::string_view rest = cut.substr(whole.size());
  if (rest.starts_with('\n')) rest.remove_prefix(1);  // the blank line before it
  return rest.starts_with("From ") || (!rest.empty() && std::string_view("From ").starts_with(rest));
}

void exec(Connection& c, const std::string& sql) {
  if (auto s = c.exec(sql); !s) throw DbError(s.error().why);
}

}  // namespace

// The message `raw` completes, forgotten (its id; 0 when none): the one
// the importer named (`continues`), else one marked cut short.
std::int64_t Store::forget_completed(std::string_view raw, std::string_view continues) {
  std::int64_t cut = continues.empty() ? 0 : forget_continued(raw, continues);
  return cut != 0 ? cut : forget_cut_short(raw);
}

// The id of the message `raw` completes, forgotten; 0 when none. A
// cut-short message is the start of the mail, byte for byte (the same file,
// read from the same offset; see completes for the one exception). A mail
// cut short whose Message-ID was stored already is a variant, marked by a
// `truncated-variant` problem on its message (variant_cut_short).
std::int64_t Store::forget_cut_short(std::string_view raw) {
  if (!cut_short_) {
    cut_short_.emplace();
    Statement all(conn_,
        "SELECT p.message_id, 0, r.bytes FROM problems p JOIN raw r ON r.message_id = p.message_id "
        "WHERE p.kind = 'truncated' UNION ALL "
        "SELECT v.message_id, v.id, v.bytes FROM problems p JOIN variants v ON v.message_id = p.message_id "
        "AND p.detail = " + std::string(kCutVariantSql) + " WHERE p.kind = 'truncated-variant'");
    while (all.step()) cut_short_->push_back({all.int64(0), all.int64(1), std::string(all.text(2))});
  }
  auto it = std::find_if(cut_short_->begin(), cut_short_->end(),
                         [raw](const CutShort& c) { return completes(raw, c.raw); });
  if (it == cut_short_->end()) return 0;
  CutShort cut = std::move(*it);
  cut_short_->erase(it);
  if (cut.variant) forget_variant(cut.variant);
  else forget_message(cut.id);
  return cut.id;
}

void Store::variant_cut_short(std::int64_t message_id, std::int64_t variant, std::string_view raw) {
  Statement detail(conn_, "SELECT " + std::string(kCutVariantSql) + " FROM variants v WHERE v.id = ?1");
  detail.bind(1, variant);
  if (!detail.step()) return;
  insert_problem(message_id, {"truncated-variant", std::string(detail.text(0))});
  if (cut_short_) cut_short_->push_back({message_id, variant, std::string(raw)});
}

// The message or variant stored with bytes `key`, forgotten when `raw`
// begins with them: the importer saw text appended to it in its file
// (Importer::plan_resume), so it was cut short on a line end, which no
// problem marks. The id of its message; 0 when none.
std::int64_t Store::forget_continued(std::string_view raw, std::string_view key) {
  Statement stored(conn_, "SELECT m.id, 0, r.bytes FROM messages m JOIN raw r ON r.message_id = m.id "
                          "WHERE m.raw_sha1 = ?1 UNION ALL "
                          "SELECT message_id, id, bytes FROM variants WHERE raw_sha1 = ?1");
  stored.bind_blob(1, key);
  if (!stored.step()) return 0;
  std::string_view before = stored.text(2);
  if (raw.size() <= before.size() || !raw.starts_with(before)) return 0;
  std::int64_t id = stored.int64(0), variant = stored.int64(1);
  stored.reset();
  if (variant) forget_variant(variant);
  else forget_message(id);
  return id;
}

// A variant, and the problems it brought its message: its mark, and the
// Message-ID collision it was (the whole mail brings them again).
void Store::forget_variant(std::int64_t variant) {
  const std::string v = std::to_string(variant);
  exec(conn_, "DELETE FROM problems WHERE rowid IN (SELECT p.rowid FROM problems p JOIN variants v "
              "ON v.message_id = p.message_id WHERE v.id = " + v + " AND p.kind = 'truncated-variant' "
              "AND p.detail = " + kCutVariantSql + ")");
  // One of the collision rows its author and subject gave (store_mail; a
  // subject cut to 120 bytes, hence the blob, whose substr is NULL when
  // empty), when it was one.
  exec(conn_, "DELETE FROM problems WHERE rowid = (SELECT p.rowid FROM problems p "
              "JOIN variants v ON v.message_id = p.message_id JOIN messages m ON m.id = v.message_id "
              "WHERE v.id = " + v + " AND (v.from_email <> m.from_email OR v.subject <> m.subject) "
              "AND p.kind = 'msgid-collision' AND p.detail = 'Message-ID reused by ' || v.from_email || "
              "' with subject ''' || coalesce(CAST(substr(CAST(v.subject AS BLOB), 1, 120) AS TEXT), '') || '''' "
              "ORDER BY p.rowid DESC LIMIT 1)");
  exec(conn_, "DELETE FROM variants WHERE id = " + v);
}

// Every row the import wrote for message `id`. What was derived from it
// goes too: all of it, as the derive pass cannot compare its way to what
// the forgotten mail implied for others (a cut patch taken for a reply
// gave its trailers to every patch of a series). The threads table is
// emptied, which makes the next pass rewrite every derived row
// (Rewrite::All, as into a new database); it commits with these writes, so
// a pass killed before its commit still finds it so. Rare: prepared per
// call.
void Store::forget_message(std::int64_t id) {
  // Mail this import indexed as it stored it is in the index before the
  // commit says so (a file cut short and the whole one in one import).
  mark_indexed();
  unindex_message(conn_, id);
  const std::string n = std::to_string(id);
  for (const char* t : {"body_store", "mail_trailers", "raw", "message_headers", "recipients", "refs",
                        "attachments", "patch_data"})
    exec(conn_, std::string("DELETE FROM ") + t + " WHERE message_id = " + n);
  // Its variants' problems stay with them (move_copies).
  exec(conn_, "DELETE FROM problems WHERE message_id = " + n +
                  " AND kind <> 'msgid-collision' AND kind <> 'truncated-variant'");
  for (const char* t : {"patch_files", "trailers"})
    exec(conn_, std::string("DELETE FROM ") + t + " WHERE patch_id = " + n);
  exec(conn_, "DELETE FROM messages WHERE id = " + n);
  exec(conn_, "DELETE FROM threads");
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

