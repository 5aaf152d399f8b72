// mlidx state set ID|MSGID STATE [--reason TEXT] [--archived]
// mlidx state clear ID|MSGID
// What only a human knows about a patch (rejected, changes requested...).
// The decision is kept by the patch's Message-ID, with its reason and
// time; no automatic rule (a new version, a matching commit) overrides it.
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "cli/commands.hh"
#include "cli/listing.hh"
#include "cli/options.hh"
#include "cli/record.hh"
#include "db/state.hh"
#include "db/store.hh"
#include "mail/date.hh"
#include "util/file_lock.hh"
#include "util/text.hh"

namespace mlidx::cli {
namespace {

// The msgid of the patch named by an id or a Message-ID.
Result<std::string> patch_msgid(db::Connection& c, const std::string& arg) {
  RecordReader reader(c);
  auto id = reader.find(arg);
  if (!id) return make_error("state", fmt::format("no message '{}'", terminal_text(arg)));
  db::Statement st(c, "SELECT msgid, kind FROM messages WHERE id = ?");
  st.bind(1, *id);
  st.step();
  if (st.text(1) != "patch")
    return make_error("state", fmt::format("'{}' is a {}, not a patch", terminal_text(arg), st.text(1)));
  return std::string(st.text(0));
}

int set(db::Connection& c, const Args& a) {
  const std::string& state = a.positional[2];
  auto names = db::state_names(c);
  if (std::find(names.begin(), names.end(), state) == names.end()) {
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    return report({"state", fmt::format("unknown state '{}' (one of: {})", terminal_text(state), all)}, kExitUsage);
  }
  auto msgid = patch_msgid(c, a.positional[1]);
  if (!msgid) return report(msgid.error());
  db::set_decision(c, *msgid, state, a.value("--reason"), a.has("--archived"), format_utc(std::time(nullptr)));
  fmt::print("<{}>: {}{}\n", terminal_text(*msgid), state, a.has("--archived") ? " (archived)" : "");
  return 0;
}

int clear(db::Connection& c, const Args& a) {
  auto msgid = patch_msgid(c, a.positional[1]);
  if (!msgid) return report(msgid.error());
  bool had = db::clear_decision(c, *msgid);
  db::Statement st(c, "SELECT state FROM patch_states WHERE msgid = ?");
  st.bind(1, *msgid);
  std::string now = st.step() ? std::string(st.text(0)) : "new";
  fmt::print("<{}>: {}{}\n", terminal_text(*msgid), now, had ? "" : " (no decision was recorded)");
  return 0;
}

Status check_usage(const Args& a) {
  const auto& p = a.positional;
  if (p.empty()) return make_error("state", "missing subcommand: set or clear (see 'mlidx state --help')");
  if (p[0] == "set") {
    if (p.size() != 3) return make_error("state", "usage: mlidx state set ID|MSGID STATE [--reason TEXT] [--archived]");
    return Ok{};
  }
  if (p[0] == "clear") {
    if (p.size() != 2) return make_error("state", "usage: mlidx state clear ID|MSGID");
    if (a.values.count("--reason") || a.has("--archived"))
      return make_error("state", "--reason and --archived go with 'state set'");
    return Ok{};
  }
  return make_error("state", fmt::format("unknown subcommand '{}' (set or clear)", terminal_text(p[0])));
}

}  // namespace

int cmd_state(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--reason"}, {"--archived"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto s = check_usage(*args); !s) return report(s.error(), kExitUsage);
  if (!std::filesystem::exists(args->db()))
    return report({args->db(), "no such database (create one with 'mlidx import')"});
  auto lock = FileLock::acquire(args->db(), 60);
  if (!lock) return report(lock.error());
  auto store = db::Store::open(args->db(), false);
  if (!store) return report(store.error());
  try {
    db::Connection& c = (*store)->conn();
    return args->positional[0] == "set" ? set(c, *args) : clear(c, *args);
  } catch (const db::DbError& e) {
    return report({args->db(), e.what()});
  }
}

}  // namespace mlidx::cli
