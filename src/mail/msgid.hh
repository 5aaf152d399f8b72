// Message-ID parsing. A lenient parser for the Message-ID field itself and a
// strict one for ids referenced from In-Reply-To/References (notmuch keeps
// the same split): what a message says about itself is taken as far as
// possible, what it says about others only when it is clearly an id.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mlidx {

// public-inbox caps ids too; longer ones are cut and the cut recorded.
inline constexpr std::size_t kMaxMsgidLen = 250;
// A References header longer than this keeps its newest entries only.
inline constexpr std::size_t kMaxReferences = 512;

struct LenientId {
  std::string id;        // without angle brackets; empty if none found
  bool truncated = false;
};

// Angle brackets removed, whitespace and (comments) dropped, length capped.
LenientId parse_msgid_lenient(std::string_view value);

// Every <id> in the value, in order, without brackets; ids longer than the
// cap are dropped. A value without any <...> is junk (old git-send-email
// put "y"/"n" there) unless it is a lone token containing '@'; whether such a
// token is a bare address rather than an id is for the caller to judge, since
// only it knows the mail's addresses.
// Keeps the newest kMaxReferences ids; `dropped` (if given) counts the
// older ones left out.
std::vector<std::string> parse_msgid_refs(std::string_view value, std::size_t* dropped = nullptr);

}  // namespace mlidx
