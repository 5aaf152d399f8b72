// mlidx thread MSGID|ID [--json|--mbox] : the whole thread of a message as a
// tree, ghosts (referenced, never received) in their place.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/commands.hh"
#include "cli/common.hh"
#include "cli/listing.hh"
#include "cli/mbox_out.hh"
#include "cli/options.hh"
#include "util/intern.hh"

namespace mlidx::cli {
namespace {

struct Node {
  std::int64_t id = 0;  // 0: a ghost
  std::string msgid, parent_msgid, date, from_name, from_email, subject, kind;
  std::string key;  // sort key: the date, else the earliest date below
  int parent = -1;
  std::vector<int> children;
};

struct Placed {
  int node;
  int depth;
};

// Deeper levels are not indented further: a thread can be thousands of
// replies deep, and the depth is printed instead.
constexpr int kMaxIndent = 30;

// The thread of a message id (digits), a Message-ID with or without <>, or
// a ghost's Message-ID.
Result<std::int64_t> find_thread(db::Connection& c, std::string arg) {
  if (auto id = parse_id(arg)) {
    db::Statement st(c, "SELECT thread_id FROM messages WHERE id = ?");
    st.bind(1, *id);
    if (st.step() && !st.is_null(0)) return st.int64(0);
    return make_error("thread", fmt::format("no message with id {}", arg));
  }
  if (arg.size() > 2 && arg.front() == '<' && arg.back() == '>') arg = arg.substr(1, arg.size() - 2);
  db::Statement st(c,
                   "SELECT thread_id FROM messages WHERE msgid = ?1 "
                   "UNION ALL SELECT thread_id FROM ghosts WHERE msgid = ?1");
  st.bind(1, arg);
  if (st.step() && !st.is_null(0)) return st.int64(0);
  return make_error("thread", fmt::format("no message with Message-ID <{}>", terminal_text(arg)));
}

std::vector<Node> load(db::Connection& c, std::int64_t thread) {
  std::vector<Node> nodes;
  db::Statement m(c,
                  "SELECT id, msgid, coalesce(in_reply_to, ''), coalesce(date, ''), from_name, "
                  "from_email, subject, kind FROM messages WHERE thread_id = ?");
  m.bind(1, thread);
  while (m.step())
    nodes.push_back({m.int64(0), std::string(m.text(1)), std::string(m.text(2)), std::string(m.text(3)),
                     std::string(m.text(4)), std::string(m.text(5)), std::string(m.text(6)),
                     std::string(m.text(7)), std::string(m.text(3)), -1, {}});
  db::Statement g(c, "SELECT msgid, coalesce(parent_msgid, '') FROM ghosts WHERE thread_id = ?");
  g.bind(1, thread);
  while (g.step()) {
    Node n;
    n.msgid = g.text(0);
    n.parent_msgid = g.text(1);
    n.kind = "ghost";
    nodes.push_back(std::move(n));
  }
  return nodes;
}

bool earlier(const Node& a, const Node& b) {
  if (a.key != b.key) return a.key < b.key;
  if (a.id != b.id) return a.id < b.id;
  return a.msgid < b.msgid;
}

// Parent links from the stored parent ids; a cycle (A replies to B, B to
// A: forged or broken References) is cut above its earliest message.
void link(std::vector<Node>& nodes) {
  std::unordered_map<std::string_view, int, SeededHash> by_msgid;
  for (std::size_t i = 0; i < nodes.size(); ++i) by_msgid.emplace(nodes[i].msgid, int(i));
  for (auto& n : nodes)
    if (auto it = by_msgid.find(n.parent_msgid); it != by_msgid.end() && it->first != n.msgid)
      n.parent = it->second;
  enum : char { kNew, kOnPath, kDone };
  std::vector<char> state(nodes.size(), kNew);
  std::vector<int> path;
  for (std::size_t start = 0; start < nodes.size(); ++start) {
    int v = int(start);
    for (; v >= 0 && state[v] == kNew; v = nodes[v].parent) {
      state[v] = kOnPath;
      path.push_back(v);
    }
    if (v >= 0 && state[v] == kOnPath) {
      int first = v;
      for (int u = nodes[v].parent; u != v; u = nodes[u].parent)
        if (earlier(nodes[u], nodes[first])) first = u;
      nodes[first].parent = -1;
    }
    for (int p : path) state[p] = kDone;
    path.clear();
  }
}

// The tree in display order: roots and children by date, each node after
// its parent, with its depth. Iterative: depth is user data.
std::vector<Placed> arrange(std::vector<Node>& nodes) {
  std::vector<int> roots;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].parent < 0) roots.push_back(int(i));
    else nodes[nodes[i].parent].children.push_back(int(i));
  }
  auto walk = [&nodes](const std::vector<int>& tops) {
    std::vector<Placed> order, stack;
    for (auto it = tops.rbegin(); it != tops.rend(); ++it) stack.push_back({*it, 0});
    while (!stack.empty()) {
      Placed p = stack.back();
      stack.pop_back();
      order.push_back(p);
      const auto& kids = nodes[p.node].children;
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back({*it, p.depth + 1});
    }
    return order;
  };
  // A ghost (or a mail without a date) sorts by the earliest date below it:
  // children come before their parent in the reverse of any pre-order.
  auto unsorted = walk(roots);
  for (auto it = unsorted.rbegin(); it != unsorted.rend(); ++it) {
    const Node& n = nodes[it->node];
    if (n.parent < 0 || n.key.empty()) continue;
    Node& up = nodes[n.parent];
    if (up.date.empty() && (up.key.empty() || n.key < up.key)) up.key = n.key;
  }
  auto by_date = [&nodes](int a, int b) { return earlier(nodes[a], nodes[b]); };
  std::sort(roots.begin(), roots.end(), by_date);
  for (auto& n : nodes) std::sort(n.children.begin(), n.children.end(), by_date);
  return walk(roots);
}

