#include "db/importer.hh"

#include "db/batch_queue.hh"
#include "db/import_state.hh"
#include "db/passes.hh"
#include "db/search_index.hh"
#include "mbox/sources.hh"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <pthread.h>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

namespace mlidx::db {
namespace {

using Clock = std::chrono::steady_clock;

// tests/test_crash.cc kills an import at named points, as kill -9 or a
// power cut would (MLIDX_CRASH_AT=<point>), or interrupts it there as
// Ctrl-C would (MLIDX_INTERRUPT_AT=<point>).
void crash_point(const char* point) {
  static const char* kill_at = std::getenv("MLIDX_CRASH_AT");
  static const char* interrupt_at = std::getenv("MLIDX_INTERRUPT_AT");
  if (kill_at && std::strcmp(kill_at, point) == 0) std::raise(SIGKILL);
  if (interrupt_at && std::strcmp(interrupt_at, point) == 0) std::raise(SIGINT);
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Item {
  std::string_view raw;   // into the mapped file, or into `owned`
  std::string owned;      // set when mbox quoting had to be undone, or read from a file or git
  bool check_repeat = false;  // the writer looks the bytes up (new database)
  std::optional<ParsedMail> parsed;  // empty: the bytes are already stored
  std::size_t input = 0, offset = 0;  // offset: where this mail ends (git: commits read)
  // Removal: `raw` is mail public-inbox removed; Mark: a commit without a
  // mail, which only moves the epoch's position.
  enum What : std::uint8_t { Mail, Removal, Mark } what = Mail;
  bool resumable = true;  // false: a later import must read this mail again (cut short)
  std::string commit;     // git
  std::string replaces;   // the key of a stored message this mail continues (ImportInput::continues)
};

}  // namespace

// At most 16 batches and 2 MiB of mail (db/batch_queue.hh): with the
// search index the writer is the slower stage and the queue stays full;
// bounded by 16 batches alone it made the import's peak RSS 95-104 MB at
// 50k messages, against 69-72 MB now, for no speed gained (7 alternated
// runs; docs/PERFORMANCE.md, "ninth session").
class Queue : public BatchQueue<Item> {
 public:
  Queue() : BatchQueue(16, std::size_t{2} << 20) {}
};

// Batches the writer is done with go back to the parser thread to be freed
// there: freeing a parsed mail (dozens of strings) is work the writer, the
// slower stage, should not do.
class Spent {
 public:
  void give(std::vector<Item> b) {
    std::lock_guard lock(mu_);
    spent_.push_back(std::move(b));
  }
  void free_all() {
    std::vector<std::vector<Item>> mine;
    {
      std::lock_guard lock(mu_);
      mine.swap(spent_);
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::vector<Item>> spent_;
};

namespace {

constexpr std::size_t kBatchItems = 64;
// The first batches are smaller, so that the writer starts on the first
// mails instead of waiting for 64 to be parsed (~8 ms of a 0.13 s import of
// 500 appended mails, during which it had nothing to do).
constexpr std::size_t kFirstBatchItems = 4;
// A batch also ends at 1 MiB of mail, so that large mails make small
// batches and the queue's 2 MiB hold more than one.
constexpr std::size_t kBatchBytes = std::size_t{1} << 20;

// What the parser thread reports back once joined.
struct ParseOutcome {
  double seconds = 0;
  bool interrupted = false;
  std::size_t input = 0, offset = 0;
  std::vector<std::size_t> truncated;
  std::vector<std::size_t> rewound;
  std::vector<std::size_t> unread;  // Maildirs with a file that could not be read
  std::vector<Error> errors;
};

// An mbox writer ends every message with a line end: a last line without
// one means the file was cut short (a failed download or copy). A single
// mail file written by hand often lacks it, so only mbox files count; a cut
// that falls on a line end cannot be told from a whole file.
bool ends_mid_line(const ImportInput& in) {
  std::string_view file = in.file.view();
  return in.kind == InputKind::Mbox && !file.empty() && file.back() != '\n';
}

// Splits and parses every input on the parser thread, in order.
class Parser {
 public:
  // search_text: each mail's full-text index columns are built here too
  // (the writer indexes what it stores, Store::index_as_stored).
  Parser(std::vector<ImportInput>& inputs, std::unordered_set<std::string> known, bool search_text,
         const std::atomic<bool>* stop, Queue& q, Spent& spent, ParseOutcome& out)
      : inputs_(inputs), known_(std::move(known)), dedupe_here_(!known_.empty()),
        search_text_(search_text), stop_(stop), q_(q), spent_(spent), out_(out) {}

  void run() {
    auto start = Clock::now();
    for (std::size_t i = 0; i < inputs_.size() && !q_.stopped() && !out_.interrupted; ++i) {
      switch (inputs_[i].source) {
        case Source::File: read_file(i); break;
        case Source::Maildir: read_maildir(i); break;
        case Source::Git: read_git(i); break;
      }
    }
    if (!batch_.empty()) q_.push(std::move(batch_), batch_bytes_);
    out_.seconds = since(start);
    q_.push({}, 0);
  }

 private:
  // Checked before each message, so that an import stopped before it
  // began reads nothing.
  bool stopping(std::size_t input, std::size_t offset) {
    if (!stop_ || !stop_->load(std::memory_order_relaxed)) return false;
    out_.interrupted = true;
    out_.input = input;
    out_.offset = offset;
    return true;
  }

  // Into an empty database the writer hashes each mail (it has time to
  // spare, the parser has not) and finds repeats with its index; otherwise
  // known mail is recognised here and not parsed at all.
  void prepare(Item& it, std::string_view raw) {
    std::string key;
    // Into a new database, hashing is shared: the parser hashes while the
    // writer has a batch waiting (the writer is behind), the writer does the
    // rest. A deeper threshold left nearly all of it to the writer once its
    // inserts got cheaper (docs/PERFORMANCE.md).
    if (dedupe_here_ || q_.size() > 0) key = Store::key(raw);
    it.check_repeat = !dedupe_here_;
    // A key seen earlier in this run is a duplicate too.
    if (!dedupe_here_ || known_.insert(key).second) it.parsed = Store::prepare(raw, std::move(key), search_text_);
  }

  // False: the writer failed, stop parsing.
  bool emit(Item&& it) {
    batch_bytes_ += it.owned.empty() ? it.raw.size() : it.owned.size();
    batch_.push_back(std::move(it));
    if (batch_.size() < batch_items_ && batch_bytes_ < kBatchBytes) return true;
    q_.push(std::move(batch_), batch_bytes_);
    batch_.clear();
    batch_bytes_ = 0;
    batch_items_ = std::min(batch_items_ * 2, kBatchItems);
    spent_.free_all();
    return !q_.stopped();
  }

  void read_file(std::size_t i) {
    const std::string_view file = inputs_[i].file.view();
    const bool cut_short = ends_mid_line(inputs_[i]);
    if (cut_short) out_.truncated.push_back(i);
    MboxReader reader(file, inputs_[i].kind, inputs_[i].start);
    MboxMessage m;
    std::string continues = inputs_[i].continues;
    while (!stopping(i, reader.offset()) && reader.next(m)) {
      Item it;
      it.input = i;
      it.offset = reader.offset();
      if (m.raw.data() < file.data() || m.raw.data() >= file.data() + file.size()) {
        it.owned = std::string(m.raw);  // the reader's unquoting buffer is reused
      } else {
        it.raw = m.raw;
      }
      prepare(it, m.raw);
      if (!continues.empty()) {  // the first mail read
        it.replaces = std::move(continues);
        continues.clear();
      }
      if (cut_short && it.offset == file.size()) {
        it.resumable = false;
        if (it.parsed) it.parsed->mail.problems.add("truncated", kCutShortDetail);
      }
      if (!emit(std::move(it))) return;
    }
  }

  // Each file is one mail (or, rarely, an mbox of several); read in turn, so
  // that one file at a time is in memory on this side of the queue.
  void read_maildir(std::size_t i) {
    const auto& files = inputs_[i].files;
    for (std::size_t f = 0; f < files.size(); ++f) {
      if (stopping(i, f)) return;
      auto mapped = MappedFile::open(files[f].path);
      if (!mapped) {
        out_.errors.push_back(mapped.error());
        out_.unread.push_back(i);
        continue;
      }
      std::string_view data = mapped->view();
      InputKind kind = sniff(data);
      if (kind == InputKind::Empty || kind == InputKind::NotMailbox) {
        out_.errors.push_back(make_error(files[f].path, std::string(describe_refusal(kind)) + "; skipped"));
        continue;
      }
      MboxReader reader(data, kind);
      MboxMessage m;
      while (reader.next(m)) {
        Item it;
        it.input = i;
        it.offset = f + 1;
        it.owned = std::string(m.raw);
        prepare(it, it.owned);
        if (!emit(std::move(it))) return;
      }
    }
  }

  void read_git(std::size_t i) {
    ImportInput& in = inputs_[i];
    auto reader = GitEpochReader::start(in.path, in.since, std::move(in.walk));
    if (!reader) {
      out_.errors.push_back(reader.error());
      return;
    }
    if ((*reader)->rewound()) out_.rewound.push_back(i);
    GitEntry e;
    for (std::size_t n = 0; !stopping(i, n); ++n) {
      auto more = (*reader)->next(e);
      if (!more) {
        out_.errors.push_back(more.error());
        return;
      }
      if (!*more) return;
      if (e.kind == GitEntry::TooLarge)
        out_.errors.push_back(make_error(in.path, "commit " + e.commit + ": a mail of " +
                                                      std::to_string(e.size) +
                                                      " bytes, over the 256 MiB limit; skipped"));
      Item it;
      it.input = i;
      it.offset = n + 1;
      it.commit = e.commit;
      it.what = e.kind == GitEntry::Mail ? Item::Mail : e.kind == GitEntry::Removal ? Item::Removal : Item::Mark;
      it.owned = std::move(e.blob);
      e.blob = {};
      if (it.what == Item::Mail) prepare(it, it.owned);
      if (!emit(std::move(it))) return;
    }
  }

  std::vector<ImportInput>& inputs_;
  std::unordered_set<std::string> known_;
  const bool dedupe_here_;
  const bool search_text_;
  const std::atomic<bool>* stop_;
  Queue& q_;
  Spent& spent_;
  ParseOutcome& out_;
  std::vector<Item> batch_;
  std::size_t batch_items_ = kFirstBatchItems;  // this batch's size, doubling up to kBatchItems
  std::size_t batch_bytes_ = 0;                 // of mail in batch_
};

void parse_all(std::vector<ImportInput>& inputs, std::unordered_set<std::string> known, bool search_text,
               const std::atomic<bool>* stop, Queue& q, Spent& spent, ParseOutcome& out) {
  // A git child gone makes writes to its pipe fail with EPIPE instead of
  // killing mlidx (the signal goes to the writing thread, this one).
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  Parser(inputs, std::move(known), search_text, stop, q, spent, out).run();
}

}  // namespace

namespace {

// Where the writer has got to in each input, saved to import_state with
// every commit: the state never claims mail that was not committed.
class Positions {
 public:
  Positions(std::vector<ImportInput>& inputs, ImportState& state) : inputs_(inputs), state_(state) {
    for (const auto& in : inputs) pos_.push_back({false, in.start, in.start, in.skipped, in.since});
  }
  void advance(const Item& it) {
    if (!it.resumable) return;
    Pos& p = pos_[it.input];
    p.touched = true;
    p.offset = it.offset;
    ++p.messages;
    if (!it.commit.empty()) p.commit = it.commit;
  }
  // Hashes the mbox bytes stored since the last call, while they are still
  // in the CPU's cache and before the writer releases their pages.
  void hash() {
    for (std::size_t i = 0; i < pos_.size(); ++i) {
      Pos& p = pos_[i];
      if (!p.touched || p.hashed >= p.offset || inputs_[i].source != Source::File ||
          inputs_[i].state_key.empty())
        continue;
      inputs_[i].prefix.update(inputs_[i].file.view().substr(p.hashed, p.offset - p.hashed));
      p.hashed = p.offset;
    }
  }
  void save() {
    hash();
    for (std::size_t i = 0; i < pos_.size(); ++i) {
      Pos& p = pos_[i];
      const ImportInput& in = inputs_[i];
      // A Maildir's state is saved once it was read to its end (save_maildirs).
      if (!p.touched || in.state_key.empty() || in.source == Source::Maildir) continue;
      InputState s;
      s.messages = p.messages;
      if (in.source == Source::Git) {
        s.last_commit = p.commit;
        state_.save_git(in.state_key, s);
      } else {
        Xxh128 d = in.prefix.digest();
        s.size = static_cast<std::int64_t>(p.offset);
        s.prefix_xxh128.assign(reinterpret_cast<const char*>(d.data()), d.size());
        state_.save_mbox(in.state_key, s);
      }
      p.touched = false;
    }
  }

 private:
  struct Pos {
    bool touched;
    std::size_t offset, hashed;
    std::int64_t messages;
    std::string commit;
  };
  std::vector<ImportInput>& inputs_;
  ImportState& state_;
  std::vector<Pos> pos_;
};

}  // namespace

// A second connection to the database on its own thread, for a small
// import (plan_resume) in WAL mode. It loads what the derive pass needs of
// the stored mail in one read transaction (a snapshot from before this
// import's writes; rows stored later are loaded by the pass itself), so
// that the writer starts once the prefix is hashed instead of once both
// are done. When the writes are committed it copies them into the
// database file (a passive checkpoint) while the passes compute, so that
// closing the database has only the passes' pages left to copy and sync.
class Companion {
 public:
  // Null when the database is not in WAL mode (a reader kept it in
  // rollback-journal mode, Store::open: a reader would block the writer)
  // or not a file.
  static std::unique_ptr<Companion> start(Connection& main) {
    {
      Statement mode(main, "PRAGMA journal_mode");
      if (!mode.step() || mode.text(0) != "wal") return nullptr;
    }
    const char* path = sqlite3_db_filename(main.handle(), "main");
    if (!path || !*path) return nullptr;
    auto conn = Connection::open(path, Connection::Mode::ReadWrite);
    if (!conn) return nullptr;
    return std::unique_ptr<Companion>(new Companion(std::move(*conn)));
  }
  ~Companion() {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // The writes are committed: copy them while the passes run.
  void checkpoint() {
    {
      std::lock_guard lock(mu_);
      checkpoint_ = true;
    }
    cv_.notify_all();
  }
  // Waits until the load's read transaction is open (or failed to open):
  // the writes may commit after that.
  void wait_reading() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return reading_ || loaded_; });
  }
  // Waits for the stored mail; rethrows the load's failure.
  std::shared_ptr<StoredMail> stored() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return loaded_; });
    if (failed_) std::rethrow_exception(failed_);
    return stored_;
  }
  double load_seconds() const { return load_seconds_; }  // once stored() returned

 private:
  explicit Companion(Connection c) : conn_(std::move(c)), thread_([this] { run(); }) {}
  void run() {
    std::shared_ptr<StoredMail> stored;
    std::exception_ptr failed;
    auto start = Clock::now();
    try {
      if (auto s = conn_.exec("BEGIN"); !s) throw DbError(s.error().why);
      // The read transaction starts with the first read: from here on the
      // import's writes (whose first commit drops the derive snapshot,
      // schema/0008) are not seen.
      Statement(conn_, "SELECT 1 FROM derive_snapshot LIMIT 1").step();
      {
        std::lock_guard lock(mu_);
        reading_ = true;
      }
      cv_.notify_all();
      stored = std::make_shared<StoredMail>(preload_stored_mail(conn_, [this] {
        std::lock_guard lock(mu_);
        return checkpoint_;
      }));
      (void)conn_.exec("COMMIT");
    } catch (...) {
      failed = std::current_exception();
      (void)conn_.exec("ROLLBACK");
    }
    double seconds = since(start);
    std::unique_lock lock(mu_);
    load_seconds_ = seconds;
    stored_ = std::move(stored);
    failed_ = failed;
    loaded_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return checkpoint_ || quit_; });
    if (quit_ || failed_) return;
    lock.unlock();
    // Best effort: what is not copied here is copied when the database is
    // closed.
    (void)sqlite3_wal_checkpoint_v2(conn_.handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }

  Connection conn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool reading_ = false, loaded_ = false, checkpoint_ = false, quit_ = false;
  double load_seconds_ = 0;
  std::shared_ptr<StoredMail> stored_;
  std::exception_ptr failed_;
  std::thread thread_;  // last: started once the members it uses exist
};

