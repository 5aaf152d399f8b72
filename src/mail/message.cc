#include "mail/message.hh"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "mail/date.hh"
#include "mail/header.hh"
#include "mail/msgid.hh"
#include "mail/rfc2047.hh"
#include "util/sha1.hh"
#include "util/text.hh"

namespace mlidx {
namespace {

// Runs a decoder over one header field and names the field in the problems
// it records, so "bad-charset: UTF-8" says where.
template <class F>
auto in_field(Problems& problems, std::string_view field, F&& decode) {
  std::size_t first = problems.size();
  auto result = decode();
  problems.prefix_details_from(first, std::string(field) + ": ");
  return result;
}

// List-Id: "Name <list.example.org>" (RFC 2919); the id is inside the brackets.
std::string list_id_of(std::string_view value) {
  std::size_t lt = value.rfind('<');
  std::size_t gt = value.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt)
    return std::string(trim(value.substr(lt + 1, gt - lt - 1)));
  return std::string(trim(value));
}

// The date of a Received: line is after its last ';' (RFC 5321 4.4).
std::optional<std::int64_t> received_date(const HeaderBlock& h) {
  const RawField* f = find_field(h, "Received");
  if (!f) return std::nullopt;
  std::string v = unfold(f->value);
  std::size_t semi = v.rfind(';');
  if (semi == std::string::npos) return std::nullopt;
  return parse_date(std::string_view(v).substr(semi + 1));
}

void read_date(Mail& m, const HeaderBlock& h) {
  const RawField* f = find_field(h, "Date");
  std::string value = f ? unfold(f->value) : std::string();
  if (auto t = parse_date(value)) {
    m.date = format_utc(*t);
    return;
  }
  // A sortable date matters for threads and series; the Received: stamp of
  // the list server is the honest second best, and the problem says so.
  auto fallback = received_date(h);
  std::string note = fallback ? ", date taken from Received:" : "";
  if (!f) m.problems.add("no-date", "no Date header" + note);
  else m.problems.add("bad-date", fmt::format("unparseable Date '{}'{}", repair_utf8(value), note));
  if (fallback) m.date = format_utc(*fallback);
}

void read_from(Mail& m, const HeaderBlock& h) {
  const RawField* f = find_field(h, "From");
  if (!f) {
    m.problems.add("no-from", "no From header");
    return;
  }
  auto addrs = in_field(m.problems, f->name, [&] { return parse_address_list(unfold(f->value), m.problems); });
  if (addrs.empty() || addrs.front().email.empty()) {
    m.problems.add("bad-from", "no sender address in From");
    if (!addrs.empty()) m.from_name = addrs.front().name;
    return;
  }
  if (addrs.front().email.find('@') == std::string::npos)
    m.problems.add("bad-from", "sender address without '@': " + addrs.front().email);
  m.from_name = addrs.front().name;
  m.from_email = addrs.front().email;
}

void read_recipients(Mail& m, const HeaderBlock& h) {
  for (const auto& f : h.fields) {
    const char* kind = iequals(f.name, "To") ? "to" : iequals(f.name, "Cc") ? "cc" : nullptr;
    if (!kind) continue;
    auto addrs = in_field(m.problems, f.name, [&] { return parse_address_list(unfold(f.value), m.problems); });
    for (auto& a : addrs) m.recipients.push_back({kind, std::move(a)});
  }
}

void read_msgid(Mail& m, const HeaderBlock& h, std::string_view raw) {
  const RawField* f = find_field(h, "Message-ID");
  if (f) {
    std::string value = unfold(f->value);
    LenientId id = parse_msgid_lenient(value);
    if (!id.id.empty() && value.find('<') == std::string::npos)
      m.problems.add("msgid-syntax", "Message-ID without angle brackets: " + value.substr(0, 80));
    if (id.truncated)
      m.problems.add("long-msgid", fmt::format("Message-ID cut to {} bytes", kMaxMsgidLen));
    m.msgid = repair_utf8(id.id);
  }
  if (m.msgid.empty()) {
    m.msgid = fake_msgid(raw);
    m.problems.add(f ? "bad-msgid" : "no-msgid", "given the id " + m.msgid);
  }
}

bool is_own_address(const Mail& m, std::string_view id) {
  if (iequals(id, m.from_email)) return true;
  return std::any_of(m.recipients.begin(), m.recipients.end(),
                     [&](const Recipient& r) { return iequals(id, r.addr.email); });
}

// notmuch's rule: the parent is In-Reply-To when it holds an id, else the
// last References entry. Self-references and bare addresses are junk.
void read_references(Mail& m, const HeaderBlock& h) {
  std::vector<std::string> irt, refs;
  std::size_t dropped = 0;
  for (const auto& f : h.fields) {
    bool is_irt = iequals(f.name, "In-Reply-To");
    if (!is_irt && !iequals(f.name, "References")) continue;
    for (const auto& raw_id : parse_msgid_refs(unfold(f.value), &dropped)) {
      // Compared as stored: msgid and addresses are repaired UTF-8 too, so
      // "<\xff>" is the mail itself when its Message-ID is "\xff".
      std::string id = repair_utf8(raw_id);
      if (id == m.msgid || (is_irt && is_own_address(m, id))) continue;
      (is_irt ? irt : refs).push_back(std::move(id));
    }
  }
  if (!irt.empty()) m.in_reply_to = irt.front();
  else if (!refs.empty()) m.in_reply_to = refs.back();
  for (auto* list : {&refs, &irt})
    for (auto& id : *list) {
      if (std::find(m.references.begin(), m.references.end(), id) != m.references.end()) continue;
      if (m.references.size() < kMaxReferences) m.references.push_back(std::move(id));
      else ++dropped;
    }
  // The oldest ancestors go first; the parent and the nearest ones stay.
  if (dropped > 0)
    m.problems.add("references-limit", fmt::format("{} referenced ids beyond the {} kept", dropped,
                                                   kMaxReferences));
}

bool is_body_candidate(const MimePart& p) {
  return p.is_text && p.disposition != "attachment" && p.content_type == "text/plain";
}

// Patchwork reads every text/plain part and text/x-patch / x-diff part
// (its find_patch_content), attachments included.
void keep_text_part(Mail& m, const MimePart& p, bool is_body) {
  std::string_view type = p.content_type;
  if (!p.is_text || !type.starts_with("text/")) return;
  std::string_view sub = type.substr(5);
  if (sub != "plain" && sub != "x-patch" && sub != "x-diff") return;
  m.text_parts.push_back({std::string(sub), is_body ? std::string() : p.text, is_body});
  crlf_to_lf(m.text_parts.back().text);
}

void read_body(Mail& m, const HeaderBlock& h) {
  std::vector<MimePart> parts = parse_mime(h, m.problems);
  auto body = std::find_if(parts.begin(), parts.end(), is_body_candidate);
  if (body == parts.end())
    body = std::find_if(parts.begin(), parts.end(), [](const MimePart& p) { return p.is_text; });
  for (auto it = parts.begin(); it != parts.end(); ++it) {
    keep_text_part(m, *it, it == body);
    if (it == body) {
      m.body = std::move(it->text);
      crlf_to_lf(m.body);
      continue;
    }
    it->text.clear();
    m.attachments.push_back(std::move(*it));
  }
}

// Printable ASCII with no "=?" reads as written once unfolded. Line breaks
// are CRLF or LF (a lone CR would unfold differently in SQL). Most header
// bytes are plain printable ASCII: one table lookup each, and only the rare
// '=', CR, LF and tab look further.
enum class Plain { No, OneLine, Folded };
Plain plain_value(std::string_view v) {
  static constexpr auto kind = [] {
    std::array<std::uint8_t, 256> k{};  // 0: plain, 1: look closer, 2: not plain
    for (int c = 0; c < 256; ++c) k[static_cast<std::size_t>(c)] = c < 0x20 || c > 0x7e ? 2 : 0;
    k['='] = k['\n'] = k['\r'] = k['\t'] = 1;
    return k;
  }();
  Plain p = Plain::OneLine;
  for (std::size_t i = 0; i < v.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (kind[c] == 0) continue;
    if (kind[c] == 2) return Plain::No;
    bool next_lf = i + 1 < v.size() && v[i + 1] == '\n';
    if (c == '\n' || (c == '\r' && next_lf)) p = Plain::Folded;
    else if (c == '\r') return Plain::No;
    else if (c == '=' && i + 1 < v.size() && v[i + 1] == '?') return Plain::No;
  }
  return p;
}

Header read_header(const RawField& f, Problems& problems) {
  Header hd{f.name, trim(f.value), {}, false, false};
  if (f.value.size() > kMaxDecodedField) {
    problems.add("header-field-limit", fmt::format("{}: {} bytes, the first {} kept in headers "
                                                   "(the raw mail keeps all)",
                                                   f.name, f.value.size(), kMaxDecodedField));
    hd.decoded = repair_utf8(unfold(f.value.substr(0, utf8_prefix_len(f.value, kMaxDecodedField))));
    hd.is_decoded = true;
    return hd;
  }
  Plain p = plain_value(hd.raw);
  if (p == Plain::OneLine) return hd;
  if (p == Plain::Folded) {
    hd.decoded = unfold(hd.raw);
    hd.is_folded = true;
    return hd;
  }
  hd.decoded = in_field(problems, f.name, [&] { return decode_header_text(unfold(f.value), problems); });
  hd.is_decoded = true;
  return hd;
}

}  // namespace

