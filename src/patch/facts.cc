#include "patch/facts.hh"

#include "util/text.hh"

namespace mlidx {

std::string clean_content(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) break;  // the rule needs the line's "\n"
    std::string_view line = text.substr(pos, end - pos);
    bool underscores = !line.empty() && line.find_first_not_of('_') == std::string_view::npos;
    if (line == "-- " || underscores) {
      text = text.substr(0, pos);
      break;
    }
    pos = end + 1;
  }
  return std::string(trim(text));
}

std::string_view list_short_name(std::string_view list_id) {
  return list_id.substr(0, list_id.find('.'));
}

// Patchwork's find_patch_content: an x-patch/x-diff part is the diff; else
// the first text/plain part that holds a diff gives it; the comment text of
// every text/plain part is kept.
PatchFacts read_patch_facts(const Mail& m) {
  PatchFacts f;
  f.subject = parse_subject(m.subject, list_short_name(m.list_id));
  // Patchwork reads raw 8-bit subject bytes as U+FFFD; we keep valid UTF-8.
  if (m.subject_8bit) f.subject.deviations.emplace_back("utf8-headers");
  if (f.subject.is_reply) return f;
  std::string comments;
  for (const auto& part : m.text_parts) {
    if (part.subtype != "plain") {
      f.diff = part.text;
      continue;
    }
    std::string_view comment = part.text;
    SplitPatch split;
    if (f.diff.empty()) {
      split = split_patch(part.text, {});
      f.diff = std::move(split.diff);
      comment = split.content;
    }
    comments += trim(comment);
    comments += '\n';
  }
  f.content = clean_content(comments);
  f.pull_url = find_pull_url(f.content);
  f.is_patch = !f.diff.empty() || !f.pull_url.empty();
  if (!f.is_patch) return f;
  f.hash = patchwork_hash(f.diff);
  f.patch_id = git_patch_id(f.diff);
  f.files = diff_files(f.diff);
  f.trailers = find_trailers(f.content);
  return f;
}

std::string comment_content(const std::vector<TextPart>& parts) {
  std::string all;
  for (const auto& p : parts) {
    if (p.subtype != "plain" || trim(p.text).empty()) continue;
    all += trim(p.text);
    all += '\n';
  }
  return clean_content(all);
}

}  // namespace mlidx