Importer::Preread::Preread() = default;
Importer::Preread::Preread(Preread&&) noexcept = default;
Importer::Preread::~Preread() = default;

namespace {

// An input whose state says its first `at` bytes were imported: resumed
// there if they hash as they did.
struct PrefixCheck {
  ImportInput* in;
  std::size_t at;
  InputState st;
  bool same = false;
  // Text goes on after `at` with no new message: the last message read,
  // which starts here, is read again (ImportInput::continues).
  std::size_t last = std::string_view::npos;
  std::string last_key{};
  Xxh128Stream before_last{};  // the hash of the bytes before `last`
};

// The last message of an mbox's first `at` bytes, where no new message
// starts at `at`: npos when it cannot be read again from its start.
PrefixCheck continued(ImportInput& in, std::size_t at, const InputState& st) {
  PrefixCheck ch{&in, at, st};
  std::string_view prefix = in.file.view().substr(0, at);
  if (prefix.empty() || prefix.back() != '\n' || st.messages < 1) return ch;
  std::size_t last = last_message_start(prefix);
  if (last == std::string_view::npos) return ch;
  MboxReader reader(prefix, in.kind, last);
  MboxMessage m;
  if (!reader.next(m)) return ch;
  ch.last = last;
  ch.last_key = Store::key(m.raw);
  return ch;
}

// A Maildir listed by an earlier import that read it whole: the files
// whose inode has not changed since (ctime before that listing's cutoff,
// ImportInput::listed_ns) were read then.
void skip_unchanged(ImportInput& in, std::int64_t cutoff) {
  in.skipped = static_cast<std::int64_t>(
      std::erase_if(in.files, [cutoff](const MaildirFile& f) { return f.ctime_ns < cutoff; }));
}

// The Maildirs read to their end, every file read, remember when they were
// listed: the next import reads only what changed since. Not saved for one
// an import stopped in, nor for one with a file that could not be read.
void save_maildirs(Store& store, const std::vector<ImportInput>& inputs, const ParseOutcome& parsed) {
  if (std::none_of(inputs.begin(), inputs.end(), [](const ImportInput& in) {
        return in.source == Source::Maildir && !in.state_key.empty();
      }))
    return;
  ImportState state(store.conn(), store.default_list_id());
  Transaction tx(store.conn());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const ImportInput& in = inputs[i];
    if (in.source != Source::Maildir || in.state_key.empty()) continue;
    if (parsed.interrupted && parsed.input <= i) continue;
    if (std::find(parsed.unread.begin(), parsed.unread.end(), i) != parsed.unread.end()) continue;
    InputState s;
    s.listed_ns = in.listed_ns;
    s.messages = in.skipped + static_cast<std::int64_t>(in.files.size());
    state.save_maildir(in.state_key, s);
  }
  tx.commit();
}

