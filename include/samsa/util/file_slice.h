// A byte range of an open file, handed from the log store to the network layer so
// that Fetch responses are sent with sendfile(2) straight from the page cache.
#pragma once

#include <cstdint>
#include <memory>

namespace samsa {

// Owns one file descriptor; closed when the last FileSlice that refers to it is
// gone, so a segment deleted by retention stays readable by in-flight responses.
class FileHandle {
 public:
  explicit FileHandle(int fd) noexcept : fd_(fd) {}
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

struct FileSlice {
  std::shared_ptr<const FileHandle> file;
  uint64_t offset = 0;
  uint32_t length = 0;
};

}  // namespace samsa
