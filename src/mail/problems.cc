#include "mail/problems.hh"

#include <algorithm>

#include "util/text.hh"

namespace mlidx {
namespace {

constexpr std::string_view kTooMany = "too-many-problems";

// Valid UTF-8 of at most `max` bytes (plus an ellipsis when cut). Only a
// bounded prefix is repaired, so a multi-megabyte detail costs nothing.
std::string cap_detail(std::string_view s, std::size_t max) {
  bool cut = s.size() > max;
  // Details quote header bytes; NUL and other controls would reach terminals.
  std::string out = replace_controls(repair_utf8(s.substr(0, utf8_prefix_len(s, max))));
  if (out.size() > max) {  // repair grows 1 bad byte to 3
    out.resize(utf8_prefix_len(out, max));
    cut = true;
  }
  if (cut) out += "\xE2\x80\xA6";  // U+2026
  return out;
}

}  // namespace

void Problems::add(std::string kind, std::string detail) {
  if (items_.size() < kMaxItems) {
    Problem p{std::move(kind), cap_detail(detail, kMaxDetailBytes)};
    // One fault met twice (a header decoded whole, then its names again for
    // the address list) is one problem.
    if (std::none_of(items_.begin(), items_.end(), [&](const Problem& q) {
          return q.kind == p.kind && q.detail == p.detail;
        }))
      items_.push_back(std::move(p));
    return;
  }
  ++dropped_;
  // Kinds come from code, so this stays small; bounded all the same.
  if (dropped_kinds_.size() < kMaxItems &&
      std::find(dropped_kinds_.begin(), dropped_kinds_.end(), kind) ==
          dropped_kinds_.end())
    dropped_kinds_.push_back(std::move(kind));
  std::string summary = std::to_string(dropped_) + " more problem(s) not recorded";
  if (dropped_ == 1) items_.push_back({std::string(kTooMany), std::move(summary)});
  else items_.back().detail = std::move(summary);
}

void Problems::prefix_details_from(std::size_t first, std::string_view prefix) {
  std::size_t keep = first;
  for (std::size_t i = first; i < items_.size(); ++i) {
    Problem p = std::move(items_[i]);
    if (p.kind != kTooMany) p.detail = cap_detail(std::string(prefix) + p.detail, kMaxDetailBytes);
    auto end = items_.begin() + static_cast<std::ptrdiff_t>(keep);
    if (std::none_of(items_.begin(), end, [&](const Problem& q) {
          return q.kind == p.kind && q.detail == p.detail;
        }))
      items_[keep++] = std::move(p);
  }
  items_.resize(keep);
}

bool Problems::has(std::string_view kind) const {
  auto is = [&](const auto& k) { return k == kind; };
  return std::any_of(items_.begin(), items_.end(),
                     [&](const Problem& p) { return is(p.kind); }) ||
         std::any_of(dropped_kinds_.begin(), dropped_kinds_.end(), is);
}

}  // namespace mlidx