std::string tree_text(const std::vector<Node>& nodes, const std::vector<Placed>& order) {
  std::size_t id_width = 1;
  for (const auto& n : nodes) id_width = std::max(id_width, std::to_string(n.id).size());
  std::string out;
  for (auto [i, depth] : order) {
    const Node& n = nodes[i];
    std::string indent(2 * std::min(depth, kMaxIndent), ' ');
    if (depth > kMaxIndent) indent += fmt::format("[{}] ", depth);
    if (n.id == 0) {
      out += fmt::format("{:>{}}  {:16}  {:20}  {:7}  {}[not received] <{}>\n", "", id_width, "", "", "",
                         indent, terminal_text(n.msgid));
      continue;
    }
    out += fmt::format("{:>{}}  {:16}  {}  {:7}  {}{}\n", n.id, id_width, short_date(n.date),
                       fit(author(n.from_name, n.from_email), 20), n.kind, indent, terminal_text(n.subject));
  }
  return out;
}

std::string tree_json(db::Connection& c, std::int64_t thread, const std::vector<Node>& nodes,
                      const std::vector<Placed>& order) {
  db::Statement t(c,
                  "SELECT root_msgid, subject, message_count, ghost_count, first_date, last_date "
                  "FROM threads WHERE id = ?");
  t.bind(1, thread);
  std::string out = fmt::format("{{\"id\": {}", thread);
  if (t.step())
    out += fmt::format(", \"root_msgid\": {}, \"subject\": {}, \"message_count\": {}, \"ghost_count\": {}, "
                       "\"first_date\": {}, \"last_date\": {}",
                       json_text(t, 0), json_text(t, 1), json_int(t, 2), json_int(t, 3), json_text(t, 4),
                       json_text(t, 5));
  out += ", \"messages\": [";
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Node& n = nodes[order[k].node];
    bool ghost = n.id == 0;
    out += fmt::format(
        "{}\n  {{\"depth\": {}, \"parent\": {}, \"id\": {}, \"msgid\": {}, \"kind\": {}, \"date\": {}, "
        "\"from_name\": {}, \"from_email\": {}, \"subject\": {}}}",
        k ? "," : "", order[k].depth, n.parent < 0 ? "null" : json_str(nodes[n.parent].msgid),
        ghost ? "null" : std::to_string(n.id), json_str(n.msgid), json_str(n.kind), json_str_or_null(n.date),
        ghost ? "null" : json_str(n.from_name), ghost ? "null" : json_str(n.from_email),
        ghost ? "null" : json_str(n.subject));
  }
  return out + (order.empty() ? "]}\n" : "\n]}\n");
}

// The bytes are read one mail at a time after the sort: sorting rows that
// carry them made SQLite copy every mail of the thread once more.
void write_mbox(db::Connection& c, std::int64_t thread) {
  db::Statement order(c, "SELECT id, coalesce(date, '') FROM messages WHERE thread_id = ? ORDER BY date, id");
  db::Statement raw(c, "SELECT bytes FROM raw WHERE message_id = ?");
  order.bind(1, thread);
  while (order.step()) {
    raw.bind(1, order.int64(0));
    if (raw.step()) write_mboxrd(stdout, raw.text(0), order.text(1));
    raw.reset();
  }
}

}  // namespace

int cmd_thread(const Argv& argv) {
  auto args = parse_args(argv, {{"--db"}, {"--json", "--mbox"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto s = check_positional(*args, "thread", 1, 1); !s) return report(s.error(), kExitUsage);
  if (args->has("--json") && args->has("--mbox"))
    return report({"thread", "--json and --mbox exclude each other"}, kExitUsage);
  auto c = open_archive(*args);
  if (!c) return report(c.error());
  try {
    auto thread = find_thread(*c, args->positional[0]);
    if (!thread) return report(thread.error());
    if (args->has("--mbox")) {
      write_mbox(*c, *thread);
      return 0;
    }
    auto nodes = load(*c, *thread);
    link(nodes);
    auto order = arrange(nodes);
    std::string out = args->has("--json") ? tree_json(*c, *thread, nodes, order) : tree_text(nodes, order);
    std::fwrite(out.data(), 1, out.size(), stdout);
  } catch (const db::DbError& e) {
    return report({"thread", e.what()});
  }
  return 0;
}

}  // namespace mlidx::cli
