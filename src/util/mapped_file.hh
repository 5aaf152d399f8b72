// A read-only memory map of an input file. Parsers take string_views into it
// and copy only what they store.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.hh"

namespace mlidx {

class MappedFile {
 public:
  MappedFile() = default;  // maps nothing (an input that is not one file)
  static Result<MappedFile> open(const std::string& path);
  // Maps an open regular file (a spooled temporary: stdin, inflated .gz);
  // `name` is what errors call it. Does not close `fd`.
  static Result<MappedFile> map_fd(int fd, const std::string& name);
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view view() const { return {data_, size_}; }
  // Drops the pages before `offset` from memory: the import reads each byte
  // once, so resident memory stays bounded whatever the file size.
  void release_before(std::size_t offset);
  // Copies up to `n` bytes at `offset` into `out`, read from the file (not
  // through the map); the count copied, 0 at the end or on a read error.
  // For one sequential pass over bytes nothing else reads: see the .cc.
  std::size_t read_at(std::size_t offset, char* out, std::size_t n) const;
  // Hands [0, end) to `part` in pieces of a few MiB, for one sequential
  // pass (the resume check's prefix hash): each piece is read through the
  // map, its pages mapped by one call before and dropped after (see the
  // .cc), or copied with read_at where that call fails. The count of bytes
  // handed over: less than `end` only on a read error.
  template <class F>
  std::size_t scan(std::size_t end, F&& part) const {
    std::string buf;
    std::size_t done = 0;
    end = end < size_ ? end : size_;
    while (done < end) {
      std::size_t n = end - done < kScanPiece ? end - done : kScanPiece;
      if (map_piece(done, n)) {
        part(std::string_view(data_ + done, n));
        drop_piece(done, n);
      } else {
        buf.resize(n);
        n = read_at(done, buf.data(), n);
        if (n == 0) break;
        part(std::string_view(buf.data(), n));
      }
      done += n;
    }
    return done;
  }

 private:
  MappedFile(const char* data, std::size_t size, int fd) : data_(data), size_(size), fd_(fd) {}
  static constexpr std::size_t kScanPiece = std::size_t{8} << 20;
  bool map_piece(std::size_t offset, std::size_t n) const;
  void drop_piece(std::size_t offset, std::size_t n) const;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t released_ = 0;
  int fd_ = -1;  // a duplicate of the mapped file's descriptor, for read_at
};

}  // namespace mlidx
