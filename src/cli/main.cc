// mlidx: offline mailing-list archive indexer.
#include <fmt/format.h>

#include <cstring>
#include <map>

#include "cli/commands.hh"
#include "cli/options.hh"

namespace {

constexpr const char* kUsage = R"(usage: mlidx COMMAND [ARGS] [--db PATH]

Commands:
  import PATH... [--list-id ID] [--quiet] [--timing]
                 read mbox files (mboxrd, mboxo, CRLF; a file that starts with
                 a header line is one message) into the database; --list-id
                 sets the list of mail without a List-Id header, --timing
                 prints the time of each stage
  sql QUERY [--write] [--csv|--json|--jsonl|--tsv|--table]
                 run SQL, read-only unless --write
  stats          counts and the problems recorded during import

Every command takes --db PATH (default: $MLIDX_DB, else ./mlidx.db); only
import creates a missing database.
Exit codes: 0 success, 1 failure (bad input, database error), 2 bad usage.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace mlidx::cli;
  static const std::map<std::string, int (*)(const Argv&)> commands = {
      {"import", cmd_import}, {"sql", cmd_sql},         {"stats", cmd_stats},
      {"show", cmd_show},     {"thread", cmd_thread},   {"series", cmd_series},
      {"search", cmd_search}, {"export", cmd_export},   {"reindex", cmd_reindex}};
  if (argc < 2) {
    fmt::print(stderr, "{}", kUsage);
    return kExitUsage;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    fmt::print("{}", kUsage);
    return 0;
  }
  if (cmd == "--version") {
    fmt::print("mlidx {}\n", MLIDX_VERSION);
    return 0;
  }
  auto it = commands.find(cmd);
  if (it == commands.end()) return report({cmd, "unknown command (see 'mlidx --help')"}, kExitUsage);
  Argv rest(argv + 2, argv + argc);
  for (const auto& a : rest)
    if (a == "--help" || a == "-h") {
      fmt::print("{}", kUsage);
      return 0;
    }
  return it->second(rest);
}
