#include "search/query.hh"

#include <fmt/format.h>

#include <cstddef>
#include <optional>

namespace mlidx::search {
namespace {

struct Token {
  enum class Kind { Open, Close, And, Or, Not, Term, End };
  Kind kind = Kind::End;
  std::string prefix;  // Term: "s", "dfn", ... or "" for a bare word
  std::string value;
  bool quoted = false;
  std::string spelling;  // as written, for messages
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool ends_word(char c) { return is_space(c) || c == '(' || c == ')'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_prefix(std::string_view p) {
  for (const char* k : {"s", "f", "t", "c", "a", "b", "d", "dfn", "l"})
    if (p == k) return true;
  return false;
}

// Splits the query into tokens. A word is a prefix term when it starts
// with letters and a colon followed by a value ("s:x"); other colons
// ("powerpc/64s:") are part of the word.
class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  Result<Token> next() {
    while (i_ < q_.size() && is_space(q_[i_])) ++i_;
    if (i_ == q_.size()) return Token{};
    std::size_t start = i_;
    if (q_[i_] == '(' || q_[i_] == ')') {
      ++i_;
      return Token{q_[start] == '(' ? Token::Kind::Open : Token::Kind::Close, "", "", false,
                   std::string(q_.substr(start, 1))};
    }
    Token t;
    t.kind = Token::Kind::Term;
    std::size_t p = i_;
    while (p < q_.size() && is_letter(q_[p])) ++p;
    if (p > i_ && p < q_.size() && q_[p] == ':') {
      std::string_view name = q_.substr(i_, p - i_);
      if (p + 1 < q_.size() && !ends_word(q_[p + 1])) {
        t.prefix = name;
        i_ = p + 1;
      } else if (is_prefix(name)) {
        return make_error("", fmt::format("'{}:' needs a value right after the colon ({}:word or {}:\"a phrase\")",
                                          name, name, name));
      }
    }
    t.quoted = q_[i_] == '"';
    auto value = t.quoted ? quoted() : bare();
    if (!value) return value.error();
    t.value = std::move(*value);
    t.spelling = q_.substr(start, i_ - start);
    if (!t.quoted && t.prefix.empty()) {
      if (t.value == "AND") t.kind = Token::Kind::And;
      else if (t.value == "OR") t.kind = Token::Kind::Or;
      else if (t.value == "NOT") t.kind = Token::Kind::Not;
    }
    return t;
  }

 private:
  Result<std::string> quoted() {
    std::size_t close = q_.find('"', i_ + 1);
    if (close == std::string_view::npos)
      return make_error("", fmt::format("unbalanced quote in '{}'", q_.substr(i_)));
    std::string v(q_.substr(i_ + 1, close - i_ - 1));
    i_ = close + 1;
    if (i_ < q_.size() && !ends_word(q_[i_]))
      return make_error("", fmt::format("unexpected '{}' after the closing quote of \"{}\"", q_[i_], v));
    return v;
  }

  Result<std::string> bare() {
    std::size_t end = i_;
    while (end < q_.size() && !ends_word(q_[end])) ++end;
    std::string_view v = q_.substr(i_, end - i_);
    if (v.find('"') != std::string_view::npos)
      return make_error("", fmt::format("unbalanced quote in '{}' (a quote starts or ends a phrase)", v));
    i_ = end;
    return std::string(v);
  }

  std::string_view q_;
  std::size_t i_ = 0;
};

std::optional<Field> field_of(std::string_view prefix) {
  if (prefix.empty()) return Field::Text;
  if (prefix == "s") return Field::Subject;
  if (prefix == "f") return Field::From;
  if (prefix == "t") return Field::To;
  if (prefix == "c") return Field::Cc;
  if (prefix == "a") return Field::Address;
  if (prefix == "b") return Field::Body;
  return std::nullopt;
}

// unicode61 keeps letters and digits (all of them, not only ASCII): a value
// without one would be an empty FTS5 phrase, which matches nothing.
bool has_token_char(std::string_view s) {
  for (unsigned char c : s)
    if ((c >= '0' && c <= '9') || is_letter(static_cast<char>(c)) || c >= 0x80) return true;
  return false;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// YYYY-MM-DD naming a real day.
bool valid_day(std::string_view d, int& y, int& m, int& day) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t k : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[k] < '0' || d[k] > '9') return false;
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t k = at; k < at + n; ++k) v = v * 10 + (d[k] - '0');
    return v;
  };
  y = num(0, 4), m = num(5, 2), day = num(8, 2);
  return m >= 1 && m <= 12 && day >= 1 && day <= days_in(y, m);
}

