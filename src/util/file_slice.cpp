#include "samsa/util/file_slice.h"

#include <unistd.h>

namespace samsa {

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
  live_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace samsa