// Git inputs resume from their last commit at once. Files whose recorded
// prefix still ends where the reader starts a message (or at the end) are
// to be hashed and resumed there; where other text follows it (a "From "
// line the reader would not split at is text too), the last message read
// goes on and is read again (continued); others are read in full as
// changed.
std::vector<PrefixCheck> prefixes_to_check(Store& store, std::vector<ImportInput>& inputs) {
  std::vector<PrefixCheck> checks;
  ImportState state(store.conn(), store.default_list_id());
  for (auto& in : inputs) {
    if (in.state_key.empty()) continue;
    auto st = state.find(in.state_key);
    if (!st) continue;
    if (in.source == Source::Git) {
      in.since = st->last_commit;
      in.skipped = st->messages;
      in.walk = walk_back_to(in.path, in.since);
      continue;
    }
    if (in.source == Source::Maildir) {
      skip_unchanged(in, st->listed_ns);
      continue;
    }
    // No digest: recorded by an mlidx before schema version 7 (SHA-1 or
    // UMAC), whose migrations dropped them. Read in full, not reported as
    // changed.
    if (st->prefix_xxh128.empty()) continue;
    std::string_view file = in.file.view();
    auto at = static_cast<std::size_t>(st->size);
    if (at > file.size()) {
      in.changed = true;
    } else if (at == file.size() || separator_at(file, at)) {
      checks.push_back({&in, at, *st});
    } else if (PrefixCheck ch = continued(in, at, *st); ch.last != std::string_view::npos) {
      checks.push_back(std::move(ch));
    } else {
      in.changed = true;
    }
  }
  return checks;
}

