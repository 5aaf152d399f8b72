// The series pass: Patchwork's classification (cover letters, comments) and
// series, derived from all stored mail after each import (Store::rederive).
// Patches themselves are recorded at import (patch_data).
#include <algorithm>

#include "db/passes.hh"
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

SeriesMail series_mail(const ThreadMessage& t, const SeriesRow& r, const SubjectInfo& s) {
  SeriesMail m;
  m.id = t.id;
  m.msgid = t.msgid;
  m.has_date = epoch_of(t.date, m.date);
  m.submitter = r.from_email;
  m.is_patch = r.is_patch;
  m.ignored = r.ignored;
  m.empty = !r.is_patch && !r.has_text;  // Patchwork skips mail with no text
  m.is_reply = s.is_reply;
  m.number = s.total > 0 || s.number > 0 ? s.number : -1;
  m.total = s.total;
  m.version = s.version;
  m.name = s.name;
  m.title = s.title;
  m.refs = patchwork_refs(t.refs, t.parent);
  return m;
}

// The submitter's name and the list are those of the mail that created the
// series, as Patchwork takes them.
void write_series_rows(Connection& c, const StoredMail& m, const SeriesResult& r) {
  Statement ins(c, "INSERT INTO series (id, name, version, total, received, date, submitter_email, "
                   "cover_id, previous_id, superseded, submitter_name, list_id) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const auto& s : r.series) {
    std::string date = s.has_date ? format_utc(s.date) : std::string();
    ins.bind(1, s.id).bind(2, s.name).bind(3, static_cast<std::int64_t>(s.version))
        .bind(4, static_cast<std::int64_t>(s.total)).bind(5, static_cast<std::int64_t>(s.received))
        .bind_opt(6, date).bind(7, s.submitter);
    auto first = std::lower_bound(m.threading.begin(), m.threading.end(), s.first_id,
                                  [](const ThreadMessage& t, std::int64_t id) { return t.id < id; });
    if (first != m.threading.end() && first->id == s.first_id) {
      const SeriesRow& row = m.series[static_cast<std::size_t>(first - m.threading.begin())];
      ins.bind(11, row.from_name).bind(12, row.list_id);
    } else {
      ins.bind(11, std::string_view()).bind(12, std::string_view());
    }
    if (s.cover_id) ins.bind(8, s.cover_id);
    else ins.bind_null(8);
    if (s.previous_id) ins.bind(9, s.previous_id);
    else ins.bind_null(9);
    ins.bind(10, std::int64_t{s.superseded});
    ins.run();
  }
}

void write_mail_rows(Connection& c, const SeriesInput& in, const SeriesResult& r) {
  Statement patch(c, "INSERT INTO patch_series (patch_id, series_id, number, total) "
                     "VALUES (?3, ?1, ?2, (SELECT total FROM series WHERE id = ?1))");
  Statement cover(c, "INSERT INTO cover_data (message_id, name, title, prefixes, version, total, "
                     "deviations, series_id) VALUES (?,?,?,?,?,?,?,?)");
  Statement comment(c, "INSERT INTO comment_data (message_id, patch_id, cover_id, deviations) "
                       "VALUES (?,?,?,?)");
  for (std::size_t i = 0; i < r.mails.size(); ++i) {
    const auto& m = r.mails[i];
    std::int64_t id = in.mails[i].id;
    if (m.kind == MailKind::Patch) {
      patch.bind_null(1).bind_null(2).bind(3, id);
      if (m.series_id) patch.bind(1, m.series_id);
      if (m.number > 0) patch.bind(2, static_cast<std::int64_t>(m.number));
      patch.run();
    } else if (m.kind == MailKind::Cover) {
      const SubjectInfo& s = in.subjects[i];
      const std::string prefixes = json_string_array(s.prefixes);
      const std::string deviations = json_string_array(s.deviations);
      cover.bind(1, id).bind(2, s.name).bind(3, s.title).bind(4, prefixes)
          .bind(5, static_cast<std::int64_t>(s.version)).bind(6, static_cast<std::int64_t>(s.total))
          .bind(7, deviations).bind(8, m.series_id).run();
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

SeriesInput series_input(const StoredMail& stored) {
  SeriesInput in;
  in.mails.reserve(stored.threading.size());
  in.subjects.reserve(stored.threading.size());
  for (std::size_t i = 0; i < stored.threading.size(); ++i) {
    const ThreadMessage& t = stored.threading[i];
    const SeriesRow& r = stored.series[i];
    in.subjects.push_back(parse_subject(t.subject, list_short_name(r.list_id)));
    in.mails.push_back(series_mail(t, r, in.subjects.back()));
  }
  return in;
}

void write_series(Connection& c, const StoredMail& m, const SeriesInput& in, const SeriesResult& r) {
  // A patch's own trailers were written at import; those from comments are
  // derived and rebuilt here.
  if (auto s = c.exec("DELETE FROM series; DELETE FROM patch_series; DELETE FROM cover_data; "
                      "DELETE FROM comment_data; "
                      "DELETE FROM trailers WHERE source_msgid <> "
                      "(SELECT msgid FROM messages WHERE messages.id = trailers.patch_id);");
      !s)
    throw DbError(s.error().why);
  write_series_rows(c, m, r);
  write_mail_rows(c, in, r);
  if (auto s = c.exec(kCommentTrailers); !s) throw DbError(s.error().why);
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
