#include "db/sqlite.hh"

#include <fmt/format.h>

#include <cctype>
#include <cstring>

namespace mlidx::db {
namespace {

// SQLite says "disk I/O error" for EFBIG, EIO, EDQUOT alike; the system's
// own word tells the user what to fix.
std::string error_text(sqlite3* db, const char* message = nullptr) {
  std::string why = message ? message : sqlite3_errmsg(db);
  int code = sqlite3_extended_errcode(db) & 0xff;
  int sys = sqlite3_system_errno(db);
  if ((code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN) && sys != 0)
    why += fmt::format(" ({})", std::strerror(sys));
  return why;
}

}  // namespace

namespace {

sqlite3* open_handle(const std::string& name, int flags, std::string& why) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 10000);
    return db;
  }
  why = db ? error_text(db) : sqlite3_errstr(rc);
  sqlite3_close(db);
  return nullptr;
}

// A WAL database whose directory the reader may not write (an archive on a
// read-only mount, or another user's) cannot get its -shm file: SQLite
// refuses even to read it. immutable=1 reads the file as it is, without
// locks: right for a read-only file, stale only if its owner writes it
// meanwhile.
bool needs_immutable(sqlite3* db) {
  if (sqlite3_exec(db, "SELECT 1 FROM sqlite_schema LIMIT 1", nullptr, nullptr, nullptr) == SQLITE_OK)
    return false;
  int code = sqlite3_extended_errcode(db) & 0xff;
  return code == SQLITE_READONLY || code == SQLITE_CANTOPEN;
}

std::string immutable_uri(const std::string& path) {
  std::string uri = "file:";
  for (unsigned char ch : path) {
    if (std::isalnum(ch) || std::strchr("/._-~", ch)) uri += static_cast<char>(ch);
    else uri += fmt::format("%{:02X}", ch);
  }
  return uri + "?immutable=1";
}

}  // namespace

Result<Connection> Connection::open(const std::string& path, Mode mode) {
  // Memory statistics take a global mutex on every allocation; we never
  // read them. Must be set before SQLite initialises, hence here, once.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  int flags = mode == Mode::ReadOnly || mode == Mode::Glance ? SQLITE_OPEN_READONLY
              : mode == Mode::ReadWrite                    ? SQLITE_OPEN_READWRITE
                                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  std::string why;
  sqlite3* db = mode == Mode::Glance ? open_handle(immutable_uri(path), flags | SQLITE_OPEN_URI, why)
                                     : open_handle(path, flags, why);
  if (db && mode == Mode::ReadOnly && needs_immutable(db)) {
    sqlite3_close(db);
    db = open_handle(immutable_uri(path), flags | SQLITE_OPEN_URI, why);
  }
  if (!db) return make_error(path, why);
  return Connection(db);
}

Connection& Connection::operator=(Connection&& o) noexcept {
  if (this != &o) {
    sqlite3_close(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

Connection::~Connection() { sqlite3_close(db_); }

Status Connection::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = error_text(db_, err);
    sqlite3_free(err);
    return make_error("database", why);
  }
  return Ok{};
}

Statement::Statement(Connection& c, std::string_view sql) {
  const char* tail = nullptr;
  if (sqlite3_prepare_v3(c.handle(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &st_, &tail) != SQLITE_OK)
    throw DbError(fmt::format("{} (in: {})", c.errmsg(), sql.substr(0, 80)));
  // SQLite compiles the first statement and hands back the rest: run
  // silently, "UPDATE ...; DELETE ..." would do only the UPDATE. Blanks
  // and comments after it compile to nothing.
  auto rest = sql.substr(static_cast<std::size_t>(tail - sql.data()));
  if (rest.find_first_not_of(" \t\r\n;") == std::string_view::npos) return;
  sqlite3_stmt* next = nullptr;
  int rc = sqlite3_prepare_v2(c.handle(), rest.data(), static_cast<int>(rest.size()), &next, nullptr);
  sqlite3_finalize(next);
  if (rc == SQLITE_OK && !next) return;
  sqlite3_finalize(st_);
  st_ = nullptr;
  throw DbError(fmt::format("one statement at a time: more follows the first (in: {})", rest.substr(0, 80)));
}

Statement& MultiInsert::rows(int n) {
  Statement& st = by_rows_.at(static_cast<std::size_t>(n - 1));
  if (!st.handle()) {
    std::string sql = head_ + " VALUES ";
    std::string row = "(?";
    for (int k = 1; k < columns_; ++k) row += ",?";
    row += ')';
    for (int r = 0; r < n; ++r) sql += (r ? "," : "") + row;
    st = Statement(c_, sql);
  }
  return st;
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(st_);
    st_ = o.st_;
    o.st_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(st_); }

Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}

// SQLITE_STATIC: callers keep the bytes alive until the statement is reset
// (run() resets at once), which spares SQLite a copy of every raw mail.
Statement& Statement::bind(int i, std::string_view v) {
  // A null data pointer would bind SQL NULL, not an empty string.
  sqlite3_bind_text(st_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_blob(int i, std::string_view v) {
  sqlite3_bind_blob(st_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

Statement& Statement::bind_opt(int i, std::string_view v) {
  return v.empty() ? bind_null(i) : bind(i, v);
}

bool Statement::step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string why = error_text(sqlite3_db_handle(st_));
  sqlite3_reset(st_);
  throw DbError(why);
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

std::string_view Statement::blob(int col) const {
  const void* p = sqlite3_column_blob(st_, col);
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(st_, col));
  return p ? std::string_view(static_cast<const char*>(p), n) : std::string_view();
}

std::string_view Statement::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col)))
           : std::string_view();
}

namespace {
void exec_or_throw(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return;
  std::string why = error_text(db, err);
  sqlite3_free(err);
  throw DbError(why);
}
}  // namespace

Transaction::Transaction(Connection& c) : db_(c.handle()), joined_(!sqlite3_get_autocommit(db_)) {
  if (!joined_) exec_or_throw(db_, "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!done_ && !joined_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  if (!joined_) exec_or_throw(db_, "COMMIT");
  done_ = true;
}

}  // namespace mlidx::db
