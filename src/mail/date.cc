// Date header parsing. One forward pass over the value with a small cursor;
// every field is range-checked and anything that does not fit one of the
// known shapes gives nullopt rather than a guess (a wrong date sorts a mail
// into the wrong place silently, a missing one is at least visible).
//
// Shapes accepted (CFWS = whitespace, commas and (comments), RFC 5322 3.2.2):
//   RFC 5322 3.3 / 4.3:  [dow[,]] d mon y  h:m[:s]  [zone [word]]
//   asctime / date(1):    dow mon d h:m[:s] [zone] y [zone]
//   ISO 8601:             yyyy-mm-dd(T| )h:m[:s[.frac]] [Z|+hh[:]mm|zone]
#include "mail/date.hh"

#include <array>
#include <cstdio>

namespace mlidx {
namespace {

// A Date longer than this is not a date; real ones are under 80 bytes even
// with a trailing comment. The parser is linear anyway, the cap only keeps
// hostile values from costing anything.
constexpr std::size_t kMaxDateLen = 1000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// True when `word` is `name` or a prefix of it of at least three letters,
// any case: "Jun", "June", "Sept", "Thurs", "THU".
bool matches_name(std::string_view word, std::string_view name) {
  if (word.size() < 3 || word.size() > name.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (lower(word[i]) != name[i]) return false;
  return true;
}

constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
constexpr std::array<std::string_view, 7> kDays = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

// 1..12, or 0 when the word is not a month name.
int month_number(std::string_view word) {
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (matches_name(word, kMonths[i])) return int(i) + 1;
  return 0;
}

bool is_day_name(std::string_view word) {
  for (auto d : kDays)
    if (matches_name(word, d)) return true;
  return false;
}

struct ZoneName {
  std::string_view name;
  int minutes;  // east of UTC
};

// RFC 5322 4.3 names first, then abbreviations common in list archives.
// IST is read as India (+0530): it is by far the most frequent use in
// kernel-list mail. Unknown names fall back to +0000 (see zone_offset).
constexpr ZoneName kZones[] = {
    {"ut", 0},        {"utc", 0},        {"gmt", 0},        {"z", 0},
    {"est", -5 * 60}, {"edt", -4 * 60},  {"cst", -6 * 60},  {"cdt", -5 * 60},
    {"mst", -7 * 60}, {"mdt", -6 * 60},  {"pst", -8 * 60},  {"pdt", -7 * 60},
    {"wet", 0},       {"west", 60},      {"bst", 60},       {"ist", 330},
    {"cet", 60},      {"cest", 120},     {"met", 60},       {"mest", 120},
    {"mez", 60},      {"mesz", 120},     {"eet", 120},      {"eest", 180},
    {"msk", 180},     {"jst", 540},      {"kst", 540},      {"hkt", 480},
    {"sgt", 480},     {"awst", 480},     {"acst", 570},     {"acdt", 630},
    {"aest", 600},    {"aedt", 660},     {"nzst", 720},     {"nzdt", 780},
    {"hst", -600},    {"akst", -540},    {"akdt", -480},    {"ast", -240},
    {"adt", -180},    {"nst", -210},     {"ndt", -150},     {"brt", -180},
    {"art", -180},
};

// RFC 5322 4.3: military and other unknown zone names "SHOULD be considered
// equivalent to -0000", i.e. UTC with no claim about local time.
int zone_offset(std::string_view word) {
  if (word.size() > 5) return 0;
  std::string low;
  for (char c : word) low += lower(c);
  for (const auto& z : kZones)
    if (z.name == low) return z.minutes;
  return 0;
}

// Howard Hinnant's days_from_civil: proleptic Gregorian date to days since
// 1970-01-01, exact for any year, without timegm or the process locale/TZ.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + std::int64_t(doe) - 719468;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kLen[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kLen[m - 1];
}

struct Fields {
  int year = -1, month = 0, day = 0;
  int hour = 0, minute = 0, second = 0;
  int zone_minutes = 0;  // east of UTC
};

// A number as written: its value (meaningless past 9 digits) and how many
// digits it had, which decides 2-/3-/4-digit year handling.
struct Number {
  std::int64_t value = 0;
  std::size_t digits = 0;
};

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  char peek_at(std::size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void advance() { ++i_; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }

  // CFWS of RFC 5322 3.2.2 plus commas (the obsolete syntax allows them
  // loosely). Comments nest; the depth is counted, never recursed. An
  // unclosed comment runs to the end, as a lenient reader would take it.
  void skip_cfws() {
    int depth = 0;
    while (!at_end()) {
      char c = s_[i_];
      if (depth > 0) {
        if (c == '\\' && i_ + 1 < s_.size()) ++i_;  // quoted-pair in a comment
        else if (c == '(') ++depth;
        else if (c == ')') --depth;
      } else if (c == '(') {
        depth = 1;
      } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',') {
        return;
      }
      ++i_;
    }
  }

