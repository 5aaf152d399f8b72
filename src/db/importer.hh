// The import pipeline: one thread splits and parses mail while the calling
// thread writes SQLite, joined by a bounded queue (two cores, two stages).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>
#include <string>
#include <vector>

#include "db/store.hh"
#include "mbox/mbox.hh"
#include "mbox/sources.hh"
#include "util/mapped_file.hh"
#include "util/xxh128.hh"

namespace mlidx::db {

// Where an input's mail comes from: a mapped file (an mbox or one mail,
// spooled stdin and inflated .gz included), a Maildir's files, or a
// public-inbox epoch read through git.
enum class Source { File, Maildir, Git };

struct ImportInput {
  ImportInput(std::string p, MappedFile f, InputKind k, Source s = Source::File)
      : path(std::move(p)), file(std::move(f)), kind(k), source(s) {}
  std::string path;
  MappedFile file;
  InputKind kind;
  Source source = Source::File;
  // Canonical path under which import_state remembers this input; empty:
  // nothing is remembered (stdin, .gz, one mail).
  std::string state_key;
  std::vector<MaildirFile> files;  // Maildir: its mail files in order (list_maildir)
  // Maildir: files whose ctime is earlier were there, and read, when this
  // import listed it (Importer::plan_resume; schema/0010).
  std::int64_t listed_ns = 0;
  // Set by the importer from import_state: where reading starts.
  std::size_t start = 0;            // mbox: a byte offset
  std::int64_t skipped = 0;         // messages (git: commits, Maildir: files) read by earlier imports
  bool changed = false;             // mbox: rewritten since then, read in full
  std::string since;                // git: the last commit read before
  GitWalk walk;                     // git: the commits after `since`, when found
  Xxh128Stream prefix;              // mbox: hash of the bytes before `start`
  // mbox: the key (Store::key) of the last message an earlier import read,
  // when text was appended to it with no new "From " line: the file ended
  // inside it, on a line end. Reading starts at that message again.
  std::string continues;
};

struct ImportCounts {
  std::int64_t read = 0, added = 0, duplicates = 0, variants = 0;
  // Mail already stored, now also seen on another list (issue 7).
  std::int64_t other_lists = 0;
  // Mail that replaced a message stored cut short (Added::Completed).
  std::int64_t completed = 0;
  // Resuming: the prefix hashed on one thread, the stored mail loaded on
  // the other (Importer::plan_resume); hash_seconds is the first alone.
  double resume_seconds = 0, hash_seconds = 0;
  double parse_seconds = 0;   // split + hash + parse, on the parser thread
  double write_seconds = 0;   // inserts and commits, on the writer thread
  // Which thread bounds the import: the parser waiting for room in the
  // queue (the writer is slower), the writer waiting for a batch.
  double parse_waited_seconds = 0, write_waited_seconds = 0;
  double derive_seconds = 0;  // threads, classification, series (Store::rederive)
  // Resuming in WAL mode: the stored mail's load on the companion thread,
  // and how long the passes waited for it once the writes were done.
  double load_seconds = 0, load_wait_seconds = 0;
  std::int64_t derived_messages = 0, derive_rewrote = 0, derived_from_snapshot = 0;  // Store::Derived
  double search_seconds = 0;  // the full-text index
  double finish_seconds = 0;  // deferred index builds at the end of a bulk load
  std::int64_t indexed = 0;   // messages added to the full-text index
  std::int64_t indexed_as_stored = 0;  // of which by the writer (Store::index_as_stored)
  ThreadStats threads;
  std::int64_t series = 0;
  std::optional<Store::KindCounts> kinds;  // when a derive pass ran
  // Set when the stop flag ended the import early: the input being read and
  // how far into it (what was read is stored and derived).
  bool interrupted = false;
  std::size_t stopped_input = 0, stopped_offset = 0;
  // mbox inputs whose last message ends mid-line: cut short by a failed
  // download or copy. The message is stored with a `truncated` problem.
  std::vector<std::size_t> truncated_inputs;
  std::int64_t skipped = 0;      // messages earlier imports read, not read again
  std::int64_t commits = 0;      // public-inbox commits read
  std::int64_t removals = 0;     // of which removals (recorded)
  std::vector<std::size_t> rewound_inputs;  // epochs whose history was rewritten: read in full
  std::vector<Error> errors;     // inputs that failed part-way (what was read is kept)
};

class Queue;
class Spent;
class Companion;

class Importer {
 public:
  using Progress = std::function<void(const ImportCounts&, const std::string& path)>;
  explicit Importer(Store& store) : store_(store) {}
  // Without the full-text index the import is faster; a later import with
  // it indexes whatever is missing (import --no-search).
  void set_search_index(bool on) { search_index_ = on; }
  // Checked between messages (set from a SIGINT handler): the parser stops,
  // the writer stores what was read, the passes run as usual.
  void set_stop_flag(const std::atomic<bool>* stop) { stop_ = stop; }
  // Imports every input in order, commits in batches, then re-threads.
  // Throws DbError on a database failure (what was committed stays).
  ImportCounts run(std::vector<ImportInput>& inputs, const Progress& progress = {});

 private:
  void write_all(Queue& q, Spent& spent, std::vector<ImportInput>& inputs, ImportCounts& c,
                 const Progress& progress);
  // What plan_resume read of the database while it checked the prefixes:
  // the stored mail for the derive pass (null when there was nothing to
  // check, or when the companion loads it), and the keys of the stored mail
  // for the parser (none needed when every input resumed: the writer looks
  // up what the parser read).
  struct Preread {
    Preread();
    Preread(Preread&&) noexcept;
    ~Preread();
    std::shared_ptr<StoredMail> stored;
    std::unique_ptr<Companion> companion;
    // The writer, not the parser, finds the mail stored before: every
    // input is resumed, or the import is small (Importer::plan_resume).
    bool writer_finds_known = false;
  };
  Preread plan_resume(std::vector<ImportInput>& inputs, ImportCounts& c);
  // The parser thread and the writer (this thread) over every input.
  void parse_and_write(std::vector<ImportInput>& inputs, Preread& pre, ImportCounts& c,
                       const Progress& progress);
  // The derive pass, the search index's catch-up and the deferred index
  // builds, in one transaction. `stored`: mail loaded ahead, or null.
  void run_passes(ImportCounts& c, StoredMail* stored);

  Store& store_;
  bool search_index_ = true;
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace mlidx::db
