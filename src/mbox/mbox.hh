// Splitting an mbox file into messages (mboxrd and mboxo, LF or CRLF).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace mlidx {

enum class InputKind {
  Mbox,           // starts with a "From " line
  SingleMessage,  // starts with a header line: the whole file is one mail
  Empty,
  NotMailbox,
};

InputKind sniff(std::string_view data);
const char* describe_refusal(InputKind k);

// git mailsplit's is_from_line: "From " then something ending in a
// "hh:mm:ss year" time stamp. Anything else is body text.
bool looks_like_from_line(std::string_view line);
// A header field line: a printable-ASCII field name then ':' (RFC 5322 2.2).
bool looks_like_header_line(std::string_view line);
// Whether MboxReader starts a new message at `pos`, the start of a line: a
// "From " line that looks like one, after a blank line or before a header
// line (a "From " line in a body is seldom either).
bool separator_at(std::string_view data, std::size_t pos);
// Where MboxReader starts the last message of `data`, an mbox (0 for its
// first); npos when `data` does not start with a "From " line.
std::size_t last_message_start(std::string_view data);

struct MboxMessage {
  std::string_view raw;  // the mail, "From " line removed, >From unquoted
  std::size_t offset = 0;  // where its "From " line starts in the file
};

class MboxReader {
 public:
  // `start`: where to begin, a message's "From " line (an incremental
  // import resumes after what it read before).
  MboxReader(std::string_view data, InputKind kind, std::size_t start = 0);
  // The next message, or false at the end. `out.raw` stays valid until the
  // next call: it views the input, or the reader's buffer when quoting had
  // to be undone.
  bool next(MboxMessage& out);
  std::size_t offset() const { return pos_; }

 private:
  // `quoted`: set when a ">From " (any number of '>') is passed on the way.
  std::size_t find_next_separator(std::size_t from, bool& quoted) const;
  std::string_view unquote(std::string_view msg);

  std::string_view data_;
  std::size_t pos_ = 0;
  bool single_;
  std::string buf_;
};

}  // namespace mlidx
