#include "series/series.hh"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace mlidx {
namespace {

// Patchwork's SERIES_DELAY_INTERVAL: unthreaded patches by one submitter
// with the same version and total join a series started within 20 minutes.
constexpr std::int64_t kSeriesWindow = 20 * 60;

using Result = SeriesResult;
constexpr std::uint32_t kNoNode = MailGraph::kNone;

// Calls f on message i's references in Patchwork's order until it returns
// true; true if it did.
template <class F>
bool for_refs(const MailGraph& g, std::size_t i, F f) {
  std::uint32_t parent = g.parent[i];
  if (parent != kNoNode && f(parent)) return true;
  auto refs = g.refs_of(i);
  for (auto it = refs.rbegin(); it != refs.rend(); ++it)
    if (*it != parent && f(*it)) return true;
  return false;
}

class Grouper {
 public:
  Grouper(const MailGraph& g, const SeriesInput& in)
      : g_(g), in_(in), series_ref_(g.ids.size(), kNoNode) {
    out_.mails.resize(in.mails.size());
  }

  Result run() {
    for (std::size_t i = 0; i < in_.mails.size(); ++i) {
      const SeriesFacts& m = in_.mails[i];
      if (m.ignored || m.empty) continue;
      if (m.is_patch) add_patch(i);
      else if (m.number == 0 && !m.is_reply) add_cover(i);
    }
    attach_comments();
    for (std::size_t i = 0; i < state_.size(); ++i)
      if (state_[i].patch1_name != SeriesFacts::kNone)
        out_.series[i].patch1_name = out_.texts.intern(in_.texts.at(state_[i].patch1_name));
    state_ = {};
    series_ref_ = {};
    link_versions(out_);
    return std::move(out_);
  }

 private:
  // Small per series (there is one for every ten mails or so): the patch
  // numbers 1-64 as bits, any others sorted in a vector; patch 1's name by
  // number.
  struct State {
    std::uint64_t low = 0;
    std::vector<int> high;
    std::uint32_t patch1_name = SeriesFacts::kNone;  // name of its patch 1, once seen
    std::uint32_t same_key_before = kNoNode;  // the series before it in by_key_'s chain
    bool has(int n) const {
      if (n >= 1 && n <= 64) return low >> (n - 1) & 1;
      return std::binary_search(high.begin(), high.end(), n);
    }
    void add(int n) {
      if (n >= 1 && n <= 64) low |= std::uint64_t{1} << (n - 1);
      else high.insert(std::lower_bound(high.begin(), high.end(), n), n);
    }
  };

  std::string_view text(std::uint32_t t) const {
    return t == SeriesFacts::kNone ? std::string_view() : in_.texts.at(t);
  }

  std::string_view name(const SeriesFacts& m) const { return text(m.name); }
  std::string_view title(const SeriesFacts& m) const {
    return m.name == SeriesFacts::kNone ? std::string_view() : in_.texts.at(m.name + 1);
  }

  // _find_series_by_references: the mail's own id, then its references.
  // (Patchwork's version check there can never fail, so none is made.)
  std::size_t by_references(std::size_t i) const {
    std::size_t s = kNone;
    auto find = [&](std::uint32_t id) {
      if (series_ref_[id] != kNoNode) s = series_ref_[id];
      return series_ref_[id] != kNoNode;
    };
    if (!find(g_.msgid[i])) for_refs(g_, i, find);
    return s;
  }

  // _find_series_by_markers, and Patchwork's choice among several matches:
  // the newest that does not hold this number yet.
  std::size_t by_markers(std::size_t i, int number) const {
    const SeriesFacts& m = in_.mails[i];
    if (!m.has_date) return kNone;
    const std::int64_t date = g_.date[i];
    auto it = by_key_.find({m.submitter, m.version, m.total});
    if (it == by_key_.end()) return kNone;
    std::vector<std::size_t> hits;  // newest first
    for (std::uint32_t s = it->second; s != kNoNode; s = state_[s].same_key_before) {
      const auto& sr = out_.series[s];
      if (sr.has_date && sr.date >= date - kSeriesWindow && sr.date <= date + kSeriesWindow)
        hits.push_back(s);
    }
    if (hits.size() <= 1) return hits.empty() ? kNone : hits.front();
    // In creation order, as Patchwork's query gives them: of equal dates
    // the first wins.
    std::size_t best = kNone;
    for (auto s = hits.rbegin(); s != hits.rend(); ++s)
      if (!state_[*s].has(number) &&
          (best == kNone || out_.series[*s].date > out_.series[best].date))
        best = *s;
    return best;
  }

  std::size_t new_series(std::size_t i, int total) {
    const SeriesFacts& m = in_.mails[i];
    std::size_t s = out_.series.size();
    Result::Series sr;
    sr.id = static_cast<std::int64_t>(s) + 1;
    sr.version = m.version;
    sr.total = total;
    sr.has_date = m.has_date;
    sr.date = m.has_date ? g_.date[i] : 0;
    sr.submitter = out_.texts.intern(in_.submitters.at(m.submitter));
    sr.first_id = g_.id[i];
    out_.series.push_back(std::move(sr));
    auto at = by_key_.try_emplace({m.submitter, m.version, total}, kNoNode).first;
    state_.emplace_back().same_key_before = at->second;
    at->second = static_cast<std::uint32_t>(s);
    return s;
  }

