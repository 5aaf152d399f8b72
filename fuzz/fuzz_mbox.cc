// The mbox splitter: sniffing, the From-line rule, and MboxReader. Checks that
// messages are contiguous, in order and inside the input, that the last one
// is found from the end where it was split, and that writing them out as
// mboxrd and splitting again gives them back unchanged.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "check.hh"
#include "cli/mbox_out.hh"
#include "mbox/mbox.hh"

using namespace mlidx;

namespace {

std::vector<std::string> split_all(std::string_view data) {
  std::vector<std::string> out;
  MboxReader r(data, sniff(data));
  MboxMessage m;
  while (r.next(m)) out.emplace_back(m.raw);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
  const std::string_view data(reinterpret_cast<const char*>(p), n);
  const InputKind kind = sniff(data);
  FUZZ_CHECK((kind == InputKind::Empty) == data.empty());
  std::string_view first = data.substr(0, data.find('\n'));
  if (looks_like_from_line(first)) FUZZ_CHECK(kind == InputKind::Mbox);
  if (kind != InputKind::Mbox && kind != InputKind::SingleMessage) return 0;

  MboxReader reader(data, kind);
  MboxMessage m;
  std::vector<std::string> messages;
  std::size_t end = 0;  // where the previous message ended
  const std::size_t lines = static_cast<std::size_t>(std::count(data.begin(), data.end(), '\n')) + 1;
  while (reader.next(m)) {
    FUZZ_CHECK(m.offset == end);  // no bytes skipped or read twice
    end = reader.offset();
    FUZZ_CHECK(m.offset < end && end <= data.size());
    if (m.raw.data() >= data.data() && m.raw.data() <= data.data() + data.size()) {
      FUZZ_CHECK(m.raw.data() >= data.data() + m.offset);
      FUZZ_CHECK(m.raw.data() + m.raw.size() <= data.data() + end);
    } else {
      FUZZ_CHECK(m.raw.size() < end - m.offset);  // unquoting only removes '>'
    }
    if (kind == InputKind::SingleMessage) FUZZ_CHECK(m.raw == data);
    if (m.offset > 0) {
      std::string_view line = data.substr(m.offset, data.find('\n', m.offset) - m.offset);
      if (line.ends_with('\r')) line.remove_suffix(1);
      FUZZ_CHECK(looks_like_from_line(line));
    }
    messages.emplace_back(m.raw);
    FUZZ_CHECK(messages.size() <= lines);
  }
  FUZZ_CHECK(end == data.size());
  FUZZ_CHECK(!messages.empty());
  // Found from the end, the last message starts where the reader started it
  // (the resume of a file whose last message goes on, db/importer.cc).
  if (kind == InputKind::Mbox) FUZZ_CHECK(last_message_start(data) == m.offset);

  // mboxrd round trip (mbox_out.hh: a mail ending in a line end reads back
  // byte for byte; one without gets a "\n").
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buf, &size);
  FUZZ_CHECK(out);
  for (const auto& raw : messages) cli::write_mboxrd(out, raw, "");
  std::fclose(out);
  std::vector<std::string> back = split_all(std::string_view(buf, size));
  std::free(buf);
  FUZZ_CHECK(back.size() == messages.size());
  for (std::size_t i = 0; i < back.size(); ++i)
    FUZZ_CHECK(back[i] == (messages[i].ends_with('\n') ? messages[i] : messages[i] + "\n"));
  return 0;
}