bool valid_day(std::string_view d) {
  int y, m, day;
  return valid_day(d, y, m, day);
}

Result<Node> date_node(const std::string& v) {
  Node n;
  n.kind = Node::Kind::Date;
  std::size_t dots = v.find("..");
  std::string first = v.substr(0, dots);
  std::string last = dots == std::string::npos ? first : v.substr(dots + 2);
  auto bad = [&] {
    return make_error("", fmt::format("bad date range 'd:{}' (expected d:YYYY-MM-DD, d:YYYY-MM-DD..YYYY-MM-DD, "
                                      "d:YYYY-MM-DD.. or d:..YYYY-MM-DD)", v));
  };
  if ((first.empty() && last.empty()) || (!first.empty() && !valid_day(first)) ||
      (!last.empty() && !valid_day(last)))
    return bad();
  if (!first.empty() && !last.empty() && last < first)
    return make_error("", fmt::format("date range 'd:{}' ends before it starts", v));
  n.text = first;
  n.until = last.empty() ? "" : next_day(last);
  return n;
}

// GLOB metacharacters of a literal path, each in a class of its own.
std::string glob_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[') out += std::string("[") + c + "]";
    else out += c;
  }
  return out;
}

}  // namespace

ListMatch list_match(std::string_view list) {
  return {std::string(list), glob_escape(list) + ".*"};
}

namespace {

Node file_node(std::string_view v) {
  Node n;
  n.kind = Node::Kind::File;
  if (v.find_first_of("*?[") != std::string_view::npos) {
    n.text = v;  // the user's own glob
    return n;
  }
  while (v.size() > 1 && v.back() == '/') v.remove_suffix(1);
  n.text = glob_escape(v);
  n.glob_dir = n.text + "/*";
  return n;
}

Result<Node> term_node(const Token& t) {
  if (t.value.empty()) return make_error("", fmt::format("empty phrase in '{}'", t.spelling));
  if (t.prefix == "d") return date_node(t.value);
  if (t.prefix == "dfn") return file_node(t.value);
  Node n;
  if (t.prefix == "l") {
    n.kind = Node::Kind::List;
    n.text = t.value;
    return n;
  }
  auto field = field_of(t.prefix);
  if (!field)
    return make_error("", fmt::format("unknown prefix '{}:' in '{}' (known: s: f: t: c: a: b: d: dfn: l:; "
                                      "put a word with a colon in quotes)",
                                      t.prefix, t.spelling));
  n.field = *field;
  n.text = t.value;
  if (!t.quoted && n.text.size() > 1 && n.text.back() == '*') {
    n.prefix = true;
    n.text.pop_back();
  }
  if (!has_token_char(n.text))
    return make_error("", fmt::format("nothing to search for in '{}' (no letter or digit)", t.spelling));
  return n;
}

// Recursive descent over NOT > AND > OR. Nesting is user data: it is
// bounded so that a query of a million '(' cannot exhaust the stack.
class Parser {
 public:
  explicit Parser(std::string_view q) : lex_(q) {}

  Result<Node> parse() {
    if (auto s = advance(); !s) return s.error();
    if (tok_.kind == Token::Kind::End) return make_error("", "empty query");
    auto n = parse_or();
    if (!n) return n;
    if (tok_.kind == Token::Kind::Close) return make_error("", "unbalanced ')'");
    return n;
  }

 private:
  static constexpr int kMaxDepth = 100;

  Status advance() {
    auto t = lex_.next();
    if (!t) return t.error();
    tok_ = std::move(*t);
    return Ok{};
  }

  static bool starts_operand(Token::Kind k) {
    return k == Token::Kind::Term || k == Token::Kind::Open || k == Token::Kind::Not;
  }

  // `kids` joined by `kind`, flattened: (a AND b) AND c is one And of three.
  static Node join(Node::Kind kind, std::vector<Node> kids) {
    if (kids.size() == 1) return std::move(kids[0]);
    Node n;
    n.kind = kind;
    for (auto& k : kids) {
      if (k.kind == kind) {
        for (auto& g : k.kids) n.kids.push_back(std::move(g));
      } else {
        n.kids.push_back(std::move(k));
      }
    }
    return n;
  }