std::string fake_msgid(std::string_view raw) {
  return "mlidx-" + to_hex(sha1(raw)) + "@localhost.invalid";
}

Mail parse_mail(std::string_view raw) {
  Mail m;
  HeaderBlock h = split_header(raw, m.problems);
  m.headers.reserve(h.fields.size());
  for (const auto& f : h.fields) m.headers.push_back(read_header(f, m.problems));
  read_msgid(m, h, raw);
  read_date(m, h);
  read_from(m, h);
  read_recipients(m, h);
  for (const auto& hd : m.headers)
    if (iequals(hd.name, "Subject")) {
      m.subject = std::string(hd.value());
      break;
    }
  if (const RawField* f = find_field(h, "X-Patchwork-Hint"))
    m.patchwork_ignore = iequals(unfold(f->value), "ignore");
  if (const RawField* f = find_field(h, "Subject"))
    m.subject_8bit = std::any_of(f->value.begin(), f->value.end(),
                                 [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  if (const RawField* f = find_field(h, "List-Id")) {
    m.list_id = repair_utf8(list_id_of(unfold(f->value)));
    m.has_list_id = !m.list_id.empty();
  } else if (const RawField* f = find_field(h, "X-Mailing-List"))
    m.list_id = repair_utf8(list_id_of(unfold(f->value)));
  read_references(m, h);
  read_body(m, h);
  if (m.body.size() == h.body.size() && m.body == h.body)
    m.body_raw_offset = static_cast<std::size_t>(h.body.data() - raw.data());
  return m;
}

}  // namespace mlidx
