// Whole-mail parsing (parse_mail): header fields, addresses, dates, ids, and
// the MIME layer with its gate in front of mimetic. Checks what the database
// relies on: every text is valid UTF-8, the id is never empty, limits hold,
// and body_raw_offset really points at the body.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "check.hh"
#include "mail/header.hh"
#include "mail/message.hh"
#include "mail/mime.hh"
#include "mail/msgid.hh"
#include "util/text.hh"

using namespace mlidx;

namespace {

bool is_date(std::string_view d) {
  if (d.size() != 19) return false;
  for (std::size_t i = 0; i < d.size(); ++i) {
    char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : '0';
    if (want == '0' ? !(d[i] >= '0' && d[i] <= '9') : d[i] != want) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
  const std::string_view raw(reinterpret_cast<const char*>(p), n);
  const Mail m = parse_mail(raw);

  FUZZ_CHECK(!m.msgid.empty() && is_valid_utf8(m.msgid));
  FUZZ_CHECK(m.date.empty() || is_date(m.date));
  FUZZ_CHECK(is_valid_utf8(m.subject));
  FUZZ_CHECK(is_valid_utf8(m.from_name) && is_valid_utf8(m.from_email));
  FUZZ_CHECK(is_valid_utf8(m.list_id) && is_valid_utf8(m.in_reply_to));
  FUZZ_CHECK(m.in_reply_to != m.msgid || m.in_reply_to.empty());
  FUZZ_CHECK(m.references.size() <= kMaxReferences);
  std::set<std::string_view> seen;
  for (const auto& id : m.references) {
    FUZZ_CHECK(!id.empty() && id != m.msgid && is_valid_utf8(id));
    FUZZ_CHECK(seen.insert(id).second);  // no duplicates
  }
  for (const auto& r : m.recipients) {
    FUZZ_CHECK(r.kind == "to" || r.kind == "cc");
    FUZZ_CHECK(is_valid_utf8(r.addr.name) && is_valid_utf8(r.addr.email));
  }
  for (const auto& h : m.headers) {
    FUZZ_CHECK(h.name.data() >= raw.data() && h.name.data() + h.name.size() <= raw.data() + raw.size());
    FUZZ_CHECK(is_valid_utf8(h.value()));
  }

  // No check for "\r\n": CRLF becomes LF in one pass (as Python's
  // replace, for Patchwork), so "\r\r\n" rightly leaves "\r\n".
  FUZZ_CHECK(is_valid_utf8(m.body));
  if (m.body_raw_offset != std::string::npos) {
    FUZZ_CHECK(m.body_raw_offset <= raw.size());
    FUZZ_CHECK(raw.substr(m.body_raw_offset) == m.body);
  }
  FUZZ_CHECK(m.attachments.size() <= kMaxMimeParts);
  for (const auto& a : m.attachments) {
    FUZZ_CHECK(a.text.empty() && !a.content_type.empty());
    FUZZ_CHECK(is_valid_utf8(a.filename));
  }
  std::size_t bodies = 0;
  for (const auto& t : m.text_parts) {
    FUZZ_CHECK(t.subtype == "plain" || t.subtype == "x-patch" || t.subtype == "x-diff");
    FUZZ_CHECK(is_valid_utf8(t.text));
    if (t.is_body) FUZZ_CHECK(t.text.empty() && ++bodies == 1);
  }

  FUZZ_CHECK(m.problems.size() <= Problems::kMaxItems + 1);
  for (const auto& pr : m.problems.items()) FUZZ_CHECK(is_valid_utf8(pr.detail));

  // Quoted-printable only ever shrinks its input.
  Problems ignored;
  HeaderBlock h = split_header(raw, ignored);
  FUZZ_CHECK(decode_quoted_printable(h.body).size() <= h.body.size());
  return 0;
}
