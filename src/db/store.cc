#include "db/store.hh"
#include "db/search_index.hh"

#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "db/schema.hh"
#include "util/intern.hh"
#include "util/sha1.hh"
#include "util/text.hh"

namespace mlidx::db {

// The import's inserts say OR FAIL: under the default (ABORT), an insert
// into a table with an index and a constraint runs in a statement
// journal, which copies every page it touches that existed before the
// statement - the 64 KiB leaf page each raw mail is appended to, once per
// mail (2 GB of journal writes for the 10k corpus). Any error fails the
// whole import and rolls its transaction back, so no statement needs its
// own rollback.
struct Store::Statements {
  explicit Statements(Connection& c)
      : find_sha(c, "SELECT 1 FROM messages WHERE raw_sha1 = ?1 "
                    "UNION ALL SELECT 1 FROM variants WHERE raw_sha1 = ?1 LIMIT 1"),
        find_msgid(c, "SELECT id, from_email, subject, list_id FROM messages WHERE msgid = ?"),
        find_copy(c, "SELECT id, list_id FROM messages WHERE raw_sha1 = ?1 UNION ALL "
                     "SELECT m.id, m.list_id FROM variants v JOIN messages m ON m.id = v.message_id "
                     "WHERE v.raw_sha1 = ?1 LIMIT 1"),
        other_list(c, "INSERT OR IGNORE INTO other_lists (message_id, list_id) VALUES (?,?)"),
        first_list(c, "UPDATE messages SET list_id = ?2 WHERE id = ?1"),
        message(c, "INSERT OR FAIL INTO messages (msgid, date, from_name, from_email, subject, list_id, "
                   "in_reply_to, size, raw_sha1, fake_msgid, pw_ignore, kind, has_text, thread_id) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
        body(c, "INSERT OR FAIL INTO body_store (message_id, text_start, text_len, raw_offset, body) "
                "VALUES (?,?,?,?,?)"),
        mail_trailer(c, "INSERT OR FAIL INTO mail_trailers (message_id, position, name, value) "
                        "VALUES (?,?,?,?)"),
        raw(c, "INSERT OR FAIL INTO raw (message_id, bytes) VALUES (?,?)"),
        variant(c, "INSERT OR FAIL INTO variants (message_id, raw_sha1, date, from_email, subject, bytes) "
                   "VALUES (?,?,?,?,?,?)"),
        headers(c, "INSERT OR FAIL INTO message_headers (message_id, fields) VALUES (?,?)"),
        recipients(c, "INSERT OR FAIL INTO recipients (message_id, position, kind, name, email)", 5),
        refs(c, "INSERT OR FAIL INTO refs (message_id, position, msgid)", 3),
        attachment(c, "INSERT OR FAIL INTO attachments (message_id, position, content_type, filename, "
                      "size) VALUES (?,?,?,?,?)"),
        problem(c, "INSERT OR FAIL INTO problems (message_id, kind, detail) VALUES (?,?,?)"),
        patch(c, "INSERT OR FAIL INTO patch_data (message_id, name, prefixes, version, number, total, hash, "
                 "patch_id, pull_url, content, diff, deviations) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"),
        patch_file(c, "INSERT OR FAIL INTO patch_files (patch_id, position, old_path, new_path, "
                      "lines_added, lines_removed) VALUES (?,?,?,?,?,?)"),
        trailer(c, "INSERT OR FAIL INTO trailers (patch_id, name, value, source_msgid) VALUES (?,?,?,?)") {}
  Statement find_sha, find_msgid, find_copy, other_list, first_list, message, body, mail_trailer, raw, variant, headers;
  MultiInsert recipients, refs;
  Statement attachment, problem, patch, patch_file, trailer;
};

namespace {

// docs/SCHEMA.md, message_headers: plain values as [name, offset, length]
// into the raw mail ([..., 1] when folded over lines), decoded ones as
// [name, value].
std::string headers_json(const std::vector<Header>& hs, std::string_view raw) {
  std::size_t size = 2;
  for (const auto& h : hs) size += h.name.size() + (h.is_decoded ? h.decoded.size() : 16) + 8;
  std::string j;
  j.reserve(size + size / 8);  // room for some escapes without regrowing
  j += '[';
  for (const auto& h : hs) {
    if (j.size() > 1) j += ',';
    j += '[';
    append_json_string(j, h.name);
    j += ',';
    if (h.is_decoded) {
      append_json_string(j, h.decoded);
    } else {
      j += std::to_string(h.raw.data() - raw.data());
      j += ',';
      j += std::to_string(h.raw.size());
      if (h.is_folded) j += ",1";
    }
    j += ']';
  }
  return j + "]";
}

}  // namespace

Store::Store(Connection c) : conn_(std::move(c)), st_(std::make_unique<Statements>(conn_)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const std::string& path, bool create) {
  if (!create && !std::filesystem::exists(path))
    return make_error(path, "no such database (create one with 'mlidx import')");
  auto c = Connection::open(path, create ? Connection::Mode::Create : Connection::Mode::ReadWrite);
  if (!c) return c.error();
  // SQLite falls back to read-only without a word; the first write would
  // then fail with a bare "attempt to write a readonly database".
  if (sqlite3_db_readonly(c->handle(), "main") == 1)
    return make_error(path, "is read-only (file permissions or a read-only file system); "
                            "mlidx needs to write to it");
  auto version = schema_version(*c);
  if (!version) return make_error(path, version.error().why);
  bool fresh = *version == 0;
  // A new database is filled in rollback-journal mode: pages beyond the
  // original (empty) file need no journal, so the bulk load is written once
  // instead of twice as with WAL. Later imports use WAL, which lets readers
  // query while an import writes. 64 KiB pages hold a typical mail in one
  // page instead of a chain of overflow pages. docs/PERFORMANCE.md has the
  // measurements behind both choices.
  // The page cache is small on purpose: a bulk load streams append-only
  // pages through it, and every fresh page of process memory costs a page
  // fault (6-20 us each on the project's virtual machines); 16 MiB still
  // holds the unique indexes' hot pages the import probes.
  std::vector<const char*> pragmas = {"PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = OFF",
                                      "PRAGMA cache_size = -16384", "PRAGMA threads = 2"};
  if (fresh) pragmas.insert(pragmas.begin(), {"PRAGMA page_size = 65536", "PRAGMA journal_mode = DELETE"});
  for (const char* pragma : pragmas)
    if (auto s = c->exec(pragma); !s) return make_error(path, s.error().why);
  // Best effort: a reader holding the file open during the switch keeps
  // the rollback journal for this import, which is only slower for readers.
  if (!fresh) (void)c->exec("PRAGMA journal_mode = WAL");
  try {
    // One commit (one fsync) for the whole set-up of a new database.
    std::optional<Transaction> setup;
    if (fresh) setup.emplace(*c);
    if (auto s = migrate(*c); !s) return make_error(path, s.error().why);
    auto store = std::unique_ptr<Store>(new Store(std::move(*c)));
    store->fresh_ = fresh;
    if (fresh) store->defer_indexes();
    else store->restore_indexes();
    if (setup) setup->commit();
    store->data_version_ = store->data_version();
    return store;
  } catch (const DbError& e) {
    return make_error(path, e.what());
  }
}

std::string Store::file_name() {
  const char* name = sqlite3_db_filename(conn_.handle(), "main");
  return name ? name : "";
}

std::int64_t Store::data_version() {
  Statement v(conn_, "PRAGMA data_version");
  return v.step() ? v.int64(0) : 0;
}

// Unique indexes stay: the import looks mail up by them. So do indexes on
// message_id or patch_id alone: rows arrive in that order, so they only
// grow at their right edge, which costs less than a build at the end.
void Store::defer_indexes() {
  Transaction tx(conn_);
  if (auto s = conn_.exec("INSERT INTO deferred_indexes (name, sql) SELECT name, sql FROM sqlite_schema "
                          "WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' "
                          "AND sql NOT LIKE '%(message_id)' AND sql NOT LIKE '%(patch_id)'");
      !s)
    throw DbError(s.error().why);
  std::vector<std::string> names;
  Statement list(conn_, "SELECT name FROM deferred_indexes");
  while (list.step()) names.emplace_back(list.text(0));
  for (const auto& n : names)
    if (auto s = conn_.exec("DROP INDEX " + n); !s) throw DbError(s.error().why);
  // FTS5's automerge is off while a new database is first filled, and every
  // segment is merged once at the end, by restore_indexes like the index
  // builds (after a stopped import, by the next open). The index then ends
  // in one segment, so an append's new segment finds nothing to merge with:
  // 10k + 500, 7 alternated runs, 0.147 -> 0.134 s. The bulk load itself is
  // no faster: at 50k the writer saves ~0.13 s and the merge takes ~0.45 s
  // after it, 3.930 against 3.945 s over 7 alternated runs; searches took
  // the same time (docs/PERFORMANCE.md, "tenth session").
  if (auto s = conn_.exec(
          "INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0);"
          "INSERT INTO deferred_indexes (name, sql) VALUES ('search_fts merge', "
          "'INSERT INTO search_fts (search_fts) VALUES (''optimize''); "
          "INSERT INTO search_fts (search_fts, rank) VALUES (''automerge'', 4)')");
      !s)
    throw DbError(s.error().why);
  tx.commit();
}

void Store::restore_indexes() {
  std::vector<std::string> sqls;
  {
    Statement list(conn_, "SELECT sql FROM deferred_indexes ORDER BY name");
    while (list.step()) sqls.emplace_back(list.text(0));
  }
  if (sqls.empty()) return;
  Transaction tx(conn_);
  for (const auto& sql : sqls)
    if (auto s = conn_.exec(sql); !s) throw DbError(s.error().why);
  if (auto s = conn_.exec("DELETE FROM deferred_indexes"); !s) throw DbError(s.error().why);
  tx.commit();
}

namespace {
std::int64_t count_of(Connection& c, const char* sql) {
  Statement st(c, sql);
  return st.step() ? st.int64(0) : 0;
}
}  // namespace

ThreadStats Store::thread_stats() {
  return {count_of(conn_, "SELECT count(*) FROM threads"), count_of(conn_, "SELECT count(*) FROM ghosts")};
}

Store::KindCounts Store::kind_counts() {
  KindCounts k;
  Statement st(conn_, "SELECT kind, count(*) FROM messages GROUP BY kind");
  while (st.step()) {
    std::string_view kind = st.text(0);
    if (kind == "patch") k.patches = st.int64(1);
    else if (kind == "cover") k.covers = st.int64(1);
    else if (kind == "comment") k.comments = st.int64(1);
  }
  return k;
}

std::int64_t Store::series_count() { return count_of(conn_, "SELECT count(*) FROM series"); }

// The derive pass writes threads and every thread_id in one transaction,
// so the newest message's thread is a row of `threads` once a pass has run
// since it was stored. Before, its thread_id is NULL (an mlidx before
// 5845e0b) or a guess (guess_derived), which is never an existing thread's
// id: a guess is the id of mail stored by the same import, larger than any
// id derived before it. So a miss means an import stopped after storing
// mail and before its derive pass committed.
bool Store::derive_pending() {
  return count_of(conn_, "SELECT m.thread_id IS NULL OR NOT EXISTS (SELECT 1 FROM threads t "
                         "WHERE t.id = m.thread_id) FROM messages m ORDER BY m.id DESC LIMIT 1") != 0;
}

void Store::finish_bulk_load() {
  if (!fresh_) return;
  restore_indexes();
  // Best effort, as in open(): everything is committed by now, and the next
  // import switches if a reader prevented it here.
  (void)conn_.exec("PRAGMA journal_mode = WAL");
  fresh_ = false;
}

std::string Store::key(std::string_view raw) {
  Sha1 d = sha1(raw);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

bool Store::has_bytes(const std::string& sha) {
  st_->find_sha.bind_blob(1, sha);
  bool known = st_->find_sha.step();
  st_->find_sha.reset();
  return known;
}

std::unordered_set<std::string> Store::known_keys() {
  std::unordered_set<std::string> keys;
  Statement all(conn_, "SELECT raw_sha1 FROM messages UNION ALL SELECT raw_sha1 FROM variants");
  while (all.step()) keys.emplace(all.text(0));
  return keys;
}

namespace {

// The text update_search_index reads back from the stored rows, taken
// from the parsed mail instead (tests/test_search.cc compares the two
// indexes term by term).
ParsedMail::SearchText search_text(const ParsedMail& p, std::string_view raw) {
  const Mail& m = p.mail;
  ParsedMail::SearchText t;
  t.from = m.from_name + ' ' + m.from_email;
  for (const auto& r : m.recipients) append_recipient(r.kind == "cc" ? t.cc : t.to, r.addr.name, r.addr.email);
  std::string_view body;
  if (p.patch.is_patch) {
    body = p.patch.content;
  } else {
    // What the bodies view gives: the raw bytes from the offset, or the body.
    std::string_view stored = m.body;
    if (m.body_raw_offset != std::string::npos)
      stored = m.body_raw_offset < raw.size() ? raw.substr(m.body_raw_offset) : std::string_view();
    body = sqlite_substr(stored, p.text.start, p.text.length);
  }
  own_lines(body, t.body);
  return t;
}

}  // namespace

ParsedMail Store::prepare(std::string_view raw, std::string key, bool with_search_text) {
  ParsedMail p{std::move(key), parse_mail(raw), {}, {}, {}, {}};
  p.headers_json = headers_json(p.mail.headers, raw);
  p.mail.headers = {};
  p.patch = read_patch_facts(p.mail);
  p.text = read_text_facts(p.mail.body);
  p.mail.text_parts = {};
  if (with_search_text) p.search = search_text(p, raw);
  return p;
}

Added Store::add(std::string_view raw, bool cut_short) {
  std::string sha = key(raw);
  if (has_bytes(sha)) return Added::Duplicate;
  ParsedMail p = prepare(raw, sha);
  if (cut_short) p.mail.problems.add("truncated", kCutShortDetail);
  return add_parsed(raw, p);
}

// The user's --list-id outranks X-Mailing-List, which is an address some
// list servers add, not the list's id; a List-Id field (RFC 2919) outranks
// both.
void Store::apply_default_list(Mail& m) const {
  if (!m.has_list_id && !default_list_id_.empty()) m.list_id = default_list_id_;
}

bool Store::add_list(std::int64_t id, std::string_view stored, const std::string& list) {
  if (list.empty() || list == stored) return false;
  if (stored.empty()) {
    st_->first_list.bind(1, id).bind(2, list).run();
    ++lists_set_;
  } else {
    st_->other_list.bind(1, id).bind(2, list).run();
    if (conn_.changes() == 0) return false;
  }
  ++lists_added_;
  return true;
}

bool Store::add_list_of_copy(std::string_view raw) {
  if (default_list_id_.empty()) return false;
  // Bytes already stored: only a list named on the command line can be new,
  // and only for mail that does not name its list itself.
  if (parse_mail(raw).has_list_id) return false;
  const std::string sha = key(raw);  // bound without a copy
  st_->find_copy.bind_blob(1, sha);
  if (!st_->find_copy.step()) {
    st_->find_copy.reset();
    return false;
  }
  std::int64_t id = st_->find_copy.int64(0);
  std::string stored(st_->find_copy.text(1));
  st_->find_copy.reset();
  return add_list(id, stored, default_list_id_);
}

Added Store::add_parsed(std::string_view raw, ParsedMail& p, std::string_view continues) {
  const std::int64_t cut = forget_completed(raw, continues);
  std::int64_t id = 0;
  Added a = store_mail(raw, p, id);
  if (cut == 0) return a;
  move_copies(cut, id);
  return Added::Completed;
}

bool Store::drop_cut_short(std::string_view raw, std::string_view continues) {
  return forget_completed(raw, continues) != 0;
}

// `id`: the message stored, or the one whose Message-ID the mail has.
Added Store::store_mail(std::string_view raw, ParsedMail& p, std::int64_t& id) {
  Mail& m = p.mail;
  const std::string& sha = p.key;
  apply_default_list(m);
  st_->find_msgid.bind(1, m.msgid);
  if (st_->find_msgid.step()) {
    id = st_->find_msgid.int64(0);
    bool collision = st_->find_msgid.text(1) != m.from_email || st_->find_msgid.text(2) != m.subject;
    std::string stored_list(st_->find_msgid.text(3));
    st_->find_msgid.reset();
    insert_variant(id, raw, sha, m);
    const bool cut = m.problems.has("truncated");
    if (cut) variant_cut_short(id, conn_.last_insert_id(), raw);
    // The same mail received through another list: one message on two lists
    // (its bytes differ in the list's headers and are kept as a variant).
    // Not from a copy cut short: its List-Id may be cut too, and the whole
    // mail, when it comes, names the list.
    if (!collision && !cut && add_list(id, stored_list, m.list_id)) return Added::OtherList;
    // A variant from another author or about another subject is not a
    // resend: someone reused the id (the 10k corpus has such a reply).
    if (collision)
      insert_problem(id, {"msgid-collision",
                          fmt::format("Message-ID reused by {} with subject '{}'", m.from_email,
                                      m.subject.substr(0, 120))});
    return Added::Variant;
  }
  st_->find_msgid.reset();
  id = insert_message(raw, p);
  return Added::New;
}

namespace {

// Rows (message_id, position, ...) of one mail, up to MultiInsert::kMaxRows
// per statement; bind_rest binds the columns after those two from parameter p.
template <class T, class F>
void insert_rows(MultiInsert& ins, std::int64_t id, const std::vector<T>& rows, F bind_rest) {
  for (std::size_t done = 0; done < rows.size();) {
    int n = static_cast<int>(std::min<std::size_t>(rows.size() - done, MultiInsert::kMaxRows));
    Statement& st = ins.rows(n);
    for (int r = 0; r < n; ++r) {
      int p = r * ins.columns() + 1;
      st.bind(p, id).bind(p + 1, static_cast<std::int64_t>(done + r));
      bind_rest(st, p + 2, rows[done + r]);
    }
    st.run();
    done += n;
  }
}

}  // namespace

// The rules, simplified, of thread_pass.cc (a thread is a connected set of
// ids; its id is its smallest message id) and of the series pass (series.cc:
// Grouper::run, attach): threads joined later and series-name clashes are
// what the guess misses. The derive pass settles every row.
Store::Derivable Store::guess_derived(const Mail& m, const ParsedMail& p) {
  if (next_id_ == 0) {
    Statement next(conn_, "SELECT coalesce(max(id), 0) + 1 FROM messages");
    next_id_ = next.step() ? next.int64(0) : 1;
  }
  // Seeded: Message-IDs are chosen by senders (util/intern.hh).
  auto key = [](std::string_view id) { return std::uint64_t{SeededHash{}(id)} | 1; };
  std::int64_t thread = next_id_;
  bool replies_to_submission = false;
  auto look = [&](std::string_view id) {
    const Guess* g = find_guess(key(id));
    if (!g) return;
    thread = std::min(thread, g->thread);
    replies_to_submission |= g->submission;
  };
  for (const auto& r : m.references) look(r);
  if (!m.in_reply_to.empty()) look(m.in_reply_to);
  look(m.msgid);  // named by mail stored before: a ghost of its thread
  const SubjectInfo& s = p.patch.subject;
  const char* kind = nullptr;  // a plain message
  if (!m.patchwork_ignore && (p.patch.is_patch || p.text.length > 0)) {
    if (p.patch.is_patch) kind = "patch";
    else if (s.number == 0 && s.total > 0 && !s.is_reply) kind = "cover";
    else if (replies_to_submission) kind = "comment";
  }
  for (const auto& r : m.references) guess_slot(key(r)).thread = thread;
  if (!m.in_reply_to.empty()) guess_slot(key(m.in_reply_to)).thread = thread;
  Guess& self = guess_slot(key(m.msgid));
  self.thread = thread;
  self.submission = kind != nullptr;
  return {thread, kind ? kind : "message"};
}

const Store::Guess* Store::find_guess(std::uint64_t key) const {
  if (guesses_.empty()) return nullptr;
  std::size_t set = (key >> 20) & (guesses_.size() - 4);
  for (std::size_t i = set; i < set + 4; ++i)
    if (guesses_[i].key == key) return &guesses_[i];
  return nullptr;
}

Store::Guess& Store::guess_slot(std::uint64_t key) {
  if (guesses_.empty()) guesses_.resize(kFirstGuessSlots);
  for (;;) {
    std::size_t set = (key >> 20) & (guesses_.size() - 4), oldest = set;
    for (std::size_t i = set; i < set + 4; ++i) {
      if (guesses_[i].key == key) return guesses_[i];
      if (guesses_[i].key == 0 || guesses_[i].thread < guesses_[oldest].thread) oldest = i;
      if (guesses_[i].key == 0) break;
    }
    // A full set grows the table while it may; only then is a guess evicted.
    if (guesses_[oldest].key != 0 && guesses_.size() < kGuessSlots) {
      grow_guesses();
      continue;
    }
    guesses_[oldest] = {key, 0, false};
    return guesses_[oldest];
  }
}

// Twice the sets: the keys of one set split between two by one more bit
// of the key, so no entry is evicted.
void Store::grow_guesses() {
  std::vector<Guess> bigger(guesses_.size() * 2);
  for (const Guess& g : guesses_) {
    if (g.key == 0) continue;
    std::size_t i = (g.key >> 20) & (bigger.size() - 4);
    while (bigger[i].key != 0) ++i;
    bigger[i] = g;
  }
  guesses_.swap(bigger);
}

std::int64_t Store::insert_message(std::string_view raw, const ParsedMail& p) {
  const Mail& m = p.mail;
  const std::string& sha = p.key;
  auto& s = *st_;
  s.message.bind(1, m.msgid).bind_opt(2, m.date).bind(3, m.from_name).bind(4, m.from_email);
  s.message.bind(5, m.subject).bind(6, m.list_id).bind_opt(7, m.in_reply_to);
  s.message.bind(8, static_cast<std::int64_t>(raw.size())).bind_blob(9, sha);
  s.message.bind(10, static_cast<std::int64_t>(m.problems.has("no-msgid") || m.problems.has("bad-msgid")));
  s.message.bind(11, static_cast<std::int64_t>(m.patchwork_ignore));
  Derivable d = guess_derived(m, p);
  s.message.bind(12, std::string_view(d.kind));
  s.message.bind(13, static_cast<std::int64_t>(p.text.length > 0));
  s.message.bind(14, d.thread_id);
  s.message.run();
  std::int64_t id = conn_.last_insert_id();
  next_id_ = id + 1;
  s.body.bind(1, id).bind(2, p.text.start).bind(3, p.text.length);
  if (m.body_raw_offset != std::string::npos)
    s.body.bind(4, static_cast<std::int64_t>(m.body_raw_offset)).bind_null(5);
  else
    s.body.bind_null(4).bind(5, m.body);
  s.body.run();
  // A patch's trailers are its own (below); any other mail's may be a
  // comment's, which the series pass hands to the patch it answers.
  if (!p.patch.is_patch)
    for (std::size_t i = 0; i < p.text.trailers.size(); ++i)
      s.mail_trailer.bind(1, id).bind(2, static_cast<std::int64_t>(i))
          .bind(3, p.text.trailers[i].name).bind(4, p.text.trailers[i].value).run();
  s.raw.bind(1, id).bind_blob(2, raw).run();
  s.headers.bind(1, id).bind(2, p.headers_json).run();
  insert_rows(s.recipients, id, m.recipients, [](Statement& st, int p, const Recipient& r) {
    st.bind(p, r.kind).bind(p + 1, r.addr.name).bind(p + 2, r.addr.email);
  });
  insert_rows(s.refs, id, m.references,
              [](Statement& st, int p, const std::string& r) { st.bind(p, r); });
  for (std::size_t i = 0; i < m.attachments.size(); ++i)
    s.attachment.bind(1, id).bind(2, static_cast<std::int64_t>(i))
        .bind(3, m.attachments[i].content_type).bind(4, m.attachments[i].filename)
        .bind(5, static_cast<std::int64_t>(m.attachments[i].size)).run();
  for (const auto& pr : m.problems.items()) insert_problem(id, pr);
  if (p.patch.is_patch) insert_patch(id, m.msgid, p.patch);
  if (search_) index_message(id, raw, p);
  if (cut_short_ && m.problems.has("truncated")) cut_short_->push_back({id, 0, std::string(raw)});
  return id;
}

void Store::index_message(std::int64_t id, std::string_view raw, const ParsedMail& p) {
  if (p.search) {
    search_->add_own(id, p.mail.subject, p.search->from, p.search->to, p.search->cc, p.search->body);
  } else {
    ParsedMail::SearchText t = search_text(p, raw);
    search_->add_own(id, p.mail.subject, t.from, t.to, t.cc, t.body);
  }
  ++indexed_as_stored_;
}

void Store::index_as_stored(bool on) {
  if (on && !search_) search_ = std::make_unique<SearchWriter>(conn_);
  if (!on) search_.reset();
}

bool Store::search_complete() {
  Statement s(conn_, "SELECT indexed_upto >= (SELECT coalesce(max(id), 0) FROM messages) FROM search_state");
  return s.step() && s.int64(0) == 1;
}

void Store::mark_indexed() {
  if (!search_) return;
  if (auto s = conn_.exec("UPDATE search_state SET indexed_upto = (SELECT coalesce(max(id), 0) FROM messages)"); !s)
    throw DbError(s.error().why);
}

void Store::insert_patch(std::int64_t id, const std::string& msgid, const PatchFacts& f) {
  auto& s = *st_;
  const SubjectInfo& sub = f.subject;
  // Bound without a copy (SQLITE_STATIC): they must live until run().
  const std::string prefixes = json_string_array(sub.prefixes);
  const std::string deviations = json_string_array(sub.deviations);
  s.patch.bind(1, id).bind(2, sub.name).bind(3, prefixes)
      .bind(4, static_cast<std::int64_t>(sub.version));
  if (sub.number > 0 || sub.total > 0) s.patch.bind(5, static_cast<std::int64_t>(sub.number)).bind(6, static_cast<std::int64_t>(sub.total));
  else s.patch.bind_null(5).bind_null(6);
  s.patch.bind_opt(7, f.hash).bind_opt(8, f.patch_id).bind_opt(9, f.pull_url).bind(10, f.content)
      .bind(11, f.diff).bind(12, deviations).run();
  for (std::size_t i = 0; i < f.files.size(); ++i)
    s.patch_file.bind(1, id).bind(2, static_cast<std::int64_t>(i)).bind(3, f.files[i].old_path)
        .bind(4, f.files[i].new_path).bind(5, static_cast<std::int64_t>(f.files[i].lines_added))
        .bind(6, static_cast<std::int64_t>(f.files[i].lines_removed)).run();
  for (const auto& t : f.trailers)
    s.trailer.bind(1, id).bind(2, t.name).bind(3, t.value).bind(4, msgid).run();
}

void Store::insert_variant(std::int64_t message_id, std::string_view raw, const std::string& sha,
                           const Mail& m) {
  st_->variant.bind(1, message_id).bind_blob(2, sha).bind_opt(3, m.date).bind(4, m.from_email)
      .bind(5, m.subject).bind_blob(6, raw).run();
}

void Store::insert_problem(std::int64_t message_id, const Problem& p) {
  st_->problem.bind(1, message_id).bind(2, p.kind).bind(3, p.detail).run();
  ++problems_added_;
}

}  // namespace mlidx::db
