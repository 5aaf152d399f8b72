// Schema migrations: schema/NNNN_*.sql, embedded at build time, applied in
// order inside one transaction each; PRAGMA user_version is the number of the
// last one applied.
#pragma once
#include <string_view>
#include <vector>

#include "db/sqlite.hh"
#include "util/result.hh"

namespace mlidx::db {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& migrations();
int latest_version();
// PRAGMA user_version: 0 for a new, empty database.
Result<int> schema_version(Connection& conn);

// Brings `conn` up to the latest version; refuses a database written by a
// newer mlidx (its user_version is above ours) rather than guess.
Status migrate(Connection& conn);

}  // namespace mlidx::db
