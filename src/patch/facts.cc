#include "patch/facts.hh"

#include "util/text.hh"

namespace mlidx {

std::string clean_content(std::string_view text) { return patchwork_clean_content(text); }

std::string_view list_short_name(std::string_view list_id) {
  return list_id.substr(0, list_id.find('.'));
}

PatchFacts read_patch_facts(const Mail& m) {
  PatchFacts f;
  f.subject = parse_subject(m.subject, list_short_name(m.list_id));
  // Patchwork reads raw 8-bit subject bytes as U+FFFD; we keep valid UTF-8.
  if (m.subject_8bit) f.subject.deviations.emplace_back("utf8-headers");
  if (f.subject.is_reply) return f;
  std::vector<TextPartView> parts;
  parts.reserve(m.text_parts.size());
  for (const auto& p : m.text_parts) parts.push_back({p.subtype, p.text});
  SplitPatch split = split_text_parts(parts);
  f.content = std::move(split.content);
  f.diff = std::move(split.diff);
  f.pull_url = find_pull_url(f.content);
  f.is_patch = !f.diff.empty() || !f.pull_url.empty();
  if (!f.is_patch) return f;
  f.hash = patchwork_hash(f.diff);
  f.patch_id = git_patch_id(f.diff);
  f.files = diff_files(f.diff);
  f.trailers = find_trailers(f.content);
  return f;
}

}  // namespace mlidx