  Result<Node> parse_or() {
    std::vector<Node> kids;
    while (true) {
      auto n = parse_and();
      if (!n) return n;
      kids.push_back(std::move(*n));
      if (tok_.kind != Token::Kind::Or) return join(Node::Kind::Or, std::move(kids));
      if (auto s = advance(); !s) return s.error();
    }
  }

  Result<Node> parse_and() {
    std::vector<Node> kids;
    while (true) {
      auto n = parse_unary();
      if (!n) return n;
      kids.push_back(std::move(*n));
      if (tok_.kind == Token::Kind::And) {
        if (auto s = advance(); !s) return s.error();
      } else if (!starts_operand(tok_.kind)) {
        return join(Node::Kind::And, std::move(kids));
      }
    }
  }

  // A loop, not a recursion: NOT NOT ... is user data too.
  Result<Node> parse_unary() {
    bool negate = false;
    for (; tok_.kind == Token::Kind::Not; negate = !negate)
      if (auto s = advance(); !s) return s.error();
    auto kid = parse_primary();
    if (!kid || !negate) return kid;
    if (kid->kind == Node::Kind::Not) return std::move(kid->kids[0]);  // NOT (NOT x) is x
    Node n;
    n.kind = Node::Kind::Not;
    n.kids.push_back(std::move(*kid));
    return n;
  }

  Result<Node> parse_primary() {
    switch (tok_.kind) {
      case Token::Kind::Term: {
        auto n = term_node(tok_);
        if (!n) return n;
        if (auto s = advance(); !s) return s.error();
        return n;
      }
      case Token::Kind::Open: {
        if (++depth_ > kMaxDepth) return make_error("", "parentheses nested too deep");
        if (auto s = advance(); !s) return s.error();
        if (tok_.kind == Token::Kind::Close) return make_error("", "empty parentheses '()'");
        auto n = parse_or();
        if (!n) return n;
        if (tok_.kind != Token::Kind::Close) return make_error("", "unbalanced '(': missing ')'");
        --depth_;
        if (auto s = advance(); !s) return s.error();
        return n;
      }
      case Token::Kind::Close: return make_error("", "unbalanced ')'");
      case Token::Kind::End: return make_error("", "the query ends where a term was expected");
      default: return make_error("", fmt::format("'{}' where a term was expected", tok_.spelling));
    }
  }

  Lexer lex_;
  Token tok_;
  int depth_ = 0;
};

// --- translation to SQL --------------------------------------------------

const char* columns_of(Field f) {
  switch (f) {
    case Field::Text: return "{subject body} : ";
    case Field::Subject: return "subject : ";
    case Field::From: return "from_addr : ";
    case Field::To: return "to_addr : ";
    case Field::Cc: return "cc_addr : ";
    case Field::Address: return "{from_addr to_addr cc_addr} : ";
    case Field::Body: return "body : ";
  }
  return "";
}

// The node as an FTS5 expression, when it can be one: words, and AND/OR of
// such. FTS5's NOT is binary ("a NOT b"), so a NOT fits only inside an AND
// that has something positive to subtract it from.
std::optional<std::string> fts_expr(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Words: return columns_of(n.field) + fts_string(n.text) + (n.prefix ? " *" : "");
    case Node::Kind::Or: {
      std::string e;
      for (const auto& k : n.kids) {
        auto ke = fts_expr(k);
        if (!ke) return std::nullopt;
        e += (e.empty() ? "(" : " OR ") + *ke;
      }
      return e + ")";
    }
    case Node::Kind::And: {
      std::string pos;
      std::vector<std::string> neg;
      for (const auto& k : n.kids) {
        bool is_not = k.kind == Node::Kind::Not;
        auto ke = fts_expr(is_not ? k.kids[0] : k);
        if (!ke) return std::nullopt;
        if (is_not) neg.push_back(*ke);
        else pos += (pos.empty() ? "(" : " AND ") + *ke;
      }
      if (pos.empty()) return std::nullopt;
      pos += ")";
      for (const auto& x : neg) pos = "(" + pos + " NOT " + x + ")";
      return pos;
    }
    default: return std::nullopt;
  }
}

class SqlWriter {
 public:
  std::vector<std::string> params;

