#include "cli/common.hh"

#include <fmt/format.h>

#include <filesystem>

#include "db/schema.hh"
#include "db/store.hh"

namespace mlidx::cli {

Result<db::Connection> open_archive(const Args& args) {
  std::string path = args.db();
  if (!std::filesystem::exists(path))
    return make_error(path, "no such database (create one with 'mlidx import')");
  {
    auto c = db::Connection::open(path, db::Connection::Mode::ReadOnly);
    if (!c) return c.error();
    auto version = db::schema_version(*c);
    if (!version) return make_error(path, version.error().why);
    if (*version == db::latest_version()) return c;
    // A query never creates the schema: the file may be the empty one an
    // import has just created and is about to fill.
    if (*version == 0)
      return make_error(path, "has no mlidx schema (empty, or an import is just creating it)");
  }
  // Older (or newer, which open refuses): let the store migrate or refuse.
  auto store = db::Store::open(path, false);
  if (!store) return store.error();
  store->reset();
  return db::Connection::open(path, db::Connection::Mode::ReadOnly);
}

Status check_positional(const Args& args, const std::string& cmd, std::size_t min, std::size_t max) {
  std::size_t n = args.positional.size();
  if (n < min) return make_error(cmd, "missing argument (see 'mlidx " + cmd + " --help')");
  if (n > max)
    return make_error(cmd, fmt::format("unexpected argument '{}' (see 'mlidx {} --help')",
                                       args.positional[max], cmd));
  return Ok{};
}

}  // namespace mlidx::cli