  // Digits at the cursor; digits == 0 when there are none. Long runs are
  // consumed whole (so the caller can reject them) without overflowing.
  Number number() {
    Number n;
    while (is_digit(peek())) {
      if (n.digits < 10) n.value = n.value * 10 + (peek() - '0');
      ++n.digits;
      ++i_;
    }
    return n;
  }

  std::string_view word() {
    std::size_t start = i_;
    while (is_alpha(peek())) ++i_;
    return s_.substr(start, i_ - start);
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

bool in_range(const Number& n, std::size_t max_digits, int lo, int hi) {
  return n.digits >= 1 && n.digits <= max_digits && n.value >= lo && n.value <= hi;
}

// RFC 5322 4.3: a two-digit year below 50 is 20yy, otherwise 19yy; a
// three-digit year has 1900 added (old software printed tm_year).
bool read_year(Cursor& c, Fields& f) {
  Number n = c.number();
  if (n.digits == 2) f.year = int(n.value) + (n.value < 50 ? 2000 : 1900);
  else if (n.digits == 3) f.year = int(n.value) + 1900;
  else if (n.digits == 4) f.year = int(n.value);
  else return false;
  return true;
}

// h:m[:s], also with dots for colons ("16.49.35"); seconds may be 60 for a
// leap second (RFC 5322 3.3 allows it). `frac` allows ISO "39.123".
bool read_time(Cursor& c, Fields& f, bool frac) {
  Number h = c.number();
  if (!in_range(h, 2, 0, 23)) return false;
  char sep = c.peek();
  if (sep != ':' && sep != '.') return false;
  c.advance();
  Number m = c.number();
  if (!in_range(m, 2, 0, 59)) return false;
  f.hour = int(h.value);
  f.minute = int(m.value);
  if ((c.peek() == ':' || c.peek() == '.') && is_digit(c.peek_at(1))) {
    c.advance();
    Number s = c.number();
    if (!in_range(s, 2, 0, 60)) return false;
    f.second = int(s.value);
    if (frac && c.peek() == '.' && is_digit(c.peek_at(1))) {
      c.advance();
      c.number();  // fractions of a second are dropped
    }
  }
  return true;
}

// Numeric zone: +hhmm (RFC 5322 3.3), also +hh:mm and +hh (ISO 8601).
bool read_numeric_zone(Cursor& c, Fields& f) {
  int sign = c.peek() == '-' ? -1 : 1;
  c.advance();
  Number a = c.number();
  int hh = 0, mm = 0;
  if (a.digits == 4) {
    hh = int(a.value / 100);
    mm = int(a.value % 100);
  } else if (a.digits == 2 || a.digits == 1) {
    hh = int(a.value);
    if (c.peek() == ':') {
      c.advance();
      Number b = c.number();
      if (b.digits != 2) return false;
      mm = int(b.value);
    }
  } else {
    return false;
  }
  if (hh > 23 || mm > 59) return false;
  f.zone_minutes = sign * (hh * 60 + mm);
  return true;
}

// Zone, then the end. Missing zone is read as UTC (old mailers left it out;
// there is nothing better to assume). After a numeric zone one alphabetic
// word is tolerated ("-0500 EST" without parentheses).
bool read_zone_and_end(Cursor& c, Fields& f, bool zone_seen) {
  c.skip_cfws();
  if (!zone_seen) {
    if (c.peek() == '+' || c.peek() == '-') {
      if (!read_numeric_zone(c, f)) return false;
      c.skip_cfws();
      c.word();
    } else if (is_alpha(c.peek())) {
      f.zone_minutes = zone_offset(c.word());
    }
  }
  c.skip_cfws();
  return c.at_end();
}

// [dow] d mon y time zone — RFC 5322 3.3 with the 4.3 obsolete variants.
bool read_rfc(Cursor& c, Fields& f) {
  Number d = c.number();
  if (!in_range(d, 2, 1, 31)) return false;
  c.skip_cfws();
  // "05-Dec-2011" (obs, seen from some VMS/IMAP servers) as well as spaces.
  c.eat('-');
  f.month = month_number(c.word());
  if (f.month == 0) return false;
  c.eat('-');
  c.skip_cfws();
  f.day = int(d.value);
  if (!read_year(c, f)) return false;
  c.skip_cfws();
  if (!read_time(c, f, false)) return false;
  return read_zone_and_end(c, f, false);
}

// "Thu Mar 27 02:08:49 2026 +0000" (asctime, mbox From_ lines) and date(1)
// output "Thu Mar 27 02:08:49 UTC 2026".
bool read_asctime(Cursor& c, Fields& f, int month) {
  f.month = month;
  c.skip_cfws();
  Number d = c.number();
  if (!in_range(d, 2, 1, 31)) return false;
  f.day = int(d.value);
  c.skip_cfws();
  if (!read_time(c, f, false)) return false;
  c.skip_cfws();
  bool zone_seen = false;
  if (is_alpha(c.peek())) {
    f.zone_minutes = zone_offset(c.word());
    zone_seen = true;
    c.skip_cfws();
  }
  if (!read_year(c, f)) return false;
  return read_zone_and_end(c, f, zone_seen);
}

// yyyy-mm-dd(T| )hh:mm[:ss[.frac]][zone]
bool read_iso(Cursor& c, Fields& f) {
  Number y = c.number();
  if (y.digits != 4 || !c.eat('-')) return false;
  Number m = c.number();
  if (!in_range(m, 2, 1, 12) || !c.eat('-')) return false;
  Number d = c.number();
  if (!in_range(d, 2, 1, 31)) return false;
  f.year = int(y.value);
  f.month = int(m.value);
  f.day = int(d.value);
  if (c.peek() == 'T' || c.peek() == 't') c.advance();
  else c.skip_cfws();
  if (!read_time(c, f, true)) return false;
  return read_zone_and_end(c, f, false);
}

bool read_fields(std::string_view value, Fields& f) {
  Cursor c(value);
  c.skip_cfws();
  if (is_digit(c.peek())) {
    bool iso = is_digit(c.peek_at(1)) && is_digit(c.peek_at(2)) &&
               is_digit(c.peek_at(3)) && c.peek_at(4) == '-';
    return iso ? read_iso(c, f) : read_rfc(c, f);
  }
  std::string_view first = c.word();
  if (first.empty()) return false;
  // A leading word is a day name (RFC 5322 3.3 day-of-week, full names and
  // a missing comma tolerated) or, in asctime order, directly a month.
  bool comma = c.peek() == ',';
  if (int mon = month_number(first); mon != 0 && !comma)
    return read_asctime(c, f, mon);
  if (!is_day_name(first) && !comma) return false;
  c.skip_cfws();
  if (is_digit(c.peek())) return read_rfc(c, f);
  int mon = month_number(c.word());
  return mon != 0 && read_asctime(c, f, mon);
}

bool valid(const Fields& f) {
  if (f.year < 1970 || f.year > 9999) return false;
  if (f.month < 1 || f.month > 12) return false;
  return f.day >= 1 && unsigned(f.day) <= days_in_month(f.year, unsigned(f.month));
}

}  // namespace

std::optional<std::int64_t> parse_date(std::string_view value) {
  if (value.size() > kMaxDateLen) return std::nullopt;
  Fields f;
  if (!read_fields(value, f) || !valid(f)) return std::nullopt;
  std::int64_t days = days_from_civil(f.year, unsigned(f.month), unsigned(f.day));
  std::int64_t local = days * 86400 + f.hour * 3600 + f.minute * 60 + f.second;
  std::int64_t utc = local - std::int64_t(f.zone_minutes) * 60;
  // A west zone carries 9999-12-31 into year 10000, which is no longer
  // "YYYY-MM-DDTHH:MM:SS" (and would sort before 2000 as text).
  if (utc > days_from_civil(9999, 12, 31) * 86400 + 86399) return std::nullopt;
  return utc;
}

std::string format_utc(std::int64_t epoch) {
  // civil_from_days (Hinnant), floor division so pre-1970 values work too.
  std::int64_t days = epoch / 86400;
  std::int64_t secs = epoch % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = unsigned(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = std::int64_t(yoe) + era * 400 + (m <= 2);
  // By hand, not snprintf: this runs for every message at import and again
  // when the derive pass reads the dates back (snprintf was 4-5 % of that
  // pass's samples). A year outside 0000-9999 (parse_date never gives one)
  // keeps snprintf's sign and digits.
  if (y < 0 || y > 9999) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                  static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
    return buf;
  }
  std::string out = "0000-00-00T00:00:00";
  auto put2 = [&out](std::size_t at, unsigned v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  put2(0, static_cast<unsigned>(y / 100));
  put2(2, static_cast<unsigned>(y % 100));
  put2(5, m);
  put2(8, d);
  put2(11, static_cast<unsigned>(secs / 3600));
  put2(14, static_cast<unsigned>(secs / 60 % 60));
  put2(17, static_cast<unsigned>(secs % 60));
  return out;
}

}  // namespace mlidx