// A small import: at most this much mail to read (64 MiB, ~6,500 of the
// corpora's mails).
constexpr std::size_t kSmallImport = std::size_t{64} << 20;

// The mail an import will read, guessed before reading: mbox bytes from
// where each starts, or would resume if its prefix hashes the same
// (`checks`); 16 KiB a mail for a Maildir's files to read and a fetched
// epoch's new commits. Past kSmallImport the sum stops; an epoch read in
// full or not walked (GitWalk::Unsure) is more than that.
std::size_t bytes_to_read(const std::vector<ImportInput>& inputs, const std::vector<PrefixCheck>& checks) {
  constexpr std::size_t kMail = std::size_t{16} << 10;
  std::size_t bytes = 0;
  for (const ImportInput& in : inputs) {
    if (in.source == Source::Git) {
      if (in.walk.outcome != GitWalk::Found) return kSmallImport + 1;
      bytes += in.walk.commits.size() * kMail;
    } else if (in.source == Source::Maildir) {
      bytes += in.files.size() * kMail;
    } else {
      std::size_t from = in.start;
      for (const PrefixCheck& ch : checks)
        if (ch.in == &in) from = ch.last != std::string_view::npos ? ch.last : ch.at;
      bytes += in.file.view().size() - from;
    }
    if (bytes > kSmallImport) return bytes;
  }
  return bytes;
}

