#include "cli/record.hh"

#include <charconv>
#include <unordered_map>

#include "mail/header.hh"
#include "util/text.hh"

namespace mlidx::cli {
namespace {

std::optional<std::string> opt_text(const db::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return std::string(st.text(col));
}

std::optional<std::int64_t> opt_int(const db::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return st.int64(col);
}

// Streams one JSON value; commas, colons and (when pretty) line breaks and
// indentation are placed here so the record code reads as its shape.
class JsonOut {
 public:
  explicit JsonOut(bool pretty) : pretty_(pretty) {}

  JsonOut& key(std::string_view k) {
    start_value();
    append_json_string(out, k);
    out += pretty_ ? ": " : ":";
    after_key_ = true;
    return *this;
  }
  // Text from the database is valid UTF-8 already; raw header bytes may not be.
  JsonOut& str(std::string_view s) {
    start_value();
    if (is_valid_utf8(s)) append_json_string(out, s);
    else append_json_string(out, repair_utf8(s));
    return *this;
  }
  JsonOut& opt_str(const std::optional<std::string>& s) { return s ? str(*s) : null(); }
  JsonOut& num(std::int64_t n) { return literal(std::to_string(n)); }
  JsonOut& opt_num(const std::optional<std::int64_t>& n) { return n ? num(*n) : null(); }
  JsonOut& boolean(bool b) { return literal(b ? "true" : "false"); }
  JsonOut& null() { return literal("null"); }
  // A JSON text written by mlidx itself (e.g. patch_data.prefixes).
  JsonOut& literal(std::string_view json) {
    start_value();
    out += json;
    return *this;
  }
  JsonOut& open(char bracket) {
    start_value();
    out += bracket;
    ++depth_;
    first_ = true;
    return *this;
  }
  JsonOut& close(char bracket) {
    --depth_;
    if (!first_) newline();
    out += bracket;
    first_ = false;
    return *this;
  }

  std::string out;

 private:
  void start_value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out += ',';
    if (depth_ > 0) newline();
    first_ = false;
  }
  void newline() {
    if (!pretty_) return;
    out += '\n';
    out.append(2 * static_cast<std::size_t>(depth_), ' ');
  }

  bool pretty_;
  int depth_ = 0;
  bool first_ = true;
  bool after_key_ = false;
};

// A raw header value as Python's email parser (compat32) returns it and
// Patchwork stores it: white space after the colon and the final line end
// dropped, folding kept. Line ends are LF, as Patchwork received the mail.
std::string patchwork_header_value(std::string_view raw) {
  std::size_t start = raw.find_first_not_of(" \t");
  raw.remove_prefix(start == std::string_view::npos ? raw.size() : start);
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
  std::string v(raw);
  crlf_to_lf(v);
  return v;
}

// Patchwork's get_headers(): a dict in order of first appearance; a name
// met more than once (Received, X-Original-To, ...) gives a list. Names are
// printable ASCII (split_header keeps no other).
void write_headers(JsonOut& j, std::string_view raw_mail) {
  Problems ignored;  // import recorded them already
  HeaderBlock h = split_header(raw_mail, ignored);
  std::vector<std::vector<std::string_view>> groups;  // values by name, in first-seen order
  std::vector<std::string_view> names;
  std::unordered_map<std::string, std::size_t> group_of;  // lower-case name
  for (const auto& f : h.fields) {
    auto [it, added] = group_of.try_emplace(to_lower(f.name), groups.size());
    if (added) {
      groups.emplace_back();
      names.push_back(f.name);
    }
    groups[it->second].push_back(f.value);
  }
  j.open('{');
  for (std::size_t g = 0; g < groups.size(); ++g) {
    j.key(names[g]);
    if (groups[g].size() == 1) {
      j.str(patchwork_header_value(groups[g][0]));
      continue;
    }
    j.open('[');
    for (auto v : groups[g]) j.str(patchwork_header_value(v));
    j.close(']');
  }
  j.close('}');
}

void write_submitter(JsonOut& j, const Record& r) {
  j.key("submitter").open('{');
  j.key("name");
  if (r.from_name.empty()) j.null();
  else j.str(r.from_name);
  j.key("email").str(r.from_email);
  j.close('}');
}

// Patchwork's project, reduced to what the mail itself says.
void write_project(JsonOut& j, const Record& r) {
  j.key("project");
  if (r.list_id.empty()) {
    j.null();
    return;
  }
  j.open('{');
  j.key("link_name").str(r.list_id.substr(0, r.list_id.find('.')));
  j.key("list_id").str(r.list_id);
  j.close('}');
}

void write_series(JsonOut& j, const Record& r) {
  j.key("series").open('[');
  if (r.series) {
    j.open('{');
    j.key("id").num(r.series->id);
    j.key("date").opt_str(r.series->date);
    j.key("name").str(r.series->name);
    j.key("version").num(r.series->version);
    j.key("total").num(r.series->total);
    j.key("received").num(r.series->received);
    j.close('}');
  }
  j.close(']');
}

// All three counts, zeros too, as Patchwork's patch rows hold them
// (../shared/expected); its REST API gives {} in their place.
void write_tags(JsonOut& j, const TagCounts& t) {
  j.key("tags").open('{');
  j.key("Acked-by").num(t.acked).key("Reviewed-by").num(t.reviewed).key("Tested-by").num(t.tested);
  j.close('}');
}

// In Patchwork's order: commit_ref, pull_url, state, archived, hash.
void write_patch_fields(JsonOut& j, const Record& r, std::string_view raw_mail) {
  j.key("commit_ref").opt_str(r.commit_ref);
  j.key("pull_url").opt_str(r.pull_url);
  j.key("state").str(r.state);
  j.key("archived").boolean(r.archived);
  j.key("hash").opt_str(r.hash);
  write_submitter(j, r);
  write_series(j, r);
  write_tags(j, r.tags);
  j.key("headers");
  write_headers(j, raw_mail);
  j.key("content").str(r.content);
  j.key("diff").str(r.diff);
  j.key("prefixes").literal(r.prefixes_json);
  j.key("number").opt_num(r.number);
  j.key("patch_id").opt_str(r.patch_id);
  j.key("match_kind").opt_str(r.match_kind);
  j.key("files").open('[');
  for (const auto& f : r.files) {
    j.open('{');
    j.key("old_path").str(f.old_path).key("new_path").str(f.new_path);
    j.key("lines_added").num(f.added).key("lines_removed").num(f.removed);
    j.close('}');
  }
  j.close(']');
  j.key("trailers").open('[');
  for (const auto& t : r.trailers) {
    j.open('{');
    j.key("name").str(t.name).key("value").str(t.value);
    j.key("source_msgid").str("<" + t.source_msgid + ">").key("inherited").boolean(t.inherited);
    j.close('}');
  }
  j.close(']');
}

}  // namespace

