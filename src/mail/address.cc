// Address lists (RFC 5322 3.4) as real mail writes them. One forward scan
// splits the value into elements at top-level ',' and ';' (outside quoted
// strings, comments and angle brackets), noting for each element its words
// (as places in the value), comments (3.2.2) and angle-addr. Elements are
// then turned into addresses: only then are the name's words unquoted (RFC
// 5322 3.2.4) and copied, so the scan itself allocates next to nothing.
// RFC 2047 decoding of the display name comes last, so a decoded name may
// hold commas without splitting.
//
// Leniencies, each recorded as a "bad-address" problem where it is a fault:
// - "Last, First <a@b>": name fragments without '@' or <> before an element
//   with <> are joined to its name (Outlook/Exchange write this unquoted);
// - an unclosed quote is taken as a literal '"' (the scan restarts once);
// - an unclosed '<' ends at the next ',' ';' or the end;
// - an unclosed comment runs to the end;
// - ';' separates like ',' (Outlook), group names are dropped (3.4 group);
// - "Name a@b" without brackets: the word with '@' is the address.
// No recursion; every byte is looked at a bounded number of times.
#include "mail/address.hh"

#include <algorithm>
#include <cstdint>

#include "mail/rfc2047.hh"
#include "util/text.hh"

namespace mlidx {
namespace {

constexpr std::size_t kMaxAddresses = 10000;
constexpr std::size_t npos = std::string_view::npos;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Runs of whitespace become one space; the ends are trimmed.
std::string collapse(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A display name that only repeats the address ("a@b" <a@b>, 'a@b' <a@b>)
// says nothing; the header contract is name == "" then.
bool name_is_email(std::string_view name, std::string_view email) {
  if (name.size() >= 2) {
    char f = name.front(), b = name.back();
    if ((f == '\'' && b == '\'') || (f == '"' && b == '"') || (f == '<' && b == '>'))
      name = name.substr(1, name.size() - 2);
  }
  return iequal(trim_view(name), email);
}

// angle-addr content: trimmed; an obsolete route "@a,@b:" (RFC 5322 4.4
// obs-route) is dropped since only the final addr-spec is an address.
std::string_view clean_angle(std::string_view s) {
  s = trim_view(s);
  if (!s.empty() && s.front() == '@') {
    std::size_t colon = s.find(':');
    if (colon != npos) s = trim_view(s.substr(colon + 1));
  }
  return s;
}

std::string_view strip_brackets(std::string_view s) {
  s = trim_view(s);
  while (!s.empty() && s.front() == '<') s.remove_prefix(1);
  while (!s.empty() && s.back() == '>') s.remove_suffix(1);
  return trim_view(s);
}

// Faults recorded at most once per header value, so a hostile value cannot
// flood the problems table.
enum Fault : unsigned {
  kUnclosedQuote = 1u << 0,
  kUnclosedAngle = 1u << 1,
  kUnclosedComment = 1u << 2,
  kNoAddress = 1u << 3,
  kNoBrackets = 1u << 4,
  kMissingComma = 1u << 5,
  kEmptyAngle = 1u << 6,
  kNoAt = 1u << 7,
};

const char* fault_text(Fault f) {
  switch (f) {
    case kUnclosedQuote: return "unclosed quoted string in address list";
    case kUnclosedAngle: return "unclosed '<' in address list";
    case kUnclosedComment: return "unclosed comment in address list";
    case kNoAddress: return "address list element without an address";
    case kNoBrackets: return "display name without angle brackets around the address";
    case kMissingComma: return "addresses not separated by a comma";
    case kEmptyAngle: return "empty <> in address list";
    case kNoAt: return "address without '@'";
  }
  return "malformed address";
}

// A word is kept as its place in the value: its bytes there are the
// addr-spec form, and the name form (quotes removed, quoted-pairs resolved)
// is derived from them only if the word ends up in a display name.
struct Word {
  std::size_t begin = 0;  // raw bytes value[begin, end), quotes kept
  std::size_t end = 0;
  bool has_at = false;
  bool comma = false;  // a ',' follows it in the name ("Last, First" joined)
};

// One list element between separators. The parser keeps one Element and
// resets it per element, so its vector and string keep their capacity.
struct Element {
  std::size_t start = 0;     // index in the value where it began
  std::vector<Word> words;   // top-level words, in order
  bool in_word = false;      // the next plain byte continues the last word
  std::string comment;       // comment texts joined by spaces
  bool has_angle = false;
  std::string_view angle;
  std::size_t angle_end = 0;        // index just after the angle-addr
  std::size_t words_at_angle = 0;   // words written before the angle-addr

  void reset(std::size_t at) {
    start = at;
    words.clear();
    in_word = false;
    comment.clear();
    has_angle = false;
    angle = {};
    angle_end = words_at_angle = 0;
  }
  bool empty() const { return words.empty() && comment.empty() && !has_angle; }
  bool has_at() const {
    for (const auto& w : words)
      if (w.has_at) return true;
    return false;
  }
  // The word the byte at `at` belongs to: the last one if it is still open.
  Word& word(std::size_t at) {
    if (!in_word || words.empty()) words.push_back(Word{at, at, false, false});
    in_word = true;
    return words.back();
  }
};

// Bytes that end a run of plain word bytes; step() decides what they mean.
bool ends_plain_run(char c) {
  switch (c) {
    case '"': case '(': case '<': case ',': case ';': case ':':
    case ' ': case '\t': case '\r': case '\n':
      return true;
    default:
      return false;
  }
}

// Appends text with runs of whitespace as one space and none at the start;
// a trailing run is only remembered, so nothing is left to trim. This is
// collapse() done while the name is assembled, without temporaries.
class Collapsed {
 public:
  explicit Collapsed(std::string& out) : out_(out) { out_.clear(); }
  void add(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      std::size_t j = i;
      while (j < s.size() && !is_space(s[j])) ++j;
      if (j > i) {
        if (pending_space_) out_ += ' ';
        pending_space_ = false;
        out_.append(s.substr(i, j - i));
      }
      if (j < s.size()) pending_space_ = !out_.empty();
      while (j < s.size() && is_space(s[j])) ++j;
      i = j;
    }
  }

 private:
  std::string& out_;
  bool pending_space_ = false;
};

// decode_header_text returns its input unchanged, recording nothing, when
// there is no "=?" and the text is valid UTF-8 without C0 controls; most
// names are like that, and then they need no decoding nor second collapse.
bool decodes_to_itself(std::string_view s) {
  bool ascii = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 && b != '\t') return false;
    if (b == '=' && i + 1 < s.size() && s[i + 1] == '?') return false;
    if (b >= 0x80) ascii = false;
  }
  return ascii || is_valid_utf8(s);
}

