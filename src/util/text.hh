// Byte-level text helpers shared by the parsers. All take string_view into
// the mapped mailbox; none allocate unless they return a std::string.
#pragma once
#include <string>
#include <string_view>

namespace mlidx {

bool is_valid_utf8(std::string_view s);
// Invalid or truncated UTF-8 sequences become U+FFFD (one per bad byte), so
// no byte is dropped silently and the result is always valid UTF-8.
std::string repair_utf8(std::string_view s);
void append_repaired_utf8(std::string& out, std::string_view s);
// NUL and other C0 controls except TAB/LF are replaced by U+FFFD in header
// text: they cannot be typed in a header and break terminals and tools.
std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);
// Collapses runs of spaces/tabs to one space and trims.
std::string collapse_space(std::string_view s);

}  // namespace mlidx
