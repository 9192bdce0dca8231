// Hand-built wire images for the oldest and newest served request version of each
// consumer-group API (see wire_bytes.h); decode must yield the stated values and
// re-encoding must reproduce the bytes.
#include <gtest/gtest.h>

#include "samsa/protocol/messages/all.h"
#include "wire_bytes.h"

namespace samsa::protocol {
namespace {

using testing_bytes::Bytes;
using testing_bytes::decode_exact;


TEST(WireJoinGroup, RequestV0) {
  auto wire = Bytes()
                  .str("g").i32(10000).str("").str("consumer")
                  .i32(1).str("range").i32(3).raw({0, 1, 2})
                  .data;
  auto req = decode_exact<JoinGroupRequest>(wire, 0);
  EXPECT_EQ(req.session_timeout_ms, 10000);
  EXPECT_EQ(req.rebalance_timeout_ms, -1);
  EXPECT_EQ(req.protocols.at(0).metadata, (std::vector<uint8_t>{0, 1, 2}));
}

TEST(WireJoinGroup, RequestV9) {
  auto wire = Bytes()
                  .cstr("g").i32(45000).i32(300000).cstr("m-1").null_cstr().cstr("consumer")
                  .uv(2).cstr("cooperative-sticky").uv(2).raw({7}).no_tags()
                  .cstr("rejoin")
                  .no_tags()
                  .data;
  auto req = decode_exact<JoinGroupRequest>(wire, 9);
  EXPECT_EQ(req.rebalance_timeout_ms, 300000);
  EXPECT_EQ(req.group_instance_id, std::nullopt);
  EXPECT_EQ(req.protocols.at(0).name, "cooperative-sticky");
  EXPECT_EQ(req.reason, "rejoin");
}

TEST(WireSyncGroup, RequestV0) {
  auto wire = Bytes().str("g").i32(1).str("m").i32(1).str("m").i32(2).raw({4, 5}).data;
  auto req = decode_exact<SyncGroupRequest>(wire, 0);
  EXPECT_EQ(req.generation_id, 1);
  EXPECT_EQ(req.assignments.at(0).assignment, (std::vector<uint8_t>{4, 5}));
}

TEST(WireSyncGroup, RequestV5) {
  auto wire = Bytes()
                  .cstr("g").i32(2).cstr("m").cstr("inst").cstr("consumer").cstr("range")
                  .uv(1).no_tags()
                  .data;
  auto req = decode_exact<SyncGroupRequest>(wire, 5);
  EXPECT_EQ(req.group_instance_id, "inst");
  EXPECT_EQ(req.protocol_type, "consumer");
  EXPECT_EQ(req.protocol_name, "range");
  EXPECT_TRUE(req.assignments.empty());
}

TEST(WireHeartbeat, RequestV0AndV4) {
  auto v0 = Bytes().str("g").i32(3).str("m").data;
  EXPECT_EQ(decode_exact<HeartbeatRequest>(v0, 0).generation_id, 3);
  auto v4 = Bytes().cstr("g").i32(3).cstr("m").null_cstr().no_tags().data;
  auto req = decode_exact<HeartbeatRequest>(v4, 4);
  EXPECT_EQ(req.member_id, "m");
  EXPECT_EQ(req.group_instance_id, std::nullopt);
}

TEST(WireLeaveGroup, RequestV0AndV5) {
  auto v0 = Bytes().str("g").str("m").data;
  EXPECT_EQ(decode_exact<LeaveGroupRequest>(v0, 0).member_id, "m");
  auto v5 = Bytes()
                .cstr("g")
                .uv(2).cstr("m").null_cstr().cstr("bye").no_tags()
                .no_tags()
                .data;
  auto req = decode_exact<LeaveGroupRequest>(v5, 5);
  EXPECT_EQ(req.members.at(0).member_id, "m");
  EXPECT_EQ(req.members[0].reason, "bye");
}

TEST(WireOffsetCommit, RequestV0) {
  auto wire = Bytes().str("g").i32(1).str("t").i32(1).i32(0).i64(42).null_str().data;
  auto req = decode_exact<OffsetCommitRequest>(wire, 0);
  const auto& p = req.topics.at(0).partitions.at(0);
  EXPECT_EQ(p.committed_offset, 42);
  EXPECT_EQ(p.committed_metadata, std::nullopt);
}

TEST(WireOffsetCommit, RequestV9) {
  auto wire = Bytes()
                  .cstr("g").i32(5).cstr("m").null_cstr()
                  .uv(2).cstr("t").uv(2).i32(1).i64(100).i32(4).cstr("meta").no_tags().no_tags()
                  .no_tags()
                  .data;
  auto req = decode_exact<OffsetCommitRequest>(wire, 9);
  EXPECT_EQ(req.generation_id_or_member_epoch, 5);
  const auto& p = req.topics.at(0).partitions.at(0);
  EXPECT_EQ(p.committed_leader_epoch, 4);
  EXPECT_EQ(p.committed_metadata, "meta");
}

TEST(WireOffsetFetch, RequestV0) {
  auto wire = Bytes().str("g").i32(1).str("t").i32(2).i32(0).i32(1).data;
  auto req = decode_exact<OffsetFetchRequest>(wire, 0);
  EXPECT_EQ(req.group_id, "g");
  EXPECT_EQ(req.topics->at(0).partition_indexes, (std::vector<int32_t>{0, 1}));
}

TEST(WireOffsetFetch, RequestV9) {
  auto wire = Bytes()
                  .uv(2).cstr("g").cstr("m").i32(7).uv(0).no_tags()  // all topics (null)
                  .boolean(true)
                  .no_tags()
                  .data;
  auto req = decode_exact<OffsetFetchRequest>(wire, 9);
  const auto& g = req.groups.at(0);
  EXPECT_EQ(g.member_id, "m");
  EXPECT_EQ(g.member_epoch, 7);
  EXPECT_FALSE(g.topics.has_value());
  EXPECT_TRUE(req.require_stable);
}

TEST(WireDescribeGroups, RequestV0AndV5) {
  auto v0 = Bytes().i32(1).str("g").data;
  EXPECT_EQ(decode_exact<DescribeGroupsRequest>(v0, 0).groups.at(0), "g");
  auto v5 = Bytes().uv(2).cstr("g").boolean(true).no_tags().data;
  EXPECT_TRUE(decode_exact<DescribeGroupsRequest>(v5, 5).include_authorized_operations);
}

TEST(WireListGroups, RequestV0AndV5) {
  std::vector<uint8_t> v0;
  decode_exact<ListGroupsRequest>(v0, 0);
  auto v5 = Bytes().uv(2).cstr("Stable").uv(2).cstr("consumer").no_tags().data;
  auto req = decode_exact<ListGroupsRequest>(v5, 5);
  EXPECT_EQ(req.states_filter.at(0), "Stable");
  EXPECT_EQ(req.types_filter.at(0), "consumer");
}

TEST(WireDeleteGroups, RequestV0AndV2) {
  auto v0 = Bytes().i32(2).str("a").str("b").data;
  EXPECT_EQ(decode_exact<DeleteGroupsRequest>(v0, 0).groups_names.size(), 2u);
  auto v2 = Bytes().uv(2).cstr("a").no_tags().data;
  EXPECT_EQ(decode_exact<DeleteGroupsRequest>(v2, 2).groups_names.at(0), "a");
}

TEST(WireOffsetDelete, RequestV0) {
  auto wire = Bytes().str("g").i32(1).str("t").i32(1).i32(3).data;
  auto req = decode_exact<OffsetDeleteRequest>(wire, 0);
  EXPECT_EQ(req.topics.at(0).partitions.at(0).partition_index, 3);
}

TEST(WireConsumerGroupHeartbeat, RequestV0) {
  auto wire = Bytes()
                  .cstr("g").cstr("").i32(0).null_cstr().cstr("r1").i32(300000)
                  .uv(2).cstr("t")
                  .cstr("uniform")
                  .uv(1)
                  .no_tags()
                  .data;
  auto req = decode_exact<ConsumerGroupHeartbeatRequest>(wire, 0);
  EXPECT_EQ(req.rack_id, "r1");
  EXPECT_EQ(req.subscribed_topic_names->at(0), "t");
  EXPECT_EQ(req.server_assignor, "uniform");
  ASSERT_TRUE(req.topic_partitions.has_value());
  EXPECT_TRUE(req.topic_partitions->empty());
}

TEST(WireConsumerGroupHeartbeat, RequestV1WithRegex) {
  auto wire = Bytes()
                  .cstr("g").cstr("m").i32(3).null_cstr().null_cstr().i32(-1)
                  .null_cstr()     // subscribed_topic_names: unchanged
                  .cstr("top.*")   // subscribed_topic_regex (v1+)
                  .null_cstr()
                  .uv(2).uuid(1, 2).uv(2).i32(0).no_tags()
                  .no_tags()
                  .data;
  auto req = decode_exact<ConsumerGroupHeartbeatRequest>(wire, 1);
  EXPECT_FALSE(req.subscribed_topic_names.has_value());
  EXPECT_EQ(req.subscribed_topic_regex, "top.*");
  EXPECT_EQ(req.topic_partitions->at(0).topic_id, (Uuid{1, 2}));
}

TEST(WireConsumerGroupHeartbeat, ResponseV0NullableAssignment) {
  auto without = Bytes()
                     .i32(0).i16(0).null_cstr().cstr("m").i32(1).i32(5000)
                     .i8(-1)  // assignment: null
                     .no_tags()
                     .data;
  EXPECT_FALSE(decode_exact<ConsumerGroupHeartbeatResponse>(without, 0).assignment.has_value());
  auto with = Bytes()
                  .i32(0).i16(0).null_cstr().cstr("m").i32(1).i32(5000)
                  .i8(1).uv(2).uuid(3, 4).uv(2).i32(7).no_tags().no_tags()
                  .no_tags()
                  .data;
  auto resp = decode_exact<ConsumerGroupHeartbeatResponse>(with, 0);
  ASSERT_TRUE(resp.assignment.has_value());
  EXPECT_EQ(resp.assignment->topic_partitions.at(0).partitions, (std::vector<int32_t>{7}));
}

TEST(WireConsumerGroupDescribe, RequestV0) {
  auto wire = Bytes().uv(3).cstr("a").cstr("b").boolean(false).no_tags().data;
  auto req = decode_exact<ConsumerGroupDescribeRequest>(wire, 0);
  EXPECT_EQ(req.group_ids, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace samsa::protocol
