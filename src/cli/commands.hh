// One function per subcommand, one file each (cmd_*.cc). Each returns the
// process exit code and reports its own errors.
#pragma once
#include <string>
#include <vector>

namespace mlidx::cli {

using Argv = std::vector<std::string>;

int cmd_import(const Argv& argv);
int cmd_sql(const Argv& argv);
int cmd_stats(const Argv& argv);
int cmd_show(const Argv& argv);
int cmd_thread(const Argv& argv);
int cmd_series(const Argv& argv);
int cmd_search(const Argv& argv);
int cmd_export(const Argv& argv);
int cmd_reindex(const Argv& argv);
int cmd_link_commits(const Argv& argv);
int cmd_state(const Argv& argv);

}  // namespace mlidx::cli
