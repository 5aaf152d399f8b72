// mlidx: offline mailing-list archive indexer.
#include <fmt/format.h>

#include <map>

#include "cli/commands.hh"
#include "cli/help.hh"
#include "cli/options.hh"

namespace {

using namespace mlidx::cli;

const std::map<std::string_view, int (*)(const Argv&)> kCommands = {
    {"import", cmd_import}, {"sql", cmd_sql},       {"stats", cmd_stats},
    {"show", cmd_show},     {"thread", cmd_thread}, {"series", cmd_series},
    {"search", cmd_search}, {"export", cmd_export}, {"reindex", cmd_reindex},
    {"link-commits", cmd_link_commits}, {"state", cmd_state}};

bool is_help(std::string_view a) { return a == "--help" || a == "-h"; }

// `mlidx help [COMMAND]`, `mlidx --help`, `mlidx COMMAND --help`.
int help(std::string_view command) {
  if (command.empty()) {
    fmt::print("{}", overview_help());
    return 0;
  }
  auto text = command_help(command);
  if (!text) return report({std::string(command), "unknown command (see 'mlidx --help')"}, kExitUsage);
  fmt::print("{}", *text);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "{}", overview_help());
    return kExitUsage;
  }
  std::string_view cmd = argv[1];
  if (is_help(cmd)) return help("");
  if (cmd == "help") return help(argc > 2 ? argv[2] : "");
  if (cmd == "--version") {
    fmt::print("mlidx {}\n", MLIDX_VERSION);
    return 0;
  }
  auto it = kCommands.find(cmd);
  if (it == kCommands.end()) return report({std::string(cmd), "unknown command (see 'mlidx --help')"}, kExitUsage);
  Argv rest(argv + 2, argv + argc);
  for (const auto& a : rest) {
    if (a == "--") break;
    if (is_help(a)) return help(cmd);
  }
  return it->second(rest);
}