  // A WHERE predicate over messages m.
  std::string predicate(const Node& n) {
    if (auto e = fts_expr(n)) {
      params.push_back(*e);
      return "m.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)";
    }
    switch (n.kind) {
      case Node::Kind::Date: return date(n);
      case Node::Kind::File: return file(n);
      case Node::Kind::List: {
        ListMatch l = list_match(n.text);
        params.push_back(std::move(l.exact));
        params.push_back(std::move(l.glob));
        return std::string("m.id IN (") + ListMatch::kSql + ")";
      }
      case Node::Kind::Not: return "NOT " + predicate(n.kids[0]);
      case Node::Kind::And:
      case Node::Kind::Or: {
        std::string s;
        for (const auto& k : n.kids)
          s += (s.empty() ? "(" : n.kind == Node::Kind::And ? " AND " : " OR ") + predicate(k);
        return s + ")";
      }
      case Node::Kind::Words: break;  // always an FTS expression
    }
    return "0";
  }

 private:
  // coalesce: a mail without a date is outside every range, and so inside
  // NOT d:... (a bare NULL would drop it from both).
  std::string date(const Node& n) {
    std::string s;
    if (!n.text.empty()) {
      params.push_back(n.text);
      s = "m.date >= ?";
    }
    if (!n.until.empty()) {
      params.push_back(n.until);
      s += std::string(s.empty() ? "" : " AND ") + "m.date < ?";
    }
    return "coalesce(" + s + ", 0)";
  }

  std::string file(const Node& n) {
    std::vector<std::string> globs = {n.text};
    if (!n.glob_dir.empty()) globs.push_back(n.glob_dir);
    std::string out = "m.id IN (SELECT patch_id FROM patch_files WHERE ";
    for (std::size_t k = 0; k < globs.size(); ++k) {
      params.push_back(globs[k]);
      params.push_back(globs[k]);
      out += std::string(k ? " OR " : "") + "new_path GLOB ? OR old_path GLOB ?";
    }
    return out + ")";
  }
};

// The part of the query FTS5 ranks: the whole query, or of a top-level AND
// the terms that fit in one MATCH (the rest become SQL conditions).
struct Split {
  std::optional<std::string> match;
  std::vector<const Node*> rest;
};

Split split(const Node& q) {
  if (auto e = fts_expr(q)) return {e, {}};
  Split s;
  if (q.kind != Node::Kind::And) {
    s.rest.push_back(&q);
    return s;
  }
  Node ranked;
  ranked.kind = Node::Kind::And;
  for (const auto& k : q.kids) {
    bool fits = fts_expr(k.kind == Node::Kind::Not ? k.kids[0] : k).has_value();
    if (fits) ranked.kids.push_back(k);
    else s.rest.push_back(&k);
  }
  s.match = fts_expr(ranked);  // none when all that fits is negative
  if (!s.match) {
    s.rest.clear();
    s.rest.push_back(&q);
  }
  return s;
}

}  // namespace

Result<Node> parse(std::string_view query) { return Parser(query).parse(); }

std::string fts_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string next_day(std::string_view day) {
  int y = 0, m = 0, d = 0;
  if (!valid_day(day, y, m, d)) return std::string(day);
  if (++d > days_in(y, m)) {
    d = 1;
    if (++m > 12) m = 1, ++y;
  }
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

Sql to_sql(const Node& query, const SqlOptions& options) {
  Split parts = split(query);
  SqlWriter w;
  Sql sql;
  sql.text =
      "SELECT m.id, m.msgid, m.date, m.from_name, m.from_email, m.subject, m.kind, m.thread_id, "
      "ps.series_id";
  if (options.raw) sql.text += ", (SELECT bytes FROM raw WHERE message_id = m.id)";
  std::string where;
  if (parts.match) {
    sql.text += " FROM search_fts JOIN messages m ON m.id = search_fts.rowid";
    w.params.push_back(*parts.match);
    where = "search_fts MATCH ?";
  } else {
    sql.text += " FROM messages m";
  }
  sql.text += " LEFT JOIN patch_series ps ON ps.patch_id = m.id AND m.kind = 'patch'";
  for (const Node* n : parts.rest) where += (where.empty() ? "" : " AND ") + w.predicate(*n);
  sql.text += " WHERE " + where;
  sql.text += parts.match ? " ORDER BY search_fts.rank, m.date DESC, m.id DESC"
                          : " ORDER BY m.date DESC, m.id DESC";
  if (options.limit > 0) sql.text += fmt::format(" LIMIT {}", options.limit);
  sql.params = std::move(w.params);
  return sql;
}

}  // namespace mlidx::search
