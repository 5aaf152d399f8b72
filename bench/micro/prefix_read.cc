// The resume check's prefix hash (UMAC-128, nettle) over a file, read three
// ways: pread() into 256 KiB, through a map with a fault per page, and
// through a map populated first (MADV_POPULATE_READ), as MappedFile::scan
// does (docs/PERFORMANCE.md, "third session"). Also SHA-1 (the raw mail's
// key) over the file in 10 KB pieces.
//   g++ -O2 -o /tmp/prefix_read bench/micro/prefix_read.cc -lnettle
//   /tmp/prefix_read build/corpus/linuxppc-dev-10k.mbox
#include <fcntl.h>
#include <nettle/sha1.h>
#include <nettle/umac.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

const std::uint8_t kKey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Umac {
  umac128_ctx c;
  Umac() {
    std::uint8_t nonce[16] = {0};
    umac128_set_key(&c, kKey);
    umac128_set_nonce(&c, sizeof nonce, nonce);
  }
  void done() {
    std::uint8_t d[16];
    umac128_digest(&c, sizeof d, d);
  }
};

// UMAC over the file through a fresh map; with `populate`, the map is
// filled by one MADV_POPULATE_READ first (its time in *populate_s).
void hash_mapped(int fd, std::size_t n, bool populate, double* populate_s) {
  double t = now();
  auto* p = static_cast<std::uint8_t*>(::mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd, 0));
  if (populate) ::madvise(p, n, MADV_POPULATE_READ);
  *populate_s = now() - t;
  Umac u;
  umac128_update(&u.c, n, p);
  u.done();
  ::munmap(p, n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = ::open(argv[1], O_RDONLY);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) return 1;
  const std::size_t n = static_cast<std::size_t>(st.st_size);
  for (int round = 0; round < 3; ++round) {
    double t = now();
    {
      Umac u;
      std::vector<char> buf(256 << 10);
      for (std::size_t o = 0; o < n;) {
        ssize_t got = ::pread(fd, buf.data(), std::min(buf.size(), n - o), static_cast<off_t>(o));
        if (got <= 0) return 1;
        umac128_update(&u.c, static_cast<std::size_t>(got), reinterpret_cast<std::uint8_t*>(buf.data()));
        o += static_cast<std::size_t>(got);
      }
      u.done();
    }
    double pread_s = now() - t;
    t = now();
    double populate_s = 0;
    hash_mapped(fd, n, false, &populate_s);
    double map_s = now() - t;
    t = now();
    hash_mapped(fd, n, true, &populate_s);
    double populated_s = now() - t;
    t = now();
    {
      auto* p = static_cast<std::uint8_t*>(::mmap(nullptr, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0));
      std::uint8_t d[20];
      for (std::size_t o = 0; o < n; o += 10000) {
        sha1_ctx c;
        sha1_init(&c);
        sha1_update(&c, std::min<std::size_t>(10000, n - o), p + o);
        sha1_digest(&c, sizeof d, d);
      }
      ::munmap(p, n);
    }
    double sha1_s = now() - t;
    std::printf("UMAC: pread %.4f s, map %.4f s, populated map %.4f s (populate %.4f s); "
                "SHA-1 in 10 KB pieces %.3f s (%.2f GB/s)\n",
                pread_s, map_s, populated_s, populate_s, sha1_s, n / 1e9 / sha1_s);
  }
}
