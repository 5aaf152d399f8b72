#include "util/codec.hh"

#include <array>
#include <cstdint>

namespace mlidx {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode_base64(std::string_view in, bool* had_garbage) {
  static constexpr auto table = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    return t;
  }();
  // Every 4 sextets give 3 bytes and a partial group of n gives n - 1, so
  // the output never exceeds 3/4 of the input: written through a pointer
  // into room made once (push_back per byte was ~1.5 % of a bulk import).
  std::string out(in.size() / 4 * 3 + 3, '\0');
  char* o = out.data();
  bool garbage = false, padded = false;
  std::uint32_t acc = 0;
  int n = 0;  // sextets in acc
  auto flush = [&] {
    // 2 sextets give one byte, 3 give two; a lone sextet is no byte.
    if (n == 1) garbage = true;
    if (n >= 2) *o++ = static_cast<char>(acc >> (n == 2 ? 4 : 10));
    if (n == 3) *o++ = static_cast<char>(acc >> 2);
    acc = 0;
    n = 0;
  };
  for (unsigned char c : in) {
    signed char v = table[c];
    if (v < 0) {
      if (c == '=') {
        flush();
        padded = true;
      } else if (!(c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
        garbage = true;
      }
      continue;
    }
    if (padded) {
      garbage = true;  // data after padding: concatenated encodings, decode on
      padded = false;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (++n == 4) {
      o[0] = static_cast<char>(acc >> 16);
      o[1] = static_cast<char>(acc >> 8);
      o[2] = static_cast<char>(acc);
      o += 3;
      acc = 0;
      n = 0;
    }
  }
  flush();  // missing padding is common and harmless
  out.resize(static_cast<std::size_t>(o - out.data()));
  if (had_garbage) *had_garbage = garbage;
  return out;
}

}  // namespace mlidx
