// mlidx thread : not written yet (issue 4).
#include "cli/commands.hh"
#include "cli/options.hh"

namespace mlidx::cli {

int cmd_thread(const Argv&) { return report({"thread", "not implemented yet"}); }

}  // namespace mlidx::cli
