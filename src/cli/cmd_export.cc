// mlidx export : not written yet (issue 4).
#include "cli/commands.hh"
#include "cli/options.hh"

namespace mlidx::cli {

int cmd_export(const Argv&) { return report({"export", "not implemented yet"}); }

}  // namespace mlidx::cli
