// Patchwork's split of a mail body into comment text ("content") and diff,
// its hash of the diff, git's stable patch-id, per-file statistics, pull
// requests and trailers.
//
// The split, hash, pull-request and tag rules reproduce Patchwork's
// patchwork/parser.py (parse_patch, find_patch_content, clean_content,
// parse_pull_request), patchwork/hasher.py (hash_diff) and its default tag
// patterns; git_patch_id reproduces git's builtin/patch-id.c. Every function
// is linear in its input, iterative, and throws nothing but std::bad_alloc.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mlidx {

struct SplitPatch {
  std::string content;  // commit message, "---", diffstat; signature and list footer cut
  std::string diff;     // empty when the mail has no diff
};

// `text`: the mail's text/plain body. `patch_parts`: the texts of its
// text/x-patch and text/x-diff parts, in order. Line ends are LF.
// Same as split_text_parts({{"plain", text}, {"x-patch", part}...}): the body
// is read first, and (as in Patchwork, whose find_patch_content assigns
// rather than appends) the LAST patch part, when there is one, is the diff -
// an inline diff in the body is then dropped from both diff and content.
// `content` is Patchwork's stored content: stripped, signature/footer cut.
SplitPatch split_patch(std::string_view text, const std::vector<std::string_view>& patch_parts);

// One text part of a mail as Patchwork's find_patch_content sees it.
struct TextPartView {
  std::string_view subtype;  // "plain", "x-patch", "x-diff"; anything else is ignored
  std::string_view text;     // decoded UTF-8
};
// Patchwork's find_patch_content over the mail's text parts in document
// order: an x-patch/x-diff part replaces the diff found so far; a plain part
// is searched for a diff only while none was found, and its comment text
// (whole, when not searched) is stripped and joined with "\n"; the result is
// cut at the first signature/footer line, stripped, and CRLF becomes LF (as
// Patchwork's model does on save). The diff is kept as written.
SplitPatch split_text_parts(const std::vector<TextPartView>& parts);

// Patchwork's parse_patch alone, on one text: the diff and the raw comment
// text (every non-diff line, each followed by "\n" - the text's last line
// always gets one, so a text ending in "\n" yields an extra "\n"), neither
// stripped nor cut. `has_comment` is false where Patchwork returns None.
struct RawSplit {
  std::string diff, comment;
  bool has_comment = false;
};
RawSplit parse_patch_text(std::string_view text);

// Patchwork's clean_content: cut at the first line that is "-- " or all
// underscores (and ends in "\n"), then strip Unicode whitespace as Python's
// str.strip() does. The result is a view into `text`.
std::string_view patchwork_clean_content(std::string_view text);

// Python's str.strip() on UTF-8 text: Unicode whitespace (str.isspace) removed
// at both ends.
std::string_view python_strip(std::string_view s);

// Patchwork's hash (hex SHA-1) of a diff, see SPEC.md "Hash"; empty for an
// empty diff (Patchwork stores no hash when it has no diff; a non-empty diff
// with no hashable line hashes to SHA-1("") = da39a3ee...).
std::string patchwork_hash(std::string_view diff);

// `git patch-id --stable` of a diff (hex), empty for an empty diff or one git
// would give no id. When git would print several ids (the diff is broken by
// a line that ends a patch), the first is returned.
std::string git_patch_id(std::string_view diff);

struct FileStat {
  std::string old_path, new_path;  // without a/ b/; "/dev/null" kept for new/deleted files
  int lines_added = 0, lines_removed = 0;
  bool binary = false;  // "GIT binary patch" or "Binary files ... differ"
};
std::vector<FileStat> diff_files(std::string_view diff);

// The URL of a git pull request ("... are available in the git repository
// at:" followed by the URL and branch), empty if none. Patchwork's
// parse_pull_request: the URL's whitespace runs (a wrapped line) become one
// space.
std::string find_pull_url(std::string_view content);

struct Trailer {
  std::string name;   // as written, e.g. "Reviewed-by"
  std::string value;  // trimmed
};
// "Xxx-by:" lines (any token ending in "-by", any case) and "Fixes:" lines
// starting in column 0 (so never quoted "> " lines), with a non-empty value,
// in order. Link:, Cc: are not trailers here.
std::vector<Trailer> find_trailers(std::string_view text);

// Patchwork's tag counts: lines starting (column 0, case-insensitive, Python
// re.IGNORECASE) with "Acked-by:", "Reviewed-by:", "Tested-by:" - its default
// tag patterns "^Acked-by:" etc. with MULTILINE|IGNORECASE. Every occurrence
// counts, duplicates included; an empty value counts too.
struct TagCounts {
  int acked = 0, reviewed = 0, tested = 0;
};
TagCounts patchwork_tag_counts(std::string_view content);

}  // namespace mlidx
