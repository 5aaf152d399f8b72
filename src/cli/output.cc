#include "cli/output.hh"

#include <fmt/format.h>

#include <vector>

#include "util/text.hh"

namespace mlidx::cli {
namespace {

using Row = std::vector<std::string>;

std::string cell(db::Statement& st, int col) {
  switch (sqlite3_column_type(st.handle(), col)) {
    case SQLITE_NULL: return {};
    case SQLITE_BLOB: return fmt::format("<blob {} bytes>", sqlite3_column_bytes(st.handle(), col));
    default: return repair_utf8(st.text(col));
  }
}

std::string json_value(db::Statement& st, int col) {
  switch (sqlite3_column_type(st.handle(), col)) {
    case SQLITE_NULL: return "null";
    case SQLITE_INTEGER: return std::to_string(st.int64(col));
    case SQLITE_FLOAT: return fmt::format("{}", sqlite3_column_double(st.handle(), col));
    default: return json_quote(cell(st, col));
  }
}

std::string csv_quote(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Display width in code points: good enough for aligning mail text.
std::size_t width(std::string_view s) {
  std::size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s;
}

void write_table(const Row& names, const std::vector<Row>& rows, std::FILE* out) {
  std::vector<std::size_t> w(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) w[i] = width(names[i]);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  auto line = [&](const Row& r) {
    std::string s;
    for (std::size_t i = 0; i < r.size(); ++i) {
      s += r[i];
      if (i + 1 < r.size()) s += std::string(w[i] - width(r[i]) + 2, ' ');
    }
    fmt::print(out, "{}\n", s);
  };
  line(names);
  Row rule;
  for (auto x : w) rule.push_back(std::string(x, '-'));
  line(rule);
  for (const auto& r : rows) line(r);
}

}  // namespace

std::string json_quote(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::size_t write_rows(db::Statement& st, Format f, std::FILE* out) {
  int n = st.columns();
  Row names;
  for (int i = 0; i < n; ++i) names.emplace_back(sqlite3_column_name(st.handle(), i));
  std::vector<Row> table;  // only the aligned table needs all rows first
  std::size_t count = 0;
  if (f == Format::Csv || f == Format::Tsv) {
    Row quoted;
    for (auto& x : names) quoted.push_back(f == Format::Csv ? csv_quote(x) : x);
    fmt::print(out, "{}\n", fmt::join(quoted, f == Format::Csv ? "," : "\t"));
  }
  if (f == Format::Json) fmt::print(out, "[");
  while (st.step()) {
    ++count;
    if (f == Format::Json || f == Format::Jsonl) {
      std::string obj = "{";
      for (int i = 0; i < n; ++i)
        obj += fmt::format("{}{}: {}", i ? ", " : "", json_quote(names[i]), json_value(st, i));
      obj += "}";
      if (f == Format::Json) fmt::print(out, "{}\n  {}", count > 1 ? "," : "", obj);
      else fmt::print(out, "{}\n", obj);
      continue;
    }
    Row r;
    for (int i = 0; i < n; ++i)
      r.push_back(f == Format::Csv ? csv_quote(cell(st, i)) : one_line(cell(st, i)));
    if (f == Format::Table) table.push_back(std::move(r));
    else fmt::print(out, "{}\n", fmt::join(r, f == Format::Csv ? "," : "\t"));
  }
  if (f == Format::Json) fmt::print(out, "{}]\n", count ? "\n" : "");
  if (f == Format::Table) write_table(names, table, out);
  return count;
}

}  // namespace mlidx::cli
