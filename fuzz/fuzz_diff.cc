// Patchwork's content/diff split and what is read from it: hash, git
// patch-id, per-file statistics, trailers, tags and pull-request URL. Input:
// the text/plain body, then (after each NUL) the text of an x-patch part.
// Checks sizes and shapes: parse_patch_text puts every line in exactly one
// of diff and comment, hashes are empty or 40 hex digits, counts never
// exceed the lines they count, and UTF-8 in stays UTF-8 out.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check.hh"
#include "patch/diff.hh"
#include "util/text.hh"

using namespace mlidx;

namespace {

constexpr std::size_t kMaxParts = 8;

bool is_hex40(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Lines starting with `c`, as diff_files counts them (CR-terminated or not).
std::size_t lines_starting(std::string_view s, char c) {
  std::size_t n = !s.empty() && s[0] == c;
  for (std::size_t i = s.find('\n'); i != std::string_view::npos; i = s.find('\n', i + 1))
    n += i + 1 < s.size() && s[i + 1] == c;
  return n;
}

std::size_t line_count(std::string_view s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')) + 1;
}

void check_diff(std::string_view diff) {
  const std::string hash = patchwork_hash(diff);
  FUZZ_CHECK(diff.empty() ? hash.empty() : is_hex40(hash));
  const std::string id = git_patch_id(diff);
  FUZZ_CHECK(id.empty() || is_hex40(id));
  if (diff.empty()) FUZZ_CHECK(id.empty());
  long long added = 0, removed = 0;
  for (const auto& f : diff_files(diff)) {
    FUZZ_CHECK(f.lines_added >= 0 && f.lines_removed >= 0);
    added += f.lines_added;
    removed += f.lines_removed;
  }
  FUZZ_CHECK(added <= static_cast<long long>(lines_starting(diff, '+')));
  FUZZ_CHECK(removed <= static_cast<long long>(lines_starting(diff, '-')));
}

void check_text(std::string_view text) {
  const std::size_t lines = line_count(text);
  const auto trailers = find_trailers(text);
  FUZZ_CHECK(trailers.size() <= lines);
  for (const auto& t : trailers) {
    FUZZ_CHECK(iequals(t.name, "fixes") ||
               (t.name.size() > 3 && iequals(std::string_view(t.name).substr(t.name.size() - 3), "-by")));
    FUZZ_CHECK(!t.value.empty() && trim(t.value) == t.value);
    FUZZ_CHECK(t.value.find('\n') == std::string::npos);
  }
  const TagCounts tags = patchwork_tag_counts(text);
  FUZZ_CHECK(tags.acked >= 0 && tags.reviewed >= 0 && tags.tested >= 0);
  FUZZ_CHECK(static_cast<std::size_t>(tags.acked + tags.reviewed + tags.tested) <= lines);
  const std::string url = find_pull_url(text);
  FUZZ_CHECK(url.find('\n') == std::string::npos && python_strip(url) == url);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
  const std::string_view data(reinterpret_cast<const char*>(p), n);
  std::string_view text = data.substr(0, data.find('\0'));
  std::vector<std::string_view> parts;
  for (std::size_t at = text.size(); at < data.size() && parts.size() < kMaxParts;) {
    const std::size_t next = std::min(data.find('\0', at + 1), data.size());
    parts.push_back(data.substr(at + 1, next - at - 1));
    at = next;
  }
  bool utf8 = is_valid_utf8(data);

  // Patchwork's parse_patch: every line goes to the diff or the comment,
  // each with its "\n" (the last line always gets one).
  const RawSplit raw = parse_patch_text(text);
  FUZZ_CHECK(raw.diff.size() + raw.comment.size() == text.size() + 1);
  FUZZ_CHECK(raw.has_comment == !raw.comment.empty());

  const std::string_view stripped = python_strip(text);
  FUZZ_CHECK(stripped.data() >= text.data() && stripped.data() + stripped.size() <= text.data() + text.size());
  // A view into the text (no copy since d09b1ac).
  const std::string_view clean = patchwork_clean_content(text);
  FUZZ_CHECK(clean.empty() || (clean.data() >= text.data() && clean.data() + clean.size() <= text.data() + text.size()));
  FUZZ_CHECK(python_strip(clean) == clean);

  const SplitPatch split = split_patch(text, parts);
  FUZZ_CHECK(split.content.size() <= data.size() + 1);
  FUZZ_CHECK(python_strip(split.content) == split.content);
  if (parts.empty()) FUZZ_CHECK(split.diff == raw.diff);
  else FUZZ_CHECK(split.diff == parts.back());  // the last patch part wins
  if (utf8) FUZZ_CHECK(is_valid_utf8(split.content) && is_valid_utf8(split.diff));

  check_diff(split.diff);
  check_text(split.content);
  // The raw text as a diff too: hostile "diffs" reach these only through
  // the split above, but the functions are documented as total.
  check_diff(text);
  check_text(text);
  return 0;
}
