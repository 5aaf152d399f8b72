// mlidx import PATH... : mbox files into the database.
#include <fmt/format.h>
#include <unistd.h>

#include <memory>

#include "cli/commands.hh"
#include "cli/options.hh"
#include "db/store.hh"
#include "mbox/mbox.hh"
#include "util/mapped_file.hh"

namespace mlidx::cli {
namespace {

struct Input {
  std::string path;
  MappedFile file;
  InputKind kind;
};

struct Counts {
  std::int64_t read = 0, added = 0, duplicates = 0, variants = 0;
};

// Every input is opened and recognised before the database is touched, so a
// bad path leaves the database exactly as it was.
Result<std::vector<Input>> open_inputs(const std::vector<std::string>& paths) {
  std::vector<Input> inputs;
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

void progress(const Counts& c, const std::string& path) {
  fmt::print(stderr, "\rmlidx: importing {}: {} messages read, {} new", path, c.read, c.added);
}

void import_file(db::Store& store, Input& in, Counts& c, bool show_progress) {
  constexpr std::int64_t kBatch = 5000;
  auto tx = std::make_unique<db::Transaction>(store.conn());
  MboxReader reader(in.file.view(), in.kind);
  MboxMessage msg;
  while (reader.next(msg)) {
    ++c.read;
    switch (store.add(msg.raw)) {
      case db::Added::New: ++c.added; break;
      case db::Added::Duplicate: ++c.duplicates; break;
      case db::Added::Variant: ++c.variants; break;
    }
    if (c.read % kBatch == 0) {
      tx->commit();
      tx = std::make_unique<db::Transaction>(store.conn());
      in.file.release_before(reader.offset());
      if (show_progress) progress(c, in.path);
    }
  }
  tx->commit();
}

}  // namespace

int cmd_import(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--list-id"}, {"--quiet"}});
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
  Counts c;
  db::ThreadStats ts;
  try {
    for (auto& in : *inputs) import_file(**store, in, c, show_progress);
    ts = (*store)->rethread();
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
  if (show_progress) fmt::print(stderr, "\r\033[K");
  if (args->has("--quiet")) return 0;
  fmt::print("read {} messages: {} new, {} duplicates, {} variants (same Message-ID, other bytes)\n",
             c.read, c.added, c.duplicates, c.variants);
  fmt::print("problems recorded: {}\n", (*store)->problems_added());
  fmt::print("threads: {} ({} ghosts: referenced, never received)\n", ts.threads, ts.ghosts);
  return 0;
}

}  // namespace mlidx::cli
