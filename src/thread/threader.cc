#include "thread/threader.hh"

#include <algorithm>
#include <limits>

#include "mail/date.hh"

namespace mlidx {

std::uint32_t MailGraph::add(std::int64_t message_id, std::string_view m, std::string_view d,
                             std::string_view p) {
  auto i = static_cast<std::uint32_t>(id.size());
  std::uint32_t node = ids.intern(m);
  if (node >= message_of.size()) message_of.resize(node + 1, kNone);
  message_of[node] = i;  // a duplicate msgid cannot happen in the store
  id.push_back(message_id);
  msgid.push_back(node);
  std::uint32_t up = p.empty() ? kNone : ids.intern(p);
  if (up != kNone && up >= message_of.size()) message_of.resize(up + 1, kNone);
  parent.push_back(up);
  // Stored dates are format_utc's: the number keeps them exactly, and
  // orders them as their text does (fixed width, four-digit years).
  std::int64_t when = kNoDate;
  if (!d.empty()) {
    auto t = parse_date(d);
    if (t && d.size() == 19 && d[0] >= '0' && d[0] <= '9' && format_utc(*t) == d) {
      when = *t;
    } else {
      when = t ? *t : 0;  // what the series pass reads
      odd_dates.emplace(i, std::string(d));
    }
  }
  date.push_back(when);
  refs_end.push_back(refs.size());
  return i;
}

void MailGraph::add_ref(std::string_view r) {
  std::uint32_t node = ids.intern(r);
  if (node >= message_of.size()) message_of.resize(node + 1, kNone);
  refs.push_back(node);
  ++refs_end.back();
}

bool MailGraph::parsed_date(std::size_t i) const {
  if (date[i] == kNoDate) return false;
  if (odd_dates.empty()) return true;
  auto it = odd_dates.find(static_cast<std::uint32_t>(i));
  return it == odd_dates.end() || parse_date(it->second).has_value();
}

std::string MailGraph::date_text(std::size_t i) const {
  if (date[i] == kNoDate) return {};
  if (!odd_dates.empty())
    if (auto it = odd_dates.find(static_cast<std::uint32_t>(i)); it != odd_dates.end()) return it->second;
  return format_utc(date[i]);
}

int MailGraph::compare_dates(std::size_t a, std::size_t b) const {
  if (odd_dates.empty() || (!odd_dates.count(static_cast<std::uint32_t>(a)) &&
                            !odd_dates.count(static_cast<std::uint32_t>(b))))
    return date[a] < date[b] ? -1 : date[a] > date[b] ? 1 : 0;
  return date_text(a).compare(date_text(b));
}

void MailGraph::reserve(std::size_t messages, std::size_t n_refs) {
  id.reserve(messages);
  msgid.reserve(messages);
  parent.reserve(messages);
  date.reserve(messages);
  refs_end.reserve(messages);
  refs.reserve(n_refs);
}

std::size_t MailGraph::bytes() const {
  return ids.bytes() + message_of.capacity() * 4 + id.capacity() * 8 + msgid.capacity() * 4 +
         parent.capacity() * 4 + date.capacity() * 8 + refs_end.capacity() * 8 + refs.capacity() * 4;
}

namespace {

constexpr std::uint32_t kNone = MailGraph::kNone;

// Union-find with path halving: iterative, so a million-long References
// chain cannot overflow the stack.
struct Components {
  std::vector<std::uint32_t> up;
  std::uint32_t find(std::uint32_t x) {
    while (up[x] != x) {
      up[x] = up[up[x]];
      x = up[x];
    }
    return x;
  }
  void join(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) up[std::max(a, b)] = std::min(a, b);
  }
};

// Per ids entry: the displayed parent. A message's is its own; a ghost's
// is the id before it in the first References chain that has one.
std::vector<std::uint32_t> parents(const MailGraph& g) {
  std::vector<std::uint32_t> up(g.ids.size(), kNone);
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (g.parent[i] != kNone) up[g.msgid[i]] = g.parent[i];
    std::uint32_t prev = kNone;
    for (std::uint32_t n : g.refs_of(i)) {
      if (g.message_of[n] == kNone && up[n] == kNone && prev != kNone && prev != n) up[n] = prev;
      prev = n;
    }
  }
  return up;
}

// Follows parents from `start` to the top; a cycle stops at the first node
// seen twice. `seen` holds a per-walk stamp so no clearing is needed.
std::uint32_t top_of(const std::vector<std::uint32_t>& parent, std::uint32_t start,
                     std::vector<std::uint32_t>& seen, std::uint32_t stamp) {
  std::uint32_t n = start;
  while (parent[n] != kNone && seen[parent[n]] != stamp) {
    seen[n] = stamp;
    n = parent[n];
  }
  return n;
}

