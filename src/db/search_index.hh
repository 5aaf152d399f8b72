// The full-text index (SQLite FTS5) behind `mlidx search`: derived data,
// rebuilt by `mlidx reindex` and kept up to date by each import.
#pragma once
#include <cstdint>

#include "db/sqlite.hh"

namespace mlidx::db {

// Indexes every stored message the index does not hold yet (all of them
// when `rebuild`); returns how many were added. Runs inside the caller's
// transaction if there is one.
std::int64_t update_search_index(Connection& c, bool rebuild);

}  // namespace mlidx::db
