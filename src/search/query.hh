// The search query language of `mlidx search` (public-inbox/lore style) and
// its translation into one SQL statement over the schema's search_fts index
// (schema/0002_search.sql). Pure functions: no database needed to test them.
//
//   s: subject   f: from   t: to   c: cc   a: from/to/cc   b: body
//   d:YYYY-MM-DD..YYYY-MM-DD (inclusive; either side may be left out, or one day)
//   dfn:PATH (a file, everything under a directory, or a glob)   l:LIST-ID
//   bare words and "quoted phrases" search subject and body; word* is a prefix
//   AND (implied between terms), OR, NOT, parentheses; NOT > AND > OR
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hh"

namespace mlidx::search {

enum class Field { Text, Subject, From, To, Cc, Address, Body };

struct Node {
  enum class Kind { Words, Date, File, List, And, Or, Not };
  Kind kind = Kind::Words;
  Field field = Field::Text;  // Words
  // Words: the text (a word or a phrase) as written; File: a GLOB pattern
  // over patch_files paths; List: the list id; Date: the first day included.
  std::string text;
  std::string until;     // Date: the first day after the range ("" = open)
  std::string glob_dir;  // File: the pattern of everything below a directory
  bool prefix = false;   // Words: the last word is a prefix (word*)
  std::vector<Node> kids;  // And, Or (two or more), Not (one)
};

// The query as a tree; a malformed query (unbalanced quote or parenthesis,
// unknown prefix, bad date, empty query or operand) is an Error whose `why`
// says what is wrong.
Result<Node> parse(std::string_view query);

// An FTS5 string literal: the text in double quotes, quotes doubled. Every
// piece of user text in a MATCH expression goes through it.
std::string fts_string(std::string_view text);

// The day after YYYY-MM-DD (a valid date), e.g. "2020-02-29" -> "2020-03-01".
std::string next_day(std::string_view day);

// The ids of the messages received through a list, given by its whole id or
// its short name ("linuxppc-dev" for linuxppc-dev.lists.ozlabs.org): an SQL
// subquery over every list of a mail (schema/0003_lists.sql) and its two
// parameters, in order. Shared by `l:` and `series --list`.
struct ListMatch {
  static constexpr const char* kSql =
      "SELECT message_id FROM message_lists WHERE list_id = ? OR list_id GLOB ?";
  std::string exact, glob;
};
ListMatch list_match(std::string_view list);

// The columns every search statement returns, in this order.
enum Column { kId, kMsgid, kDate, kFromName, kFromEmail, kSubject, kKind, kThreadId, kSeriesId, kRaw };

struct SqlOptions {
  bool raw = false;        // also select raw.bytes (column kRaw)
  std::int64_t limit = 0;  // 0: all hits
};

struct Sql {
  std::string text;                 // one SELECT statement
  std::vector<std::string> params;  // ?1, ?2, ... all bound as text
};

// Hits ranked by bm25 when the query has words to rank by, ties (and
// queries of dates, files and lists only) newest first.
Sql to_sql(const Node& query, const SqlOptions& options);

}  // namespace mlidx::search
