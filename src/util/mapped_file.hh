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

 private:
  MappedFile(const char* data, std::size_t size, int fd) : data_(data), size_(size), fd_(fd) {}
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t released_ = 0;
  int fd_ = -1;  // a duplicate of the mapped file's descriptor, for read_at
};

}  // namespace mlidx
