// Threading over the whole archive, in memory and without recursion.
//
// A thread is a connected set of messages linked by any id in In-Reply-To or
// References (notmuch and public-inbox merge threads this way, so a reply
// that names only the cover letter still lands with the patches). Inside a
// thread each message's displayed parent is its In-Reply-To, else its last
// References entry. Ids referred to but never received are ghosts.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/intern.hh"

namespace mlidx {

// What threading (and the series pass) reads of every message, compact: a
// few numbers per message, each Message-ID stored once (InternTable), so
// that the derive pass's memory stays small at archive scale
// (docs/PERFORMANCE.md, "Derive memory"). Messages are added in id order.
struct MailGraph {
  static constexpr std::uint32_t kNone = InternTable::kNone;
  static constexpr std::int64_t kNoDate = INT64_MIN;

  InternTable ids;                      // messages' Message-IDs and those they name
  std::vector<std::uint32_t> message_of;  // per ids entry: its message, kNone for a ghost
  std::vector<std::int64_t> id;         // per message: messages.id
  std::vector<std::uint32_t> msgid;     // per message: its ids entry
  std::vector<std::uint32_t> parent;    // per message: displayed parent, kNone if none
  // Per message: epoch of the UTC text, kNoDate if none (0 for text that
  // does not parse, see odd_dates).
  std::vector<std::int64_t> date;
  std::vector<std::uint64_t> refs_end;  // message i's refs end at refs_end[i]
  std::vector<std::uint32_t> refs;      // References order, then In-Reply-To
  // Date texts that are not format_utc(date): a database not written by
  // this version. Compared and copied as text, like every date before.
  std::unordered_map<std::uint32_t, std::string> odd_dates;

  std::size_t size() const { return id.size(); }
  std::uint32_t add(std::int64_t message_id, std::string_view msgid, std::string_view date,
                    std::string_view parent);
  void add_ref(std::string_view ref);  // to the message added last
  std::span<const std::uint32_t> refs_of(std::size_t i) const {
    std::uint64_t b = i ? refs_end[i - 1] : 0;
    return {refs.data() + b, refs.data() + refs_end[i]};
  }
  bool has_date(std::size_t i) const { return date[i] != kNoDate; }
  // Whether date[i] is the parsed date text (the series pass's rules).
  bool parsed_date(std::size_t i) const;
  std::string date_text(std::size_t i) const;  // "" when none
  // <0, 0, >0 as the date texts compare; both messages have one.
  int compare_dates(std::size_t a, std::size_t b) const;
  void reserve(std::size_t messages, std::size_t refs);
  std::size_t bytes() const;  // heap held, for the measurements
};

// Threads and ghosts by number (MailGraph entries): strings are made as
// the rows are written.
struct ThreadInfo {
  std::int64_t id;              // smallest messages.id in the thread: stable
  std::int64_t subject_of = 0;  // the message whose subject names the thread
  std::int64_t message_count = 0;
  std::int64_t ghost_count = 0;
  std::uint32_t root = MailGraph::kNone;  // ids entry, may be a ghost's
  // Messages with its first and last date, kNone when none has a date.
  std::uint32_t first = MailGraph::kNone, last = MailGraph::kNone;
};

struct GhostInfo {
  std::uint32_t msgid;          // ids entry
  std::uint32_t parent;         // from a References chain, kNone if none
  std::int64_t thread_id;
};

struct Threading {
  std::vector<std::int64_t> thread_of;  // per input message, same order
  std::vector<ThreadInfo> threads;      // sorted by id
  std::vector<GhostInfo> ghosts;        // sorted by msgid
};

Threading compute_threads(const MailGraph& mail);

// The same from plain strings (tests, small inputs), with strings out.
struct ThreadMessage {
  std::int64_t id;           // messages.id
  std::string msgid;
  std::string date;          // UTC text, may be empty
  std::string subject;
  std::string parent;        // displayed parent msgid, may be empty
  std::vector<std::string> refs;  // References order, then In-Reply-To
};
struct ThreadText {
  std::int64_t id;
  std::string root_msgid, subject;
  std::int64_t message_count = 0, ghost_count = 0;
  std::string first_date, last_date;
};
struct GhostText {
  std::string msgid;
  std::int64_t thread_id;
  std::string parent_msgid;
};
struct ThreadingText {
  std::vector<std::int64_t> thread_of;
  std::vector<ThreadText> threads;
  std::vector<GhostText> ghosts;
};
ThreadingText compute_threads(const std::vector<ThreadMessage>& messages);

}  // namespace mlidx
