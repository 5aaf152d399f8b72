// Strings kept once, by number: the derive pass holds every Message-ID of
// an archive (messages and the ids they refer to), and a std::string per
// copy cost it ~2.3 KB per message (docs/PERFORMANCE.md, "Derive memory").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlidx {

// Append-only: the bytes of all strings in one buffer, string i between
// ends[i-1] and ends[i]. Views stay valid only until the next add().
class StringPool {
 public:
  std::uint32_t add(std::string_view s);
  std::string_view at(std::uint32_t i) const {
    std::uint64_t b = i ? ends_[i - 1] : 0;
    return std::string_view(bytes_).substr(b, ends_[i] - b);
  }
  std::uint32_t size() const { return static_cast<std::uint32_t>(ends_.size()); }
  std::size_t bytes() const { return bytes_.capacity() + ends_.capacity() * sizeof(std::uint64_t); }
  // Room for `strings` more strings of `bytes` in all: at archive scale a
  // doubling buffer leaves up to half of itself unused.
  void reserve(std::size_t strings, std::size_t bytes);
  // The layout, for a copy kept on disk (db/snapshot.cc): string i ends at
  // ends()[i] in data().
  const std::string& data() const { return bytes_; }
  const std::vector<std::uint64_t>& ends() const { return ends_; }
  // The pool with that layout; false (and the pool unchanged) when the ends
  // are not ascending up to the end of the bytes.
  bool assign(std::string bytes, std::vector<std::uint64_t> ends);

 private:
  std::string bytes_;
  std::vector<std::uint64_t> ends_;
};

// For unordered containers keyed by strings a sender chooses (names,
// Message-IDs): std::hash is a fixed function, so crafted keys could share
// a bucket; this is InternTable's hash, seeded per process.
struct SeededHash {
  std::size_t operator()(std::string_view s) const;
};

// A StringPool where each distinct string is added once: intern() gives
// equal strings the same number, in first-seen order. Open addressing over
// the numbers (no per-entry allocation, ~8 bytes a string at most).
class InternTable {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::uint32_t intern(std::string_view s);
  std::uint32_t find(std::string_view s) const;  // kNone when absent
  std::string_view at(std::uint32_t i) const { return pool_.at(i); }
  std::uint32_t size() const { return pool_.size(); }
  std::size_t bytes() const { return pool_.bytes() + slots_.capacity() * sizeof(std::uint32_t); }
  void reserve(std::size_t strings, std::size_t bytes);
  // The most slots a look-up of a stored string visits (tests: that hostile
  // strings cannot make it long).
  std::size_t longest_probe() const;
  const StringPool& pool() const { return pool_; }
  // A table over the strings of `pool`, numbered as there; false when two
  // of them are equal (a table never holds a string twice).
  bool assign(StringPool pool);

 private:
  std::size_t slot_of(std::string_view s) const;  // where s is, or the free slot for it
  void rehash(std::size_t slots);

  StringPool pool_;
  std::vector<std::uint32_t> slots_;  // kNone: free; size a power of two
};

}  // namespace mlidx
