// One mail parsed into what the database stores about it.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mail/address.hh"
#include "mail/mime.hh"
#include "mail/problems.hh"

namespace mlidx {

// A header field. Most fields are one line of printable ASCII without
// encoded words: their value is the raw text itself, kept as a view into the
// mail (no copy, no allocation - ~40 fields a mail on the hot path); the
// others are decoded into `decoded`. Views live as long as the raw mail.
struct Header {
  std::string_view name;
  std::string_view raw;   // trimmed raw value (a view into the mail)
  std::string decoded;    // unfolded, RFC 2047-decoded, UTF-8, when is_decoded
  bool is_decoded = false;
  // The raw value is plain ASCII folded over lines: its value is raw unfolded
  // (line breaks removed, a tab after one read as a space), kept in decoded.
  bool is_folded = false;
  std::string_view value() const { return is_decoded || is_folded ? std::string_view(decoded) : raw; }
};

struct Recipient {
  std::string kind;  // "to" or "cc"
  Address addr;
};

// A text part Patchwork reads for a patch's content and diff.
struct TextPart {
  std::string subtype;  // "plain", "x-patch" or "x-diff"
  std::string text;     // UTF-8, LF line ends; empty for the body part
  bool is_body = false; // this part is Mail::body (not copied twice)
};

struct Mail {
  std::string msgid;            // never empty: a fake id when the mail has none
  std::string date;             // UTC "YYYY-MM-DDTHH:MM:SS", empty if unknown
  std::string from_name, from_email;
  std::string subject;
  bool subject_8bit = false;     // raw non-ASCII bytes in Subject (not encoded words)
  bool patchwork_ignore = false;  // "X-Patchwork-Hint: ignore" (Patchwork skips the mail)
  std::string list_id;          // the id inside <...> of List-Id, else X-Mailing-List
  bool has_list_id = false;     // list_id is from a List-Id field (RFC 2919)
  std::string in_reply_to;      // the displayed parent's msgid, empty if none
  std::vector<std::string> references;  // all ids referred to, cleaned, no self
  std::vector<Header> headers;
  std::vector<Recipient> recipients;
  std::string body;             // the text body, UTF-8
  // Where body starts in the raw mail when it is those bytes unchanged (one
  // plain part, no transfer or charset decoding, LF line ends); else npos.
  std::size_t body_raw_offset = std::string::npos;
  std::vector<MimePart> attachments;  // every non-body part, text dropped
  std::vector<TextPart> text_parts;   // text/plain, text/x-patch, text/x-diff parts in order
  Problems problems;
};

Mail parse_mail(std::string_view raw);

// The deterministic id given to a mail without a usable Message-ID (mu does
// the same), derived from its bytes so a re-import finds it again.
std::string fake_msgid(std::string_view raw);

}  // namespace mlidx