class ListParser {
 public:
  ListParser(std::string_view v, Problems& p) : v_(v), problems_(p) {}

  std::vector<Address> run() {
    // Most elements end at a ',' or ';': room for all of them up front
    // spares the vector its regrowth copies on long Cc lists.
    std::size_t separators = 0;
    for (char c : v_) separators += c == ',' || c == ';';
    out_.reserve(std::min(separators + 1, kMaxAddresses));
    el_.words.reserve(8);  // "First Last <a@b>" and longer names: one allocation
    name_.reserve(64);
    el_.reset(0);
    while (i_ < v_.size() && !full_) step();
    finish(el_, '\0');
    flush_carry();
    return std::move(out_);
  }

 private:
  void step() {
    char c = v_[i_];
    if (c == '"' && i_ < quote_literal_from_) return quoted();
    if (c == '(') return comment();
    if (c == '<') return angle();
    if (c == ',' || c == ';') return separator(c);
    if (c == ':' && !el_.has_angle && !el_.has_at()) return group_start();
    if (is_space(c)) {
      el_.in_word = false;
      ++i_;
      return;
    }
    // A plain byte (a literal '"' or ':' among them) and the plain run after it.
    bool at = c == '@';
    std::size_t j = i_ + 1;
    for (; j < v_.size() && !ends_plain_run(v_[j]); ++j) at |= v_[j] == '@';
    Word& w = el_.word(i_);
    w.end = j;
    w.has_at |= at;
    i_ = j;
  }

