// Writing query results: aligned table, TSV, CSV, JSON, JSON lines.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

#include "db/sqlite.hh"

namespace mlidx::cli {

enum class Format { Table, Tsv, Csv, Json, Jsonl };

std::string json_quote(std::string_view s);
// Steps `st` to completion, writing every row; returns the row count.
std::size_t write_rows(db::Statement& st, Format f, std::FILE* out);

}  // namespace mlidx::cli