void hash_prefixes(std::vector<PrefixCheck>& checks, ImportCounts& c) {
  auto start = Clock::now();
  for (auto& ch : checks) {
    Xxh128Stream prefix;
    std::size_t seen = 0;
    // Short on a read error: the digest differs, the file is read in full.
    std::size_t done = ch.in->file.scan(ch.at, [&](std::string_view part) {
      std::size_t from = seen;
      seen += part.size();
      if (ch.last >= from && ch.last < seen) {
        prefix.update(part.substr(0, ch.last - from));
        ch.before_last = prefix;
        part.remove_prefix(ch.last - from);
      }
      prefix.update(part);
    });
    ch.in->prefix = prefix;
    Xxh128 d = prefix.digest();
    ch.same = done == ch.at &&
              ch.st.prefix_xxh128 == std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  }
  c.hash_seconds = since(start);
}

}  // namespace

// An mbox resumes where the last import stopped when the bytes it read are
// still the file's first bytes (mail was appended, nothing rewritten) and a
// "From " line follows them; anything else is read in full, and what was
// stored before is recognised as duplicates. Text appended with no "From "
// line first goes on with the last message read (the file was read while
// that message was being written, and ended on a line end): reading
// resumes at that message, whose whole mail replaces the stored part.
//
// Hashing the prefix (~0.015 s for 93 MB with XXH3-128, 0.025 s with UMAC,
// 0.07 s with SHA-1; MappedFile::scan) is the one cost of resuming that
// grows with the file. In a small import it runs on a second thread while
// what the derive pass will need of the mail already stored, which no
// write of this import changes, is loaded: by the Companion in WAL mode
// (it goes on loading while the tail is written), else on this thread.
Importer::Preread Importer::plan_resume(std::vector<ImportInput>& inputs, ImportCounts& c) {
  std::vector<PrefixCheck> checks = prefixes_to_check(store_, inputs);
  Preread pre;
  // A git epoch read before is read from its last commit on (a rewritten
  // one, read in full, is not counted: the parser then skips known mail).
  std::size_t resumed = std::count_if(inputs.begin(), inputs.end(), [](const ImportInput& in) {
    return in.source == Source::Git && in.walk.outcome == GitWalk::Found;
  });
  // Into a database with mail derived before, a small import (an append, a
  // fetch, a day's mail) loads the derive pass's view of that mail ahead:
  // from the derive snapshot, which its first commit drops; loaded after
  // the writes, all of it came from the tables (~1.3 s at 350k messages).
  // A large one would hold that view beside a full pipeline, and it lets
  // the parser skip known mail by their keys, which take memory too.
  // Nothing new to read (a repeated import) needs no view at all.
  const std::size_t bytes = bytes_to_read(inputs, checks);
  const bool small = bytes <= kSmallImport;
  const bool preload =
      small && bytes > 0 && Statement(store_.conn(), "SELECT 1 FROM threads LIMIT 1").step();
  if (!preload) {
    // The hash still decides where each mbox resumes.
    hash_prefixes(checks, c);
  } else {
    pre.companion = Companion::start(store_.conn());
    std::optional<std::thread> hasher;
    if (!checks.empty()) hasher.emplace(hash_prefixes, std::ref(checks), std::ref(c));
    try {
      if (!pre.companion) pre.stored = std::make_shared<StoredMail>(preload_stored_mail(store_.conn()));
    } catch (...) {
      if (hasher) hasher->join();
      throw;
    }
    if (hasher) hasher->join();
  }
  for (auto& ch : checks) {
    if (!ch.same) {
      ch.in->changed = true;
      ch.in->prefix = Xxh128Stream();
      continue;
    }
    ch.in->start = ch.at;
    ch.in->skipped = ch.st.messages;
    if (ch.last != std::string_view::npos) {
      ch.in->start = ch.last;
      ch.in->prefix = ch.before_last;
      ch.in->skipped = ch.st.messages - 1;
      ch.in->continues = std::move(ch.last_key);
    }
    c.skipped += ch.in->skipped;
    ++resumed;
  }
  // Small still once the hashes are known (a rewritten mbox is read in
  // full), or every input resumed.
  pre.writer_finds_known = bytes_to_read(inputs, {}) <= kSmallImport || resumed == inputs.size();
  for (const ImportInput& in : inputs)
    if (in.source == Source::Maildir) c.skipped += in.skipped;
  return pre;
}