RecordReader::RecordReader(db::Connection& c)
    : by_id_(c, "SELECT id, msgid, date, from_name, from_email, subject, list_id, kind "
                "FROM messages WHERE id = ?"),
      by_msgid_(c, "SELECT id FROM messages WHERE msgid = ?"),
      raw_(c, "SELECT bytes FROM raw WHERE message_id = ?"),
      text_(c, "SELECT substr(body, text_start + 1, text_len) FROM bodies WHERE message_id = ?"),
      patch_(c, "SELECT p.name, p.prefixes, p.hash, p.patch_id, p.pull_url, p.content, p.diff, "
                "s.series_id, s.number, s.total FROM patch_data p "
                "LEFT JOIN patch_series s ON s.patch_id = p.message_id WHERE p.message_id = ?"),
      cover_(c, "SELECT name, series_id FROM cover_data WHERE message_id = ?"),
      series_(c, "SELECT id, name, version, total, received, date FROM series WHERE id = ?"),
      parent_(c, "SELECT m.id, m.msgid, m.kind, coalesce(p.name, cv.name, m.subject) "
                 "FROM comment_data c JOIN messages m ON m.id = coalesce(c.patch_id, c.cover_id) "
                 "LEFT JOIN patch_data p ON p.message_id = m.id "
                 "LEFT JOIN cover_data cv ON cv.message_id = m.id WHERE c.message_id = ?"),
      files_(c, "SELECT old_path, new_path, lines_added, lines_removed FROM patch_files "
                "WHERE patch_id = ? ORDER BY position"),
      trailers_(c, "SELECT name, value, source_msgid, inherited FROM trailers "
                   "WHERE patch_id = ? ORDER BY rowid"),
      comment_texts_(c, "SELECT substr(b.body, b.text_start + 1, b.text_len) FROM comment_data c "
                        "JOIN bodies b ON b.message_id = c.message_id WHERE c.patch_id = ?"),
      state_(c, "SELECT state, state_source, archived, commit_ref, match_kind, reason, decided "
                "FROM patch_states WHERE patch_id = ?") {}

std::optional<std::int64_t> RecordReader::find(std::string_view arg) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), id);
  if (ec == std::errc() && end == arg.data() + arg.size() && id > 0) {
    by_id_.reset();
    by_id_.bind(1, id);
    if (by_id_.step()) return id;
  }
  std::string_view msgid = trim(arg);
  if (msgid.size() >= 2 && msgid.front() == '<' && msgid.back() == '>')
    msgid = trim(msgid.substr(1, msgid.size() - 2));
  by_msgid_.reset();
  by_msgid_.bind(1, msgid);
  if (by_msgid_.step()) return by_msgid_.int64(0);
  return std::nullopt;
}

std::string RecordReader::raw(std::int64_t id) {
  raw_.reset();
  raw_.bind(1, id);
  return raw_.step() ? std::string(raw_.text(0)) : std::string();
}

