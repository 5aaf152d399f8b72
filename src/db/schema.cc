#include "db/schema.hh"

#include <fmt/format.h>

namespace mlidx::db {
Result<int> schema_version(Connection& c) {
  try {
    Statement st(c, "PRAGMA user_version");
    return st.step() ? static_cast<int>(st.int64(0)) : 0;
  } catch (const DbError& e) {
    return make_error("database", e.what());  // e.g. "file is not a database"
  }
}

int latest_version() { return migrations().empty() ? 0 : migrations().back().version; }

Status migrate(Connection& c) {
  auto version = schema_version(c);
  if (!version) return version.error();
  int have = *version;
  try {
    if (have > latest_version())
      return make_error("database", fmt::format("schema version {} is newer than this mlidx "
                                                "supports ({}); upgrade mlidx",
                                                have, latest_version()));
    for (const auto& m : migrations()) {
      if (m.version <= have) continue;
      Transaction tx(c);
      if (auto s = c.exec(m.sql); !s)
        return make_error("database", fmt::format("migration {}: {}", m.name, s.error().why));
      if (auto s = c.exec(fmt::format("PRAGMA user_version = {}", m.version)); !s) return s;
      tx.commit();
    }
  } catch (const DbError& e) {
    return make_error("database", e.what());
  }
  return Ok{};
}

}  // namespace mlidx::db