void Importer::write_all(Queue& q, Spent& spent, std::vector<ImportInput>& inputs,
                         ImportCounts& c, const Progress& progress) {
  // Commits are paced by time: each costs an fsync of everything written
  // since the last, and a killed import loses at most this much work.
  // Mapped pages behind the writer are released after every batch (in
  // steps of 8 MiB, MappedFile::release_before), which bounds memory
  // whatever the speed; releasing every 5,000 mails held ~50 MB of them.
  constexpr auto kCommitEvery = std::chrono::seconds(2);
  constexpr std::int64_t kProgressEvery = 5000;
  ImportState state(store_.conn(), store_.default_list_id());
  Positions positions(inputs, state);
  auto tx = std::make_unique<Transaction>(store_.conn());
  auto committed = Clock::now();
  for (auto batch = q.pop(); !batch.empty(); batch = q.pop()) {
    auto start = Clock::now();
    for (auto& it : batch) {
      std::string_view raw = it.owned.empty() ? it.raw : std::string_view(it.owned);
      if (!it.commit.empty()) ++c.commits;
      if (it.what == Item::Removal) {
        if (state.record_removal(inputs[it.input].state_key, it.commit, Store::key(raw))) ++c.removals;
      }
      positions.advance(it);
      if (it.what != Item::Mail) continue;
      ++c.read;
      if (it.parsed && it.check_repeat) {
        if (it.parsed->key.empty()) it.parsed->key = Store::key(raw);
        if (store_.has_bytes(it.parsed->key)) it.parsed.reset();
      }
      if (!it.parsed) {
        const bool dropped = store_.drop_cut_short(raw, it.replaces);
        const bool listed = store_.add_list_of_copy(raw);
        ++(dropped ? c.completed : listed ? c.other_lists : c.duplicates);
      } else {
        switch (store_.add_parsed(raw, *it.parsed, it.replaces)) {
          case Added::New: ++c.added; break;
          case Added::Completed: ++c.completed; break;
          case Added::OtherList: ++c.other_lists; break;
          default: ++c.variants; break;
        }
      }
      if (c.read == 5000) crash_point("write:5000");
      if (c.read % kProgressEvery == 0 && progress) progress(c, inputs[it.input].path);
    }
    positions.hash();
    const Item& last = batch.back();
    if (inputs[last.input].source == Source::File) inputs[last.input].file.release_before(last.offset);
    if (Clock::now() - committed >= kCommitEvery) {
      positions.save();
      store_.mark_indexed();
      tx->commit();
      tx = std::make_unique<Transaction>(store_.conn());
      committed = Clock::now();
    }
    spent.give(std::move(batch));
    c.write_seconds += since(start);
  }
  auto start = Clock::now();
  positions.save();
  store_.mark_indexed();
  tx->commit();
  c.write_seconds += since(start);
}