  void add_ref(std::uint32_t id, std::size_t s) {
    if (series_ref_[id] == kNoNode) series_ref_[id] = static_cast<std::uint32_t>(s);
  }

  void add_patch(std::size_t i) {
    const SeriesFacts& m = in_.mails[i];
    int x = m.number, n = m.total;
    std::size_t s = kNone;
    if (n > 0) {
      s = by_references(i);
      if (s == kNone) s = by_markers(i, x);
    } else {
      x = n = 1;
    }
    if (s == kNone || state_[s].has(x)) {
      s = new_series(i, n);
      for_refs(g_, i, [&](std::uint32_t r) {
        add_ref(r, s);
        return false;
      });
      add_ref(g_.msgid[i], s);
    }
    Result::Mail& r = out_.mails[i];
    r.kind = MailKind::Patch;
    if (x <= 0) return;  // "[PATCH 0/3]" with a diff: a patch outside any series
    auto& sr = out_.series[s];
    if (out_.text(sr.name).empty() && x == 1) sr.name = out_.texts.intern(name(m));  // keeps the prefixes
    if (x == 1) state_[s].patch1_name = m.name;
    state_[s].add(x);
    ++sr.received;
    r.series_id = static_cast<std::uint32_t>(sr.id);
    r.number = x;
  }

  void add_cover(std::size_t i) {
    const SeriesFacts& m = in_.mails[i];
    // A threaded "0/N" mail is a cover letter unless one by that name exists.
    int& same_name = cover_names_[std::string(name(m))];
    bool threaded = for_refs(g_, i, [](std::uint32_t) { return true; });
    if (threaded && same_name > 0) return;
    ++same_name;
    std::size_t s = kNone;
    if (series_ref_[g_.msgid[i]] != kNoNode) s = series_ref_[g_.msgid[i]];
    if (s == kNone) {
      s = new_series(i, m.total);
      add_ref(g_.msgid[i], s);
    }
    auto& sr = out_.series[s];
    // A cover's name wins over one taken from patch 1 (prefix dropped).
    if (std::string_view now = out_.text(sr.name); now.empty() || now == text(state_[s].patch1_name))
      sr.name = out_.texts.intern(title(m));
    sr.cover_id = g_.id[i];
    out_.mails[i].kind = MailKind::Cover;
    out_.mails[i].series_id = static_cast<std::uint32_t>(sr.id);
  }

  // Comments last, once every patch and cover is known: unlike Patchwork, a
  // reply that arrived before its patch is kept (docs/PATCHWORK.md,
  // "reply-before-patch"). Replies to replies land on the root submission;
  // a few rounds settle chains whatever their order.
  void attach_comments() {
    for (int round = 0; round < 4; ++round) {
      bool changed = false;
      for (std::size_t i = 0; i < in_.mails.size(); ++i) changed |= attach(i);
      if (!changed) break;
    }
  }

  // What a referenced id is to the series pass: the classification of the
  // message that has it (a ghost is nothing). Patchwork keeps a table of
  // patches, covers and comments by Message-ID; each is the message's kind.
  const Result::Mail* mail_of(std::uint32_t id) const {
    std::uint32_t at = g_.message_of[id];
    return at == kNoNode ? nullptr : &out_.mails[at];
  }

  bool attach(std::size_t i) {
    const SeriesFacts& m = in_.mails[i];
    Result::Mail& r = out_.mails[i];
    if (m.ignored || m.empty || r.kind != MailKind::Message) return false;
    std::int64_t patch = 0, cover = 0;
    // Patches and comments on patches first, then covers and theirs.
    for_refs(g_, i, [&](std::uint32_t ref) {
      const Result::Mail* p = mail_of(ref);
      if (!p) return false;
      if (p->kind == MailKind::Patch) patch = g_.id[g_.message_of[ref]];
      else if (p->patch_id()) patch = p->patch_id();
      return patch != 0;
    });
    if (patch) return comment_on(i, patch, 0);
    for_refs(g_, i, [&](std::uint32_t ref) {
      const Result::Mail* p = mail_of(ref);
      if (!p) return false;
      if (p->kind == MailKind::Cover) cover = g_.id[g_.message_of[ref]];
      else if (p->cover_id()) cover = p->cover_id();
      return cover != 0;
    });
    if (cover) return comment_on(i, 0, cover);
    return false;
  }

