// What one mail says about itself in Patchwork's model: is it a patch, and
// its name, prefixes, content, diff, hash, patch-id, files, pull request and
// trailers. Read on the parser thread at import; needs no other mail.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mail/message.hh"
#include "patch/diff.hh"
#include "patch/subject.hh"

namespace mlidx {

struct PatchFacts {
  bool is_patch = false;  // not a reply, and a diff or a pull request (SPEC.md)
  SubjectInfo subject;
  std::string content, diff;
  std::string hash, patch_id, pull_url;
  std::vector<FileStat> files;
  std::vector<Trailer> trailers;
};

// Where Patchwork's cleaned text (its clean_content: signature and list
// footer cut, white space stripped) lies in a mail's body, in characters -
// SQLite's substr counts characters - and the trailers it holds.
struct TextFacts {
  std::int64_t start = 0, length = 0;
  std::vector<Trailer> trailers;
};
TextFacts read_text_facts(std::string_view body);

// "linuxppc-dev" for "linuxppc-dev.lists.ozlabs.org": Patchwork's project
// short name, dropped from subject prefixes.
std::string_view list_short_name(std::string_view list_id);

PatchFacts read_patch_facts(const Mail& m);

}  // namespace mlidx
