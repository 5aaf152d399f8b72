// search_fts is a contentless FTS5 table (schema/0002_search.sql). An
// import hands each new message's text to FTS5 as it stores it
// (Store::index_as_stored); this pass reads the text back from where it is
// stored, for reindex and for mail an import left unindexed (--no-search).
// SearchWriter is what both go through. docs/SCHEMA.md, "search_fts", has
// the costs.
#include "db/search_index.hh"

#include <optional>
#include <string>
#include <string_view>

namespace mlidx::db {
namespace {

void exec(Connection& c, const char* sql) {
  if (auto s = c.exec(sql); !s) throw DbError(s.error().why);
}

// A patch's body is its commit message and diffstat: its diff would double
// the text to tokenize, for words dfn: finds better. Any other mail's is its
// cleaned text (signature and list footer cut).
#define MLIDX_MESSAGE_TEXT                                                      \
  "SELECT m.id, m.subject, m.from_name || ' ' || m.from_email, "               \
  "coalesce((SELECT p.content FROM patch_data p WHERE p.message_id = m.id), "  \
  "         (SELECT substr(b.body, b.text_start + 1, b.text_len) FROM bodies b " \
  "           WHERE b.message_id = m.id)) FROM messages m "
constexpr const char* kMessages =
    MLIDX_MESSAGE_TEXT "WHERE m.id > (SELECT indexed_upto FROM search_state) ORDER BY m.id";
// One message, if the index holds it.
constexpr const char* kMessage =
    MLIDX_MESSAGE_TEXT "WHERE m.id = ?1 AND m.id <= (SELECT indexed_upto FROM search_state)";
#undef MLIDX_MESSAGE_TEXT

// Recipients are appended in message order (schema/0001_init.sql), so the
// rows of the new messages follow in rowid order from the first one's: one
// scan of the table, instead of an index lookup per row (half the cost of
// reading the text to index, measured on the 10k corpus). That first rowid
// is found through the new messages' ids: "min(rowid) WHERE message_id > N"
// alone is planned as a scan in rowid order, which reads every recipient
// of the mail indexed before (30 ms on the 10k corpus for each import,
// however little it adds).
constexpr const char* kRecipients =
    "SELECT message_id, kind = 'cc', name, email FROM recipients "
    "WHERE rowid >= (SELECT min(rowid) FROM recipients WHERE message_id IN "
    "                 (SELECT id FROM messages WHERE id > (SELECT indexed_upto FROM search_state))) "
    "ORDER BY rowid";

// The To and Cc addresses of message `id` from the recipients scan `r`
// (on its next row; `more` is false once it is done).
void take_recipients(Statement& r, bool& more, std::int64_t id, std::string& to, std::string& cc) {
  to.clear();
  cc.clear();
  while (more && r.int64(0) < id) more = r.step();
  for (; more && r.int64(0) == id; more = r.step()) append_recipient(r.int64(1) ? cc : to, r.text(2), r.text(3));
}

// SQLITE_SKIP_UTF8 (sqliteInt.h).
std::size_t skip_char(std::string_view t, std::size_t i) {
  if (static_cast<unsigned char>(t[i++]) >= 0xC0)
    while (i < t.size() && (static_cast<unsigned char>(t[i]) & 0xC0) == 0x80) ++i;
  return i;
}

}  // namespace

// Quoted lines are the words of the mail they answer, indexed with that
// mail. Replies quote a lot: on the 10k corpus 56 % of the body text, whose
// tokenizing was half the pass.
void own_lines(std::string_view text, std::string& out) {
  out.clear();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    if (text[pos] != '>') out.append(text.substr(pos, end - pos));
    pos = end;
  }
}

SearchWriter::SearchWriter(Connection& c)
    : add_(c, "INSERT INTO search_fts (rowid, subject, from_addr, to_addr, cc_addr, body) "
              "VALUES (?, ?, ?, ?, ?, ?)") {}

void SearchWriter::add(std::int64_t id, std::string_view subject, std::string_view from,
                       std::string_view to, std::string_view cc, std::string_view body) {
  own_lines(body, own_);
  add_own(id, subject, from, to, cc, own_);
}

void SearchWriter::add_own(std::int64_t id, std::string_view subject, std::string_view from,
                           std::string_view to, std::string_view cc, std::string_view own_body) {
  add_.bind(1, id).bind(2, subject).bind(3, from).bind(4, to).bind(5, cc).bind(6, own_body);
  add_.run();
}

void append_recipient(std::string& out, std::string_view name, std::string_view email) {
  if (!out.empty()) out += ", ";
  out += name;
  out += ' ';
  out += email;
}

std::string_view sqlite_substr(std::string_view text, std::int64_t start, std::int64_t length) {
  text = text.substr(0, text.find('\0'));
  std::size_t from = 0;
  for (std::int64_t n = start; from < text.size() && n > 0; --n) from = skip_char(text, from);
  std::size_t to = from;
  for (std::int64_t n = length; to < text.size() && n > 0; --n) to = skip_char(text, to);
  return text.substr(from, to - from);
}

// A contentless table forgets a row only when given the values it was
// indexed with (SQLite's FTS5 documentation, "Contentless Tables"; 3.40 has
// no contentless_delete): they are read back as update_search_index read
// them. Wrong values would corrupt the index silently.
void unindex_message(Connection& c, std::int64_t id) {
  Statement mail(c, kMessage);
  mail.bind(1, id);
  if (!mail.step()) return;
  Statement rcpt(c, "SELECT kind = 'cc', name, email FROM recipients WHERE message_id = ?1 ORDER BY rowid");
  rcpt.bind(1, id);
  std::string to, cc, body;
  while (rcpt.step()) append_recipient(rcpt.int64(0) ? cc : to, rcpt.text(1), rcpt.text(2));
  own_lines(mail.text(3), body);
  Statement drop(c, "INSERT INTO search_fts (search_fts, rowid, subject, from_addr, to_addr, cc_addr, body) "
                    "VALUES ('delete', ?1, ?2, ?3, ?4, ?5, ?6)");
  drop.bind(1, id).bind(2, mail.text(1)).bind(3, mail.text(2)).bind(4, to).bind(5, cc).bind(6, body).run();
}

std::int64_t update_search_index(Connection& c, bool rebuild) {
  std::optional<Transaction> tx;
  if (sqlite3_get_autocommit(c.handle())) tx.emplace(c);
  if (rebuild) {
    exec(c, "INSERT INTO search_fts (search_fts) VALUES ('delete-all')");
    exec(c, "UPDATE search_state SET indexed_upto = 0");
  }
  Statement mail(c, kMessages), rcpt(c, kRecipients);
  SearchWriter index(c);
  std::string to, cc;
  std::int64_t added = 0;
  bool more = rcpt.step();
  while (mail.step()) {
    std::int64_t id = mail.int64(0);
    take_recipients(rcpt, more, id, to, cc);
    index.add(id, mail.text(1), mail.text(2), to, cc, mail.text(3));
    ++added;
  }
  if (added > 0) exec(c, "UPDATE search_state SET indexed_upto = (SELECT coalesce(max(id), 0) FROM messages)");
  if (tx) tx->commit();
  return added;
}

}  // namespace mlidx::db
