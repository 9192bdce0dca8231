// What an encoded response looks like on its way to the socket: contiguous bytes
// with file slices spliced in at given positions (the record data of Fetch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "samsa/util/file_slice.h"

namespace samsa::protocol {

struct OutboundMessage {
  struct Splice {
    size_t at = 0;  // position in `bytes` before which the slice is sent
    FileSlice slice;
  };

  std::vector<uint8_t> bytes;
  std::vector<Splice> splices;  // ascending by `at`

  size_t total_size() const {
    size_t n = bytes.size();
    for (const auto& s : splices) n += s.slice.length;
    return n;
  }
};

}  // namespace samsa::protocol
