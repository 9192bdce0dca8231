#include "../../../src/http/client_formats.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../../../src/cli/consumer_protocol.h"
#include "../../../src/cli/records.h"

namespace samsa::http {
namespace {

int32_t hash(std::string_view s) {
  return murmur2({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

TEST(ClientFormats, Murmur2MatchesTheJavaClient) {
  // The values of Kafka's UtilsTest.testMurmur2.
  EXPECT_EQ(hash("21"), -973932308);
  EXPECT_EQ(hash("foobar"), -790332482);
  EXPECT_EQ(hash("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(hash("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(hash("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(hash("abc"), 479470107);
}

TEST(ClientFormats, PartitionsLikeTheCli) {
  // samsa's CLI keeps its own copy of the partitioner; both must place keys alike.
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string key(rng() % 40, '\0');
    for (auto& c : key) c = static_cast<char>(rng());
    const int32_t partitions = 1 + static_cast<int32_t>(rng() % 64);
    ASSERT_EQ(partition_for_key(key, partitions), cli::partition_for_key(key, partitions)) << i;
    ASSERT_EQ(hash(key), cli::murmur2(key));
  }
}

TEST(ClientFormats, DecodesConsumerAssignments) {
  for (int16_t version = 0; version <= 3; ++version) {
    cli::consumer_protocol::Assignment a;
    a.version = version;
    a.partitions = {{"orders", {0, 2, 5}}, {"payments", {1}}};
    a.user_data = std::vector<uint8_t>{1, 2, 3};
    const auto bytes = cli::consumer_protocol::encode(a);
    const auto decoded = decode_consumer_assignment(bytes);
    ASSERT_TRUE(decoded) << version;
    EXPECT_EQ(*decoded, a.partitions) << version;
  }
  EXPECT_EQ(decode_consumer_assignment({}), (std::map<std::string, std::vector<int32_t>>{}));
  cli::consumer_protocol::Assignment a;
  a.partitions = {{"orders", {0, 1}}};
  auto bytes = cli::consumer_protocol::encode(a);
  bytes.resize(12);  // cut inside the topic
  EXPECT_FALSE(decode_consumer_assignment(bytes));
  const std::vector<uint8_t> negative = {0xff, 0xff, 0, 0, 0, 0};
  EXPECT_FALSE(decode_consumer_assignment(negative));
}

}  // namespace
}  // namespace samsa::http
