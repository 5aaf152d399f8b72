// mlidx series [filters] [--json] : the series, newest first.
// mlidx series ID [--json]        : one series with its patches, their
// trailers, its comments and its other versions.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>

#include "cli/commands.hh"
#include "cli/common.hh"
#include "cli/listing.hh"
#include "cli/options.hh"
#include "cli/output.hh"
#include "search/query.hh"
#include "db/state.hh"

namespace mlidx::cli {
namespace {

const char* const kFilters[] = {"--submitter", "--since", "--until", "--name", "--version", "--list",
                                "--state"};

bool digits_at(std::string_view s, std::size_t pos, std::size_t n, int lo, int hi) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return v >= lo && v <= hi;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// --since/--until as the stored dates compare: "YYYY-MM-DD" is the start
// of that day (or its end, for --until), "YYYY-MM-DDTHH:MM:SS" (or with a
// space) the second itself.
std::optional<std::string> date_bound(std::string_view s, bool end_of_day) {
  if ((s.size() != 10 && s.size() != 19) || s[4] != '-' || s[7] != '-' || !digits_at(s, 0, 4, 1, 9999) ||
      !digits_at(s, 5, 2, 1, 12))
    return std::nullopt;
  int year = std::stoi(std::string(s.substr(0, 4))), month = std::stoi(std::string(s.substr(5, 2)));
  if (!digits_at(s, 8, 2, 1, days_in_month(year, month))) return std::nullopt;
  std::string out(s.substr(0, 10));
  if (s.size() == 10) return out + (end_of_day ? "T23:59:59" : "T00:00:00");
  if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' || !digits_at(s, 11, 2, 0, 23) ||
      !digits_at(s, 14, 2, 0, 59) || !digits_at(s, 17, 2, 0, 59))
    return std::nullopt;
  return out + "T" + std::string(s.substr(11));
}

struct Filter {
  std::string sql;                  // the WHERE clause, from fixed pieces only
  std::vector<std::string> values;  // bound in order; kept alive for the binds
};

Result<Filter> make_filter(const Args& a) {
  Filter f{" WHERE 1", {}};
  auto add = [&f](const char* clause, std::string v) {
    f.sql += clause;
    f.values.push_back(std::move(v));
  };
  if (a.values.count("--submitter")) add(" AND submitter_email = ?", a.value("--submitter"));
  for (bool until : {false, true}) {
    const char* opt = until ? "--until" : "--since";
    if (!a.values.count(opt)) continue;
    auto bound = date_bound(a.value(opt), until);
    if (!bound)
      return make_error("series", fmt::format("{}: bad date '{}' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)",
                                              opt, terminal_text(a.value(opt))));
    add(until ? " AND date <= ?" : " AND date >= ?", *bound);
  }
  if (a.values.count("--name")) add(" AND instr(lower(name), lower(?)) > 0", a.value("--name"));
  if (a.values.count("--version")) {
    std::string v = a.value("--version");
    if (auto n = parse_id(v); !n || *n == 0)
      return make_error("series", fmt::format("--version: '{}' is not a version number", terminal_text(v)));
    add(" AND version = CAST(? AS INTEGER)", v);
  }
  if (a.values.count("--list")) {
    // A series is on a list when one of its patches or its cover letter was
    // received through it: the same series is often sent to two lists.
    f.sql += fmt::format(" AND id IN (SELECT series_id FROM patch_series WHERE patch_id IN ({0}) "
                         "UNION ALL SELECT series_id FROM cover_data WHERE message_id IN ({0}))",
                         search::ListMatch::kSql);
    search::ListMatch l = search::list_match(a.value("--list"));
    f.values.insert(f.values.end(), {l.exact, l.glob, l.exact, l.glob});
  }
  if (a.has("--incomplete")) f.sql += " AND received < total";
  // Series with a patch in that state: "what of mine is still pending" is
  // --state new --submitter ME.
  if (a.values.count("--state"))
    add(" AND id IN (SELECT ps.series_id FROM patch_states st JOIN patch_series ps ON ps.patch_id = st.patch_id "
        "WHERE st.state = ?)",
        a.value("--state"));
  return f;
}

std::string submitter(std::string_view name, std::string_view email) {
  if (name.empty()) return terminal_text(email);
  return terminal_text(name) + " <" + terminal_text(email) + ">";
}

// The states of a series' patches, in Patchwork's order, joined by '+':
// "new", or "accepted+new" when half of it was applied.
constexpr const char* kSeriesState =
    "coalesce((SELECT group_concat(state, '+') FROM (SELECT DISTINCT st.state FROM patch_series x "
    "JOIN patch_states st ON st.patch_id = x.patch_id JOIN states o ON o.name = st.state "
    "WHERE x.series_id = series.id ORDER BY o.ordering)), '-')";

int list(db::Connection& c, const Args& a, const Filter& filter) {
  db::Statement st(c,
                   "SELECT id, date, version, received, total, submitter_name, submitter_email, cover_id, "
                   "name, superseded, " + std::string(kSeriesState) + " AS state FROM series" +
                       filter.sql + " ORDER BY date DESC, id DESC");
  for (std::size_t i = 0; i < filter.values.size(); ++i) st.bind(int(i) + 1, filter.values[i]);
  if (a.has("--json")) {
    write_rows(st, Format::Json, stdout);
    return 0;
  }
  std::vector<std::array<std::string, 8>> rows = {
      {"ID", "DATE", "VERSION", "PATCHES", "SUBMITTER", "COVER", "STATE", "NAME"}};
  while (st.step())
    rows.push_back({std::to_string(st.int64(0)), short_date(st.text(1)), fmt::format("v{}", st.int64(2)),
                    fmt::format("{}/{}", st.int64(3), st.int64(4)), terminal_text(st.text(6)),
                    st.is_null(7) ? "-" : std::to_string(st.int64(7)), std::string(st.text(10)),
                    terminal_text(st.text(8))});
  std::array<std::size_t, 7> width{};  // the name, last, is not padded
  for (const auto& r : rows)
    for (std::size_t k = 0; k < width.size(); ++k) width[k] = std::max(width[k], display_width(r[k]));
  std::string out;
  for (const auto& r : rows) {
    for (std::size_t k = 0; k < width.size(); ++k) out += fit(r[k], width[k]) + "  ";
    out += r[7] + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// One series, gathered once and written as text or JSON.
struct Trailer {
  std::string name, value, source;
  bool inherited;
};
struct Patch {
  std::int64_t number, id;
  std::string msgid, name, date, state;
  std::optional<std::string> commit_ref;
  std::vector<Trailer> trailers;
};
struct Comment {
  std::int64_t id;
  std::string msgid, date, from_name, from_email, subject;
  std::optional<std::int64_t> patch_id, cover_id;
};
struct Version {
  std::int64_t id, version, received, total;
  std::string name, date;
  bool superseded;
};
struct Series {
  std::int64_t id, version, total, received;
  std::string name, date, submitter_name, submitter_email;
  bool superseded;
  std::optional<std::int64_t> cover_id;
  std::string cover_msgid, cover_subject;
  std::vector<Patch> patches;
  std::vector<Comment> comments;
  std::vector<Version> versions;
};

std::optional<std::int64_t> opt_int(const db::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return st.int64(col);
}

std::string str(const db::Statement& st, int col) { return std::string(st.text(col)); }

bool load_head(db::Connection& c, std::int64_t id, Series& s) {
  db::Statement st(c,
                   "SELECT s.name, s.version, s.total, s.received, coalesce(s.date, ''), s.submitter_name, "
                   "s.submitter_email, s.superseded, s.cover_id, m.msgid, m.subject "
                   "FROM series s LEFT JOIN messages m ON m.id = s.cover_id WHERE s.id = ?");
  st.bind(1, id);
  if (!st.step()) return false;
  s.id = id;
  s.name = str(st, 0);
  s.version = st.int64(1);
  s.total = st.int64(2);
  s.received = st.int64(3);
  s.date = str(st, 4);
  s.submitter_name = str(st, 5);
  s.submitter_email = str(st, 6);
  s.superseded = st.int64(7) != 0;
  s.cover_id = opt_int(st, 8);
  s.cover_msgid = str(st, 9);
  s.cover_subject = str(st, 10);
  return true;
}

void load_patches(db::Connection& c, Series& s) {
  db::Statement st(c,
                   "SELECT coalesce(p.number, 0), p.id, p.msgid, p.name, coalesce(p.date, ''), st.state, "
                   "st.commit_ref FROM patches p JOIN patch_states st ON st.patch_id = p.id "
                   "WHERE p.series_id = ? ORDER BY p.number, p.id");
  db::Statement tr(c, "SELECT name, value, source_msgid, inherited FROM trailers WHERE patch_id = ? ORDER BY rowid");
  st.bind(1, s.id);
  while (st.step()) {
    Patch p{st.int64(0), st.int64(1), str(st, 2), str(st, 3), str(st, 4), str(st, 5),
            st.is_null(6) ? std::nullopt : std::optional<std::string>(str(st, 6)), {}};
    tr.bind(1, p.id);
    while (tr.step()) p.trailers.push_back({str(tr, 0), str(tr, 1), str(tr, 2), tr.int64(3) != 0});
    tr.reset();
    s.patches.push_back(std::move(p));
  }
}

// Replies to any of its patches and to its cover letter, in date order.
void load_comments(db::Connection& c, Series& s) {
  db::Statement st(c,
                   "SELECT m.id, m.msgid, coalesce(m.date, '') AS d, m.from_name, m.from_email, m.subject, "
                   "c.patch_id, c.cover_id FROM patch_series ps "
                   "JOIN comment_data c ON c.patch_id = ps.patch_id JOIN messages m ON m.id = c.message_id "
                   "WHERE ps.series_id = ?1 "
                   "UNION ALL "
                   "SELECT m.id, m.msgid, coalesce(m.date, ''), m.from_name, m.from_email, m.subject, "
                   "c.patch_id, c.cover_id FROM comment_data c JOIN messages m ON m.id = c.message_id "
                   "WHERE c.cover_id = ?2 AND c.patch_id IS NULL "
                   "ORDER BY d, 1");
  st.bind(1, s.id);
  if (s.cover_id) st.bind(2, *s.cover_id);
  else st.bind_null(2);
  while (st.step())
    s.comments.push_back({st.int64(0), str(st, 1), str(st, 2), str(st, 3), str(st, 4), str(st, 5),
                          opt_int(st, 6), opt_int(st, 7)});
}

// Every series linked to this one through previous_id, either way (a v2
// resent twice gives two series after one v1); UNION stops on a cycle.
// Later versions are looked for among the submitter's series only, as the
// version rule links them (PATCHWORK.md): without an index on previous_id
// the whole table would be indexed for each call.
void load_versions(db::Connection& c, Series& s) {
  db::Statement st(c,
                   "WITH RECURSIVE linked(id) AS (SELECT ?1 "
                   "UNION SELECT s.previous_id FROM series s JOIN linked l ON s.id = l.id "
                   "WHERE s.previous_id IS NOT NULL "
                   "UNION SELECT s.id FROM series s JOIN linked l ON s.previous_id = l.id "
                   "WHERE s.submitter_email = ?2) "
                   "SELECT s.id, s.version, s.received, s.total, s.name, coalesce(s.date, ''), s.superseded "
                   "FROM linked l JOIN series s ON s.id = l.id ORDER BY s.version, s.date, s.id");
  st.bind(1, s.id).bind(2, s.submitter_email);
  while (st.step())
    s.versions.push_back({st.int64(0), st.int64(1), st.int64(2), st.int64(3), str(st, 4), str(st, 5),
                          st.int64(6) != 0});
}

std::string trailer_note(const Trailer& t, const Patch& p) {
  if (t.inherited) return fmt::format("  (inherited from <{}>)", terminal_text(t.source));
  if (t.source == p.msgid) return "";
  return fmt::format("  (from <{}>)", terminal_text(t.source));
}

std::string series_text(const Series& s) {
  std::string out = fmt::format("series {}: {}\n", s.id, terminal_text(s.name));
  out += fmt::format("version:   v{}{}\n", s.version, s.superseded ? " (superseded)" : " (current)");
  out += fmt::format("patches:   {}/{} received\n", s.received, s.total);
  out += fmt::format("submitter: {}\n", submitter(s.submitter_name, s.submitter_email));
  out += fmt::format("date:      {}\n", short_date(s.date));
  if (s.cover_id) out += fmt::format("cover:     {}  {}\n", *s.cover_id, terminal_text(s.cover_subject));
  else out += "cover:     -\n";
  out += "\npatches:\n";
  std::int64_t next = 1;  // numbers not received are listed in their place
  auto missing_until = [&](std::int64_t n) {
    for (; next < n && next <= s.total; ++next) out += fmt::format("  {}/{}  [not received]\n", next, s.total);
  };
  for (const auto& p : s.patches) {
    missing_until(p.number);
    next = std::max(next, p.number + 1);
    out += fmt::format("  {}/{}  {}  {}  {}\n", p.number, s.total, p.id, p.state, terminal_text(p.name));
    for (const auto& t : p.trailers)
      out += fmt::format("        {}: {}{}\n", terminal_text(t.name), terminal_text(t.value), trailer_note(t, p));
  }
  missing_until(s.total + 1);
  out += "\ncomments:\n";
  if (s.comments.empty()) out += "  none\n";
  for (const auto& c : s.comments)
    out += fmt::format("  {}  {}  {}  {}\n", c.id, short_date(c.date), fit(author(c.from_name, c.from_email), 20),
                       terminal_text(c.subject));
  out += "\nversions:\n";
  for (const auto& v : s.versions)
    out += fmt::format("{} v{}  series {}  {}  {}/{}  {}{}\n", v.id == s.id ? '*' : ' ', v.version, v.id,
                       short_date(v.date), v.received, v.total, v.superseded ? "superseded" : "current",
                       v.id == s.id || v.name == s.name ? "" : "  " + terminal_text(v.name));
  return out;
}

std::string json_opt(std::optional<std::int64_t> v) { return v ? std::to_string(*v) : "null"; }

std::string series_json(const Series& s) {
  std::string out = fmt::format(
      "{{\"id\": {}, \"name\": {}, \"version\": {}, \"received\": {}, \"total\": {}, \"date\": {}, "
      "\"submitter_name\": {}, \"submitter_email\": {}, \"superseded\": {}, \"cover\": ",
      s.id, json_str(s.name), s.version, s.received, s.total, json_str_or_null(s.date), json_str(s.submitter_name),
      json_str(s.submitter_email), s.superseded);
  if (s.cover_id)
    out += fmt::format("{{\"id\": {}, \"msgid\": {}, \"subject\": {}}}", *s.cover_id, json_str(s.cover_msgid),
                       json_str(s.cover_subject));
  else out += "null";
  out += ",\n \"patches\": [";
  for (std::size_t i = 0; i < s.patches.size(); ++i) {
    const Patch& p = s.patches[i];
    out += fmt::format("{}\n  {{\"number\": {}, \"id\": {}, \"msgid\": {}, \"name\": {}, \"date\": {}, "
                       "\"state\": {}, \"commit_ref\": {}, \"trailers\": [",
                       i ? "," : "", p.number, p.id, json_str(p.msgid), json_str(p.name), json_str_or_null(p.date),
                       json_str(p.state), p.commit_ref ? json_str(*p.commit_ref) : "null");
    for (std::size_t k = 0; k < p.trailers.size(); ++k) {
      const Trailer& t = p.trailers[k];
      out += fmt::format("{}{{\"name\": {}, \"value\": {}, \"source_msgid\": {}, \"inherited\": {}}}",
                         k ? ", " : "", json_str(t.name), json_str(t.value), json_str(t.source), t.inherited);
    }
    out += "]}";
  }
  out += "],\n \"comments\": [";
  for (std::size_t i = 0; i < s.comments.size(); ++i) {
    const Comment& c = s.comments[i];
    out += fmt::format("{}\n  {{\"id\": {}, \"msgid\": {}, \"date\": {}, \"from_name\": {}, \"from_email\": {}, "
                       "\"subject\": {}, \"patch_id\": {}, \"cover_id\": {}}}",
                       i ? "," : "", c.id, json_str(c.msgid), json_str_or_null(c.date), json_str(c.from_name), json_str(c.from_email),
                       json_str(c.subject), json_opt(c.patch_id), json_opt(c.cover_id));
  }
  out += "],\n \"versions\": [";
  for (std::size_t i = 0; i < s.versions.size(); ++i) {
    const Version& v = s.versions[i];
    out += fmt::format("{}\n  {{\"id\": {}, \"version\": {}, \"name\": {}, \"date\": {}, \"received\": {}, "
                       "\"total\": {}, \"current\": {}}}",
                       i ? "," : "", v.id, v.version, json_str(v.name), json_str_or_null(v.date), v.received, v.total,
                       !v.superseded);
  }
  return out + "]}\n";
}

// The ID of `mlidx series ID`, which takes no list filters.
Result<std::int64_t> series_id(const Args& a) {
  for (const char* f : kFilters)
    if (a.values.count(f)) return make_error("series", std::string(f) + " filters the list, not one series");
  if (a.has("--incomplete")) return make_error("series", "--incomplete filters the list, not one series");
  const std::string& arg = a.positional[0];
  auto id = parse_id(arg);
  if (!id) return make_error("series", fmt::format("'{}' is not a series id (a number)", terminal_text(arg)));
  return *id;
}

int show(db::Connection& c, const Args& a, std::int64_t id) {
  Series s;
  if (!load_head(c, id, s)) return report({"series", fmt::format("no series with id {}", id)});
  load_patches(c, s);
  load_comments(c, s);
  load_versions(c, s);
  std::string out = a.has("--json") ? series_json(s) : series_text(s);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// --state names a row of the states relation.
Status check_state(db::Connection& c, const Args& a) {
  if (!a.values.count("--state")) return Ok{};
  auto names = db::state_names(c);
  if (std::find(names.begin(), names.end(), a.value("--state")) != names.end()) return Ok{};
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  return make_error("series", fmt::format("--state: unknown state '{}' (one of: {})", terminal_text(a.value("--state")), all));
}

}  // namespace

int cmd_series(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--submitter", "--since", "--until", "--name", "--version", "--list",
                                 "--state"},
                                {"--incomplete", "--json"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto s = check_positional(*args, "series", 0, 1); !s) return report(s.error(), kExitUsage);
  // Usage errors first: they are not the database's fault.
  std::optional<Filter> filter;
  std::int64_t id = 0;
  if (args->positional.empty()) {
    auto f = make_filter(*args);
    if (!f) return report(f.error(), kExitUsage);
    filter = std::move(*f);
  } else {
    auto i = series_id(*args);
    if (!i) return report(i.error(), kExitUsage);
    id = *i;
  }
  auto c = open_archive(*args);
  if (!c) return report(c.error());
  try {
    if (auto s = check_state(*c, *args); !s) return report(s.error(), kExitUsage);
    return filter ? list(*c, *args, *filter) : show(*c, *args, id);
  } catch (const db::DbError& e) {
    return report({"series", e.what()});
  }
}

}  // namespace mlidx::cli