  // RFC 5322 3.2.4 quoted-string with quoted-pairs. Unclosed: the element is
  // re-read from its start with this and every later '"' as a plain byte;
  // no '"' after it closes anything, so one re-read is the most ever needed.
  void quoted() {
    std::size_t j = quoted_end(i_);
    if (j >= v_.size()) {
      fault(kUnclosedQuote);
      quote_literal_from_ = i_;
      i_ = el_.start;
      el_.reset(i_);
      return;
    }
    Word& w = el_.word(i_);
    w.end = j + 1;
    w.has_at |= v_.substr(i_, j + 1 - i_).find('@') != npos;
    i_ = j + 1;
  }

  // The index of the '"' closing the quoted string opened at `open`, or the
  // value's size if it is unclosed.
  std::size_t quoted_end(std::size_t open) const {
    std::size_t j = open + 1;
    while (j < v_.size() && v_[j] != '"') {
      if (v_[j] == '\\' && j + 1 < v_.size()) ++j;
      ++j;
    }
    return j;
  }

  // RFC 5322 3.2.2 comment; nesting counted. Its text is a name candidate
  // ("a@b (Name)", the pre-RFC 822 style) and it ends the current word.
  void comment() {
    std::size_t j = i_;
    int depth = 0;
    std::string& text = el_.comment;
    if (!text.empty()) text += ' ';
    for (; j < v_.size(); ++j) {
      char c = v_[j];
      if (c == '\\' && j + 1 < v_.size()) {
        text += v_[++j];
        continue;
      }
      if (c == '(' && depth++ == 0) continue;
      if (c == ')' && --depth == 0) break;
      text += c;
    }
    if (j >= v_.size()) fault(kUnclosedComment);
    el_.in_word = false;
    i_ = j < v_.size() ? j + 1 : j;
  }

  // angle-addr. A second one in the same element means a missing comma:
  // the element is split after the first. An unclosed '<' ends before the
  // next ',' ';' or '<' (a ',' inside is kept only for an obs-route "<@a,@b:x>").
  void angle() {
    if (el_.has_angle) split_element();
    std::size_t j = i_ + 1;
    bool route = j < v_.size() && v_[j] == '@';
    while (j < v_.size()) {
      char c = v_[j];
      if (c == '>' || c == '<' || c == ';' || (c == ',' && !route)) break;
      ++j;
    }
    bool closed = j < v_.size() && v_[j] == '>';
    if (!closed) fault(kUnclosedAngle);
    el_.has_angle = true;
    el_.angle = v_.substr(i_ + 1, j - i_ - 1);
    el_.words_at_angle = el_.words.size();
    el_.in_word = false;
    i_ = closed ? j + 1 : j;
    el_.angle_end = i_;
  }

  void split_element() {
    fault(kMissingComma);
    std::vector<Word> rest(el_.words.begin() + std::ptrdiff_t(el_.words_at_angle), el_.words.end());
    std::size_t start = el_.angle_end;
    el_.words.resize(el_.words_at_angle);
    finish(el_, '\0');
    el_.reset(start);
    el_.words = std::move(rest);
  }

  void separator(char c) {
    finish(el_, c);
    el_.reset(++i_);
  }

  // RFC 5322 3.4 group "name: a, b;" — the group name is not an address.
  void group_start() {
    flush_carry();
    el_.reset(++i_);
  }

  // A name fragment without '@' or <> followed by ',' may be the first half
  // of an unquoted "Last, First <a@b>"; it waits in carry_ for the next one.
  static bool is_name_fragment(const Element& e) {
    return !e.has_angle && !e.words.empty() && !e.has_at();
  }

  void finish(Element& e, char sep) {
    if (e.empty()) {
      if (sep != ',') flush_carry();
      return;
    }
    if (sep == ',' && is_name_fragment(e)) {
      carry_.push_back(e);
      return;
    }
    if (e.has_angle && !carry_.empty()) {
      std::vector<Word> words;
      for (auto& c : carry_) {
        words.insert(words.end(), c.words.begin(), c.words.end());
        words.back().comma = true;
      }
      words.insert(words.end(), e.words.begin(), e.words.end());
      e.words = std::move(words);
      carry_.clear();
    } else {
      flush_carry();
    }
    emit(e);
  }

