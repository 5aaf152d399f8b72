#include "thread/threader.hh"

#include <algorithm>
#include <limits>

namespace mlidx {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Union-find with path halving: iterative, so a million-long References
// chain cannot overflow the stack.
struct Components {
  std::vector<std::size_t> up;
  std::size_t find(std::size_t x) {
    while (up[x] != x) {
      up[x] = up[up[x]];
      x = up[x];
    }
    return x;
  }
  void join(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) up[std::max(a, b)] = std::min(a, b);
  }
};

struct Graph {
  std::unordered_map<std::string_view, std::size_t> node_of;
  std::vector<std::string_view> msgid;  // per node; messages first, then ghosts
  std::vector<std::size_t> parent;      // per node, kNone if none
  std::size_t messages = 0;

  std::size_t node(std::string_view id) {
    auto [it, fresh] = node_of.try_emplace(id, msgid.size());
    if (fresh) {
      msgid.push_back(id);
      parent.push_back(kNone);
    }
    return it->second;
  }
};

Graph build_graph(const std::vector<ThreadMessage>& ms) {
  Graph g;
  g.node_of.reserve(ms.size() * 2);
  for (const auto& m : ms) g.node(m.msgid);  // a duplicate msgid cannot happen in the store
  g.messages = g.msgid.size();
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (!ms[i].parent.empty()) g.parent[g.node_of[ms[i].msgid]] = g.node(ms[i].parent);
    // A ghost's parent is the id before it in some References chain.
    std::size_t prev = kNone;
    for (const auto& r : ms[i].refs) {
      std::size_t n = g.node(r);
      if (n >= g.messages && g.parent[n] == kNone && prev != kNone && prev != n) g.parent[n] = prev;
      prev = n;
    }
  }
  return g;
}

// Follows parents from `start` to the top; a cycle stops at the first node
// seen twice. `seen` holds a per-walk stamp so no clearing is needed.
std::size_t top_of(const Graph& g, std::size_t start, std::vector<std::size_t>& seen,
                   std::size_t stamp) {
  std::size_t n = start;
  while (g.parent[n] != kNone && seen[g.parent[n]] != stamp) {
    seen[n] = stamp;
    n = g.parent[n];
  }
  return n;
}

bool earlier(const ThreadMessage& a, const ThreadMessage& b) {
  if (a.date.empty() != b.date.empty()) return !a.date.empty();
  if (a.date != b.date) return a.date < b.date;
  return a.id < b.id;
}

}  // namespace

Threading compute_threads(const std::vector<ThreadMessage>& ms) {
  Graph g = build_graph(ms);
  Components c{std::vector<std::size_t>(g.msgid.size())};
  for (std::size_t i = 0; i < c.up.size(); ++i) c.up[i] = i;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    std::size_t self = g.node_of[ms[i].msgid];
    for (const auto& r : ms[i].refs) c.join(self, g.node_of[r]);
    if (!ms[i].parent.empty()) c.join(self, g.node_of[ms[i].parent]);
  }

  // Per component: the index of its ThreadInfo and its earliest message.
  std::vector<std::size_t> slot(g.msgid.size(), kNone);
  std::vector<std::size_t> earliest;
  Threading out;
  out.thread_of.resize(ms.size());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    std::size_t comp = c.find(g.node_of[ms[i].msgid]);
    if (slot[comp] == kNone) {
      slot[comp] = out.threads.size();
      out.threads.push_back({ms[i].id, {}, {}, 0, 0, {}, {}});
      earliest.push_back(i);
    }
    ThreadInfo& t = out.threads[slot[comp]];
    t.id = std::min(t.id, ms[i].id);
    ++t.message_count;
    if (!ms[i].date.empty()) {
      if (t.first_date.empty() || ms[i].date < t.first_date) t.first_date = ms[i].date;
      if (ms[i].date > t.last_date) t.last_date = ms[i].date;
    }
    if (earlier(ms[i], ms[earliest[slot[comp]]])) earliest[slot[comp]] = i;
  }
  for (std::size_t i = 0; i < ms.size(); ++i)
    out.thread_of[i] = out.threads[slot[c.find(g.node_of[ms[i].msgid])]].id;

  for (std::size_t n = g.messages; n < g.msgid.size(); ++n) {
    ThreadInfo& t = out.threads[slot[c.find(n)]];
    ++t.ghost_count;
    std::string parent = g.parent[n] == kNone ? std::string() : std::string(g.msgid[g.parent[n]]);
    out.ghosts.push_back({std::string(g.msgid[n]), t.id, std::move(parent)});
  }

  std::vector<std::size_t> seen(g.msgid.size(), kNone);
  for (std::size_t s = 0; s < out.threads.size(); ++s) {
    const ThreadMessage& first = ms[earliest[s]];
    std::size_t root = top_of(g, g.node_of[first.msgid], seen, s);
    out.threads[s].root_msgid = std::string(g.msgid[root]);
    out.threads[s].subject = root < g.messages ? ms[root].subject : first.subject;
  }
  std::sort(out.threads.begin(), out.threads.end(),
            [](const ThreadInfo& a, const ThreadInfo& b) { return a.id < b.id; });
  std::sort(out.ghosts.begin(), out.ghosts.end(),
            [](const GhostInfo& a, const GhostInfo& b) { return a.msgid < b.msgid; });
  return out;
}

}  // namespace mlidx
