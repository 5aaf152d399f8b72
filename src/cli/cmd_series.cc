// mlidx series : not written yet (issue 4).
#include "cli/commands.hh"
#include "cli/options.hh"

namespace mlidx::cli {

int cmd_series(const Argv&) { return report({"series", "not implemented yet"}); }

}  // namespace mlidx::cli
