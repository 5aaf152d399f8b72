// mlidx sql QUERY : plain SQL over the archive, read-only unless --write.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "cli/commands.hh"
#include "cli/options.hh"
#include "cli/output.hh"
#include "db/sqlite.hh"

namespace mlidx::cli {
namespace {

Format format_of(const Args& a) {
  if (a.has("--csv")) return Format::Csv;
  if (a.has("--json")) return Format::Json;
  if (a.has("--jsonl")) return Format::Jsonl;
  if (a.has("--tsv")) return Format::Tsv;
  return isatty(STDOUT_FILENO) || a.has("--table") ? Format::Table : Format::Tsv;
}

// "42" binds as an integer (LIMIT needs one, and a column's affinity turns
// it back into text where the column holds text); anything else as text.
bool canonical_int(const std::string& v, std::int64_t& out) {
  if (v.empty() || v.size() > 18) return false;
  std::size_t i = v[0] == '-' ? 1 : 0;
  if (i == v.size() || (v[i] == '0' && v.size() > i + 1)) return false;
  for (std::size_t j = i; j < v.size(); ++j)
    if (v[j] < '0' || v[j] > '9') return false;
  out = std::stoll(v);
  return true;
}

void bind_value(db::Statement& st, int index, const std::string& v) {
  std::int64_t n = 0;
  if (canonical_int(v, n)) st.bind(index, n);
  else st.bind(index, v);
}

// Positional values fill the ? (and ?NNN) parameters in order; --param
// NAME=VALUE fills :NAME (or @NAME, $NAME). Values are never spliced into
// the SQL text.
Status bind_params(db::Statement& st, const Args& a, std::vector<std::string>& named) {
  std::vector<int> anonymous;
  for (int i = 1; i <= sqlite3_bind_parameter_count(st.handle()); ++i) {
    const char* name = sqlite3_bind_parameter_name(st.handle(), i);
    if (!name || name[0] == '?') anonymous.push_back(i);
  }
  const auto& pos = a.positional;
  if (pos.size() - 1 != anonymous.size() && pos.size() > 1)
    return make_error("sql", fmt::format("{} values given for {} ? parameters", pos.size() - 1,
                                         anonymous.size()));
  for (std::size_t i = 1; i < pos.size(); ++i) bind_value(st, anonymous[i - 1], pos[i]);
  for (const auto& p : a.all("--param")) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error("--param", fmt::format("'{}' is not NAME=VALUE", p));
    std::string name = p.substr(0, eq);
    named.push_back(p.substr(eq + 1));  // kept alive until the statement has run
    int index = 0;
    for (const char* sigil : {":", "@", "$"})
      if (!index) index = sqlite3_bind_parameter_index(st.handle(), (sigil + name).c_str());
    if (!index) return make_error("--param", fmt::format("the statement has no parameter :{}", name));
    bind_value(st, index, named.back());
  }
  return Ok{};
}

}  // namespace

int cmd_sql(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--param"}, {"--write", "--csv", "--json", "--jsonl", "--tsv", "--table"}});
  if (!args) return report(args.error(), kExitUsage);
  if (args->positional.empty())
    return report({"sql", "expects one SQL statement (usage: mlidx sql \"SELECT ...\" [VALUE...])"}, kExitUsage);
  std::string path = args->db();
  if (!std::filesystem::exists(path))
    return report({path, "no such database (create one with 'mlidx import')"});
  bool write = args->has("--write");
  auto c = db::Connection::open(path, write ? db::Connection::Mode::ReadWrite
                                            : db::Connection::Mode::ReadOnly);
  if (!c) return report(c.error());
  try {
    const std::string& sql = args->positional[0];
    db::Statement st(*c, sql);
    if (!write && !sqlite3_stmt_readonly(st.handle()))
      return report({"sql", "statement would change the database; add --write to allow it"});
    std::vector<std::string> named;
    named.reserve(args->all("--param").size());
    if (auto s = bind_params(st, *args, named); !s) return report(s.error(), kExitUsage);
    write_rows(st, format_of(*args), stdout);
  } catch (const db::DbError& e) {
    return report({"sql", e.what()});
  }
  return 0;
}

}  // namespace mlidx::cli
