// mlidx reindex : not written yet (issue 4).
#include "cli/commands.hh"
#include "cli/options.hh"

namespace mlidx::cli {

int cmd_reindex(const Argv&) { return report({"reindex", "not implemented yet"}); }

}  // namespace mlidx::cli
