#include "samsa/storage/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

namespace samsa::storage {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(bytes("")), 0u);
  // RFC 3720 (iSCSI) test patterns.
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF), inc(32);
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c(inc), 0x46DD794Eu);
}

TEST(Crc32c, PortableMatchesKnownVector) {
  const auto b = bytes("123456789");
  EXPECT_EQ(crc32c_portable(0, b.data(), b.size()), 0xE3069283u);
}

TEST(Crc32c, ImplementationsAgreeOnLongUnalignedBuffers) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2";
  std::mt19937 rng(42);
  std::vector<uint8_t> data(1 << 20);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t start = 0; start < 16; ++start) {
    // Around the three-stripe block sizes (768 and 6144 bytes) and their multiples.
    for (size_t len : {0ul, 1ul, 7ul, 8ul, 9ul, 63ul, 767ul, 768ul, 769ul, 1543ul, 4096ul, 6143ul,
                       6144ul, 6145ul, 6912ul, 16384ul, 100003ul, data.size() - 16}) {
      EXPECT_EQ(crc32c_sse42(0, data.data() + start, len),
                crc32c_portable(0, data.data() + start, len))
          << "start " << start << " len " << len;
    }
  }
}

TEST(Crc32c, IncrementalEqualsOneShot) {
  std::vector<uint8_t> data(10000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31);
  const uint32_t whole = crc32c(data);
  for (size_t split : {1ul, 333ul, 5000ul, 9999ul}) {
    const uint32_t part = crc32c(0, data.data(), split);
    EXPECT_EQ(crc32c(part, data.data() + split, data.size() - split), whole);
    EXPECT_EQ(crc32c_portable(crc32c_portable(0, data.data(), split), data.data() + split,
                              data.size() - split),
              whole);
  }
}

}  // namespace
}  // namespace samsa::storage
