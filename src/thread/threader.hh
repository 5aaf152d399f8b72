// Threading over the whole archive, in memory and without recursion.
//
// A thread is a connected set of messages linked by any id in In-Reply-To or
// References (notmuch and public-inbox merge threads this way, so a reply
// that names only the cover letter still lands with the patches). Inside a
// thread each message's displayed parent is its In-Reply-To, else its last
// References entry. Ids referred to but never received are ghosts.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mlidx {

struct ThreadMessage {
  std::int64_t id;           // messages.id
  std::string msgid;
  std::string date;          // UTC text, may be empty
  std::string subject;
  std::string parent;        // displayed parent msgid, may be empty
  std::vector<std::string> refs;  // References order, then In-Reply-To
};

struct ThreadInfo {
  std::int64_t id;           // smallest messages.id in the thread: stable
  std::string root_msgid;    // may be a ghost's
  std::string subject;
  std::int64_t message_count = 0;
  std::int64_t ghost_count = 0;
  std::string first_date, last_date;
};

struct GhostInfo {
  std::string msgid;
  std::int64_t thread_id;
  std::string parent_msgid;  // from a References chain, may be empty
};

struct Threading {
  std::vector<std::int64_t> thread_of;  // per input message, same order
  std::vector<ThreadInfo> threads;      // sorted by id
  std::vector<GhostInfo> ghosts;        // sorted by msgid
};

Threading compute_threads(const std::vector<ThreadMessage>& messages);

}  // namespace mlidx
