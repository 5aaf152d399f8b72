#include "support.hh"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mlidx::test {

fs::path shared_dir() {
  if (const char* e = std::getenv("MLIDX_SHARED"); e && *e) return e;
  return fs::path(MLIDX_SOURCE_DIR) / ".." / "shared";
}

bool skip_without_shared() {
  const char* ci = std::getenv("CI");
  return !fs::exists(shared_dir() / "SPEC.md") && !(ci && *ci);
}

fs::path corpus_10k() {
  fs::path xz = shared_dir() / "corpus" / "linuxppc-dev-10k.mbox.xz";
  fs::path out = fs::path(MLIDX_BUILD_DIR) / "corpus" / "linuxppc-dev-10k.mbox";
  if (fs::exists(out)) return out;
  if (!fs::exists(xz)) return {};
  fs::create_directories(out.parent_path());
  std::string cmd = "xz -dc '" + xz.string() + "' > '" + out.string() + ".tmp' && mv '" +
                    out.string() + ".tmp' '" + out.string() + "'";
  if (std::system(cmd.c_str()) != 0) return {};
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "mlidx-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

namespace {
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q.append("'\\''");
    else q.push_back(c);
  }
  q.push_back('\'');
  return q;
}
}  // namespace

namespace {
Run run_command(const std::vector<std::string>& args, const std::string* input, const std::string& env) {
  TempDir t;
  std::string cmd;
  if (input) {
    write_file(t / "in", *input);
    cmd = "cat " + shell_quote((t / "in").string()) + " | ";
  }
  if (!env.empty()) cmd += "env " + env + " ";
  cmd += shell_quote(MLIDX_BIN);
  for (const auto& a : args) cmd.append(" ").append(shell_quote(a));
  cmd.append(" >").append(shell_quote((t / "out").string()));
  cmd.append(" 2>").append(shell_quote((t / "err").string()));
  if (!input) cmd.append(" </dev/null");
  int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(t / "out");
  r.err = read_file(t / "err");
  return r;
}
}  // namespace

Run run_mlidx(const std::vector<std::string>& args) { return run_command(args, nullptr, ""); }

Run run_mlidx_with(const std::vector<std::string>& args, const std::string& input,
                   const std::string& env) {
  return run_command(args, &input, env);
}

std::vector<std::vector<Cell>> rows(const fs::path& db, const std::string& sql,
                                    const std::vector<std::string>& binds) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    throw std::runtime_error("cannot open " + db.string());
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::string e = sqlite3_errmsg(h);
    sqlite3_close(h);
    throw std::runtime_error(e + " in " + sql);
  }
  for (std::size_t i = 0; i < binds.size(); ++i)
    sqlite3_bind_text(st, static_cast<int>(i + 1), binds[i].data(), static_cast<int>(binds[i].size()),
                      SQLITE_TRANSIENT);
  std::vector<std::vector<Cell>> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<Cell> r;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        r.emplace_back(std::nullopt);
        continue;
      }
      auto* p = static_cast<const char*>(sqlite3_column_blob(st, i));
      int n = sqlite3_column_bytes(st, i);
      r.emplace_back(std::string(p ? p : "", static_cast<std::size_t>(n)));
    }
    out.push_back(std::move(r));
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

std::string query(const fs::path& db, const std::string& sql) {
  std::string out;
  for (const auto& r : rows(db, sql)) {
    if (!out.empty()) out += '\n';
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) out += '|';
      if (r[i]) out += *r[i];
    }
  }
  return out;
}

std::string dump_relations(const fs::path& db) {
  std::string out;
  for (const char* t : {"messages", "headers", "recipients", "problems", "threads", "ghosts", "patches",
                        "covers", "comments", "series", "patch_files", "trailers", "refs", "attachments",
                        "variants", "message_lists", "search_state", "patch_states", "state_decisions",
                        "commit_matches", "seen_commits"})
    out += std::string("== ") + t + "\n" + query(db, std::string("SELECT * FROM ") + t + " ORDER BY 1, 2");
  // The index holds no text: compare what a few searches find.
  out += query(db, "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'powerpc'");
  out += query(db, "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'from_addr : ellerman'");
  return out;
}

std::string query1(const fs::path& db, const std::string& sql) {
  std::string all = query(db, sql);
  auto nl = all.find('\n');
  all = all.substr(0, nl);
  auto bar = all.find('|');
  return all.substr(0, bar);
}

namespace {

void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct JsonParser {
  std::string_view s;
  std::size_t i = 0;

  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error(std::string("JSON: ") + what + " at offset " + std::to_string(i));
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  std::uint32_t hex4() {
    if (i + 4 > s.size()) fail("short \\u escape");
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s[i++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else fail("bad hex digit");
    }
    return v;
  }
  std::string str() {
    if (i >= s.size() || s[i] != '"') fail("string expected");
    ++i;
    std::string out;
    while (true) {
      if (i >= s.size()) fail("unterminated string");
      char c = s[i++];
      if (c == '"') return out;
      // mlidx must escape control bytes in its JSON output; a raw one is
      // malformed JSON, not text to pass on.
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i >= s.size()) fail("unterminated escape");
      char e = s[i++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate needs a following \uDC00..\uDFFF.
            if (i + 6 <= s.size() && s[i] == '\\' && s[i + 1] == 'u') {
              std::size_t save = i;
              i += 2;
              std::uint32_t lo = hex4();
              if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              } else {
                i = save;
                cp = 0xFFFD;
              }
            } else {
              cp = 0xFFFD;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;  // lone low surrogate
          }
          put_utf8(out, cp);
          break;
        }
        default: fail("unknown escape");
      }
    }
  }
  Json value() {
    ws();
    if (i >= s.size()) fail("value expected");
    Json v;
    char c = s[i];
    if (c == '"') {
      v.kind = Json::String;
      v.text = str();
      return v;
    }
    if (c == '{' || c == '[') {
      v.kind = c == '{' ? Json::Object : Json::Array;
      char close = c == '{' ? '}' : ']';
      ++i;
      ws();
      if (i < s.size() && s[i] == close) {
        ++i;
        return v;
      }
      while (true) {
        if (v.kind == Json::Object) {
          ws();
          std::string key = str();
          ws();
          if (i >= s.size() || s[i] != ':') fail("':' expected");
          ++i;
          v.members.emplace_back(std::move(key), value());
        } else {
          v.items.push_back(value());
        }
        ws();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == close) {
          ++i;
          return v;
        }
        fail(close == '}' ? "',' or '}' expected" : "',' or ']' expected");
      }
    }
    std::size_t start = i;
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n') ++i;
    if (start == i) fail("scalar expected");
    v.text = s.substr(start, i - start);
    v.kind = v.text == "null" ? Json::Null : Json::Scalar;
    return v;
  }
};

}  // namespace

Json parse_json(std::string_view json) {
  JsonParser p{json};
  Json v = p.value();
  p.ws();
  if (p.i != json.size()) p.fail("trailing text");
  return v;
}

std::map<std::string, std::string> json_fields(std::string_view json) {
  JsonParser p{json};
  p.ws();
  if (p.i >= json.size() || json[p.i] != '{') p.fail("object expected");
  // Not parse_json: what follows the object is left unread.
  Json object = p.value();
  std::map<std::string, std::string> out;
  for (auto& [key, v] : object.members)
    if (v.kind == Json::String || v.kind == Json::Scalar) out[key] = std::move(v.text);
  return out;
}

}  // namespace mlidx::test
