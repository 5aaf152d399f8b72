#include "util/xxh128.hh"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t's layout: the state lives in the object
#include <xxhash.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xxh_x86dispatch.h>  // AVX2 or AVX-512 where the CPU has them: ~10 % faster than SSE2
#endif

namespace mlidx {
namespace {
XXH3_state_t* as_state(unsigned char* p) { return reinterpret_cast<XXH3_state_t*>(p); }
const XXH3_state_t* as_state(const unsigned char* p) { return reinterpret_cast<const XXH3_state_t*>(p); }
}  // namespace

static_assert(sizeof(XXH3_state_t) <= 640 && alignof(XXH3_state_t) <= 64);

Xxh128Stream::Xxh128Stream() { XXH3_128bits_reset(as_state(state_)); }

void Xxh128Stream::update(std::string_view data) {
#if defined(__x86_64__) || defined(__i386__)
  XXH3_128bits_update_dispatch(as_state(state_), data.data(), data.size());
#else
  XXH3_128bits_update(as_state(state_), data.data(), data.size());
#endif
}

Xxh128 Xxh128Stream::digest() const {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits_digest(as_state(state_)));
  Xxh128 out{};
  static_assert(sizeof c.digest == sizeof out);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = c.digest[i];
  return out;
}

}  // namespace mlidx