std::optional<Record> RecordReader::load(std::int64_t id) {
  by_id_.reset();
  by_id_.bind(1, id);
  if (!by_id_.step()) return std::nullopt;
  Record r;
  r.id = id;
  r.msgid = by_id_.text(1);
  r.date = opt_text(by_id_, 2);
  r.from_name = by_id_.text(3);
  r.from_email = by_id_.text(4);
  r.subject = by_id_.text(5);
  r.list_id = by_id_.text(6);
  r.kind = by_id_.text(7);
  r.name = r.subject;
  if (r.kind == "patch") {
    load_patch(r);
    return r;
  }
  text_.reset();
  text_.bind(1, id);
  if (text_.step()) r.content = text_.text(0);
  if (r.kind == "cover") load_cover(r);
  if (r.kind == "comment") load_parent(r);
  return r;
}

void RecordReader::load_parent(Record& r) {
  parent_.reset();
  parent_.bind(1, r.id);
  if (parent_.step())
    r.parent = ParentRef{parent_.int64(0), std::string(parent_.text(1)), std::string(parent_.text(2)),
                         std::string(parent_.text(3))};
}

void RecordReader::load_state(Record& r) {
  state_.reset();
  state_.bind(1, r.id);
  if (!state_.step()) return;
  r.state = state_.text(0);
  r.state_source = state_.text(1);
  r.archived = state_.int64(2) != 0;
  r.commit_ref = opt_text(state_, 3);
  r.match_kind = opt_text(state_, 4);
  r.reason = opt_text(state_, 5);
  r.decided = opt_text(state_, 6);
}

void RecordReader::load_patch(Record& r) {
  load_state(r);
  patch_.reset();
  patch_.bind(1, r.id);
  if (!patch_.step()) return;
  r.name = patch_.text(0);
  r.prefixes_json = patch_.text(1);
  r.hash = opt_text(patch_, 2);
  r.patch_id = opt_text(patch_, 3);
  r.pull_url = opt_text(patch_, 4);
  r.content = patch_.text(5);
  r.diff = patch_.text(6);
  r.number = opt_int(patch_, 8);
  r.total = opt_int(patch_, 9);
  if (auto s = opt_int(patch_, 7)) load_series(r, *s);
  files_.reset();
  files_.bind(1, r.id);
  while (files_.step())
    r.files.push_back({std::string(files_.text(0)), std::string(files_.text(1)), files_.int64(2),
                       files_.int64(3)});
  trailers_.reset();
  trailers_.bind(1, r.id);
  while (trailers_.step())
    r.trailers.push_back({std::string(trailers_.text(0)), std::string(trailers_.text(1)),
                          std::string(trailers_.text(2)), trailers_.int64(3) != 0});
  // Patchwork counts tag lines in the patch and in every comment on it.
  r.tags = patchwork_tag_counts(r.content);
  comment_texts_.reset();
  comment_texts_.bind(1, r.id);
  while (comment_texts_.step()) {
    TagCounts t = patchwork_tag_counts(comment_texts_.text(0));
    r.tags.acked += t.acked;
    r.tags.reviewed += t.reviewed;
    r.tags.tested += t.tested;
  }
}

void RecordReader::load_cover(Record& r) {
  cover_.reset();
  cover_.bind(1, r.id);
  if (!cover_.step()) return;
  r.name = cover_.text(0);
  if (auto s = opt_int(cover_, 1)) load_series(r, *s);
}

void RecordReader::load_series(Record& r, std::int64_t series_id) {
  series_.reset();
  series_.bind(1, series_id);
  if (!series_.step()) return;
  r.series = SeriesRef{series_.int64(0), std::string(series_.text(1)), series_.int64(2),
                       series_.int64(3), series_.int64(4), opt_text(series_, 5)};
}

// Patchwork's detail records: a patch, a cover letter or a comment each
// have their own shape; a plain message gets the comment's. Our additions:
// kind, list_id, and for patches number, patch_id, match_kind, files and
// trailers.
std::string record_json(const Record& r, std::string_view raw_mail, bool pretty) {
  JsonOut j(pretty);
  j.open('{');
  j.key("id").num(r.id);
  j.key("kind").str(r.kind);
  write_project(j, r);
  j.key("list_id").str(r.list_id);
  j.key("msgid").str("<" + r.msgid + ">");
  j.key("date").opt_str(r.date);
  if (r.kind == "patch") {
    j.key("name").str(r.name);
    write_patch_fields(j, r, raw_mail);
  } else if (r.kind == "cover") {
    j.key("name").str(r.name);
    write_submitter(j, r);
    write_series(j, r);
    j.key("headers");
    write_headers(j, raw_mail);
    j.key("content").str(r.content);
  } else {
    j.key("subject").str(r.subject);
    write_submitter(j, r);
    j.key("content").str(r.content);
    j.key("headers");
    write_headers(j, raw_mail);
    if (r.parent) {
      j.key(r.parent->kind).open('{');
      j.key("id").num(r.parent->id).key("msgid").str("<" + r.parent->msgid + ">").key("name").str(r.parent->name);
      j.close('}');
    }
  }
  j.close('}');
  return j.out;
}

}  // namespace mlidx::cli
