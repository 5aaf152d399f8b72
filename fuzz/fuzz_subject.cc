// Patchwork's subject-prefix parser. Input: the subject, optionally followed
// by a NUL and the list's short name. Checks the documented shape of the
// result: at most 64 prefixes, no empty or "PATCH" token, a name of at most
// 255 code points built from the prefixes and the title, a title with
// whitespace normalised, and valid UTF-8 out for valid UTF-8 in.
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hh"
#include "patch/subject.hh"
#include "util/text.hh"

using namespace mlidx;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
  const std::string_view data(reinterpret_cast<const char*>(p), n);
  const std::size_t nul = data.find('\0');
  const std::string_view subject = data.substr(0, nul);
  const std::string_view list = nul == std::string_view::npos ? std::string_view() : data.substr(nul + 1);
  const SubjectInfo s = parse_subject(subject, list);

  FUZZ_CHECK(s.version >= 0 && s.number >= 0 && s.total >= 0);
  FUZZ_CHECK(s.prefixes.size() <= 64);
  for (const auto& t : s.prefixes) {
    FUZZ_CHECK(!t.empty() && !iequals(t, "patch"));
    FUZZ_CHECK(list.empty() || !iequals(t, list));
    FUZZ_CHECK(t.find(',') == std::string::npos && t.find(']') == std::string::npos);
  }
  FUZZ_CHECK(utf8_length(s.name) <= 255);
  if (s.prefixes.empty()) {
    FUZZ_CHECK(s.title.starts_with(s.name));  // the name is the (cut) title
  } else {
    FUZZ_CHECK(s.name.starts_with("["));
  }
  // clean_header: one space between words, none at the ends.
  FUZZ_CHECK(s.title.find("  ") == std::string::npos);
  FUZZ_CHECK(s.title.find_first_of("\t\n\r\v\f") == std::string::npos);
  FUZZ_CHECK(s.title.empty() || (s.title.front() != ' ' && s.title.back() != ' '));
  FUZZ_CHECK(s.title.size() <= subject.size());
  for (const auto& d : s.deviations) FUZZ_CHECK(d == kDeviationVersionGlued);
  if (is_valid_utf8(subject) && is_valid_utf8(list)) {
    FUZZ_CHECK(is_valid_utf8(s.name) && is_valid_utf8(s.title));
    for (const auto& t : s.prefixes) FUZZ_CHECK(is_valid_utf8(t));
  }
  return 0;
}
