#include "samsa/storage/cleaner/offset_map.h"

#include <gtest/gtest.h>

#include <string>

namespace samsa::storage::cleaner {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(CleanerOffsetMap, SizedFromTheByteBudgetAndLoadFactor) {
  OffsetMap map(24 * 1000, 0.9);
  EXPECT_EQ(map.slots(), 1000u);
  EXPECT_EQ(map.max_entries(), 900u);
  OffsetMap tiny(10, 0.9);  // less than one entry: one slot, never usable
  EXPECT_EQ(tiny.slots(), 1u);
  EXPECT_EQ(tiny.max_entries(), 0u);
  EXPECT_EQ(tiny.put(bytes("k"), 1), OffsetMap::PutResult::kFull);
}

TEST(CleanerOffsetMap, KeepsTheLargerOffset) {
  OffsetMap map(24 * 100);
  EXPECT_EQ(map.get(bytes("a")), -1);
  EXPECT_EQ(map.put(bytes("a"), 5), OffsetMap::PutResult::kInserted);
  EXPECT_EQ(map.put(bytes("a"), 9), OffsetMap::PutResult::kUpdated);
  EXPECT_EQ(map.put(bytes("a"), 7), OffsetMap::PutResult::kUnchanged);
  EXPECT_EQ(map.get(bytes("a")), 9);
  EXPECT_EQ(map.size(), 1u);
  EXPECT_EQ(map.latest_offset(), 9);
  // The empty key is a key like any other.
  EXPECT_EQ(map.put(bytes(""), 3), OffsetMap::PutResult::kInserted);
  EXPECT_EQ(map.get(bytes("")), 3);
  map.clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.get(bytes("a")), -1);
  EXPECT_EQ(map.latest_offset(), -1);
}

TEST(CleanerOffsetMap, ReportsFullAndKeepsUpdatingKnownKeys) {
  OffsetMap map(24 * 64, 0.5);
  ASSERT_EQ(map.max_entries(), 32u);
  for (int i = 0; i < 32; ++i)
    ASSERT_EQ(map.put(bytes("key" + std::to_string(i)), i), OffsetMap::PutResult::kInserted);
  EXPECT_TRUE(map.full());
  EXPECT_EQ(map.put(bytes("another"), 100), OffsetMap::PutResult::kFull);
  EXPECT_EQ(map.get(bytes("another")), -1);
  EXPECT_EQ(map.put(bytes("key3"), 200), OffsetMap::PutResult::kUpdated);
  EXPECT_EQ(map.get(bytes("key3")), 200);
  for (int i = 0; i < 32; ++i) {
    if (i != 3) {
      EXPECT_EQ(map.get(bytes("key" + std::to_string(i))), i);
    }
  }
}

TEST(CleanerOffsetMap, HoldsManyKeysAtTheLoadFactor) {
  OffsetMap map(24 * 100000, 0.9);
  const size_t n = map.max_entries();
  for (size_t i = 0; i < n; ++i)
    ASSERT_NE(map.put(bytes("k-" + std::to_string(i)), static_cast<int64_t>(i)),
              OffsetMap::PutResult::kFull);
  EXPECT_EQ(map.size(), n);
  for (size_t i = 0; i < n; i += 97)
    EXPECT_EQ(map.get(bytes("k-" + std::to_string(i))), int64_t(i));
  EXPECT_EQ(map.get(bytes("absent")), -1);
  // The digest probes keep lookups short even at 90% (linear probing alone: ~50).
  EXPECT_LT(map.average_probes(), 10.0);
}

TEST(CleanerOffsetMap, DigestIsMd5) {
  // RFC 1321's test vector.
  const KeyDigest expected{0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                           0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
  EXPECT_EQ(digest_key(bytes("abc")), expected);
  EXPECT_NE(digest_key(bytes("abc")), digest_key(bytes("abd")));
}

}  // namespace
}  // namespace samsa::storage::cleaner
