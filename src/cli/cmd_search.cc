// mlidx search : not written yet (issue 4).
#include "cli/commands.hh"
#include "cli/options.hh"

namespace mlidx::cli {

int cmd_search(const Argv&) { return report({"search", "not implemented yet"}); }

}  // namespace mlidx::cli
