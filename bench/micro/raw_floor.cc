// The floor of an import (issue 6: "about 0.5 s to split it and 3.7 s to
// split and insert the raw messages into indexed SQLite tables"): the mbox
// files split at their "From " lines, and each mail's raw bytes inserted
// with its Message-ID into one SQLite table with a unique index, on one
// thread, nothing parsed, with the most lenient settings (no journal, no
// sync). An import stores at least this (docs/SCHEMA.md: the raw mail and
// its Message-ID, unique), on the one thread SQLite writes from; mlidx
// stores much more (docs/PERFORMANCE.md, "Peers", eleventh session).
//   g++ -O2 -std=c++20 -o /tmp/raw_floor bench/micro/raw_floor.cc -lsqlite3
//   /tmp/raw_floor DB MBOX...      (DB must not exist)
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

double now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string_view map(const char* path) {
  int fd = open(path, O_RDONLY);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    std::perror(path);
    std::exit(1);
  }
  if (st.st_size == 0) return {};
  void* p = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    std::perror(path);
    std::exit(1);
  }
  return {static_cast<const char*>(p), static_cast<std::size_t>(st.st_size)};
}

// The mails of an mbox: split where "From " starts a line after a blank one.
template <class F>
void split(std::string_view d, F each) {
  std::size_t start = 0;
  for (std::size_t pos = 0;;) {
    std::size_t hit = d.find("\n\nFrom ", pos);
    std::size_t end = hit == std::string_view::npos ? d.size() : hit + 1;
    std::size_t body = d.find('\n', start);
    if (body != std::string_view::npos && body < end) each(d.substr(body + 1, end - body - 1));
    if (hit == std::string_view::npos) return;
    start = pos = hit + 2;
  }
}

std::string_view msgid_of(std::string_view mail) {
  std::size_t pos = 0;
  while (pos < mail.size() && mail[pos] != '\n') {
    std::size_t nl = mail.find('\n', pos);
    if (nl == std::string_view::npos) nl = mail.size();
    std::string_view line = mail.substr(pos, nl - pos);
    if (line.size() > 11 && strncasecmp(line.data(), "message-id:", 11) == 0) return line.substr(11);
    pos = nl + 1;
  }
  return {};
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "raw_floor: %s: %s\n", sql, err);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: raw_floor DB MBOX...\n");
    return 2;
  }
  std::vector<std::string_view> files;
  for (int i = 2; i < argc; ++i) files.push_back(map(argv[i]));
  double t0 = now();
  std::size_t mails = 0, named = 0;
  for (auto f : files) split(f, [&](std::string_view m) { ++mails, named += !msgid_of(m).empty(); });
  double split_s = now() - t0;

  sqlite3* db = nullptr;
  if (sqlite3_open(argv[1], &db) != SQLITE_OK) return 1;
  exec(db, "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
           "CREATE TABLE mail (id INTEGER PRIMARY KEY, msgid TEXT NOT NULL UNIQUE, raw BLOB NOT NULL);"
           "BEGIN");
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO mail (msgid, raw) VALUES (?, ?)", -1, &ins, nullptr);
  double t1 = now();
  std::size_t n = 0;
  std::string fake;
  for (auto f : files)
    split(f, [&](std::string_view m) {
      std::string_view id = msgid_of(m);
      if (id.empty()) id = fake = "n" + std::to_string(n);
      ++n;
      sqlite3_bind_text(ins, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
      sqlite3_bind_blob(ins, 2, m.data(), static_cast<int>(m.size()), SQLITE_STATIC);
      if (sqlite3_step(ins) != SQLITE_DONE) {
        std::fprintf(stderr, "raw_floor: %s\n", sqlite3_errmsg(db));
        std::exit(1);
      }
      sqlite3_reset(ins);
    });
  exec(db, "COMMIT");
  sqlite3_finalize(ins);
  sqlite3_close(db);
  double insert_s = now() - t1;
  std::printf("%zu mails (%zu with a Message-ID): split %.3f s, split and insert %.3f s\n", mails, named,
              split_s, insert_s);
  return 0;
}
