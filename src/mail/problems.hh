// A sticky record of what was wrong with a message (git mailinfo's approach):
// parsing never aborts; each fault is noted and work goes on.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlidx {

struct Problem {
  std::string kind;    // short stable key, e.g. "bad-date", "no-msgid"
  std::string detail;  // human-readable, valid UTF-8, at most ~200 bytes
};

// Bounded so hostile mail cannot grow it without limit: the first
// kMaxItems problems are kept; later ones are only counted, in one final
// "too-many-problems" entry. has() still answers for their kinds.
class Problems {
 public:
  static constexpr std::size_t kMaxItems = 64;
  static constexpr std::size_t kMaxDetailBytes = 200;

  // `detail` is repaired to valid UTF-8 and capped at kMaxDetailBytes.
  void add(std::string kind, std::string detail);
  const std::vector<Problem>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  bool has(std::string_view kind) const;
  std::size_t size() const { return items_.size(); }
  // Prefixes the details of the problems recorded since `first`, to say
  // where a shared decoder met them (e.g. "Cc: ").
  void prefix_details_from(std::size_t first, std::string_view prefix);

 private:
  std::vector<Problem> items_;
  std::size_t dropped_ = 0;                // problems beyond kMaxItems
  std::vector<std::string> dropped_kinds_; // distinct kinds among them
};

}  // namespace mlidx
