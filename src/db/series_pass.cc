// The series pass: Patchwork's classification (cover letters, comments) and
// series, derived from all stored mail after each import, like the thread
// pass. Patches themselves are recorded at import (patch_data).
#include <algorithm>
#include <unordered_map>

#include "db/store.hh"
#include "mail/date.hh"
#include "patch/facts.hh"
#include "series/series.hh"
#include "util/text.hh"

namespace mlidx::db {
namespace {

// "YYYY-MM-DDTHH:MM:SS" back to epoch seconds.
bool epoch_of(std::string_view date, std::int64_t& out) {
  if (date.empty()) return false;
  auto t = parse_date(date);
  if (!t) return false;
  out = *t;
  return true;
}

struct Loaded {
  std::vector<SeriesMail> mails;
  std::vector<SubjectInfo> subjects;
};

// Patchwork's find_references order: In-Reply-To first, then References
// from the newest; our refs rows are References order then extra
// In-Reply-To ids, and in_reply_to is the parent.
std::vector<std::string> patchwork_refs(std::vector<std::string> refs, const std::string& parent) {
  std::reverse(refs.begin(), refs.end());
  if (!parent.empty()) {
    refs.erase(std::remove(refs.begin(), refs.end(), parent), refs.end());
    refs.insert(refs.begin(), parent);
  }
  return refs;
}

Loaded load(Connection& c) {
  Loaded l;
  std::unordered_map<std::int64_t, std::size_t> index;
  Statement all(c,
      "SELECT m.id, m.msgid, coalesce(m.date, ''), lower(m.from_email), m.subject, m.list_id, "
      "coalesce(m.in_reply_to, ''), m.kind = 'patch', m.pw_ignore, m.has_text "
      "FROM messages m ORDER BY m.id");
  std::vector<std::string> parents;
  while (all.step()) {
    SeriesMail m;
    m.id = all.int64(0);
    m.msgid = all.text(1);
    m.has_date = epoch_of(all.text(2), m.date);
    m.submitter = all.text(3);
    SubjectInfo s = parse_subject(all.text(4), list_short_name(all.text(5)));
    m.is_patch = all.int64(7) != 0;
    m.ignored = all.int64(8) != 0;
    m.empty = !m.is_patch && all.int64(9) == 0;  // Patchwork skips mail with no text
    m.is_reply = s.is_reply;
    m.number = s.total > 0 || s.number > 0 ? s.number : -1;
    m.total = s.total;
    m.version = s.version;
    m.name = s.name;
    m.title = s.title;
    index.emplace(m.id, l.mails.size());
    parents.emplace_back(all.text(6));
    l.mails.push_back(std::move(m));
    l.subjects.push_back(std::move(s));
  }
  std::vector<std::vector<std::string>> refs(l.mails.size());
  Statement rs(c, "SELECT message_id, msgid FROM refs ORDER BY message_id, position");
  while (rs.step()) refs[index.at(rs.int64(0))].emplace_back(rs.text(1));
  for (std::size_t i = 0; i < l.mails.size(); ++i)
    l.mails[i].refs = patchwork_refs(std::move(refs[i]), parents[i]);
  return l;
}

const char* kind_name(MailKind k) {
  switch (k) {
    case MailKind::Patch: return "patch";
    case MailKind::Cover: return "cover";
    case MailKind::Comment: return "comment";
    default: return "message";
  }
}

void write_series(Connection& c, const SeriesResult& r) {
  Statement ins(c, "INSERT INTO series (id, name, version, total, received, date, submitter_email, "
                   "cover_id, previous_id, superseded) VALUES (?,?,?,?,?,?,?,?,?,?)");
  for (const auto& s : r.series) {
    std::string date = s.has_date ? format_utc(s.date) : std::string();
    ins.bind(1, s.id).bind(2, s.name).bind(3, static_cast<std::int64_t>(s.version))
        .bind(4, static_cast<std::int64_t>(s.total)).bind(5, static_cast<std::int64_t>(s.received))
        .bind_opt(6, date).bind(7, s.submitter);
    if (s.cover_id) ins.bind(8, s.cover_id);
    else ins.bind_null(8);
    if (s.previous_id) ins.bind(9, s.previous_id);
    else ins.bind_null(9);
    ins.bind(10, std::int64_t{s.superseded});
    ins.run();
  }
}

void write_mails(Connection& c, const Loaded& l, const SeriesResult& r) {
  Statement kind(c, "UPDATE messages SET kind = ?1 WHERE id = ?2 AND kind IS NOT ?1");
  Statement patch(c, "INSERT INTO patch_series (patch_id, series_id, number, total) "
                     "VALUES (?3, ?1, ?2, (SELECT total FROM series WHERE id = ?1))");
  Statement cover(c, "INSERT INTO cover_data (message_id, name, title, prefixes, version, total, "
                     "deviations, series_id) VALUES (?,?,?,?,?,?,?,?)");
  Statement comment(c, "INSERT INTO comment_data (message_id, patch_id, cover_id, deviations) "
                       "VALUES (?,?,?,?)");
  for (std::size_t i = 0; i < r.mails.size(); ++i) {
    const auto& m = r.mails[i];
    std::int64_t id = l.mails[i].id;
    kind.bind(1, std::string_view(kind_name(m.kind))).bind(2, id).run();
    if (m.kind == MailKind::Patch) {
      patch.bind_null(1).bind_null(2).bind(3, id);
      if (m.series_id) patch.bind(1, m.series_id);
      if (m.number > 0) patch.bind(2, static_cast<std::int64_t>(m.number));
      patch.run();
    } else if (m.kind == MailKind::Cover) {
      const SubjectInfo& s = l.subjects[i];
      cover.bind(1, id).bind(2, s.name).bind(3, s.title).bind(4, json_string_array(s.prefixes))
          .bind(5, static_cast<std::int64_t>(s.version)).bind(6, static_cast<std::int64_t>(s.total))
          .bind(7, json_string_array(s.deviations)).bind(8, m.series_id).run();
    } else if (m.kind == MailKind::Comment) {
      // Patchwork drops a reply imported before what it answers.
      bool early = (m.patch_id ? m.patch_id : m.cover_id) > id;
      comment.bind(1, id).bind_null(2).bind_null(3)
          .bind(4, std::string_view(early ? "[\"reply-before-patch\"]" : "[]"));
      if (m.patch_id) comment.bind(2, m.patch_id);
      else comment.bind(3, m.cover_id);
      comment.run();
    }
  }
}

// Trailers given in comments: on a patch for that patch; on a cover letter
// for every patch of its series, flagged inherited (b4 does this; Patchwork
// does not, so its A/R/T counts leave them out).
constexpr const char* kCommentTrailers =
    "INSERT INTO trailers (patch_id, name, value, source_msgid, inherited) "
    "SELECT c.patch_id, t.name, t.value, m.msgid, 0 FROM comment_data c "
    "JOIN mail_trailers t ON t.message_id = c.message_id JOIN messages m ON m.id = c.message_id "
    "WHERE c.patch_id IS NOT NULL ORDER BY c.message_id, t.position;"
    "INSERT INTO trailers (patch_id, name, value, source_msgid, inherited) "
    "SELECT ps.patch_id, t.name, t.value, m.msgid, 1 FROM comment_data c "
    "JOIN mail_trailers t ON t.message_id = c.message_id JOIN messages m ON m.id = c.message_id "
    "JOIN cover_data cv ON cv.message_id = c.cover_id JOIN patch_series ps ON ps.series_id = cv.series_id "
    "WHERE c.cover_id IS NOT NULL ORDER BY c.message_id, ps.patch_id, t.position;";

}  // namespace

std::int64_t Store::reseries() {
  Loaded l = load(conn_);
  SeriesResult r = compute_series(l.mails);
  Transaction tx(conn_);
  // A patch's own trailers were written at import; those from comments are
  // derived and rebuilt here.
  if (auto s = conn_.exec(
          "DELETE FROM series; DELETE FROM patch_series; DELETE FROM cover_data; "
          "DELETE FROM comment_data; "
          "DELETE FROM trailers WHERE source_msgid <> "
          "(SELECT msgid FROM messages WHERE messages.id = trailers.patch_id);");
      !s)
    throw DbError(s.error().why);
  write_series(conn_, r);
  write_mails(conn_, l, r);
  if (auto s = conn_.exec(kCommentTrailers); !s) throw DbError(s.error().why);
  tx.commit();
  return static_cast<std::int64_t>(r.series.size());
}

}  // namespace mlidx::db
