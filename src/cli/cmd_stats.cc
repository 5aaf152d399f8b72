// mlidx stats : what the archive holds and what was wrong with it.
#include <fmt/format.h>

#include "cli/commands.hh"
#include "cli/options.hh"
#include "cli/output.hh"
#include "db/store.hh"

namespace mlidx::cli {
namespace {

std::int64_t count(db::Connection& c, const char* sql) {
  db::Statement st(c, sql);
  return st.step() ? st.int64(0) : 0;
}

}  // namespace

int cmd_stats(const Argv& argv) {
  auto args = parse_args(argv, {{"--db"}, {}});
  if (!args) return report(args.error(), kExitUsage);
  if (!args->positional.empty()) return report({"stats", "takes no arguments"}, kExitUsage);
  auto store = db::Store::open(args->db(), false);
  if (!store) return report(store.error());
  auto& c = (*store)->conn();
  try {
    fmt::print("messages:  {}\n", count(c, "SELECT count(*) FROM messages"));
    fmt::print("variants:  {}\n", count(c, "SELECT count(*) FROM variants"));
    fmt::print("threads:   {}\n", count(c, "SELECT count(*) FROM threads"));
    fmt::print("patches:   {}\n", count(c, "SELECT count(*) FROM messages WHERE kind = 'patch'"));
    fmt::print("covers:    {}\n", count(c, "SELECT count(*) FROM messages WHERE kind = 'cover'"));
    fmt::print("comments:  {}\n", count(c, "SELECT count(*) FROM messages WHERE kind = 'comment'"));
    fmt::print("series:    {} ({} complete)\n", count(c, "SELECT count(*) FROM series"),
               count(c, "SELECT count(*) FROM series WHERE received >= total"));
    fmt::print("ghosts:    {}\n", count(c, "SELECT count(*) FROM ghosts"));
    fmt::print("lists:     {}\n", count(c, "SELECT count(DISTINCT list_id) FROM messages WHERE list_id <> ''"));
    db::Statement range(c, "SELECT min(date), max(date) FROM messages");
    if (range.step() && !range.is_null(0))
      fmt::print("dates:     {} .. {}\n", range.text(0), range.text(1));
    fmt::print("messages with problems: {}\n",
               count(c, "SELECT count(DISTINCT message_id) FROM problems"));
    db::Statement kinds(c, "SELECT kind, count(*) AS n FROM problems GROUP BY kind ORDER BY n DESC, kind");
    while (kinds.step()) fmt::print("  {:<24} {}\n", kinds.text(0), kinds.int64(1));
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
  return 0;
}

}  // namespace mlidx::cli