ImportCounts Importer::run(std::vector<ImportInput>& inputs, const Progress& progress) {
  ImportCounts c;
  auto resume = Clock::now();
  Preread pre = plan_resume(inputs, c);
  // Its read must begin before the writes commit (db/snapshot.hh); by now it has.
  if (pre.companion) pre.companion->wait_reading();
  c.resume_seconds = since(resume);
  const std::int64_t lists_set_before = store_.lists_set();
  parse_and_write(inputs, pre, c, progress);
  std::shared_ptr<StoredMail> stored = std::move(pre.stored);
  if (pre.companion) {
    pre.companion->checkpoint();
    auto wait = Clock::now();
    stored = pre.companion->stored();
    c.load_wait_seconds = since(wait);
    c.load_seconds = pre.companion->load_seconds();
  }
  // A list set on a stored message that had none changes its row
  // (list_id): what was loaded before the writes is then read again. A
  // variant (kept bytes) or another list (other_lists) leaves the row as
  // it was: a resend in the appended tail does not cost a reload.
  // A message stored cut short and now replaced by its whole mail
  // (Store::add_parsed) changes rows that were loaded too.
  if (store_.lists_set() > lists_set_before || c.completed > 0) stored.reset();
  run_passes(c, stored.get());
  return c;
}

void Importer::parse_and_write(std::vector<ImportInput>& inputs, Preread& pre, ImportCounts& c,
                               const Progress& progress) {
  Queue q;
  Spent spent;
  ParseOutcome parsed;
  // Only appended mail is read: the writer looks each one up (Parser::prepare)
  // instead of the parser in the keys of all stored mail.
  std::unordered_set<std::string> keys;
  if (!pre.writer_finds_known) keys = store_.known_keys();
  // New mail is indexed as it is stored when the index is complete (a
  // --no-search import leaves it behind: the pass below catches up).
  const bool index_as_stored = search_index_ && store_.search_complete();
  store_.index_as_stored(index_as_stored);
  std::thread parser(parse_all, std::ref(inputs), std::move(keys), index_as_stored, stop_, std::ref(q),
                     std::ref(spent), std::ref(parsed));
  try {
    write_all(q, spent, inputs, c, progress);
  } catch (...) {
    // What was committed stays; the parser is told to stop and drained so
    // that it can be joined.
    q.stop_and_drain();
    parser.join();
    throw;
  }
  parser.join();
  save_maildirs(store_, inputs, parsed);
  // The batches written after the parser's last one are still held (the
  // parser frees spent batches as it hands over new ones): up to a full
  // queue of parsed mail, 17-19 MB of heap at 50k and 350k messages, which
  // would stay through the derive pass, the import's peak at scale.
  spent.free_all();
  store_.index_as_stored(false);
  c.parse_seconds = parsed.seconds;
  c.parse_waited_seconds = q.push_waited();
  c.write_waited_seconds = q.pop_waited();
  c.interrupted = parsed.interrupted;
  c.stopped_input = parsed.input;
  c.stopped_offset = parsed.offset;
  c.truncated_inputs = std::move(parsed.truncated);
  c.rewound_inputs = std::move(parsed.rewound);
  c.errors = std::move(parsed.errors);
}

