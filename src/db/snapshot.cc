#include "db/snapshot.hh"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "util/build_id.hh"
#include "util/xxh128.hh"

namespace mlidx::db {
namespace {

// Row 0's bytes: kMagic, kFormat, the byte-order mark, the data's size and
// row count, its XXH3-128, then the build id. kFormat changes with the
// layout below; a change of the rules behind the facts changes the build.
constexpr char kMagic[8] = {'m', 'l', 'i', 'd', 'x', 'd', 's', 'n'};
constexpr std::uint32_t kFormat = 1;
constexpr std::uint32_t kByteOrder = 0x01020304;  // read back as written on this machine only
constexpr std::size_t kPart = std::size_t{1} << 20;

// The data, written as it is encoded, one row per kPart bytes.
class PartWriter {
 public:
  explicit PartWriter(Connection& c)
      : insert_(c, "INSERT INTO derive_snapshot (part, data) VALUES (?1, ?2)") {
    buf_.reserve(kPart);
  }
  void put(const void* p, std::size_t n) {
    const char* s = static_cast<const char*>(p);
    hash_.update({s, n});
    size_ += n;
    while (n > 0) {
      std::size_t k = std::min(n, kPart - buf_.size());
      buf_.append(s, k);
      s += k;
      n -= k;
      if (buf_.size() == kPart) flush();
    }
  }
  template <class T>
  void pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put(&v, sizeof v);
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    pod<std::uint64_t>(v.size());
    put(v.data(), v.size() * sizeof(T));
  }
  void str(std::string_view s) {
    pod<std::uint64_t>(s.size());
    put(s.data(), s.size());
  }
  void flush() {
    if (buf_.empty()) return;
    insert_.bind(1, ++parts_).bind_blob(2, buf_).run();
    buf_.clear();
  }
  std::uint64_t size() const { return size_; }
  std::int64_t parts() const { return parts_; }
  Xxh128 digest() const { return hash_.digest(); }

 private:
  Statement insert_;
  std::string buf_;
  std::uint64_t size_ = 0;
  std::int64_t parts_ = 0;
  Xxh128Stream hash_;
};

// Reads the data back across its rows; every read is bounded by what is
// left, so a damaged copy fails a read instead of sizing a vector.
class PartReader {
 public:
  PartReader(Connection& c, std::uint64_t size)
      : rows_(c, "SELECT part, data FROM derive_snapshot WHERE part > 0 ORDER BY part"), left_(size) {}
  bool get(void* p, std::size_t n) {
    if (n > left_) return false;
    left_ -= n;
    char* d = static_cast<char*>(p);
    while (n > 0) {
      if (at_ == cur_.size() && !next()) return false;
      std::size_t k = std::min(n, cur_.size() - at_);
      std::memcpy(d, cur_.data() + at_, k);
      hash_.update(cur_.substr(at_, k));
      at_ += k;
      d += k;
      n -= k;
    }
    return true;
  }
  template <class T>
  bool pod(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    return get(&v, sizeof v);
  }
  template <class T>
  bool vec(std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::uint64_t n = 0;
    if (!pod(n) || n > left_ / sizeof(T)) return false;
    v.resize(n);
    return get(v.data(), n * sizeof(T));
  }
  bool str(std::string& s) {
    std::uint64_t n = 0;
    if (!pod(n) || n > left_) return false;
    s.resize(n);
    return get(s.data(), n);
  }
  std::uint64_t left() const { return left_; }
  // All of it read, and no row left over.
  bool done() { return left_ == 0 && at_ == cur_.size() && !rows_.step(); }
  Xxh128 digest() const { return hash_.digest(); }

