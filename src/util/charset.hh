// Charset conversion to UTF-8 through glibc iconv. One converter per charset
// is cached per thread, since iconv_open is far slower than a conversion.
#pragma once
#include <string>
#include <string_view>

namespace mlidx {

struct Converted {
  std::string text;             // always valid UTF-8
  bool unknown_charset = false; // charset not known to iconv: bytes were read as UTF-8
  bool invalid_bytes = false;   // some input bytes became U+FFFD
};

// Converts `bytes` in `charset` (any case, MIME/IANA names and common
// aliases) to UTF-8. Invalid sequences become U+FFFD, never dropped. An empty
// charset means us-ascii/UTF-8.
Converted to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace mlidx
