// Transfer decoders shared by MIME bodies and RFC 2047 encoded words; total
// (any input decodes) and linear. mimetic's own base64 decoder reads past its
// table on bytes like '|', so it is never used.
#pragma once
#include <string>
#include <string_view>

namespace mlidx {

// The value of a hex digit, or -1.
int hex_value(char c);

// Tolerant base64 (RFC 4648 section 4, RFC 2045 6.8): white space skipped,
// other bytes outside the alphabet skipped and flagged in *had_garbage,
// data after '=' padding decoded too (concatenated encodings).
std::string decode_base64(std::string_view in, bool* had_garbage = nullptr);

}  // namespace mlidx
