#include "util/intern.hh"

#include <stdexcept>

namespace mlidx {
namespace {

// FNV-1a: the table only needs a fair spread, the ids are not chosen to
// collide (a hostile list costs probes, not correctness).
std::uint64_t hash_of(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h ^ (h >> 29);
}

}  // namespace

std::uint32_t StringPool::add(std::string_view s) {
  if (ends_.size() >= UINT32_MAX - 1) throw std::length_error("StringPool: too many strings");
  bytes_.append(s);
  ends_.push_back(bytes_.size());
  return static_cast<std::uint32_t>(ends_.size() - 1);
}

void StringPool::reserve(std::size_t strings, std::size_t bytes) {
  ends_.reserve(ends_.size() + strings);
  bytes_.reserve(bytes_.size() + bytes);
}

void InternTable::reserve(std::size_t strings, std::size_t bytes) {
  pool_.reserve(strings, bytes);
  std::size_t want = 1024;
  while (want < (std::size_t{pool_.size()} + strings + 1) * 2) want *= 2;
  if (want > slots_.size()) rehash(want);
}

std::size_t InternTable::slot_of(std::string_view s) const {
  std::size_t mask = slots_.size() - 1;
  for (std::size_t at = hash_of(s) & mask;; at = (at + 1) & mask)
    if (slots_[at] == kNone || pool_.at(slots_[at]) == s) return at;
}

std::uint32_t InternTable::find(std::string_view s) const {
  if (slots_.empty()) return kNone;
  return slots_[slot_of(s)];
}

std::uint32_t InternTable::intern(std::string_view s) {
  // At most half full: probe runs stay short.
  if ((std::size_t{pool_.size()} + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 1024 : slots_.size() * 2);
  std::size_t at = slot_of(s);
  if (slots_[at] == kNone) slots_[at] = pool_.add(s);
  return slots_[at];
}

void InternTable::rehash(std::size_t n) {
  slots_.assign(n, kNone);
  for (std::uint32_t i = 0; i < pool_.size(); ++i) slots_[slot_of(pool_.at(i))] = i;
}

}  // namespace mlidx
