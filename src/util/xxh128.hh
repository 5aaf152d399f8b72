#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace mlidx {

using Xxh128 = std::array<std::uint8_t, 16>;

// XXH3-128 (libxxhash) over data given in pieces; its digest can be read at
// any point and the stream continued. For noticing that a file changed, not
// for authenticating it: an import hashes every byte it reads and, resuming,
// every byte it read before. Over the 93 MB of the 10k corpus, mapped, it
// takes 5-8 ms here, about what reading the bytes takes, where UMAC-128
// took 20-23 ms and SHA-1 ~57 ms (bench/micro/prefix_digest.cc;
// docs/PERFORMANCE.md, "fifth session"). Two different byte strings collide with a probability of about
// 2^-128; the function has no key, so someone could craft an mbox rewrite
// that keeps the digest - and thereby only make mlidx skip re-reading their
// own file.
class Xxh128Stream {
 public:
  Xxh128Stream();
  void update(std::string_view data);
  Xxh128 digest() const;  // of everything given so far

 private:
  alignas(64) unsigned char state_[640];  // XXH3_state_t
};

}  // namespace mlidx
