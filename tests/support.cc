#include "support.hh"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mlidx::test {

fs::path shared_dir() {
  if (const char* e = std::getenv("MLIDX_SHARED"); e && *e) return e;
  return fs::path(MLIDX_SOURCE_DIR) / ".." / "shared";
}

bool skip_without_shared() {
  const char* ci = std::getenv("CI");
  return !fs::exists(shared_dir() / "SPEC.md") && !(ci && *ci);
}

fs::path corpus_10k() {
  fs::path xz = shared_dir() / "corpus" / "linuxppc-dev-10k.mbox.xz";
  fs::path out = fs::path(MLIDX_BUILD_DIR) / "corpus" / "linuxppc-dev-10k.mbox";
  if (fs::exists(out)) return out;
  if (!fs::exists(xz)) return {};
  fs::create_directories(out.parent_path());
  std::string cmd = "xz -dc '" + xz.string() + "' > '" + out.string() + ".tmp' && mv '" +
                    out.string() + ".tmp' '" + out.string() + "'";
  if (std::system(cmd.c_str()) != 0) return {};
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "mlidx-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

namespace {
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

Run run_mlidx(const std::vector<std::string>& args) {
  TempDir t;
  std::string cmd = shell_quote(MLIDX_BIN);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote((t / "out").string()) + " 2>" + shell_quote((t / "err").string()) +
         " </dev/null";
  int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(t / "out");
  r.err = read_file(t / "err");
  return r;
}

std::string query(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    throw std::runtime_error("cannot open " + db.string());
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::string e = sqlite3_errmsg(h);
    sqlite3_close(h);
    throw std::runtime_error(e + " in " + sql);
  }
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (!out.empty()) out += '\n';
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      if (i) out += '|';
      auto* t = sqlite3_column_text(st, i);
      if (t) out += reinterpret_cast<const char*>(t);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

std::string query1(const fs::path& db, const std::string& sql) {
  std::string all = query(db, sql);
  auto nl = all.find('\n');
  all = all.substr(0, nl);
  auto bar = all.find('|');
  return all.substr(0, bar);
}

}  // namespace mlidx::test