 private:
  bool next() {
    if (!rows_.step() || rows_.int64(0) != ++part_) return false;
    cur_ = rows_.blob(1);
    at_ = 0;
    return !cur_.empty();
  }
  Statement rows_;
  std::uint64_t left_;
  std::int64_t part_ = 0;
  std::string_view cur_;  // valid until the next step
  std::size_t at_ = 0;
  Xxh128Stream hash_;
};

void put_pool(PartWriter& w, const StringPool& p) {
  w.str(p.data());
  w.vec(p.ends());
}

bool get_pool(PartReader& r, StringPool& p) {
  std::string bytes;
  std::vector<std::uint64_t> ends;
  return r.str(bytes) && r.vec(ends) && p.assign(std::move(bytes), std::move(ends));
}

// SeriesFacts field by field: its bit-fields' padding would make equal
// snapshots differ.
constexpr std::uint64_t kPackedFacts = 4 + 4 + 4 + 4 + 4 + 1;
void put_facts(PartWriter& w, const std::vector<SeriesFacts>& mails) {
  w.pod<std::uint64_t>(mails.size());
  for (const SeriesFacts& f : mails) {
    auto flags = static_cast<std::uint8_t>(f.has_date | f.is_patch << 1 | f.is_reply << 2 | f.ignored << 3 |
                                           f.empty << 4);
    w.pod(f.submitter);
    w.pod(f.name);
    w.pod(f.number);
    w.pod(f.total);
    w.pod(f.version);
    w.pod(flags);
  }
}

bool get_facts(PartReader& r, std::vector<SeriesFacts>& mails) {
  std::uint64_t n = 0;
  if (!r.pod(n) || n > r.left() / kPackedFacts) return false;
  mails.resize(n);
  for (SeriesFacts& f : mails) {
    std::uint8_t flags = 0;
    if (!(r.pod(f.submitter) && r.pod(f.name) && r.pod(f.number) && r.pod(f.total) && r.pod(f.version) &&
          r.pod(flags)))
      return false;
    f.has_date = flags & 1;
    f.is_patch = flags & 2;
    f.is_reply = flags & 4;
    f.ignored = flags & 8;
    f.empty = flags & 16;
  }
  return true;
}

void encode(PartWriter& w, const StoredMail& m) {
  const MailGraph& g = m.graph;
  put_pool(w, g.ids.pool());
  w.vec(g.message_of);
  w.vec(g.id);
  w.vec(g.msgid);
  w.vec(g.parent);
  w.vec(g.date);
  w.vec(g.refs_end);
  w.vec(g.refs);
  std::vector<std::uint32_t> odd;  // in order: the same mail, the same bytes
  for (const auto& [i, text] : g.odd_dates) odd.push_back(i);
  std::sort(odd.begin(), odd.end());
  w.pod<std::uint64_t>(odd.size());
  for (std::uint32_t i : odd) {
    w.pod(i);
    w.str(g.odd_dates.at(i));
  }
  put_pool(w, m.series.submitters.pool());
  put_pool(w, m.series.texts);
  put_facts(w, m.series.mails);
  w.vec(m.old_thread);
  w.vec(m.old_kind);
  w.pod(m.upto);
}

bool decode(PartReader& r, StoredMail& m) {
  MailGraph& g = m.graph;
  StringPool ids, submitters;
  if (!get_pool(r, ids) || !g.ids.assign(std::move(ids))) return false;
  if (!(r.vec(g.message_of) && r.vec(g.id) && r.vec(g.msgid) && r.vec(g.parent) && r.vec(g.date) &&
        r.vec(g.refs_end) && r.vec(g.refs)))
    return false;
  std::uint64_t odd = 0;
  if (!r.pod(odd)) return false;
  for (std::uint64_t k = 0; k < odd; ++k) {
    std::uint32_t i = 0;
    std::string text;
    if (!r.pod(i) || !r.str(text)) return false;
    g.odd_dates.emplace(i, std::move(text));
  }
  return get_pool(r, submitters) && m.series.submitters.assign(std::move(submitters)) &&
         get_pool(r, m.series.texts) && get_facts(r, m.series.mails) && r.vec(m.old_thread) &&
         r.vec(m.old_kind) && r.pod(m.upto);
}

// What the passes index by must be in range: a copy that passed its
// checksum can still have been written by a faulty build.
bool consistent(const StoredMail& m) {
  const MailGraph& g = m.graph;
  std::size_t n = g.id.size(), nodes = g.ids.size();
  for (std::size_t size : {g.msgid.size(), g.parent.size(), g.date.size(), g.refs_end.size(),
                           m.series.mails.size(), m.old_thread.size(), m.old_kind.size()})
    if (size != n) return false;
  if (g.message_of.size() != nodes) return false;
  if (m.upto != (n ? g.id.back() : 0)) return false;
  std::uint64_t refs_at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if ((i > 0 && g.id[i] <= g.id[i - 1]) || g.msgid[i] >= nodes || g.message_of[g.msgid[i]] != i)
      return false;
    if (g.parent[i] != MailGraph::kNone && g.parent[i] >= nodes) return false;
    if (g.refs_end[i] < refs_at || g.refs_end[i] > g.refs.size()) return false;
    refs_at = g.refs_end[i];
    const SeriesFacts& f = m.series.mails[i];
    if (f.submitter >= m.series.submitters.size()) return false;
    // A cover's title follows its name (SeriesInput::texts).
    if (f.name != SeriesFacts::kNone && std::uint64_t{f.name} + !f.is_patch >= m.series.texts.size())
      return false;
    std::uint8_t kind = m.old_kind[i];
    if (kind > static_cast<std::uint8_t>(MailKind::Comment) && kind != StoredMail::kOtherKind) return false;
  }
  if (refs_at != g.refs.size()) return false;
  for (std::uint32_t node : g.refs)
    if (node >= nodes) return false;
  for (std::size_t node = 0; node < nodes; ++node) {
    std::uint32_t i = g.message_of[node];
    if (i != MailGraph::kNone && (i >= n || g.msgid[i] != node)) return false;
  }
  for (const auto& [i, text] : g.odd_dates)
    if (i >= n) return false;
  return true;
}