bool earlier(const MailGraph& g, std::size_t a, std::size_t b) {
  if (g.has_date(a) != g.has_date(b)) return g.has_date(a);
  if (g.has_date(a))
    if (int c = g.compare_dates(a, b)) return c < 0;
  return g.id[a] < g.id[b];
}

}  // namespace

Threading compute_threads(const MailGraph& g) {
  const std::size_t nodes = g.ids.size();
  Components c{std::vector<std::uint32_t>(nodes)};
  for (std::uint32_t i = 0; i < nodes; ++i) c.up[i] = i;
  for (std::size_t i = 0; i < g.size(); ++i) {
    for (std::uint32_t r : g.refs_of(i)) c.join(g.msgid[i], r);
    if (g.parent[i] != kNone) c.join(g.msgid[i], g.parent[i]);
  }

  // Per component: the index of its ThreadInfo and its earliest message.
  std::vector<std::uint32_t> slot(nodes, kNone);
  std::vector<std::uint32_t> earliest;
  Threading out;
  out.thread_of.resize(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    std::uint32_t comp = c.find(g.msgid[i]);
    auto at = static_cast<std::uint32_t>(i);
    if (slot[comp] == kNone) {
      slot[comp] = static_cast<std::uint32_t>(out.threads.size());
      out.threads.push_back({g.id[i], 0, 0, 0, kNone, kNone, kNone});
      earliest.push_back(at);
    }
    ThreadInfo& t = out.threads[slot[comp]];
    t.id = std::min(t.id, g.id[i]);
    ++t.message_count;
    if (g.has_date(i)) {
      if (t.first == kNone || g.compare_dates(i, t.first) < 0) t.first = at;
      if (t.last == kNone || g.compare_dates(i, t.last) > 0) t.last = at;
    }
    std::uint32_t& e = earliest[slot[comp]];
    if (earlier(g, i, e)) e = at;
  }
  for (std::size_t i = 0; i < g.size(); ++i) out.thread_of[i] = out.threads[slot[c.find(g.msgid[i])]].id;

  std::vector<std::uint32_t> parent = parents(g);
  for (std::uint32_t n = 0; n < nodes; ++n) {
    if (g.message_of[n] != kNone) continue;
    ThreadInfo& t = out.threads[slot[c.find(n)]];
    ++t.ghost_count;
    out.ghosts.push_back({n, parent[n], t.id});
  }
  c.up = {};
  slot = {};

  std::vector<std::uint32_t> seen(nodes, kNone);
  for (std::size_t s = 0; s < out.threads.size(); ++s) {
    ThreadInfo& t = out.threads[s];
    t.root = top_of(parent, g.msgid[earliest[s]], seen, static_cast<std::uint32_t>(s));
    t.subject_of = g.id[g.message_of[t.root] != kNone ? g.message_of[t.root] : earliest[s]];
  }
  std::sort(out.threads.begin(), out.threads.end(),
            [](const ThreadInfo& a, const ThreadInfo& b) { return a.id < b.id; });
  std::sort(out.ghosts.begin(), out.ghosts.end(), [&g](const GhostInfo& a, const GhostInfo& b) {
    return g.ids.at(a.msgid) < g.ids.at(b.msgid);
  });
  return out;
}

ThreadingText compute_threads(const std::vector<ThreadMessage>& ms) {
  MailGraph g;
  std::unordered_map<std::int64_t, const std::string*> subjects;
  for (const auto& m : ms) {
    g.add(m.id, m.msgid, m.date, m.parent);
    for (const auto& r : m.refs) g.add_ref(r);
    subjects.emplace(m.id, &m.subject);
  }
  Threading t = compute_threads(g);
  ThreadingText out;
  out.thread_of = std::move(t.thread_of);
  auto text = [&g](std::uint32_t n) { return n == kNone ? std::string() : std::string(g.ids.at(n)); };
  for (const auto& th : t.threads)
    out.threads.push_back({th.id, text(th.root), *subjects.at(th.subject_of), th.message_count,
                           th.ghost_count, th.first == kNone ? "" : g.date_text(th.first),
                           th.last == kNone ? "" : g.date_text(th.last)});
  for (const auto& gh : t.ghosts) out.ghosts.push_back({text(gh.msgid), gh.thread_id, text(gh.parent)});
  return out;
}

}  // namespace mlidx
