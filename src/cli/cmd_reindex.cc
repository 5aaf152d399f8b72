// mlidx reindex : rebuild everything derived from the stored raw mail.
#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "cli/commands.hh"
#include "cli/common.hh"
#include "cli/options.hh"
#include "db/reindex.hh"
#include "util/file_lock.hh"

namespace mlidx::cli {

int cmd_reindex(const Argv& argv) {
  auto args = parse_args(argv, {{"--db"}, {"--quiet"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto s = check_positional(*args, "reindex", 0, 0); !s) return report(s.error(), kExitUsage);
  // An import running meanwhile would write to the file being replaced.
  std::optional<FileLock> lock;
  if (std::filesystem::exists(args->db())) {
    auto l = FileLock::acquire(args->db(), 0);
    if (!l) return report(l.error());
    lock.emplace(std::move(*l));
  }
  auto counts = db::reindex(args->db());
  if (!counts) return report(counts.error());
  if (!args->has("--quiet"))
    fmt::print(stderr, "reindexed {} messages and {} variants from their raw bytes\n",
               counts->messages, counts->variants);
  return 0;
}

}  // namespace mlidx::cli
