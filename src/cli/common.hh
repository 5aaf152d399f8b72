// What the query commands share: opening an existing archive for reading.
#pragma once
#include <string>

#include "cli/options.hh"
#include "db/sqlite.hh"
#include "util/result.hh"

namespace mlidx::cli {

// The database named by --db / $MLIDX_DB / ./mlidx.db, opened read-only.
// A missing file is an error (only import creates one); an older schema is
// migrated first, a newer one refused.
Result<db::Connection> open_archive(const Args& args);

// Exit with a usage error when the command got positional arguments it does
// not take, e.g. check_positional(args, "thread", 1, 1).
Status check_positional(const Args& args, const std::string& cmd, std::size_t min, std::size_t max);

}  // namespace mlidx::cli
