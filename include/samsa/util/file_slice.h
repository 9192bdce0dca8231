// A byte range of an open file, handed from the log store to the network layer so
// that Fetch responses are sent with sendfile(2) straight from the page cache.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace samsa {

// Owns one file descriptor; closed when the last FileSlice that refers to it is
// gone, so a segment deleted by retention stays readable by in-flight responses.
class FileHandle {
 public:
  explicit FileHandle(int fd) noexcept : fd_(fd) { live_.fetch_add(1, std::memory_order_relaxed); }
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  int fd() const noexcept { return fd_; }
  // How many FileHandles exist in the process: descriptors that the log store's cache
  // closed may live on in responses being sent.
  static size_t live() noexcept { return live_.load(std::memory_order_relaxed); }

 private:
  int fd_;
  inline static std::atomic<size_t> live_{0};
};

// Either a range of `file`, or (when descriptors run short) of bytes copied into
// `memory`, which the protocol writer puts into the response instead of a splice.
struct FileSlice {
  std::shared_ptr<const FileHandle> file;
  uint64_t offset = 0;
  uint32_t length = 0;
  std::shared_ptr<const std::vector<uint8_t>> memory;
};

}  // namespace samsa
