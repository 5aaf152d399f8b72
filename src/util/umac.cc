#include "util/umac.hh"

#include <nettle/umac.h>

namespace mlidx {
namespace {

constexpr std::uint8_t kKey[UMAC_KEY_SIZE] = {'m', 'l', 'i', 'd', 'x', ' ', 'p', 'r',
                                              'e', 'f', 'i', 'x', ' ', 'v', '1', 0};
constexpr std::uint8_t kNonce[8] = {};

umac128_ctx* as_ctx(unsigned char* p) { return reinterpret_cast<umac128_ctx*>(p); }

}  // namespace

static_assert(sizeof(umac128_ctx) <= 2816);

Umac128Stream::Umac128Stream() {
  umac128_set_key(as_ctx(ctx_), kKey);
  umac128_set_nonce(as_ctx(ctx_), sizeof kNonce, kNonce);
}

void Umac128Stream::update(std::string_view data) {
  umac128_update(as_ctx(ctx_), data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
}

Umac128 Umac128Stream::digest() const {
  // umac128_digest resets the context and steps its nonce: a copy keeps
  // the stream going.
  umac128_ctx copy = *reinterpret_cast<const umac128_ctx*>(ctx_);
  Umac128 out{};
  umac128_digest(&copy, out.size(), out.data());
  return out;
}

}  // namespace mlidx
