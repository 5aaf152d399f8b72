// Writing mail as an mbox: mboxrd (RFC 4155 appendix; the format of
// public-inbox and b4), which mlidx's own reader undoes exactly, for export
// --thread, thread --mbox and search --mbox; and git am's own flavour for
// export --series.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace mlidx::cli {

// One message: a "From mlidx@localhost Sun Nov 22 03:42:21 2026" separator
// line (`date` is messages.date, UTC "YYYY-MM-DDTHH:MM:SS"; empty or
// unreadable gives the epoch), the raw bytes with every line matching
// ^>*From  given one more '>', a line end if the mail lacks one, and the
// blank line that ends a message. CRLF mail stays CRLF.
void write_mboxrd(std::FILE* out, std::string_view raw, std::string_view date);

// As write_mboxrd, for `git am`: git mailsplit reads "mbox" without undoing
// any quoting, so a quoted "From the datasheet:" line would stay quoted in
// the commit. Only a line it would take for a separator (its is_from_line)
// is quoted; the rest is left as written, as b4 writes mail for git am.
void write_git_am_mbox(std::FILE* out, std::string_view mail, std::string_view date);

// `date` (as above) as an RFC 5322 Date value in UTC, "Sun, 22 Nov 2026
// 03:42:21 +0000"; empty when it cannot be read.
std::string rfc5322_date(std::string_view date);

}  // namespace mlidx::cli