  bool comment_on(std::size_t i, std::int64_t patch, std::int64_t cover) {
    Result::Mail& r = out_.mails[i];
    r.kind = MailKind::Comment;
    r.on = patch ? patch : cover;
    r.on_patch = patch != 0;
    return true;
  }

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  const MailGraph& g_;
  const SeriesInput& in_;
  Result out_;
  std::vector<State> state_;
  // Per MailGraph::ids entry: the series its Message-ID belongs to, kNoNode
  // if none (Patchwork's SeriesReference).
  std::vector<std::uint32_t> series_ref_;
  // Per submitter, version and total: the newest series (State chains
  // the older ones; a vector per key took ~60 bytes more a series).
  std::map<std::tuple<std::uint32_t, int, int>, std::uint32_t> by_key_;
  std::unordered_map<std::string, int, SeededHash> cover_names_;  // names are the senders'
};

}  // namespace

SeriesResult compute_series(const MailGraph& g, const SeriesInput& in) { return Grouper(g, in).run(); }

SeriesResult compute_series(const std::vector<SeriesMail>& mails) {
  MailGraph g;
  SeriesInput in;
  for (const auto& m : mails) {
    g.add(m.id, m.msgid, {}, {});
    g.date.back() = m.date;
    // Stored backwards: for_refs reads them newest first.
    for (auto r = m.refs.rbegin(); r != m.refs.rend(); ++r) g.add_ref(*r);
    SeriesFacts f;
    f.has_date = m.has_date;
    f.submitter = in.submitters.intern(m.submitter);
    f.is_patch = m.is_patch;
    f.is_reply = m.is_reply;
    f.ignored = m.ignored;
    f.empty = m.empty;
    f.number = m.number;
    f.total = m.total;
    f.version = m.version;
    f.name = in.texts.add(m.name);
    in.texts.add(m.title);
    in.mails.push_back(f);
  }
  return compute_series(g, in);
}


namespace {

// "[v2,1/3] mm: fix (v2)" and "mm: fix" read the same: [...] groups, "vN"
// and "(vN)" dropped, case and white space folded.
std::string version_key(std::string_view name) {
  while (!name.empty() && name.front() == '[') {
    std::size_t close = name.find(']');
    if (close == std::string_view::npos) break;
    name.remove_prefix(close + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  }
  std::string key;
  std::size_t i = 0;
  while (i < name.size()) {
    std::size_t end = name.find(' ', i);
    if (end == std::string_view::npos) end = name.size();
    std::string_view word = name.substr(i, end - i);
    std::string_view bare = word;
    if (bare.size() > 2 && bare.front() == '(' && bare.back() == ')') bare = bare.substr(1, bare.size() - 2);
    bool version = bare.size() >= 2 && (bare[0] == 'v' || bare[0] == 'V') &&
                   bare.find_first_not_of("0123456789", 1) == std::string_view::npos;
    if (!word.empty() && !version) {
      if (!key.empty()) key += ' ';
      for (char c : word) key += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    i = end + 1;
  }
  return key;
}

}  // namespace

void link_versions(SeriesResult& r) {
  // The series seen so far per submitter and key, newest first: a chain
  // through `seen` from the last one (a map of string pairs to vectors took
  // ~250 bytes a series).
  struct Seen {
    std::uint32_t series, before;  // before: the previous entry with this key, kEnd if none
  };
  constexpr std::uint32_t kEnd = UINT32_MAX;
  InternTable keys;
  std::unordered_map<std::uint64_t, std::uint32_t> last;  // submitter << 32 | key -> seen entry
  std::vector<Seen> seen;
  auto key_of = [](std::uint32_t submitter, std::uint32_t key) {
    return std::uint64_t{submitter} << 32 | key;
  };
  for (std::size_t i = 0; i < r.series.size(); ++i) {
    auto& s = r.series[i];
    std::uint32_t mine[2] = {kEnd, kEnd};
    std::size_t n = 0;
    for (std::uint32_t t : {s.name, s.patch1_name})
      if (std::string k = version_key(r.text(t)); !k.empty())
        if (std::uint32_t id = keys.intern(k); n == 0 || mine[0] != id) mine[n++] = id;
    // The highest lower version; of those, the latest.
    std::size_t best = static_cast<std::size_t>(-1);
    for (std::size_t k = 0; k < n; ++k) {
      auto it = last.find(key_of(s.submitter, mine[k]));
      for (std::uint32_t e = it == last.end() ? kEnd : it->second; e != kEnd; e = seen[e].before) {
        std::size_t j = seen[e].series;
        const auto& p = r.series[j];
        if (p.version < s.version && (best == static_cast<std::size_t>(-1) ||
                                      p.version > r.series[best].version ||
                                      (p.version == r.series[best].version && j > best)))
          best = j;
      }
    }
    if (best != static_cast<std::size_t>(-1)) {
      s.previous_id = r.series[best].id;
      r.series[best].superseded = true;
    }
    for (std::size_t k = 0; k < n; ++k) {
      auto it = last.try_emplace(key_of(s.submitter, mine[k]), kEnd).first;
      seen.push_back({static_cast<std::uint32_t>(i), it->second});
      it->second = static_cast<std::uint32_t>(seen.size() - 1);
    }
  }
}

}  // namespace mlidx
