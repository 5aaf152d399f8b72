// mlidx show : not written yet (issue 4).
#include "cli/commands.hh"
#include "cli/options.hh"

namespace mlidx::cli {

int cmd_show(const Argv&) { return report({"show", "not implemented yet"}); }

}  // namespace mlidx::cli
