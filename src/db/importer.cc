#include "db/importer.hh"

#include "db/search_index.hh"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <deque>
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
  std::string owned;      // set when mbox quoting had to be undone
  bool check_repeat = false;  // the writer looks the bytes up (new database)
  std::optional<ParsedMail> parsed;  // empty: the bytes are already stored
  std::size_t input = 0, offset = 0;
};

}  // namespace

// Bounded so that the parser cannot run ahead by more than a few MB of mail.
class Queue {
 public:
  void push(std::vector<Item> batch) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < kMaxBatches || stopped_; });
    q_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  // An empty batch means the producer is done.
  std::vector<Item> pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty(); });
    std::vector<Item> b = std::move(q_.front());
    q_.pop_front();
    if (b.empty()) ended_ = true;
    not_full_.notify_one();
    return b;
  }
  // The writer failed: lets the producer finish without blocking and
  // consumes the rest, unless the end was already seen (a failure in the
  // last commit: waiting for another end would wait forever).
  void stop_and_drain() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      not_full_.notify_all();
    }
    while (!ended() && !pop().empty()) {
    }
  }
  // Batches waiting: a full queue means the writer is the slower stage.
  std::size_t size() {
    std::lock_guard lock(mu_);
    return q_.size();
  }
  static constexpr std::size_t capacity() { return kMaxBatches; }
  bool ended() {
    std::lock_guard lock(mu_);
    return ended_;
  }
  bool stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }

 private:
  static constexpr std::size_t kMaxBatches = 16;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::vector<Item>> q_;
  bool stopped_ = false;
  bool ended_ = false;
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

// What the parser thread reports back once joined.
struct ParseOutcome {
  double seconds = 0;
  bool interrupted = false;
  std::size_t input = 0, offset = 0;
  std::vector<std::size_t> truncated;
};

// An mbox writer ends every message with a line end: a last line without
// one means the file was cut short (a failed download or copy). A single
// mail file written by hand often lacks it, so only mbox files count; a cut
// that falls on a line end cannot be told from a whole file.
bool ends_mid_line(const ImportInput& in) {
  std::string_view file = in.file.view();
  return in.kind == InputKind::Mbox && !file.empty() && file.back() != '\n';
}

void parse_all(std::vector<ImportInput>& inputs, std::unordered_set<std::string> known,
               const std::atomic<bool>* stop, Queue& q, Spent& spent, ParseOutcome& out) {
  auto start = Clock::now();
  // Into an empty database the writer hashes each mail (it has time to
  // spare, the parser has not) and finds repeats with its index; otherwise
  // known mail is recognised here and not parsed at all.
  const bool dedupe_here = !known.empty();
  std::vector<Item> batch;
  for (std::size_t i = 0; i < inputs.size() && !q.stopped() && !out.interrupted; ++i) {
    const std::string_view file = inputs[i].file.view();
    const bool cut_short = ends_mid_line(inputs[i]);
    if (cut_short) out.truncated.push_back(i);
    MboxReader reader(file, inputs[i].kind);
    MboxMessage m;
    while (true) {
      // Checked before each message, so that an import stopped before it
      // began reads nothing.
      if (stop && stop->load(std::memory_order_relaxed)) {
        out.interrupted = true;
        out.input = i;
        out.offset = reader.offset();
        break;
      }
      if (!reader.next(m)) break;
      Item it;
      it.input = i;
      it.offset = reader.offset();
      if (m.raw.data() < file.data() || m.raw.data() >= file.data() + file.size()) {
        it.owned = std::string(m.raw);  // the reader's unquoting buffer is reused
      } else {
        it.raw = m.raw;
      }
      std::string key;
      // Into a new database, hashing is shared: the parser hashes while the
      // writer has a backlog, the writer does the rest.
      if (dedupe_here || q.size() >= Queue::capacity() / 2) key = Store::key(m.raw);
      it.check_repeat = !dedupe_here;
      // A key seen earlier in this run is a duplicate too.
      if (!dedupe_here || known.insert(key).second) it.parsed = Store::prepare(m.raw, std::move(key));
      if (it.parsed && cut_short && it.offset == file.size())
        it.parsed->mail.problems.add("truncated", "the file ends inside this message, mid-line");
      batch.push_back(std::move(it));
      if (batch.size() == kBatchItems) {
        q.push(std::move(batch));
        batch.clear();
        spent.free_all();
        if (q.stopped()) break;  // the writer failed: stop parsing
      }
    }
  }
  if (!batch.empty()) q.push(std::move(batch));
  out.seconds = since(start);
  q.push({});
}

}  // namespace