struct Header {
  std::uint32_t format = 0, byte_order = 0;
  std::uint64_t size = 0;
  std::int64_t parts = 0;
  Xxh128 digest{};
  std::string build;
};

std::string encode_header(const Header& h) {
  std::string out(kMagic, sizeof kMagic);
  auto put = [&out](const auto& v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(h.format);
  put(h.byte_order);
  put(h.size);
  put(h.parts);
  put(h.digest);
  out += h.build;
  return out;
}

bool decode_header(std::string_view in, Header& h) {
  if (in.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic)) return false;
  in.remove_prefix(sizeof kMagic);
  auto get = [&in](auto& v) {
    if (in.size() < sizeof v) return false;
    std::memcpy(&v, in.data(), sizeof v);
    in.remove_prefix(sizeof v);
    return true;
  };
  if (!(get(h.format) && get(h.byte_order) && get(h.size) && get(h.parts) && get(h.digest))) return false;
  h.build = std::string(in);
  return true;
}

// The last data row, then the header that names them all (row 0).
void finish(Connection& c, PartWriter& w, const std::string& build) {
  w.flush();
  Header h{kFormat, kByteOrder, w.size(), w.parts(), w.digest(), build};
  Statement header(c, "INSERT INTO derive_snapshot (part, data) VALUES (0, ?1)");
  header.bind_blob(1, encode_header(h)).run();
}

}  // namespace

bool read_snapshot(Connection& c, StoredMail& m, const std::string& build) {
  Header h;
  {
    Statement head(c, "SELECT data FROM derive_snapshot WHERE part = 0");
    if (!head.step() || !decode_header(head.text(0), h)) return false;
  }
  if (h.format != kFormat || h.byte_order != kByteOrder || h.build != build) return false;
  // The header's size bounds every length read: it must be the bytes there
  // are (length() reads no blob).
  Statement stored(c, "SELECT count(*), coalesce(sum(length(data)), 0) FROM derive_snapshot WHERE part > 0");
  if (!stored.step() || stored.int64(0) != h.parts || static_cast<std::uint64_t>(stored.int64(1)) != h.size)
    return false;
  PartReader r(c, h.size);
  if (decode(r, m) && r.done() && r.digest() == h.digest && consistent(m)) return true;
  m = StoredMail();
  return false;
}

bool read_snapshot(Connection& c, StoredMail& m) { return read_snapshot(c, m, build_id()); }

void write_snapshot(Connection& c, const StoredMail& m, const std::string& build) {
  drop_snapshot(c);
  PartWriter w(c);
  encode(w, m);
  finish(c, w, build);
}

void write_snapshot(Connection& c, const StoredMail& m) { write_snapshot(c, m, build_id()); }

std::string snapshot_data(Connection& c) {
  std::string out;
  Statement rows(c, "SELECT data FROM derive_snapshot WHERE part > 0 ORDER BY part");
  while (rows.step()) out += rows.blob(0);
  return out;
}

void write_snapshot_data(Connection& c, std::string_view data, const std::string& build) {
  drop_snapshot(c);
  PartWriter w(c);
  w.put(data.data(), data.size());
  finish(c, w, build);
}

void drop_snapshot(Connection& c) {
  if (auto s = c.exec("DELETE FROM derive_snapshot"); !s) throw DbError(s.error().why);
}

}  // namespace mlidx::db
