// What the listing commands (thread, series) share: mail text made safe for
// a terminal, short dates, fixed-width columns, JSON values and mboxrd.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/sqlite.hh"

namespace mlidx::cli {

// Mail text for a terminal: invalid UTF-8 repaired; C0 and C1 controls and
// DEL (an ESC or CSI in a subject could rewrite the screen) become U+FFFD.
// For one line (the default) tabs and line breaks become spaces; with
// Lines::Keep (a body) tabs and line feeds stay.
enum class Lines { One, Keep };
std::string terminal_text(std::string_view s, Lines lines = Lines::One);
// "2026-11-22T03:42:37" -> "2026-11-22 03:42"; an empty date -> "-".
std::string short_date(std::string_view iso);
// Width in code points: good enough for aligning mail text.
std::size_t display_width(std::string_view s);
// `s` cut (ending in "…") or padded with spaces to `width` code points.
std::string fit(std::string_view s, std::size_t width);
// Display name, else the address, else "-"; terminal-safe.
std::string author(std::string_view name, std::string_view email);

// A database id written in decimal ("42"), else nullopt.
std::optional<std::int64_t> parse_id(std::string_view s);

// A JSON string (UTF-8 repaired); the _or_null form writes "" as null.
std::string json_str(std::string_view s);
std::string json_str_or_null(std::string_view s);
// A column as a JSON value: text (UTF-8 repaired) or integer, null for NULL.
std::string json_text(const db::Statement& st, int col);
std::string json_int(const db::Statement& st, int col);

}  // namespace mlidx::cli
