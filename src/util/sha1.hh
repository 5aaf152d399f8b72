#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlidx {

using Sha1 = std::array<std::uint8_t, 20>;

Sha1 sha1(std::string_view data);

// SHA-1 over data given in pieces.
class Sha1Stream {
 public:
  Sha1Stream();
  void update(std::string_view data);
  Sha1 finish();  // of everything given so far; the stream starts again empty

 private:
  alignas(8) unsigned char ctx_[128];
};
std::string to_hex(const Sha1& d);

}  // namespace mlidx
