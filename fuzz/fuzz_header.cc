// Header splitting, unfolding and RFC 2047 decoding of every field, as
// parse_mail does them. Checks that fields and body are views into the input
// in order, that unfolded values have no line break, and that decoded text is
// valid UTF-8 without C0 controls and, for a value with no encoded word, is
// exactly the value with bad bytes and controls replaced (which checks the
// word-at-a-time fast path against the byte-wise one).
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hh"
#include "mail/header.hh"
#include "mail/problems.hh"
#include "mail/rfc2047.hh"
#include "util/text.hh"

using namespace mlidx;

namespace {

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 && c != '\t') return true;
  return false;
}

void check_problems(const Problems& problems) {
  FUZZ_CHECK(problems.size() <= Problems::kMaxItems + 1);
  for (const auto& p : problems.items()) {
    FUZZ_CHECK(!p.kind.empty());
    FUZZ_CHECK(is_valid_utf8(p.detail));
    FUZZ_CHECK(p.detail.size() <= Problems::kMaxDetailBytes + 3);  // + an ellipsis
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
  const std::string_view data(reinterpret_cast<const char*>(p), n);
  const char* const begin = data.data();
  const char* const end = begin + data.size();
  Problems problems;
  HeaderBlock h = split_header(data, problems);
  FUZZ_CHECK(h.fields.size() <= kMaxHeaderFields);
  const char* cursor = begin;
  for (const auto& f : h.fields) {
    FUZZ_CHECK(!f.name.empty());
    for (unsigned char c : f.name) FUZZ_CHECK(c >= 33 && c <= 126 && c != ':');
    FUZZ_CHECK(f.name.data() >= cursor);
    FUZZ_CHECK(f.value.data() >= f.name.data() + f.name.size() + 1);  // after the colon
    FUZZ_CHECK(f.value.data() + f.value.size() <= end);
    cursor = f.value.data() + f.value.size();
    FUZZ_CHECK(find_field(h, f.name) != nullptr);
  }
  FUZZ_CHECK(h.body.data() >= cursor && h.body.data() + h.body.size() == end);

  for (const auto& f : h.fields) {
    std::string u = unfold(f.value);
    FUZZ_CHECK(u.find('\n') == std::string::npos);
    FUZZ_CHECK(u.size() <= f.value.size());
    if (f.value.size() > kMaxDecodedField) continue;  // parse_mail does not decode these
    std::string d = decode_header_text(u, problems);
    FUZZ_CHECK(is_valid_utf8(d));
    FUZZ_CHECK(!has_control(d));
    if (u.find("=?") == std::string::npos) FUZZ_CHECK(d == replace_controls(repair_utf8(u)));
  }
  // The decoder on raw, folded bytes too: it must stay total on line ends.
  if (data.size() <= kMaxDecodedField) FUZZ_CHECK(is_valid_utf8(decode_header_text(data, problems)));
  check_problems(problems);
  return 0;
}
