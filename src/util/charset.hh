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
// aliases) to UTF-8. Invalid sequences become U+FFFD (one per skipped byte),
// never dropped. An empty charset means us-ascii/UTF-8.
//
// Leniency for labels real mail gets wrong: us-ascii (and "unknown-8bit",
// "8bit", ...) text with 8-bit bytes is kept if it is valid UTF-8, else read
// as windows-1252; iso-8859-1 is read as windows-1252, its superset in
// practice; gb2312 as GB18030, ks_c_5601-1987 / euc-kr as CP949, shift_jis as
// CP932. Quotes, trailing junk and an RFC 2231 "*lang" suffix are ignored.
Converted to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace mlidx
