// RFC 5322 header block splitting, on the raw bytes (not mimetic: it is
// quadratic on multi-megabyte fields and ends the block at a line without a
// colon).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mail/problems.hh"

namespace mlidx {

struct RawField {
  std::string_view name;   // as written, without the colon
  std::string_view value;  // raw, after "name:", folding and line ends kept
};

struct HeaderBlock {
  std::vector<RawField> fields;
  std::string_view body;  // after the blank line that ends the header
};

// Limits that keep header parsing linear and bounded (public-inbox and
// mimetic's quadratic field parser are the cautionary cases).
inline constexpr std::size_t kMaxHeaderFields = 4096;
// A field longer than this is stored as written but not decoded: no real
// header comes near it (a 512-id References is ~30 KB), and decoding a
// multi-megabyte value would only make the text of the headers view huge.
inline constexpr std::size_t kMaxDecodedField = 256u << 10;

HeaderBlock split_header(std::string_view message, Problems& problems);

// RFC 5322 2.2.3: unfolding removes CRLF before WSP. We also drop the CR of
// CRLF line ends and trim the value.
std::string unfold(std::string_view raw_value);

// First field named `name` (case-insensitive), or nullptr.
const RawField* find_field(const HeaderBlock& h, std::string_view name);

}  // namespace mlidx
