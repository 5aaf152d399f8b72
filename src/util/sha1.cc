#include "util/sha1.hh"

#include <nettle/sha1.h>

namespace mlidx {

Sha1 sha1(std::string_view data) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
  Sha1 out{};
  sha1_digest(&ctx, out.size(), out.data());
  return out;
}

static_assert(sizeof(sha1_ctx) <= 128);

Sha1Stream::Sha1Stream() { sha1_init(reinterpret_cast<sha1_ctx*>(ctx_)); }

void Sha1Stream::update(std::string_view data) {
  sha1_update(reinterpret_cast<sha1_ctx*>(ctx_), data.size(),
              reinterpret_cast<const std::uint8_t*>(data.data()));
}

Sha1 Sha1Stream::finish() {
  Sha1 out{};
  sha1_digest(reinterpret_cast<sha1_ctx*>(ctx_), out.size(), out.data());  // re-initialises it
  return out;
}

std::string to_hex(const Sha1& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(d.size() * 2);
  for (auto b : d) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

}  // namespace mlidx