void Importer::run_passes(ImportCounts& c, StoredMail* stored) {
  // The passes over all mail, and the index builds of a bulk load, commit
  // once: a kill leaves the mail stored and the next import re-derives.
  Transaction tail(store_.conn());
  auto start = Clock::now();
  // Threads and series are derived from stored mail only: nothing new
  // stored, nothing to re-derive (a repeated import stays cheap) - unless
  // an earlier import was stopped before its derive pass committed.
  if (c.added > 0 || c.completed > 0 || c.variants > 0 || c.other_lists > 0 || store_.derive_pending()) {
    // Rows derived before are compared, not rewritten: after an append most
    // stay as they were. Into an empty database everything is new.
    bool derived_before = Statement(store_.conn(), "SELECT 1 FROM threads LIMIT 1").step();
    auto d = store_.rederive(derived_before ? Rewrite::Changed : Rewrite::All, stored);
    c.threads = d.threads;
    c.kinds = d.kinds;
    c.series = d.series;
    c.derived_messages = d.messages;
    c.derive_rewrote = d.rewritten;
    c.derived_from_snapshot = d.from_snapshot;
  } else {
    c.threads = store_.thread_stats();
    c.series = store_.series_count();
  }
  c.derive_seconds = since(start);
  crash_point("tail:derived");
  start = Clock::now();
  c.indexed_as_stored = store_.indexed_as_stored();
  if (search_index_) c.indexed = c.indexed_as_stored + update_search_index(store_.conn(), false);
  c.search_seconds = since(start);
  crash_point("tail:indexed");
  start = Clock::now();
  store_.restore_indexes();
  tail.commit();
  crash_point("tail:committed");
  store_.finish_bulk_load();
  c.finish_seconds = since(start);
}

}  // namespace mlidx::db
