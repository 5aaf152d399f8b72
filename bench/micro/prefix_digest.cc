// The resume check's prefix digest candidates over one file, mapped and
// populated first (as MappedFile::scan does), 3 rounds: a plain read of
// every cache line (the floor), XXH3-128 without and with libxxhash's
// AVX2/AVX-512 dispatch (src/util/xxh128.cc uses the dispatch), and nettle's
// UMAC-128, the digest before schema 0007 (docs/PERFORMANCE.md, "fifth
// session").
//   g++ -O2 -o /tmp/prefix_digest bench/micro/prefix_digest.cc -lxxhash -lnettle
//   /tmp/prefix_digest build/corpus/linuxppc-dev-10k.mbox
#include <fcntl.h>
#include <nettle/umac.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxh_x86dispatch.h>
#include <xxhash.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: prefix_digest FILE\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) return 1;
  const std::size_t n = static_cast<std::size_t>(lseek(fd, 0, SEEK_END));
  auto* p = static_cast<const std::uint8_t*>(mmap(nullptr, n, PROT_READ, MAP_SHARED, fd, 0));
  if (p == MAP_FAILED) return 1;
  madvise(const_cast<std::uint8_t*>(p), n, 22 /* MADV_POPULATE_READ */);
  for (int round = 0; round < 3; ++round) {
    auto t = std::chrono::steady_clock::now();
    volatile unsigned sum = 0;
    for (std::size_t i = 0; i < n; i += 64) sum = sum + p[i];
    double read = ms_since(t);
    t = std::chrono::steady_clock::now();
    // Streamed, as the import hashes (Xxh128Stream).
    XXH3_state_t* st = XXH3_createState();
    XXH3_128bits_reset(st);
    XXH3_128bits_update(st, p, n);
    XXH128_hash_t plain = XXH3_128bits_digest(st);
    double xxh = ms_since(t);
    t = std::chrono::steady_clock::now();
    XXH3_128bits_reset(st);
    XXH3_128bits_update_dispatch(st, p, n);
    XXH128_hash_t fast = XXH3_128bits_digest(st);
    double xxh_dispatch = ms_since(t);
    XXH3_freeState(st);
    t = std::chrono::steady_clock::now();
    umac128_ctx u;
    const std::uint8_t key[UMAC_KEY_SIZE] = {1}, nonce[8] = {};
    umac128_set_key(&u, key);
    umac128_set_nonce(&u, sizeof nonce, nonce);
    umac128_update(&u, n, p);
    std::uint8_t d[16];
    umac128_digest(&u, sizeof d, d);
    double umac = ms_since(t);
    std::printf("%zu bytes: read %.1f ms, XXH3-128 %.1f ms, with dispatch %.1f ms%s, UMAC-128 %.1f ms\n", n,
                read, xxh, xxh_dispatch, XXH128_isEqual(plain, fast) ? "" : " (DIFFERENT)", umac);
  }
}
