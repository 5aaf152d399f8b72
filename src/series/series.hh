// Patchwork's classification and series grouping over the whole archive, in
// import order, in memory (like the threader, no recursion on user data).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "thread/threader.hh"
#include "util/intern.hh"

namespace mlidx {

// What the series pass reads of one message beyond its MailGraph entry
// (Message-ID, references, date), compact: texts only where a rule reads
// them.
struct SeriesFacts {
  static constexpr std::uint32_t kNone = InternTable::kNone;
  std::uint32_t submitter = 0;    // SeriesInput::submitters
  // SeriesInput::texts: the name, and a cover letter's title right after
  // it; only for patches 1/N and covers (needs_name).
  std::uint32_t name = kNone;
  std::int32_t number = -1, total = 0, version = 1;  // as in SeriesMail
  bool has_date : 1 = false;      // MailGraph::date is the epoch
  bool is_patch : 1 = false, is_reply : 1 = false, ignored : 1 = false, empty : 1 = false;
  // Whether the rules read this mail's name and title: a patch that is
  // (or counts as) number 1, a possible cover letter.
  bool needs_name() const { return is_patch ? total <= 0 || number == 1 : number == 0 && !is_reply; }
};

struct SeriesInput {
  InternTable submitters;
  StringPool texts;
  std::vector<SeriesFacts> mails;  // per MailGraph message
};

struct SeriesMail {
  std::int64_t id = 0;
  std::string msgid;
  std::int64_t date = 0;      // epoch seconds
  bool has_date = false;
  std::string submitter;      // From address, lower-cased (Patchwork's Person)
  bool is_patch = false;      // patch_data row: non-reply with diff or pull request
  bool is_reply = false;
  bool ignored = false;       // X-Patchwork-Hint: ignore
  bool empty = false;         // no diff and no text: Patchwork skips it
  int number = -1;            // -1: no N/M marker
  int total = 0;
  int version = 1;
  std::string name;           // Patchwork name ("[v2,1/3] x")
  std::string title;          // name without its [...] group
  // Patchwork's find_references order: In-Reply-To, then References newest
  // first, without duplicates.
  std::vector<std::string> refs;
};

enum class MailKind : std::uint8_t { Message, Patch, Cover, Comment };

struct SeriesResult {
  // Texts by number (texts): ~70 bytes a series where three std::strings
  // (name, submitter, patch 1's name) took ~170 more on the heap, and the
  // pass holds one series for every ten mails or so (docs/PERFORMANCE.md,
  // "Derive memory").
  static constexpr std::uint32_t kNoText = InternTable::kNone;
  struct Series {
    std::int64_t id;            // 1-based, in creation order: stable
    std::int64_t date = 0;
    std::int64_t cover_id = 0;  // 0: none
    std::int64_t first_id = 0;  // the mail that created it
    std::int64_t previous_id = 0;  // the earlier version of this series, 0 if none
    std::uint32_t name = kNoText;
    std::uint32_t submitter = kNoText;
    std::uint32_t patch1_name = kNoText;  // name of its patch 1, once seen
    int version = 1, total = 0, received = 0;
    bool has_date = false;
    bool superseded = false;       // a later version links here
  };
  InternTable texts;  // the series' names and submitters
  std::string_view text(std::uint32_t t) const { return t == kNoText ? std::string_view() : texts.at(t); }
  // One per input mail: 24 bytes.
  struct Mail {
    std::int64_t on = 0;         // comments: the patch's or cover letter's messages.id
    std::uint32_t series_id = 0; // patches and covers, 0 if none
    std::int32_t number = 0;     // patches in a series
    MailKind kind = MailKind::Message;
    bool on_patch = false;       // comments: `on` is a patch
    std::int64_t patch_id() const { return kind == MailKind::Comment && on_patch ? on : 0; }
    std::int64_t cover_id() const { return kind == MailKind::Comment && !on_patch ? on : 0; }
  };
  std::vector<Series> series;
  std::vector<Mail> mails;       // same order as the input
};

// `mails` in import order (Patchwork parses one mail after the other, and
// some of its rules depend on what came before). A message's references in
// Patchwork's find_references order: In-Reply-To (MailGraph::parent), then
// References newest first, without the In-Reply-To id again.
SeriesResult compute_series(const MailGraph& graph, const SeriesInput& mails);
// The same from plain strings (tests); SeriesMail::refs in Patchwork's order.
SeriesResult compute_series(const std::vector<SeriesMail>& mails);

// Links the versions of one series (not in Patchwork; b4 does it): a series
// of version N follows the latest earlier series by the same submitter with
// a lower version whose name, or patch 1's, reads the same once "[...]"
// prefixes and version tokens are dropped. Called by compute_series.
void link_versions(SeriesResult& result);

}  // namespace mlidx
