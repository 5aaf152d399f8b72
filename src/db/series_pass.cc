// The series pass: Patchwork's classification (cover letters, comments) and
// series, derived from all stored mail after each import (Store::rederive).
// Patches themselves are recorded at import (patch_data).
#include <algorithm>
#include <set>

#include "db/passes.hh"
#include "mail/date.hh"
#include "patch/facts.hh"
#include "series/series.hh"
#include "util/text.hh"

namespace mlidx::db {
namespace {

// What a change to the comment and series rows makes stale among the
// trailers taken from comments: the patches whose own comments, series or
// series' cover comments changed (db/derive.cc rewrites only those).
struct Stale {
  std::set<std::int64_t> patches, series, covers;
  void comment(const Row& r) {
    if (r.empty()) return;
    if (r[1].kind == Cell::Int) patches.insert(r[1].i);
    if (r[2].kind == Cell::Int) covers.insert(r[2].i);
  }
  void cover(const Row& r) {
    if (!r.empty() && r[7].kind == Cell::Int) series.insert(r[7].i);
  }
};

// The submitter's name and the list are those of the mail that created the
// series, as Patchwork takes them.
// (Read back by id: not kept for every message.)
void write_series_rows(Connection& c, Rewrite mode, const SeriesResult& r, Snapshots& pre) {
  TableSync rows(c, mode, kSeries, pre);
  Statement first(c, "SELECT from_name, list_id FROM messages WHERE id = ?1");
  for (const auto& s : r.series) {
    Cell name = Cell::of(std::string()), list = Cell::of(std::string());
    first.bind(1, s.first_id);
    if (first.step()) {
      name = Cell::of(std::string(first.text(0)));
      list = Cell::of(std::string(first.text(1)));
    }
    first.reset();
    rows.put({Cell::of(s.id), Cell::of(std::string(r.text(s.name))), Cell::of(s.version),
              Cell::of(s.total), Cell::of(s.received),
              Cell::opt(s.has_date ? format_utc(s.date) : std::string()),
              Cell::of(std::string(r.text(s.submitter))), Cell::opt(s.cover_id), Cell::opt(s.previous_id),
              Cell::of(std::int64_t{s.superseded}), std::move(name), std::move(list)});
  }
  rows.finish();
}

void write_mail_rows(Connection& c, Rewrite mode, const MailGraph& g, const SeriesResult& r,
                     Snapshots& pre, Stale& stale) {
  TableSync patch(c, mode, kPatchSeries, pre);
  TableSync cover(c, mode, kCoverData, pre);
  TableSync comment(c, mode, kCommentData, pre);
  // A cover's subject is parsed again here, the only mail whose whole
  // SubjectInfo is written.
  Statement subject(c, "SELECT subject, list_id FROM messages WHERE id = ?1");
  Row old;
  for (std::size_t i = 0; i < r.mails.size(); ++i) {
    const auto& m = r.mails[i];
    std::int64_t id = g.id[i];
    if (m.kind == MailKind::Patch) {
      Cell total = m.series_id ? Cell::of(r.series[static_cast<std::size_t>(m.series_id - 1)].total)
                               : Cell{};
      if (patch.put({Cell::of(id), Cell::opt(std::int64_t{m.series_id}), Cell::opt(m.number > 0 ? m.number : 0),
                     std::move(total)}))
        stale.patches.insert(id);
    } else if (m.kind == MailKind::Cover) {
      subject.bind(1, id);
      SubjectInfo s = subject.step() ? parse_subject(subject.text(0), list_short_name(subject.text(1)))
                                     : SubjectInfo{};
      subject.reset();
      Row row{Cell::of(id), Cell::of(s.name), Cell::of(s.title), Cell::of(json_string_array(s.prefixes)),
              Cell::of(s.version), Cell::of(s.total), Cell::of(json_string_array(s.deviations)),
              Cell::of(std::int64_t{m.series_id})};
      if (cover.put(row, &old)) {
        stale.cover(row);
        stale.cover(old);
      }
    } else if (m.kind == MailKind::Comment) {
      // Patchwork drops a reply imported before what it answers.
      bool early = m.on > id;
      Row row{Cell::of(id), Cell::opt(m.patch_id()), Cell::opt(m.cover_id()),
              Cell::of(std::string(early ? "[\"reply-before-patch\"]" : "[]"))};
      if (comment.put(row, &old)) {
        stale.comment(row);
        stale.comment(old);
      }
    }
  }
  for (const Row& gone : patch.finish()) stale.patches.insert(gone.front().i);
  for (const Row& gone : cover.finish()) stale.cover(gone);
  for (const Row& gone : comment.finish()) stale.comment(gone);
}

// Trailers given in comments: on a patch for that patch; on a cover letter
// for every patch of its series, flagged inherited (b4 does this; Patchwork
// does not, so its A/R/T counts leave them out). Driven by mail_trailers
// (CROSS JOIN fixes the order): ~4,200 mails have trailers where 23,000 are
// comments, and its key order is the rows' order (at 50k: 24 -> 17 ms each).
constexpr const char* kCommentTrailers =
    "INSERT OR FAIL INTO trailers (patch_id, name, value, source_msgid, inherited) "
    "SELECT c.patch_id, t.name, t.value, m.msgid, 0 FROM mail_trailers t "
    "CROSS JOIN comment_data c ON c.message_id = t.message_id CROSS JOIN messages m ON m.id = t.message_id "
    "WHERE c.patch_id IS NOT NULL ORDER BY t.message_id, t.position;"
    "INSERT OR FAIL INTO trailers (patch_id, name, value, source_msgid, inherited) "
    "SELECT ps.patch_id, t.name, t.value, m.msgid, 1 FROM mail_trailers t "
    "CROSS JOIN comment_data c ON c.message_id = t.message_id CROSS JOIN messages m ON m.id = t.message_id "
    "JOIN cover_data cv ON cv.message_id = c.cover_id JOIN patch_series ps ON ps.series_id = cv.series_id "
    "WHERE c.cover_id IS NOT NULL ORDER BY t.message_id, ps.patch_id, t.position;";

// The same, for one patch (?1): its rows come out in the order the whole
// pass gives them.
constexpr const char* kPatchTrailers[] = {
    "DELETE FROM trailers WHERE patch_id = ?1 AND source_msgid <> "
    "(SELECT msgid FROM messages WHERE messages.id = ?1)",
    "INSERT OR FAIL INTO trailers (patch_id, name, value, source_msgid, inherited) "
    "SELECT c.patch_id, t.name, t.value, m.msgid, 0 FROM comment_data c "
    "JOIN mail_trailers t ON t.message_id = c.message_id JOIN messages m ON m.id = c.message_id "
    "WHERE c.patch_id = ?1 ORDER BY c.message_id, t.position",
    "INSERT OR FAIL INTO trailers (patch_id, name, value, source_msgid, inherited) "
    "SELECT ps.patch_id, t.name, t.value, m.msgid, 1 FROM patch_series ps "
    "JOIN cover_data cv ON cv.series_id = ps.series_id "
    "JOIN comment_data c ON c.cover_id = cv.message_id "
    "JOIN mail_trailers t ON t.message_id = c.message_id JOIN messages m ON m.id = c.message_id "
    "WHERE ps.patch_id = ?1 ORDER BY c.message_id, t.position"};

// Covers' series and series' patches are looked up once the new rows are
// written: what they were before is in `stale` already (a changed row
// names its old and new values).
void rewrite_trailers(Connection& c, Stale& stale) {
  Statement cover_series(c, "SELECT series_id FROM cover_data WHERE message_id = ?1 "
                            "AND series_id IS NOT NULL");
  for (std::int64_t cover : stale.covers) {
    cover_series.bind(1, cover);
    while (cover_series.step()) stale.series.insert(cover_series.int64(0));
    cover_series.reset();
  }
  Statement members(c, "SELECT patch_id FROM patch_series WHERE series_id = ?1");
  for (std::int64_t s : stale.series) {
    members.bind(1, s);
    while (members.step()) stale.patches.insert(members.int64(0));
    members.reset();
  }
  Statement drop(c, kPatchTrailers[0]), own(c, kPatchTrailers[1]), inherited(c, kPatchTrailers[2]);
  for (std::int64_t p : stale.patches) {
    drop.bind(1, p).run();
    own.bind(1, p).run();
    inherited.bind(1, p).run();
  }
}

}  // namespace

void add_series_facts(SeriesInput& in, const SeriesRow& r) {
  SubjectInfo s = parse_subject(r.subject, list_short_name(r.list_id));
  SeriesFacts m;
  m.has_date = r.has_date;
  m.submitter = in.submitters.intern(r.from_email);
  m.is_patch = r.is_patch;
  m.ignored = r.ignored;
  m.empty = !r.is_patch && !r.has_text;  // Patchwork skips mail with no text
  m.is_reply = s.is_reply;
  m.number = s.total > 0 || s.number > 0 ? s.number : -1;
  m.total = s.total;
  m.version = s.version;
  if (m.needs_name() && !m.ignored && !m.empty) {
    m.name = in.texts.add(s.name);
    if (!m.is_patch) in.texts.add(s.title);  // read as name + 1
  }
  in.mails.push_back(m);
}

void write_series(Connection& c, Rewrite mode, const MailGraph& g, const SeriesResult& r, Snapshots& pre) {
  // A patch's own trailers were written at import; those from comments are
  // derived and rebuilt here.
  if (mode == Rewrite::All)
    if (auto s = c.exec("DELETE FROM series; DELETE FROM patch_series; DELETE FROM cover_data; "
                        "DELETE FROM comment_data; "
                        "DELETE FROM trailers WHERE source_msgid <> "
                        "(SELECT msgid FROM messages WHERE messages.id = trailers.patch_id);");
        !s)
      throw DbError(s.error().why);
  Stale stale;
  write_series_rows(c, mode, r, pre);
  write_mail_rows(c, mode, g, r, pre, stale);
  if (mode == Rewrite::All) {
    if (auto s = c.exec(kCommentTrailers); !s) throw DbError(s.error().why);
    return;
  }
  rewrite_trailers(c, stale);
}

const char* kind_name(MailKind k) {
  switch (k) {
    case MailKind::Patch: return "patch";
    case MailKind::Cover: return "cover";
    case MailKind::Comment: return "comment";
    default: return "message";
  }
}

}  // namespace mlidx::db
