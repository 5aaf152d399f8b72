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
  std::vector<std::string> bodies;  // cleaned text of covers and comments
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
      "coalesce(m.in_reply_to, ''), m.kind = 'patch', m.pw_ignore "
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
  l.bodies.resize(l.mails.size());
  return l;
}

// Cover letters and comments keep their text; Patchwork skips a mail with
// neither diff nor text, so a comment whose text is empty is a message.
// Read after grouping, for those mails only.
void load_texts(Connection& c, Loaded& l, SeriesResult& r) {
  Statement body(c, "SELECT body FROM bodies WHERE message_id = ?");
  for (std::size_t i = 0; i < r.mails.size(); ++i) {
    MailKind k = r.mails[i].kind;
    if (k != MailKind::Cover && k != MailKind::Comment) continue;
    body.bind(1, l.mails[i].id);
    if (body.step()) l.bodies[i] = clean_content(body.text(0));
    body.reset();
    if (k == MailKind::Comment && l.bodies[i].empty()) r.mails[i] = {};
  }
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
                   "cover_id) VALUES (?,?,?,?,?,?,?,?)");
  for (const auto& s : r.series) {
    std::string date = s.has_date ? format_utc(s.date) : std::string();
    ins.bind(1, s.id).bind(2, s.name).bind(3, static_cast<std::int64_t>(s.version))
        .bind(4, static_cast<std::int64_t>(s.total)).bind(5, static_cast<std::int64_t>(s.received))
        .bind_opt(6, date).bind(7, s.submitter);
    if (s.cover_id) ins.bind(8, s.cover_id);
    else ins.bind_null(8);
    ins.run();
  }
}

void write_mails(Connection& c, const Loaded& l, const SeriesResult& r) {
  Statement kind(c, "UPDATE messages SET kind = ?1 WHERE id = ?2 AND kind IS NOT ?1");
  Statement patch(c, "INSERT INTO patch_series (patch_id, series_id, number, total) "
                     "VALUES (?3, ?1, ?2, (SELECT total FROM series WHERE id = ?1))");
  Statement cover(c, "INSERT INTO cover_data (message_id, name, title, prefixes, version, total, "
                     "content, deviations, series_id) VALUES (?,?,?,?,?,?,?,?,?)");
  Statement comment(c, "INSERT INTO comment_data (message_id, patch_id, cover_id, content, "
                       "deviations) VALUES (?,?,?,?,?)");
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
          .bind(7, l.bodies[i]).bind(8, json_string_array(s.deviations)).bind(9, m.series_id).run();
    } else if (m.kind == MailKind::Comment) {
      // Patchwork drops a reply imported before what it answers.
      bool early = (m.patch_id ? m.patch_id : m.cover_id) > id;
      comment.bind(1, id).bind_null(2).bind_null(3).bind(4, l.bodies[i])
          .bind(5, std::string_view(early ? "[\"reply-before-patch\"]" : "[]"));
      if (m.patch_id) comment.bind(2, m.patch_id);
      else comment.bind(3, m.cover_id);
      comment.run();
    }
  }
}

// Trailers given in comments: on a patch for that patch; on a cover letter
// for every patch of its series, flagged inherited (b4 does this; Patchwork
// does not, so its A/R/T counts leave them out).
void write_comment_trailers(Connection& c, const Loaded& l, const SeriesResult& r) {
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> series_patches;
  std::unordered_map<std::int64_t, std::int64_t> cover_series;
  for (std::size_t i = 0; i < r.mails.size(); ++i) {
    if (r.mails[i].kind == MailKind::Patch && r.mails[i].series_id)
      series_patches[r.mails[i].series_id].push_back(l.mails[i].id);
    if (r.mails[i].kind == MailKind::Cover) cover_series[l.mails[i].id] = r.mails[i].series_id;
  }
  Statement ins(c, "INSERT INTO trailers (patch_id, name, value, source_msgid, inherited) "
                   "VALUES (?,?,?,?,?)");
  for (std::size_t i = 0; i < r.mails.size(); ++i) {
    const auto& m = r.mails[i];
    if (m.kind != MailKind::Comment) continue;
    std::vector<Trailer> ts = find_trailers(l.bodies[i]);
    if (ts.empty()) continue;
    std::vector<std::int64_t> targets;
    if (m.patch_id) targets.push_back(m.patch_id);
    else if (auto it = series_patches.find(cover_series[m.cover_id]); it != series_patches.end())
      targets = it->second;
    for (std::int64_t p : targets)
      for (const auto& t : ts)
        ins.bind(1, p).bind(2, t.name).bind(3, t.value).bind(4, l.mails[i].msgid)
            .bind(5, std::int64_t{m.patch_id ? 0 : 1}).run();
  }
}

}  // namespace

std::int64_t Store::reseries() {
  Loaded l = load(conn_);
  SeriesResult r = compute_series(l.mails);
  load_texts(conn_, l, r);
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
  write_comment_trailers(conn_, l, r);
  tx.commit();
  return static_cast<std::int64_t>(r.series.size());
}

}  // namespace mlidx::db
