#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../../src/cli/consumer_protocol.h"
#include "samsa/protocol/types.h"

namespace samsa::cli::consumer_protocol {
namespace {

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// The bytes of the Java client (kafka-clients 3.9.1, ConsumerProtocol.serializeSubscription
// and serializeAssignment) for a subscription to "orders" owning partitions 0 and 2 in
// generation 7 on rack "r1", and an assignment of partitions 1 and 3 with user data {1, 2}.
const char* const kJavaSubscription[] = {
    "00000000000100066f7264657273ffffffff",
    "00010000000100066f7264657273ffffffff0000000100066f7264657273000000020000000000000002",
    "00020000000100066f7264657273ffffffff0000000100066f72646572730000000200000000000000020000"
    "0007",
    "00030000000100066f7264657273ffffffff0000000100066f72646572730000000200000000000000020000"
    "000700027231",
};
const char* const kJavaAssignment =
    "00000000000100066f7264657273000000020000000100000003000000020102";

Subscription java_subscription(int16_t version) {
  Subscription s;
  s.version = version;
  s.topics = {"orders"};
  s.owned = {{"orders", {0, 2}}};
  s.generation_id = 7;
  s.rack_id = "r1";
  return s;
}

TEST(ConsumerProtocolTest, SubscriptionMatchesTheJavaClientInEveryVersion) {
  for (int16_t v = 0; v <= 3; ++v) {
    SCOPED_TRACE(v);
    const auto bytes = from_hex(kJavaSubscription[v]);
    EXPECT_EQ(encode(java_subscription(v)), bytes);
    const Subscription back = decode_subscription(bytes);
    EXPECT_EQ(back.version, v);
    EXPECT_EQ(back.topics, std::vector<std::string>{"orders"});
    EXPECT_FALSE(back.user_data.has_value());
    EXPECT_EQ(back.owned, (v >= 1 ? TopicPartitions{{"orders", {0, 2}}} : TopicPartitions{}));
    EXPECT_EQ(back.generation_id, v >= 2 ? 7 : -1);
    EXPECT_EQ(back.rack_id, v >= 3 ? std::optional<std::string>("r1") : std::nullopt);
  }
}

TEST(ConsumerProtocolTest, AssignmentMatchesTheJavaClient) {
  Assignment a;
  a.version = 0;
  a.partitions = {{"orders", {1, 3}}};
  a.user_data = std::vector<uint8_t>{1, 2};
  const auto bytes = from_hex(kJavaAssignment);
  EXPECT_EQ(encode(a), bytes);
  // Versions 1-3 differ only in the version field.
  a.version = 3;
  auto v3 = bytes;
  v3[1] = 3;
  EXPECT_EQ(encode(a), v3);
  const Assignment back = decode_assignment(v3);
  EXPECT_EQ(back.version, 3);
  EXPECT_EQ(back.partitions, (TopicPartitions{{"orders", {1, 3}}}));
  EXPECT_EQ(back.user_data, (std::vector<uint8_t>{1, 2}));
}

TEST(ConsumerProtocolTest, NewerVersionsAreReadAsFarAsVersionThreeGoes) {
  auto bytes = from_hex(kJavaSubscription[3]);
  bytes[1] = 9;           // a future version
  bytes.push_back(0x42);  // with a field appended
  const Subscription s = decode_subscription(bytes);
  EXPECT_EQ(s.version, 9);
  EXPECT_EQ(s.rack_id, "r1");
  EXPECT_EQ(s.generation_id, 7);
}

TEST(ConsumerProtocolTest, MalformedBytesThrow) {
  auto bytes = from_hex(kJavaSubscription[1]);
  bytes.resize(bytes.size() - 3);  // cut inside the owned partitions
  EXPECT_THROW(decode_subscription(bytes), protocol::DecodeError);
  EXPECT_THROW(decode_subscription(from_hex("ffff00000000ffffffff")), protocol::DecodeError);
  EXPECT_THROW(decode_assignment(from_hex("0000000000017fff")), protocol::DecodeError);
  // A member the leader gave nothing may get no bytes at all.
  EXPECT_TRUE(decode_assignment({}).partitions.empty());
}

TEST(RangeAssignTest, MatchesTheJavaRangeAssignor) {
  // RangeAssignor.assignPartitions of kafka-clients 3.9.1 for these members answers
  // {m-a=[t5-0, t5-1], m-b=[t5-2, t5-3, t2-0], m-c=[t5-4, t2-1]}.
  const std::vector<RangeMember> members{
      {"m-b", std::nullopt, {"t5", "t2"}},
      {"m-a", std::nullopt, {"t5"}},
      {"m-c", std::nullopt, {"t5", "t2"}},
  };
  const auto got = range_assign(members, {{"t5", 5}, {"t2", 2}});
  const std::map<std::string, TopicPartitions> want{
      {"m-a", {{"t5", {0, 1}}}},
      {"m-b", {{"t5", {2, 3}}, {"t2", {0}}}},
      {"m-c", {{"t5", {4}}, {"t2", {1}}}},
  };
  EXPECT_EQ(got, want);
}

TEST(RangeAssignTest, MoreMembersThanPartitionsAndUnknownTopics) {
  const std::vector<RangeMember> members{
      {"c", std::nullopt, {"t"}},
      {"a", std::nullopt, {"t", "gone"}},
      {"b", std::nullopt, {"t"}},
  };
  const auto got = range_assign(members, {{"t", 2}});
  const std::map<std::string, TopicPartitions> want{
      {"a", {{"t", {0}}}}, {"b", {{"t", {1}}}}, {"c", {}}};
  EXPECT_EQ(got, want);
}

TEST(RangeAssignTest, StaticMembersComeFirstByInstanceId) {
  const std::vector<RangeMember> members{
      {"a", std::nullopt, {"t"}},
      {"z", std::string("i-2"), {"t"}},
      {"y", std::string("i-1"), {"t"}},
  };
  const auto got = range_assign(members, {{"t", 3}});
  EXPECT_EQ(got.at("y").at("t"), std::vector<int32_t>{0});
  EXPECT_EQ(got.at("z").at("t"), std::vector<int32_t>{1});
  EXPECT_EQ(got.at("a").at("t"), std::vector<int32_t>{2});
}

}  // namespace
}  // namespace samsa::cli::consumer_protocol
