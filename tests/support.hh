// Shared test helpers: temporary directories, running the mlidx binary, and
// access to ../shared (third-party data, never copied into the repository).
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace mlidx::test {

namespace fs = std::filesystem;

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

// Top-level members of one JSON object (one line of the expected JSONL
// files, or a seed record): strings decoded, numbers and true/false as
// written, null and nested containers left out. Throws on malformed JSON.
std::map<std::string, std::string> json_fields(std::string_view json);

}  // namespace mlidx::test
