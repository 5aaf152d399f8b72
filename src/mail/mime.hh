// MIME structure of a message body. mimetic is used for multipart structure
// only, behind a size and depth gate; header decoding, transfer decoding
// (base64, quoted-printable) and charsets are ours.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mail/header.hh"
#include "mail/problems.hh"
#include "util/codec.hh"

namespace mlidx {

struct MimePart {
  std::string content_type;  // lower-case type/subtype, "text/plain" if none
  std::string filename;      // decoded, UTF-8; empty if none
  std::string disposition;   // lower-case "inline"/"attachment"/""
  std::size_t size = 0;      // decoded size in bytes
  std::string text;          // decoded UTF-8 text for text/* parts, else empty
  bool is_text = false;
};

inline constexpr std::size_t kMaxMimeDepth = 32;
inline constexpr std::size_t kMaxMimeParts = 1000;
inline constexpr std::size_t kMaxMimeInput = 64u << 20;

// Leaf parts in document order; never empty. A non-multipart message gives one
// part without touching mimetic; message/rfc822 parts are leaves (not
// descended). Problems recorded: "bad-mime" (no usable boundary, no parts,
// mimetic threw), "truncated-mime" (no closing delimiter), "mime-limit"
// (depth/part/size gate: the body becomes one text/plain part),
// "unknown-encoding", "unknown-charset", "bad-charset".
std::vector<MimePart> parse_mime(const HeaderBlock& header, Problems& problems);

// Quoted-printable (RFC 2045 6.7), exposed for tests; linear and total:
// invalid '=' sequences are kept as written. decode_base64 is in
// util/codec.hh.
std::string decode_quoted_printable(std::string_view in);

}  // namespace mlidx
