// mlidx search QUERY [--json|--mbox] [--limit N] : full-text search with
// lore's prefixes (src/search/query.hh has the language). A malformed query
// is bad usage: "mlidx: search: <why>", exit 2.
#include <fmt/format.h>

#include <charconv>
#include <cstdio>

#include "cli/commands.hh"
#include "cli/common.hh"
#include "cli/listing.hh"
#include "cli/mbox_out.hh"
#include "cli/options.hh"
#include "cli/output.hh"
#include "db/search_index.hh"
#include "search/query.hh"

namespace mlidx::cli {
namespace {

using search::Column;

Result<std::int64_t> parse_limit(const Args& a) {
  std::string v = a.value("--limit", "0");
  std::int64_t n = -1;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < 0)
    return make_error("--limit", fmt::format("expects a number of hits (0 for all), not '{}'", v));
  return n;
}

// Built by appends, not a format per line: a broad query prints thousands
// of hits and its formatting was half the cost of the search.
std::string text_lines(db::Statement& st) {
  struct Hit {
    std::int64_t id;
    std::string date, from, kind, subject;
  };
  std::vector<Hit> hits;
  std::int64_t max_id = 0;
  while (st.step()) {
    hits.push_back({st.int64(Column::kId), short_date(st.text(Column::kDate)),
                    fit(author(st.text(Column::kFromName), st.text(Column::kFromEmail)), 20),
                    std::string(st.text(Column::kKind)), terminal_text(st.text(Column::kSubject))});
    max_id = std::max(max_id, hits.back().id);
  }
  const std::size_t id_width = std::to_string(max_id).size();
  std::string out;
  for (const auto& h : hits) {
    std::string id = std::to_string(h.id);
    out.append(id_width - id.size(), ' ').append(id).append("  ");
    out.append(h.date).append(h.date.size() < 16 ? 16 - h.date.size() : 0, ' ').append("  ");
    out.append(h.from).append("  ");
    out.append(h.kind).append(h.kind.size() < 7 ? 7 - h.kind.size() : 0, ' ').append("  ");
    out.append(h.subject).push_back('\n');
  }
  return out;
}

std::string json_hits(db::Statement& st) {
  std::string out = "[";
  for (bool first = true; st.step(); first = false) {
    out += fmt::format(
        "{}\n  {{\"id\": {}, \"msgid\": {}, \"date\": {}, \"from_name\": {}, \"from_email\": {}, "
        "\"subject\": {}, \"kind\": {}, \"thread_id\": {}",
        first ? "" : ",", json_int(st, Column::kId), json_text(st, Column::kMsgid), json_text(st, Column::kDate),
        json_text(st, Column::kFromName), json_text(st, Column::kFromEmail), json_text(st, Column::kSubject),
        json_text(st, Column::kKind), json_int(st, Column::kThreadId));
    if (st.text(Column::kKind) == "patch") out += ", \"series_id\": " + json_int(st, Column::kSeriesId);
    out += "}";
  }
  return out + (out.size() > 1 ? "\n]\n" : "]\n");
}

// Streamed: the raw mail of thousands of hits need not be in memory at once.
void write_mbox(db::Statement& st) {
  while (st.step()) {
    auto* bytes = static_cast<const char*>(sqlite3_column_blob(st.handle(), Column::kRaw));
    std::string_view raw(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_column_bytes(st.handle(), Column::kRaw)));
    write_mboxrd(stdout, raw, st.text(Column::kDate));
  }
}

// The index lags behind the stored mail after an upgrade from schema 1, or
// an import stopped before its last pass: it is brought up to date first.
// Not while an import is writing (it indexes its mail when it ends): then
// the search goes on without the mail not indexed yet, and says so.
void catch_up(const Args& a, db::Connection& c) {
  std::int64_t missing = 0;
  {
    // Closed before the update: an open read would hold an old snapshot.
    db::Statement behind(c, "SELECT (SELECT coalesce(max(id), 0) FROM messages) - indexed_upto FROM search_state");
    if (behind.step()) missing = behind.int64(0);
  }
  if (missing <= 0) return;
  std::string why;
  if (auto w = db::Connection::open(a.db(), db::Connection::Mode::ReadWrite); !w) {
    why = w.error().why;
  } else {
    sqlite3_busy_timeout(w->handle(), 0);
    try {
      db::update_search_index(*w, false);
      return;
    } catch (const db::DbError& e) {
      why = e.what();
    }
  }
  report({"search", fmt::format("warning: the index lacks the newest mail (up to {} messages) and cannot be "
                                "updated now ({}); searching without it",
                                missing, why)});
}

}  // namespace

int cmd_search(const Argv& argv) {
  auto args = parse_args(argv, {{"--db", "--limit"}, {"--json", "--mbox"}});
  if (!args) return report(args.error(), kExitUsage);
  if (auto s = check_positional(*args, "search", 1, SIZE_MAX); !s) return report(s.error(), kExitUsage);
  if (args->has("--json") && args->has("--mbox"))
    return report({"search", "--json and --mbox exclude each other"}, kExitUsage);
  auto limit = parse_limit(*args);
  if (!limit) return report(limit.error(), kExitUsage);
  // Words given as separate arguments form one query (as notmuch reads them).
  std::string text;
  for (const auto& p : args->positional) text += (text.empty() ? "" : " ") + p;
  auto query = search::parse(text);
  if (!query) return report({"search", query.error().why}, kExitUsage);
  auto c = open_archive(*args);
  if (!c) return report(c.error());
  try {
    catch_up(*args, *c);
    auto sql = search::to_sql(*query, {args->has("--mbox"), *limit});
    db::Statement st(*c, sql.text);
    for (std::size_t i = 0; i < sql.params.size(); ++i) st.bind(static_cast<int>(i + 1), sql.params[i]);
    if (args->has("--mbox")) write_mbox(st);
    else fmt::print("{}", args->has("--json") ? json_hits(st) : text_lines(st));
  } catch (const db::DbError& e) {
    return report({"search", e.what()});
  }
  return 0;
}

}  // namespace mlidx::cli
