#include "patch/facts.hh"

#include "util/text.hh"

namespace mlidx {

// The cleaned text is a view into the body (a cut, then white space
// stripped): its offset is where it starts, no copy or search needed.
TextFacts read_text_facts(std::string_view body) {
  TextFacts t;
  std::string_view clean = patchwork_clean_content(body);
  if (clean.empty()) return t;
  std::size_t at = static_cast<std::size_t>(clean.data() - body.data());
  t.start = static_cast<std::int64_t>(utf8_length(body.substr(0, at)));
  t.length = static_cast<std::int64_t>(utf8_length(clean));
  t.trailers = find_trailers(clean);
  return t;
}

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
  for (const auto& p : m.text_parts) parts.push_back({p.subtype, p.is_body ? m.body : p.text});
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
