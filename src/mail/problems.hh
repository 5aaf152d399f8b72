// A sticky record of what was wrong with a message (git mailinfo's approach):
// parsing never aborts; each fault is noted and work goes on.
#pragma once
#include <string>
#include <vector>

namespace mlidx {

struct Problem {
  std::string kind;    // short stable key, e.g. "bad-date", "no-msgid"
  std::string detail;  // human-readable, valid UTF-8
};

class Problems {
 public:
  void add(std::string kind, std::string detail);
  const std::vector<Problem>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  bool has(std::string_view kind) const;

 private:
  std::vector<Problem> items_;
};

}  // namespace mlidx
