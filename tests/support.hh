// Shared test helpers: temporary directories, running the mlidx binary, and
// access to ../shared (third-party data, never copied into the repository).
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

namespace mlidx::test {

namespace fs = std::filesystem;

// A hang guard, not a speed claim (speed is measured by ./dev bench): the
// hostile inputs that use it take hours when an algorithm goes quadratic,
// and well under a second when it does not. CI's 2 cores under ASan stall
// for seconds at a time (an fsync behind a build's writeback took 11 s),
// so the bound is kept far from any normal run.
constexpr double kHangSeconds = 120.0;

// ../shared beside the clone, or $MLIDX_SHARED.
fs::path shared_dir();
// True when tests that need ../shared must be skipped: it is missing and
// this is not CI (where a missing ../shared is a failure, not a skip).
bool skip_without_shared();
// The 10k corpus unpacked into the build directory; empty if unavailable.
fs::path corpus_10k();

struct TempDir {
  TempDir();
  ~TempDir();
  fs::path path;
  fs::path operator/(const std::string& name) const { return path / name; }
};

struct Run {
  int code = -1;
  std::string out, err;
};
// Runs build/src/mlidx with `args` (no shell: each arg is quoted).
Run run_mlidx(const std::vector<std::string>& args);
// The same with `input` on stdin (through a pipe, as `cat f | mlidx ...`)
// and `env` ("NAME=value ...", unquoted) set for mlidx alone.
Run run_mlidx_with(const std::vector<std::string>& args, const std::string& input,
                   const std::string& env = "");

std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& data);

// Rows of a query, every column as its full bytes; NULL as nullopt.
using Cell = std::optional<std::string>;
std::vector<std::vector<Cell>> rows(const fs::path& db, const std::string& sql,
                                    const std::vector<std::string>& binds = {});

// One value (first column of first row) of a query, as text; "" for NULL.
std::string query1(const fs::path& db, const std::string& sql);
// All rows of a query, columns joined by '|', rows by '\n'.
std::string query(const fs::path& db, const std::string& sql);

// Every relation of SPEC.md and the permanent tables, rows in a stable
// order, plus the counts of a few searches: equal dumps, equal archives.
std::string dump_relations(const fs::path& db);

// A JSON value with its nesting (json_fields keeps only top-level strings
// and scalars).
struct Json {
  enum Kind { Null, Scalar, String, Array, Object } kind = Null;
  std::string text;  // String: decoded; Scalar: as written (numbers, true, false)
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json* find(const std::string& key) const {
    for (const auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
  const Json& operator[](const std::string& key) const {
    static const Json null;
    const Json* v = find(key);
    return v ? *v : null;
  }
  bool operator==(const Json&) const = default;
};

// One JSON value. Throws std::runtime_error on malformed JSON, text after
// the value included. Numbers and literals are taken as written, not
// checked; a lone surrogate escape decodes to U+FFFD.
Json parse_json(std::string_view json);

// Top-level members of one JSON object (one line of the expected JSONL
// files, or a seed record): strings decoded, numbers and true/false as
// written, null and nested containers left out. Throws on malformed JSON;
// text after the object is not read (a line of a JSON array ends in ',').
std::map<std::string, std::string> json_fields(std::string_view json);

}  // namespace mlidx::test
