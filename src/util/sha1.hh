#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlidx {

using Sha1 = std::array<std::uint8_t, 20>;

Sha1 sha1(std::string_view data);
std::string to_hex(const Sha1& d);

}  // namespace mlidx
