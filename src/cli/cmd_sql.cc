// mlidx sql QUERY : plain SQL over the archive, read-only unless --write.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "cli/commands.hh"
#include "cli/options.hh"
#include "cli/output.hh"
#include "db/sqlite.hh"

namespace mlidx::cli {
namespace {

Format format_of(const Args& a) {
  if (a.has("--csv")) return Format::Csv;
  if (a.has("--json")) return Format::Json;
  if (a.has("--jsonl")) return Format::Jsonl;
  if (a.has("--tsv")) return Format::Tsv;
  return isatty(STDOUT_FILENO) || a.has("--table") ? Format::Table : Format::Tsv;
}

}  // namespace

int cmd_sql(const Argv& argv) {
  auto args = parse_args(argv, {{"--db"}, {"--write", "--csv", "--json", "--jsonl", "--tsv", "--table"}});
  if (!args) return report(args.error(), kExitUsage);
  if (args->positional.size() != 1)
    return report({"sql", "expects one SQL statement (usage: mlidx sql \"SELECT ...\")"}, kExitUsage);
  std::string path = args->db();
  if (!std::filesystem::exists(path))
    return report({path, "no such database (create one with 'mlidx import')"});
  bool write = args->has("--write");
  auto c = db::Connection::open(path, write ? db::Connection::Mode::ReadWrite
                                            : db::Connection::Mode::ReadOnly);
  if (!c) return report(c.error());
  try {
    const std::string& sql = args->positional[0];
    db::Statement st(*c, sql);
    if (!write && !sqlite3_stmt_readonly(st.handle()))
      return report({"sql", "statement would change the database; add --write to allow it"});
    write_rows(st, format_of(*args), stdout);
  } catch (const db::DbError& e) {
    return report({"sql", e.what()});
  }
  return 0;
}

}  // namespace mlidx::cli