void Importer::write_all(Queue& q, Spent& spent, std::vector<ImportInput>& inputs,
                         ImportCounts& c, const Progress& progress) {
  // Commits are paced by time: each costs an fsync of everything written
  // since the last, and a killed import loses at most this much work.
  // Mapped pages behind the writer are released by count, which bounds
  // memory whatever the speed.
  constexpr auto kCommitEvery = std::chrono::seconds(2);
  constexpr std::int64_t kReleaseEvery = 5000;
  auto tx = std::make_unique<Transaction>(store_.conn());
  auto committed = Clock::now();
  for (auto batch = q.pop(); !batch.empty(); batch = q.pop()) {
    auto start = Clock::now();
    for (auto& it : batch) {
      ++c.read;
      std::string_view raw = it.owned.empty() ? it.raw : std::string_view(it.owned);
      if (it.parsed && it.check_repeat) {
        if (it.parsed->key.empty()) it.parsed->key = Store::key(raw);
        if (store_.has_bytes(it.parsed->key)) it.parsed.reset();
      }
      if (!it.parsed) {
        ++(store_.add_list_of_copy(raw) ? c.other_lists : c.duplicates);
      } else {
        switch (store_.add_parsed(raw, *it.parsed)) {
          case Added::New: ++c.added; break;
          case Added::OtherList: ++c.other_lists; break;
          default: ++c.variants; break;
        }
      }
      if (c.read == 5000) crash_point("write:5000");
      if (c.read % kReleaseEvery == 0) {
        inputs[it.input].file.release_before(it.offset);
        if (progress) progress(c, inputs[it.input].path);
      }
    }
    if (Clock::now() - committed >= kCommitEvery) {
      tx->commit();
      tx = std::make_unique<Transaction>(store_.conn());
      committed = Clock::now();
    }
    spent.give(std::move(batch));
    c.write_seconds += since(start);
  }
  auto start = Clock::now();
  tx->commit();
  c.write_seconds += since(start);
}

ImportCounts Importer::run(std::vector<ImportInput>& inputs, const Progress& progress) {
  ImportCounts c;
  Queue q;
  Spent spent;
  ParseOutcome parsed;
  std::thread parser(parse_all, std::ref(inputs), store_.known_keys(), stop_, std::ref(q),
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
  c.parse_seconds = parsed.seconds;
  c.interrupted = parsed.interrupted;
  c.stopped_input = parsed.input;
  c.stopped_offset = parsed.offset;
  c.truncated_inputs = std::move(parsed.truncated);
  // The passes over all mail, and the index builds of a bulk load, commit
  // once: a kill leaves the mail stored and the next import re-derives.
  Transaction tail(store_.conn());
  auto start = Clock::now();
  // Threads and series are derived from stored mail only: nothing new
  // stored, nothing to re-derive (a repeated import stays cheap) - unless
  // an earlier import was stopped before its derive pass committed.
  if (c.added > 0 || c.variants > 0 || c.other_lists > 0 || store_.derive_pending()) {
    auto d = store_.rederive();
    c.threads = d.threads;
    c.series = d.series;
  } else {
    c.threads = store_.thread_stats();
    c.series = store_.series_count();
  }
  c.derive_seconds = since(start);
  crash_point("tail:derived");
  start = Clock::now();
  if (search_index_) c.indexed = update_search_index(store_.conn(), false);
  c.search_seconds = since(start);
  crash_point("tail:indexed");
  start = Clock::now();
  store_.restore_indexes();
  tail.commit();
  crash_point("tail:committed");
  store_.finish_bulk_load();
  c.finish_seconds = since(start);
  return c;
}

}  // namespace mlidx::db
