// RAII over sqlite3 (SQLiteCpp's shape): a connection, prepared statements
// that are made once and reset for each use, and a transaction that rolls
// back in its destructor unless committed.
#pragma once
#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "util/result.hh"

namespace mlidx::db {

class Connection {
 public:
  // Glance: read-only, without locks and without creating the -wal and
  // -shm files (immutable=1): what the file holds now, possibly stale while
  // another connection writes it.
  enum class Mode { ReadOnly, ReadWrite, Create, Glance };
  static Result<Connection> open(const std::string& path, Mode mode);
  Connection(Connection&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Connection& operator=(Connection&& o) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  sqlite3* handle() const { return db_; }
  Status exec(std::string_view sql);
  std::string errmsg() const { return sqlite3_errmsg(db_); }
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  // Rows changed by the last INSERT, UPDATE or DELETE (0 for an ignored insert).
  int changes() const { return sqlite3_changes(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement() = default;
  Statement(Connection& c, std::string_view sql);  // throws DbError on bad SQL
  Statement(Statement&& o) noexcept : st_(o.st_) { o.st_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& bind(int i, std::int64_t v);
  // TEXT/BLOB are not copied: the bytes must outlive the next reset().
  Statement& bind(int i, std::string_view v);
  Statement& bind_blob(int i, std::string_view v);
  Statement& bind_null(int i);
  // Optional text: empty binds NULL.
  Statement& bind_opt(int i, std::string_view v);

  bool step();  // true: a row is ready; false: done. Throws DbError on error.
  void run();   // step to completion, then reset
  void reset();

  std::int64_t int64(int col) const { return sqlite3_column_int64(st_, col); }
  std::string_view text(int col) const;
  std::string_view blob(int col) const;  // a BLOB's bytes, not copied to add a terminator as text() would
  bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int columns() const { return sqlite3_column_count(st_); }
  sqlite3_stmt* handle() const { return st_; }

 private:
  sqlite3_stmt* st_ = nullptr;
};

// SQLite failures inside the store are exceptional (disk full, corruption);
// they are caught at the command boundary and turned into an Error.
struct DbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One INSERT of up to kMaxRows rows: the per-statement cost dominates small
// rows (a recipients row alone took ~1.3 us; docs/PERFORMANCE.md). The
// statement for n rows is prepared the first time n rows come, then kept.
class MultiInsert {
 public:
  static constexpr int kMaxRows = 16;
  // head: "INSERT INTO t (a, b, c)"; columns: the number of columns named.
  MultiInsert(Connection& c, std::string head, int columns)
      : c_(c), head_(std::move(head)), columns_(columns) {}
  // The statement for n (1..kMaxRows) rows; row r's column k is parameter
  // r * columns + k + 1.
  Statement& rows(int n);
  int columns() const { return columns_; }

 private:
  Connection& c_;
  std::string head_;
  int columns_;
  std::array<Statement, kMaxRows> by_rows_;
};

// Inside an open transaction a Transaction joins it: its commit is the
// outer one's, and a failure rolls back with the outer one (each commit of
// a bulk load costs an fsync; the import groups its steps in one).
class Transaction {
 public:
  explicit Transaction(Connection& c);
  Transaction(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  sqlite3* db_;  // not the Connection: it may be moved while this is open
  bool joined_;
  bool done_ = false;
};

}  // namespace mlidx::db
