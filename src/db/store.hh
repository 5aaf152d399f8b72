// The archive database: adding raw mail and re-deriving threads.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "db/sqlite.hh"
#include "mail/message.hh"
#include "patch/facts.hh"
#include "util/result.hh"

namespace mlidx::db {

// OtherList: a mail already stored, received through another list (its
// bytes are kept as a variant, its list added to the message's).
// Completed: the whole of a mail stored cut short before (Store::add_parsed).
enum class Added { New, Duplicate, Variant, OtherList, Completed };

// A parsed mail with the columns that take work to serialise already built,
// so that a pipeline can do it off the writer's thread.
struct ParsedMail {
  std::string key;  // SHA-1 of the raw bytes: what de-duplication compares
  Mail mail;        // mail.headers is moved into headers_json
  std::string headers_json;
  PatchFacts patch;  // what Patchwork would read from this mail alone
  TextFacts text;    // the body's cleaned text, for cover letters and comments
  // The full-text index's columns but the subject (Store::index_as_stored),
  // built on the parser thread when asked for: the writer is the slower
  // stage of an import that indexes.
  struct SearchText {
    std::string from, to, cc, body;  // body: without its quoted lines
  };
  std::optional<SearchText> search;
};

struct StoredMail;
class SearchWriter;

// How Store::rederive writes what it derived. All: the derived tables are
// emptied and every row inserted (reindex). Changed: their rows are read
// first, and only new, changed and vanished rows are written; after an
// import most derived rows stay as they were, and a row write costs far more
// than reading it (docs/PERFORMANCE.md, "Incremental import").
enum class Rewrite { All, Changed };

struct ThreadStats {
  std::int64_t threads = 0;
  std::int64_t ghosts = 0;
};

class Store {
 public:
  // Opens (and with `create`, creates) the database and brings its schema up
  // to date. Without `create` a missing file is an error.
  static Result<std::unique_ptr<Store>> open(const std::string& path, bool create);
  ~Store();

  Connection& conn() { return conn_; }
  // The database file's full name as SQLite resolved it (its WAL is this
  // with "-wal"); empty for an in-memory database.
  std::string file_name();

  // Stores one mail unless its exact bytes are already there. Parsing is
  // skipped for known bytes, so a re-import costs one hash and one lookup.
  // `cut_short`: stored as a mail its file ended inside (reindex: a mail
  // stored so before keeps its mark, which the bytes do not record).
  Added add(std::string_view raw, bool cut_short = false);
  // The same in two steps, for a pipeline that parses on another thread:
  // `prepare` parses (thread-safe, no database), `known_keys` is every key
  // stored, `add_parsed` stores a mail whose key is not among them.
  static std::string key(std::string_view raw);
  static ParsedMail prepare(std::string_view raw, std::string key, bool search_text = false);
  bool has_bytes(const std::string& key);
  std::unordered_set<std::string> known_keys();
  // A mail whose bytes extend those of a message stored with a `truncated`
  // problem (an earlier import read a file that ended inside it, mid-line,
  // as when an mbox is read while mail is being appended) replaces that
  // message: it is what a one-shot import of the grown file stores. Only
  // such a message is replaced: any other stored mail is kept as it came
  // first, so mail crafted to extend someone's patch stays a variant.
  // `continues`: the key of the stored message this mail goes on from in
  // the same file (ImportInput::continues), replaced the same way.
  Added add_parsed(std::string_view raw, ParsedMail& p, std::string_view continues = {});
  // For mail whose exact bytes are stored already: a message or variant it
  // completes (as above) is dropped, the whole mail being stored. True when
  // one was.
  bool drop_cut_short(std::string_view raw, std::string_view continues = {});
  // List id for mail without a List-Id field (import --list-id).
  void set_default_list_id(std::string id) { default_list_id_ = std::move(id); }
  const std::string& default_list_id() const { return default_list_id_; }
  // For mail whose exact bytes are stored already: adds the --list-id list
  // to the message's lists when the mail names none. True when it was new.
  bool add_list_of_copy(std::string_view raw);
  // Lists added to messages already stored (Added::OtherList and
  // add_list_of_copy) by this Store so far.
  std::int64_t lists_added() const { return lists_added_; }
  // Of those, messages that named no list and got this one as their own
  // (messages.list_id set): the one change to a stored message's row.
  std::int64_t lists_set() const { return lists_set_; }
  // Problem rows written by this Store so far (collisions included).
  std::int64_t problems_added() const { return problems_added_; }

  // With `on`, each new message goes into the full-text index as it is
  // stored, in the same transaction: the import's writer tokenizes while
  // the parser thread parses, instead of a pass that reads every new
  // message back afterwards. Only when the index holds all stored mail
  // (search_complete), since search_state records a prefix of ids.
  void index_as_stored(bool on);
  bool search_complete();
  // Before a commit: search_state says the index holds all stored mail.
  void mark_indexed();
  std::int64_t indexed_as_stored() const { return indexed_as_stored_; }

  // A database created by this Store was filled without WAL; switch it to
  // WAL now that the bulk load is done.
  void finish_bulk_load();
  // Builds the indexes a bulk load deferred and merges the search index's
  // segments into one (part of finish_bulk_load; an import calls it inside
  // its last transaction).
  void restore_indexes();

