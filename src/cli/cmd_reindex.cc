// mlidx reindex : rebuild everything derived from the stored raw mail.
#include <fmt/format.h>

#include "cli/commands.hh"
#include "cli/common.hh"
#include "cli/options.hh"
#include "db/reindex.hh"

namespace mlidx::cli {

int cmd_reindex(const Argv& argv) {
  auto args = parse_args(argv, {{"--db"}, {"--quiet"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto s = check_positional(*args, "reindex", 0, 0); !s) return report(s.error(), kExitUsage);
  auto counts = db::reindex(args->db());
  if (!counts) return report(counts.error());
  if (!args->has("--quiet"))
    fmt::print(stderr, "reindexed {} messages and {} variants from their raw bytes\n",
               counts->messages, counts->variants);
  return 0;
}

}  // namespace mlidx::cli
