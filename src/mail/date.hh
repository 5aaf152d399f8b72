// Date header parsing to UTC: RFC 5322 3.3 and the obsolete forms of 4.3
// seen in real mail (two-digit years, zone names, missing seconds, comments).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mlidx {

// Seconds since the epoch, UTC; nullopt when the value cannot be read as a
// date without guessing.
std::optional<std::int64_t> parse_date(std::string_view value);

// "YYYY-MM-DDTHH:MM:SS", as in Patchwork's records.
std::string format_utc(std::int64_t epoch);

}  // namespace mlidx