  // messages.kind counts: patches, covers, comments.
  struct KindCounts {
    std::int64_t patches = 0, covers = 0, comments = 0;
  };
  // Rebuilds what is derived from all stored mail (db/derive.cc): threads,
  // ghosts and messages.thread_id from the stored refs; series, cover
  // letters, comments, comment trailers and messages.kind by Patchwork's
  // rules over all mail in import order.
  struct Derived {
    ThreadStats threads;
    // Counted from the pass's result: a GROUP BY over `messages` took
    // ~0.15 s of a 2.5 s incremental import at 350k messages.
    KindCounts kinds;
    std::int64_t series = 0;
    // Messages, and of them those whose thread_id or kind the pass
    // rewrote: the ones guess_derived got wrong, or stored before it.
    std::int64_t messages = 0, rewritten = 0;
    std::int64_t from_snapshot = 0;  // of the messages, those read from the derive snapshot
  };
  // `preloaded`: what preload_stored_mail (db/passes.hh) read before this
  // import's writes; only the mail stored since is read.
  Derived rederive(Rewrite mode = Rewrite::All, StoredMail* preloaded = nullptr);
  KindCounts kind_counts();
  // True when stored mail is newer than the last derive pass.
  bool derive_pending();
  // What the last passes left, without re-deriving anything.
  ThreadStats thread_stats();
  std::int64_t series_count();

 private:
  explicit Store(Connection c);
  std::int64_t insert_message(std::string_view raw, const ParsedMail& p);
  void insert_variant(std::int64_t message_id, std::string_view raw, const std::string& sha,
                      const Mail& m);
  void insert_problem(std::int64_t message_id, const Problem& p);
  Added store_mail(std::string_view raw, ParsedMail& p, std::int64_t& id);
  // db/cut_short.cc
  std::int64_t forget_completed(std::string_view raw, std::string_view continues);
  std::int64_t forget_cut_short(std::string_view raw);
  std::int64_t forget_continued(std::string_view raw, std::string_view key);
  void variant_cut_short(std::int64_t message_id, std::int64_t variant, std::string_view raw);
  void forget_variant(std::int64_t variant);
  void forget_message(std::int64_t id);
  void move_copies(std::int64_t from, std::int64_t to);
  void apply_default_list(Mail& m) const;
  bool add_list(std::int64_t id, std::string_view stored, const std::string& list);
  void defer_indexes();
  void insert_patch(std::int64_t message_id, const std::string& msgid, const PatchFacts& f);
  void index_message(std::int64_t id, std::string_view raw, const ParsedMail& p);
  // messages.thread_id and kind as the derive pass will most likely set
  // them, from the mail stored before by this Store (guesses_).
  struct Derivable {
    std::int64_t thread_id;
    const char* kind;
  };
  Derivable guess_derived(const Mail& m, const ParsedMail& p);

  Connection conn_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::int64_t problems_added_ = 0;
  std::int64_t lists_added_ = 0;
  std::int64_t lists_set_ = 0;
  std::unique_ptr<SearchWriter> search_;
  std::int64_t indexed_as_stored_ = 0;
  std::string default_list_id_;
  bool fresh_ = false;
  // PRAGMA data_version when opened: it changes when another connection
  // commits (rederive: the derive snapshot is then not written).
  std::int64_t data_version_ = 0;
  std::int64_t data_version();
  // The derive pass (rederive) computes thread_id and kind over all mail
  // and rewrites only the rows whose stored value differs: a row stored
  // with the right values is never written again. Rewriting all 50,000
  // rows of a fresh import took 0.10-0.16 s of its serial tail. Per id
  // seen, by a 64-bit hash of it: the thread's smallest id so far, and
  // whether it is a patch, cover letter or comment (what a reply becomes a
  // comment on). A bounded table (at most 3 MiB, sets of 4, the oldest
  // thread evicted): a reply nearly always names recent mail, and memory
  // must not grow with the archive (issue 6; an unordered_map added 28 MB
  // at 350k). It starts at 48 KiB and doubles when a set is full: zeroing
  // all 3 MiB took 2-5 ms of the first mail a 500-mail append stored.
  // A collision, an eviction or mail stored by an earlier import only
  // spoils a guess, and that row is rewritten as before.
  struct Guess {
    std::uint64_t key = 0;  // 0: empty
    std::int64_t thread = 0;
    bool submission = false;
  };
  static constexpr std::size_t kFirstGuessSlots = std::size_t{1} << 11;
  static constexpr std::size_t kGuessSlots = std::size_t{1} << 17;  // the most
  std::vector<Guess> guesses_;
  void grow_guesses();
  const Guess* find_guess(std::uint64_t key) const;
  Guess& guess_slot(std::uint64_t key);
  std::int64_t next_id_ = 0;  // the id SQLite gives the next message; 0: not read yet
  // Messages stored with a `truncated` problem, and their bytes: read at
  // the first mail stored (nearly always none), kept up to date after.
  struct CutShort {
    std::int64_t id;       // the message
    std::int64_t variant;  // the variant cut short, 0: the message itself
    std::string raw;
  };
  std::optional<std::vector<CutShort>> cut_short_;
};

// The `truncated` problem of mail its file ended inside (db/importer.cc),
// and, as SQL over a variant `v`, the `truncated-variant` problem's detail
// that marks such a variant on its message (db/cut_short.cc).
inline constexpr const char* kCutShortDetail = "the file ends inside this message, mid-line";
inline constexpr const char* kCutVariantSql =
    "'the file ends inside variant ' || v.id || ' of this message, mid-line'";

}  // namespace mlidx::db
