#include "samsa/util/file_slice.h"

#include <unistd.h>

namespace samsa {

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace samsa
