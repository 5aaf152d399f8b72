#include "util/intern.hh"

#include <algorithm>
#include <chrono>
#include <random>
#include <stdexcept>

namespace mlidx {
namespace {

// Message-IDs are chosen by whoever sends mail to a list. With a fixed
// hash, ids made to land in one slot turn every probe into a walk over all
// of them: 100,000 such mails would make the derive pass quadratic. So the
// starting state is random per process (it changes which slot a string
// takes, never its number or any output).
std::uint64_t seed() {
  static const std::uint64_t s = [] {
    try {
      std::random_device rd;
      return (std::uint64_t{rd()} << 32) ^ rd();
    } catch (...) {  // no entropy source: the clock is still unknown to a sender
      return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
  }();
  return s;
}

// FNV-1a from a random basis: a fair spread, and a sender cannot aim at a
// slot without knowing the basis.
std::uint64_t hash_of(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull ^ seed();
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h ^ (h >> 29);
}

}  // namespace

std::size_t SeededHash::operator()(std::string_view s) const { return static_cast<std::size_t>(hash_of(s)); }

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

bool StringPool::assign(std::string bytes, std::vector<std::uint64_t> ends) {
  if (ends.size() >= UINT32_MAX - 1) return false;
  std::uint64_t at = 0;
  for (std::uint64_t e : ends) {
    if (e < at) return false;
    at = e;
  }
  if (at != bytes.size()) return false;
  bytes_ = std::move(bytes);
  ends_ = std::move(ends);
  return true;
}

bool InternTable::assign(StringPool pool) {
  std::size_t want = 1024;
  while (want < (std::size_t{pool.size()} + 1) * 2) want *= 2;
  InternTable t;
  t.pool_ = std::move(pool);
  t.slots_.assign(want, kNone);
  for (std::uint32_t i = 0; i < t.pool_.size(); ++i) {
    std::size_t at = t.slot_of(t.pool_.at(i));
    if (t.slots_[at] != kNone) return false;
    t.slots_[at] = i;
  }
  *this = std::move(t);
  return true;
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

std::size_t InternTable::longest_probe() const {
  std::size_t mask = slots_.size() - 1, longest = 0;
  for (std::size_t at = 0; at < slots_.size(); ++at) {
    if (slots_[at] == kNone) continue;
    std::size_t home = hash_of(pool_.at(slots_[at])) & mask;
    longest = std::max(longest, ((at - home) & mask) + 1);
  }
  return longest;
}

void InternTable::rehash(std::size_t n) {
  slots_.assign(n, kNone);
  for (std::uint32_t i = 0; i < pool_.size(); ++i) slots_[slot_of(pool_.at(i))] = i;
}

}  // namespace mlidx
