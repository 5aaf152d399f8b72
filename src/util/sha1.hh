#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlidx {

using Sha1 = std::array<std::uint8_t, 20>;

Sha1 sha1(std::string_view data);

// SHA-1 over data given in pieces, whose digest can be read at any point and
// the stream continued (an import records the hash of the prefix it read).
class Sha1Stream {
 public:
  Sha1Stream();
  void update(std::string_view data);
  Sha1 digest() const;  // of everything given so far
  Sha1 finish();        // the same, and the stream starts again empty

 private:
  alignas(8) unsigned char ctx_[128];
};
std::string to_hex(const Sha1& d);

}  // namespace mlidx