  void flush_carry() {
    for (auto& c : carry_) emit(c);
    carry_.clear();
  }

  // The name form of a word: quoted strings lose their quotes and have
  // their quoted-pairs resolved; a '"' read as a plain byte (after an
  // unclosed quote) is not part of a name.
  void add_name_form(const Word& w, Collapsed& name) const {
    std::size_t i = w.begin;
    while (i < w.end) {
      if (v_[i] != '"') {
        std::size_t j = i;
        while (j < w.end && v_[j] != '"') ++j;
        name.add(v_.substr(i, j - i));
        i = j;
      } else if (i >= quote_literal_from_) {
        ++i;
      } else {
        i = add_quoted_content(i, name);
      }
    }
    if (w.comma) name.add(",");
  }

  // Adds the content of the (closed) quoted string opened at `open`;
  // returns the index after its closing '"'.
  std::size_t add_quoted_content(std::size_t open, Collapsed& name) const {
    std::size_t i = open + 1;
    for (;;) {
      std::size_t j = i;
      while (v_[j] != '"' && v_[j] != '\\') ++j;
      name.add(v_.substr(i, j - i));
      if (v_[j] == '"') return j + 1;
      name.add(v_.substr(j + 1, 1));  // quoted-pair: the byte after '\'
      i = j + 2;
    }
  }

  // The display name, collapsed, into name_: the words but the one at
  // `skip`, else the comments.
  void build_name(const Element& e, std::size_t skip) {
    Collapsed name(name_);
    for (std::size_t k = 0; k < e.words.size(); ++k) {
      if (k == skip) continue;
      add_name_form(e.words[k], name);
      name.add(" ");
    }
    if (name_.empty()) Collapsed(name_).add(e.comment);
  }

  void emit(const Element& e) {
    if (full_) return;
    std::string_view email;
    if (e.has_angle) {
      email = clean_angle(e.angle);
      if (email.empty()) fault(kEmptyAngle);
      else if (email.find('@') == npos) fault(kNoAt);
      build_name(e, npos);
    } else {
      std::size_t at = npos;  // the last word with '@' is the addr-spec
      for (std::size_t k = 0; k < e.words.size(); ++k)
        if (e.words[k].has_at) at = k;
      if (at != npos) {
        const Word& w = e.words[at];
        email = strip_brackets(v_.substr(w.begin, w.end - w.begin));
        if (e.words.size() > 1) fault(kNoBrackets);
      } else {
        fault(kNoAddress);
      }
      build_name(e, at);
    }
    Address a;
    a.name = finish_name();
    a.email = is_valid_utf8(email) ? std::string(email) : repair_utf8(email);
    if (name_is_email(a.name, a.email)) a.name.clear();
    if (a.name.empty() && a.email.empty()) return;
    if (out_.size() >= kMaxAddresses) {
      problems_.add("too-many-addresses", "more than 10000 addresses in one header; the rest were ignored");
      full_ = true;
      return;
    }
    out_.push_back(std::move(a));
  }

  // RFC 2047 decoding happens here, after splitting, on the name alone.
  std::string finish_name() {
    if (name_.empty() || decodes_to_itself(name_)) return name_;
    return collapse(decode_header_text(name_, problems_));
  }

  void fault(Fault f) {
    if (faults_ & f) return;
    faults_ |= f;
    problems_.add("bad-address", fault_text(f));
  }

  std::string_view v_;
  Problems& problems_;
  std::size_t i_ = 0;
  std::size_t quote_literal_from_ = npos;
  Element el_;
  std::vector<Element> carry_;
  std::vector<Address> out_;
  std::string name_;  // the display name being assembled, reused
  unsigned faults_ = 0;
  bool full_ = false;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view value, Problems& problems) {
  return ListParser(value, problems).run();
}

}  // namespace mlidx
