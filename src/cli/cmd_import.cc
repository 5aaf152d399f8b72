// mlidx import PATH... : mbox files into the database.
#include <fmt/format.h>
#include <unistd.h>

#include "cli/commands.hh"
#include "cli/options.hh"
#include "db/importer.hh"

namespace mlidx::cli {
namespace {

// Every input is opened and recognised before the database is touched, so a
// bad path leaves the database exactly as it was.
Result<std::vector<db::ImportInput>> open_inputs(const std::vector<std::string>& paths) {
  std::vector<db::ImportInput> inputs;
  std::vector<Error> errors;
  for (const auto& p : paths) {
    auto f = MappedFile::open(p);
    if (!f) {
      errors.push_back(f.error());
      continue;
    }
    InputKind k = sniff(f->view());
    if (k == InputKind::Empty || k == InputKind::NotMailbox) {
      errors.push_back(make_error(p, describe_refusal(k)));
      continue;
    }
    inputs.push_back({p, std::move(*f), k});
  }
  if (errors.empty()) return inputs;
  for (std::size_t i = 0; i + 1 < errors.size(); ++i) report(errors[i]);
  return errors.back();
}

void print_summary(const db::ImportCounts& c, const db::Store::KindCounts& k, std::int64_t problems,
                   bool timing) {
  fmt::print("read {} messages: {} new, {} duplicates, {} variants (same Message-ID, other bytes)\n",
             c.read, c.added, c.duplicates, c.variants);
  fmt::print("archive: {} patches, {} cover letters, {} comments, {} series\n", k.patches, k.covers,
             k.comments, c.series);
  fmt::print("problems recorded: {}\n", problems);
  fmt::print("threads: {} ({} ghosts: referenced, never received)\n", c.threads.threads,
             c.threads.ghosts);
  if (timing)
    fmt::print("time: parse {:.2f} s (parser thread), write {:.2f} s, derive {:.2f} s, "
               "search index {:.2f} s ({} messages), index builds {:.2f} s\n",
               c.parse_seconds, c.write_seconds, c.derive_seconds, c.search_seconds, c.indexed,
               c.finish_seconds);
}

}  // namespace

int cmd_import(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--list-id"}, {"--quiet", "--timing", "--no-search"}});
  if (!args) return report(args.error(), kExitUsage);
  if (args->positional.empty())
    return report({"import", "no mbox file given (usage: mlidx import PATH... [--db PATH])"},
                  kExitUsage);
  auto inputs = open_inputs(args->positional);
  if (!inputs) return report(inputs.error());
  auto store = db::Store::open(args->db(), true);
  if (!store) return report(store.error());
  (*store)->set_default_list_id(args->value("--list-id"));

  bool show_progress = isatty(STDERR_FILENO) && !args->has("--quiet");
  auto progress = [&](const db::ImportCounts& c, const std::string& path) {
    if (show_progress)
      fmt::print(stderr, "\rmlidx: importing {}: {} messages read, {} new", path, c.read, c.added);
  };
  db::ImportCounts counts;
  try {
    db::Importer importer(**store);
    importer.set_search_index(!args->has("--no-search"));
    counts = importer.run(*inputs, progress);
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
  if (show_progress) fmt::print(stderr, "\r\033[K");
  if (args->has("--quiet")) return 0;
  try {
    print_summary(counts, (*store)->kind_counts(), (*store)->problems_added(), args->has("--timing"));
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
  return 0;
}

}  // namespace mlidx::cli
