// Placeholder until the FTS5 index lands (issue 4).
#include "db/search_index.hh"

namespace mlidx::db {

std::int64_t update_search_index(Connection&, bool) { return 0; }

}  // namespace mlidx::db
