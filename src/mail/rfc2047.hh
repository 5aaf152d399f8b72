// RFC 2047 encoded words in header values, decoded to UTF-8.
#pragma once
#include <string>
#include <string_view>

#include "mail/problems.hh"

namespace mlidx {

// Decodes an unfolded header value: encoded words (B and Q, any charset,
// RFC 2231 "*lang" suffix) become UTF-8; whitespace between adjacent encoded
// words is dropped (RFC 2047 6.2) and the bytes of adjacent words in one
// charset are joined before conversion, so a multi-byte character split across
// words survives. Raw 8-bit text outside encoded words is kept if it is valid
// UTF-8, else each bad byte becomes U+FFFD and a problem is recorded. A
// malformed encoded word is left as written and recorded.
std::string decode_header_text(std::string_view value, Problems& problems);

}  // namespace mlidx
