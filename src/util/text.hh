// Byte-level text helpers shared by the parsers. All take string_view into
// the mapped mailbox; none allocate unless they return a std::string.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlidx {

// Strict UTF-8 (RFC 3629 section 4): overlong forms, UTF-16 surrogates
// (U+D800..U+DFFF) and code points above U+10FFFF are invalid.
bool is_valid_utf8(std::string_view s);
// Invalid or truncated UTF-8 sequences become U+FFFD (one per bad byte), so
// no byte is dropped silently and the result is always valid UTF-8.
std::string repair_utf8(std::string_view s);
// As repair_utf8, appending to `out`. Returns the number of bytes replaced.
std::size_t append_repaired_utf8(std::string& out, std::string_view s);
// Length of the longest prefix of `s` that is at most `max_bytes` long and
// does not end inside a UTF-8 sequence (for capping text without splitting a
// character).
std::size_t utf8_prefix_len(std::string_view s, std::size_t max_bytes);
// Code points in UTF-8 text (bytes that do not continue a sequence): what
// SQL's length() and Python's len() count.
std::size_t utf8_length(std::string_view s);
// NUL and the other C0 controls except TAB become U+FFFD: they cannot be
// typed in a header and break terminals, SQL clients and tools.
std::string replace_controls(std::string_view s);
std::string_view trim(std::string_view s);
// Appends s as a JSON string literal (RFC 8259 section 7); s must be UTF-8.
void append_json_string(std::string& out, std::string_view s);
// CRLF line ends become LF (mail stored from CRLF mailboxes reads the same).
void crlf_to_lf(std::string& s);
// A JSON array of strings, e.g. ["v3","07/24"].
std::string json_string_array(const std::vector<std::string>& items);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);

}  // namespace mlidx
