#include "util/mapped_file.hh"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mlidx {

Result<MappedFile> MappedFile::map_fd(int fd, const std::string& name) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return make_error(name, std::strerror(errno));
  if (st.st_size == 0) return MappedFile(nullptr, 0, -1);
  void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return make_error(name, std::strerror(errno));
  ::madvise(p, static_cast<std::size_t>(st.st_size), MADV_SEQUENTIAL);
  // The same open file, so that read_at reads the bytes mapped even if the
  // path is replaced meanwhile. Without one, read_at copies from the map.
  int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return MappedFile(static_cast<const char*>(p), static_cast<std::size_t>(st.st_size), dup);
}

Result<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(path, std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return make_error(path, "is a directory, not an mbox file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(path, "not a regular file");
  }
  auto mapped = map_fd(fd, path);
  ::close(fd);
  return mapped;
}

MappedFile::MappedFile(MappedFile&& o) noexcept
    : data_(o.data_), size_(o.size_), released_(o.released_), fd_(o.fd_) {
  o.data_ = nullptr;
  o.size_ = 0;
  o.fd_ = -1;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    this->~MappedFile();
    data_ = o.data_;
    size_ = o.size_;
    released_ = o.released_;
    fd_ = o.fd_;
    o.data_ = nullptr;
    o.size_ = 0;
    o.fd_ = -1;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

// Measured on an earlier kernel (the prefix hash now goes through scan, see
// map_piece): hashing 93 MB through the map took 0.107 s, pread() into a
// reused 256 KiB buffer 0.066 s (median of 3, SHA-1); a memchr pass over
// 398 MB through a fresh map 0.23 s, through pread() into an 8 MiB buffer
// 0.125 s: reading the page cache through a new 4 KiB mapping (faults, TLB
// misses) costs more than the copy out of it, and no pages have to be
// released after.
std::size_t MappedFile::read_at(std::size_t offset, char* out, std::size_t n) const {
  if (offset >= size_) return 0;
  n = std::min(n, size_ - offset);
  if (fd_ < 0) {
    std::memcpy(out, data_ + offset, n);
    return n;
  }
  for (;;) {
    ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) return 0;
  }
}

// On the 6.18 kernel of 2026-12 the same 93 MB prefix hashed (UMAC) in
// 30-38 ms through pread() and 24-26 ms through the map when each 8 MiB
// piece is first mapped by one MADV_POPULATE_READ (2-3 ms for all of it):
// no fault per page, no copy. A kernel without it (before 5.14) fails the
// call and the piece is copied instead; so is a piece past the end of a
// file cut short since it was mapped (the call fails where a read through
// the map would raise SIGBUS). The pieces are dropped after: the prefix is
// not read again, and resident memory stays at one piece.
namespace {
// The start of the page holding `offset`: madvise takes page-aligned ranges.
std::size_t page_start(std::size_t offset) {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return offset / page * page;
}
}  // namespace

bool MappedFile::map_piece(std::size_t offset, std::size_t n) const {
#ifdef MADV_POPULATE_READ
  std::size_t from = page_start(offset);
  return ::madvise(const_cast<char*>(data_) + from, offset + n - from, MADV_POPULATE_READ) == 0;
#else
  (void)offset;
  (void)n;
  return false;
#endif
}

void MappedFile::drop_piece(std::size_t offset, std::size_t n) const {
  std::size_t from = page_start(offset);
  // Only whole pages before the piece's end: the next piece starts there.
  std::size_t to = page_start(offset + n);
  if (to > from) ::madvise(const_cast<char*>(data_) + from, to - from, MADV_DONTNEED);
}

void MappedFile::release_before(std::size_t offset) {
  std::size_t end = page_start(offset);
  // Only worth a syscall every few MB.
  if (!data_ || end < released_ + (8u << 20)) return;
  ::madvise(const_cast<char*>(data_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

}  // namespace mlidx
