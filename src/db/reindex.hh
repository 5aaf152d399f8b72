// mlidx reindex: everything but the raw mail is derived, so it can be
// rebuilt when the rules change.
#pragma once
#include <cstdint>
#include <string>

#include "util/result.hh"

namespace mlidx::db {

struct ReindexCounts {
  std::int64_t messages = 0, variants = 0;
};

// Re-imports the stored raw mail of the database at `path` into a new file,
// in the original order (messages by id, then variants), with the list ids
// they were given, re-derives threads, series and the search index, and
// replaces the database with it in one rename: a failure or a kill at any
// point leaves the old database as it was.
Result<ReindexCounts> reindex(const std::string& path);

}  // namespace mlidx::db
