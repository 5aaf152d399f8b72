// Writes 850 MB to a new file in 64 KiB pwrite()s, as a bulk load writes
// its database, and prints the time (docs/PERFORMANCE.md, "third session").
//   g++ -O2 -o /tmp/pagecache_write bench/micro/pagecache_write.cc
//   /tmp/pagecache_write FILE [MODE]
// MODE 0: plain writes (the page cache grows by 850 MB); 1: also start the
// writeback of each 16 MiB behind the writer; 3: and drop the 16 MiB before
// that from the page cache (drop-behind). The file is deleted after.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* path = argv[1];
  int mode = argc > 2 ? std::atoi(argv[2]) : 0;
  const std::size_t total = std::size_t{850} << 20, chunk = 65536, window = std::size_t{16} << 20;
  int fd = ::open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
  if (fd < 0) return 1;
  std::vector<char> buf(chunk);
  for (std::size_t i = 0; i < chunk; ++i) buf[i] = static_cast<char>(i * 7);
  auto t0 = std::chrono::steady_clock::now();
  std::size_t behind = 0;
  for (std::size_t off = 0; off < total; off += chunk) {
    ++buf[0];
    if (::pwrite(fd, buf.data(), chunk, static_cast<off_t>(off)) != static_cast<ssize_t>(chunk)) return 1;
    if (mode >= 1 && off + chunk - behind >= 2 * window) {
      ::sync_file_range(fd, static_cast<off_t>(behind + window), window, SYNC_FILE_RANGE_WRITE);
      if (mode == 3) ::posix_fadvise(fd, static_cast<off_t>(behind), window, POSIX_FADV_DONTNEED);
      behind += window;
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("mode %d: 850 MB written in %.3f s\n", mode, s);
  ::close(fd);
  ::unlink(path);
}
