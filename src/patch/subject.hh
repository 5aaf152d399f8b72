// Patchwork's reading of a subject line: reply marker, [...] prefixes,
// version, number/total and the patch "name".
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mlidx {

struct SubjectInfo {
  bool is_reply = false;               // "Re:" (any case) or "Re " first (SPEC.md)
  // ["v3", "07/24"] for "[PATCH v3 07/24]": the tokens of the leading [...]
  // groups without "PATCH" and the list's short name; at most the first 64
  // are kept here (number, version and name are computed from all of them).
  std::vector<std::string> prefixes;
  int version = 1;                     // vN token, else "(vN)" in the name, else 1
  int number = 0;                      // 0 when there is no N/M token
  int total = 0;                       // 0 when there is no N/M token
  // "[v3,07/24] mm: x" (Patchwork's patch/cover name), cut to its first 255
  // characters (code points) as Patchwork stores it.
  std::string name;
  // The subject without "Re:"/"Fw:"/"Fwd:" and the leading [...] groups,
  // whitespace normalised, not cut: a cover letter's series name.
  std::string title;
  // Named rules where we deliberately read the subject better than Patchwork
  // (e.g. "version-glued": [PATCHv2 2/3] read as version 2). Empty when we
  // agree with Patchwork. Names are listed in docs/PATCHWORK.md.
  std::vector<std::string> deviations;
};

// Names of the rules where parse_subject deliberately departs from Patchwork
// (SubjectInfo::deviations). See docs/PATCHWORK.md.
//
// "version-glued": a token "PATCHv2", "PATCH-v2", "PATCH_v2" or "RFCv2" (any
// case) gives version 2 when the subject has no "vN" token and no "(vN)".
// Patchwork only accepts a standalone "vN" token and reads version 1, which
// splits such a series from its other versions' numbering.
inline constexpr const char kDeviationVersionGlued[] = "version-glued";

// `list_short_name`: the List-Id up to its first dot ("linuxppc-dev"), a
// token Patchwork drops from the prefixes like "PATCH".
SubjectInfo parse_subject(std::string_view subject, std::string_view list_short_name);

}  // namespace mlidx
