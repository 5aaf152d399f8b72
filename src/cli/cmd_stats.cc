// mlidx stats : what the archive holds and what was wrong with it.
#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "cli/commands.hh"
#include "cli/common.hh"
#include "cli/listing.hh"
#include "cli/options.hh"
#include "cli/output.hh"

namespace mlidx::cli {
namespace {

// One list's share of the archive; a mail sent to two lists counts on both.
struct ListStats {
  std::string list_id;  // "" for mail that names no list
  std::int64_t messages = 0, patches = 0, covers = 0, comments = 0, series = 0;
};

struct Stats {
  std::vector<std::pair<const char*, std::int64_t>> counts;
  std::vector<ListStats> lists;  // most messages first
  std::string first_date, last_date;
  std::vector<std::pair<std::string, std::int64_t>> problems;  // by kind, most frequent first
  std::vector<std::pair<std::string, std::int64_t>> states;    // patches per state, Patchwork's order
};

constexpr std::pair<const char*, const char*> kCounts[] = {
    {"messages", "SELECT count(*) FROM messages"},
    {"variants", "SELECT count(*) FROM variants"},
    {"threads", "SELECT count(*) FROM threads"},
    {"ghosts", "SELECT count(*) FROM ghosts"},
    {"patches", "SELECT count(*) FROM messages WHERE kind = 'patch'"},
    {"covers", "SELECT count(*) FROM messages WHERE kind = 'cover'"},
    {"comments", "SELECT count(*) FROM messages WHERE kind = 'comment'"},
    {"series", "SELECT count(*) FROM series"},
    {"series_complete", "SELECT count(*) FROM series WHERE received >= total"},
    {"series_incomplete", "SELECT count(*) FROM series WHERE received < total"},
    {"lists", "SELECT count(DISTINCT list_id) FROM message_lists"},
    {"messages_with_problems", "SELECT count(DISTINCT message_id) FROM problems"},
};

// message_lists (schema/0003_lists.sql) has a row per list a mail was seen
// on; mail seen on none is the "" list here.
constexpr const char* kPerList =
    "WITH ml AS (SELECT message_id, list_id FROM message_lists "
    "            UNION ALL SELECT id, '' FROM messages WHERE list_id = '' "
    "            AND id NOT IN (SELECT message_id FROM other_lists)), "
    "members AS (SELECT patch_id AS message_id, series_id FROM patch_series WHERE series_id IS NOT NULL "
    "            UNION ALL SELECT message_id, series_id FROM cover_data WHERE series_id IS NOT NULL), "
    "per_series AS (SELECT ml.list_id, count(DISTINCT members.series_id) AS n FROM members "
    "            JOIN ml USING (message_id) GROUP BY ml.list_id) "
    "SELECT ml.list_id, count(*) AS n, sum(m.kind = 'patch'), sum(m.kind = 'cover'), "
    "       sum(m.kind = 'comment'), coalesce((SELECT n FROM per_series p WHERE p.list_id = ml.list_id), 0) "
    "FROM ml JOIN messages m ON m.id = ml.message_id GROUP BY ml.list_id ORDER BY n DESC, ml.list_id";

std::vector<ListStats> per_list(db::Connection& c) {
  std::vector<ListStats> out;
  db::Statement st(c, kPerList);
  while (st.step())
    out.push_back({std::string(st.text(0)), st.int64(1), st.int64(2), st.int64(3), st.int64(4), st.int64(5)});
  return out;
}

Stats gather(db::Connection& c) {
  Stats s;
  for (const auto& [name, sql] : kCounts) {
    db::Statement st(c, sql);
    s.counts.emplace_back(name, st.step() ? st.int64(0) : 0);
  }
  db::Statement range(c, "SELECT min(date), max(date) FROM messages");
  if (range.step() && !range.is_null(0)) {
    s.first_date = range.text(0);
    s.last_date = range.text(1);
  }
  db::Statement kinds(c, "SELECT kind, count(*) AS n FROM problems GROUP BY kind ORDER BY n DESC, kind");
  while (kinds.step()) s.problems.emplace_back(kinds.text(0), kinds.int64(1));
  s.lists = per_list(c);
  // Every state, zeros too: the list doubles as the states one can set.
  db::Statement states(c, "SELECT o.name, (SELECT count(*) FROM patch_states p WHERE p.state = o.name) "
                          "FROM states o ORDER BY o.ordering");
  while (states.step()) s.states.emplace_back(states.text(0), states.int64(1));
  return s;
}

void print_text(const Stats& s) {
  for (const auto& [name, n] : s.counts) {
    std::string label = std::string(name) + ":";
    std::replace(label.begin(), label.end(), '_', ' ');
    fmt::print("{:<23} {}\n", label, n);
  }
  if (!s.first_date.empty()) fmt::print("{:<23} {} .. {}\n", "dates:", s.first_date, s.last_date);
  for (const auto& [state, n] : s.states) fmt::print("  state {:<23} {}\n", state, n);
  for (const auto& [kind, n] : s.problems) fmt::print("  problem {:<21} {}\n", kind, n);
  for (const auto& l : s.lists)
    fmt::print("list {}: {} messages, {} patches, {} covers, {} comments, {} series\n",
               l.list_id.empty() ? "(none)" : terminal_text(l.list_id), l.messages, l.patches,
               l.covers, l.comments, l.series);
}

void print_json(const Stats& s) {
  std::string out = "{";
  for (const auto& [name, n] : s.counts) out += fmt::format("\"{}\": {}, ", name, n);
  out += fmt::format("\"first_date\": {}, \"last_date\": {}, \"problems\": {{",
                     s.first_date.empty() ? "null" : json_quote(s.first_date),
                     s.last_date.empty() ? "null" : json_quote(s.last_date));
  for (std::size_t i = 0; i < s.problems.size(); ++i)
    out += fmt::format("{}{}: {}", i ? ", " : "", json_quote(s.problems[i].first), s.problems[i].second);
  out += "}, \"per_list\": [";
  for (std::size_t i = 0; i < s.lists.size(); ++i) {
    const ListStats& l = s.lists[i];
    out += fmt::format("{}{{\"list_id\": {}, \"messages\": {}, \"patches\": {}, \"covers\": {}, "
                       "\"comments\": {}, \"series\": {}}}",
                       i ? ", " : "", l.list_id.empty() ? "null" : json_quote(l.list_id), l.messages,
                       l.patches, l.covers, l.comments, l.series);
  }
  out += "], \"states\": {";
  for (std::size_t i = 0; i < s.states.size(); ++i)
    out += fmt::format("{}{}: {}", i ? ", " : "", json_quote(s.states[i].first), s.states[i].second);
  fmt::print("{}}}}}\n", out);
}

}  // namespace

int cmd_stats(const Argv& argv) {
  auto args = parse_args(argv, {{"--db"}, {"--json"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto s = check_positional(*args, "stats", 0, 0); !s) return report(s.error(), kExitUsage);
  auto c = open_archive(*args);
  if (!c) return report(c.error());
  try {
    Stats s = gather(*c);
    if (args->has("--json")) print_json(s);
    else print_text(s);
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
  return 0;
}

}  // namespace mlidx::cli
