// Hand-built wire images (see wire_bytes.h) for the oldest and newest served request
// version of each API and for key responses: decoding must yield the stated values,
// and re-encoding must reproduce the image byte for byte.
#include <gtest/gtest.h>

#include "samsa/protocol/messages/all.h"
#include "wire_bytes.h"

namespace samsa::protocol {
namespace {

using testing_bytes::Bytes;
using testing_bytes::decode_exact;


// ---------------------------------------------------------------- ApiVersions (18)

TEST(WireApiVersions, RequestV0IsEmpty) {
  std::vector<uint8_t> wire;
  decode_exact<ApiVersionsRequest>(wire, 0);
}

TEST(WireApiVersions, RequestV4) {
  auto wire = Bytes().cstr("librdkafka").cstr("2.15.1").no_tags().data;
  auto req = decode_exact<ApiVersionsRequest>(wire, 4);
  EXPECT_EQ(req.client_software_name, "librdkafka");
  EXPECT_EQ(req.client_software_version, "2.15.1");
}

TEST(WireApiVersions, ResponseV0) {
  auto wire = Bytes().i16(0).i32(2).i16(0).i16(3).i16(11).i16(18).i16(0).i16(4).data;
  auto resp = decode_exact<ApiVersionsResponse>(wire, 0);
  EXPECT_EQ(resp.error_code, 0);
  ASSERT_EQ(resp.api_keys.size(), 2u);
  EXPECT_EQ(resp.api_keys[1].api_key, 18);
  EXPECT_EQ(resp.api_keys[1].max_version, 4);
}

TEST(WireApiVersions, ResponseV3WithTaggedFeatures) {
  auto wire = Bytes()
                  .i16(0)
                  .uv(2)  // one ApiVersion
                  .i16(1).i16(4).i16(17).no_tags()
                  .i32(0)  // throttle_time_ms
                  .uv(2)   // two tagged fields
                  .uv(0).uv(23).uv(2).cstr("metadata.version").i16(1).i16(21).no_tags()
                  .uv(1).uv(8).i64(5)  // finalized_features_epoch
                  .data;
  auto resp = decode_exact<ApiVersionsResponse>(wire, 3);
  ASSERT_EQ(resp.api_keys.size(), 1u);
  EXPECT_EQ(resp.api_keys[0].max_version, 17);
  ASSERT_EQ(resp.supported_features.size(), 1u);
  EXPECT_EQ(resp.supported_features[0].name, "metadata.version");
  EXPECT_EQ(resp.supported_features[0].max_version, 21);
  EXPECT_EQ(resp.finalized_features_epoch, 5);
  EXPECT_FALSE(resp.zk_migration_ready);
}

TEST(WireApiVersions, ResponseV3DefaultsEmitNoTags) {
  ApiVersionsResponse resp;
  resp.api_keys.push_back({18, 0, 4, {}});
  OutboundMessage out;
  Writer w(out);
  resp.encode(w, 3);
  EXPECT_EQ(out.bytes, Bytes().i16(0).uv(2).i16(18).i16(0).i16(4).no_tags().i32(0).no_tags().data);
}

// ---------------------------------------------------------------- Metadata (3)

TEST(WireMetadata, RequestV0) {
  auto wire = Bytes().i32(2).str("a").str("bc").data;
  auto req = decode_exact<MetadataRequest>(wire, 0);
  ASSERT_TRUE(req.topics.has_value());
  ASSERT_EQ(req.topics->size(), 2u);
  EXPECT_EQ((*req.topics)[1].name, "bc");
}

TEST(WireMetadata, RequestV0NullTopicsIsRejected) {
  auto wire = Bytes().i32(-1).data;
  Reader r(wire);
  MetadataRequest req;
  EXPECT_THROW(req.decode(r, 0), DecodeError);
}

TEST(WireMetadata, RequestV12) {
  auto wire = Bytes()
                  .uv(3)
                  .uuid(0, 0).cstr("t").no_tags()
                  .uuid(1, 2).null_cstr().no_tags()
                  .boolean(false)  // allow_auto_topic_creation
                  .boolean(true)   // include_topic_authorized_operations
                  .no_tags()
                  .data;
  auto req = decode_exact<MetadataRequest>(wire, 12);
  ASSERT_EQ(req.topics->size(), 2u);
  EXPECT_EQ((*req.topics)[0].name, "t");
  EXPECT_EQ((*req.topics)[1].name, std::nullopt);
  EXPECT_EQ((*req.topics)[1].topic_id, (Uuid{1, 2}));
  EXPECT_FALSE(req.allow_auto_topic_creation);
  EXPECT_TRUE(req.include_topic_authorized_operations);
}

TEST(WireMetadata, RequestV12NullTopicsMeansAll) {
  auto wire = Bytes().uv(0).boolean(true).boolean(false).no_tags().data;
  auto req = decode_exact<MetadataRequest>(wire, 12);
  EXPECT_FALSE(req.topics.has_value());
}

// ---------------------------------------------------------------- Produce (0)

TEST(WireProduce, RequestV3) {
  std::vector<uint8_t> batch = {1, 2, 3, 4, 5};
  auto wire = Bytes()
                  .null_str()
                  .i16(-1)
                  .i32(30000)
                  .i32(1).str("orders")
                  .i32(1).i32(2).i32(5).raw(batch)
                  .data;
  auto req = decode_exact<ProduceRequest>(wire, 3);
  EXPECT_EQ(req.transactional_id, std::nullopt);
  EXPECT_EQ(req.acks, -1);
  EXPECT_EQ(req.timeout_ms, 30000);
  ASSERT_EQ(req.topic_data.size(), 1u);
  EXPECT_EQ(req.topic_data[0].name, "orders");
  const auto& part = req.topic_data[0].partition_data.at(0);
  EXPECT_EQ(part.index, 2);
  ASSERT_EQ(part.records.size(), 5u);
  // Zero-copy: the records view points into the request buffer.
  EXPECT_EQ(part.records.view.data(), wire.data() + wire.size() - 5);
}

TEST(WireProduce, RequestV9Flexible) {
  std::vector<uint8_t> batch = {9, 9, 9};
  auto wire = Bytes()
                  .cstr("txn")
                  .i16(1)
                  .i32(1000)
                  .uv(2).cstr("t")
                  .uv(3).i32(0).uv(4).raw(batch).no_tags()
                  .i32(1).null_cstr().no_tags()  // null records
                  .no_tags()
                  .no_tags()
                  .data;
  auto req = decode_exact<ProduceRequest>(wire, 9);
  EXPECT_EQ(req.transactional_id, "txn");
  const auto& parts = req.topic_data.at(0).partition_data;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].records.size(), 3u);
  EXPECT_TRUE(parts[1].records.null);
}

TEST(WireProduce, RequestV11) {
  auto wire = Bytes().null_cstr().i16(0).i32(5).uv(1).no_tags().data;
  auto req = decode_exact<ProduceRequest>(wire, 11);
  EXPECT_EQ(req.acks, 0);
  EXPECT_TRUE(req.topic_data.empty());
}

// ---------------------------------------------------------------- Fetch (1)

TEST(WireFetch, RequestV4) {
  auto wire = Bytes()
                  .i32(-1)           // replica_id
                  .i32(500)          // max_wait_ms
                  .i32(1)            // min_bytes
                  .i32(52428800)     // max_bytes
                  .i8(1)             // isolation_level
                  .i32(1).str("t")
                  .i32(1).i32(0).i64(42).i32(1048576)
                  .data;
  auto req = decode_exact<FetchRequest>(wire, 4);
  EXPECT_EQ(req.replica_id, -1);
  EXPECT_EQ(req.max_bytes, 52428800);
  EXPECT_EQ(req.isolation_level, 1);
  const auto& p = req.topics.at(0).partitions.at(0);
  EXPECT_EQ(req.topics[0].topic, "t");
  EXPECT_EQ(p.fetch_offset, 42);
  EXPECT_EQ(p.partition_max_bytes, 1048576);
  EXPECT_EQ(p.log_start_offset, -1);  // not on the wire before v5
}

TEST(WireFetch, RequestV17WithReplicaStateAndTaggedFields) {
  auto wire = Bytes()
                  .i32(500).i32(1).i32(1000).i8(0)
                  .i32(7)   // session_id
                  .i32(3)   // session_epoch
                  .uv(2).uuid(0xa, 0xb)
                  .uv(2).i32(4).i32(9).i64(100).i32(8).i64(0).i32(65536)
                  .uv(1).uv(0).uv(16).uuid(0xc, 0xd)  // replica_directory_id (tag 0)
                  .no_tags()
                  .uv(2).uuid(0xe, 0xf).uv(3).i32(1).i32(2).no_tags()  // forgotten
                  .cstr("rack-1")
                  .uv(2)
                  .uv(0).uv(4).cstr("clu")                           // cluster_id (tag 0)
                  .uv(1).uv(13).i32(3).i64(17).no_tags()            // replica_state (tag 1)
                  .data;
  auto req = decode_exact<FetchRequest>(wire, 17);
  EXPECT_EQ(req.cluster_id, "clu");
  EXPECT_EQ(req.replica_state.replica_id, 3);
  EXPECT_EQ(req.replica_state.replica_epoch, 17);
  EXPECT_EQ(req.replica_id, -1);  // moved into ReplicaState at v15
  EXPECT_EQ(req.session_id, 7);
  EXPECT_EQ(req.topics.at(0).topic_id, (Uuid{0xa, 0xb}));
  const auto& p = req.topics[0].partitions.at(0);
  EXPECT_EQ(p.partition, 4);
  EXPECT_EQ(p.current_leader_epoch, 9);
  EXPECT_EQ(p.fetch_offset, 100);
  EXPECT_EQ(p.last_fetched_epoch, 8);
  EXPECT_EQ(p.replica_directory_id, (Uuid{0xc, 0xd}));
  EXPECT_EQ(req.forgotten_topics_data.at(0).partitions, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(req.rack_id, "rack-1");
}

TEST(WireFetch, ResponseV4WithRecords) {
  std::vector<uint8_t> batch = {0xde, 0xad, 0xbe, 0xef};
  auto wire = Bytes()
                  .i32(0)
                  .i32(1).str("t")
                  .i32(1).i32(0).i16(0).i64(10).i64(10)
                  .i32(1).i64(77).i64(3)  // one aborted transaction
                  .i32(4).raw(batch)
                  .data;
  auto resp = decode_exact<FetchResponse>(wire, 4);
  const auto& p = resp.responses.at(0).partitions.at(0);
  EXPECT_EQ(p.high_watermark, 10);
  ASSERT_TRUE(p.aborted_transactions.has_value());
  EXPECT_EQ(p.aborted_transactions->at(0).producer_id, 77);
  EXPECT_EQ(p.records.size(), 4u);
}

TEST(WireFetch, ResponseV12WithRecordsAndCurrentLeader) {
  std::vector<uint8_t> batch = {1, 2, 3};
  auto wire = Bytes()
                  .i32(0).i16(0).i32(99)
                  .uv(2).cstr("t")
                  .uv(2).i32(1).i16(6).i64(20).i64(19).i64(0)
                  .null_cstr()  // aborted_transactions: null
                  .i32(-1)      // preferred_read_replica
                  .uv(4).raw(batch)
                  .uv(1).uv(1).uv(9).i32(2).i32(5).no_tags()  // current_leader (tag 1)
                  .no_tags()
                  .no_tags()
                  .data;
  auto resp = decode_exact<FetchResponse>(wire, 12);
  EXPECT_EQ(resp.session_id, 99);
  const auto& p = resp.responses.at(0).partitions.at(0);
  EXPECT_EQ(p.error_code, 6);
  EXPECT_FALSE(p.aborted_transactions.has_value());
  EXPECT_EQ(p.current_leader.leader_id, 2);
  EXPECT_EQ(p.current_leader.leader_epoch, 5);
  EXPECT_EQ(p.diverging_epoch.epoch, -1);
  EXPECT_EQ(p.records.size(), 3u);
}

TEST(WireFetch, ResponseV16WithNodeEndpoints) {
  auto wire = Bytes()
                  .i32(0).i16(0).i32(0)
                  .uv(2).uuid(5, 6)
                  .uv(2).i32(0).i16(0).i64(1).i64(1).i64(0).uv(1).i32(-1).uv(1).no_tags()
                  .no_tags()
                  .uv(1).uv(0).uv(16).uv(2).i32(1).cstr("host").i32(9092).null_cstr().no_tags()
                  .data;
  auto resp = decode_exact<FetchResponse>(wire, 16);
  EXPECT_EQ(resp.responses.at(0).topic_id, (Uuid{5, 6}));
  ASSERT_EQ(resp.node_endpoints.size(), 1u);
  EXPECT_EQ(resp.node_endpoints[0].host, "host");
  EXPECT_EQ(resp.node_endpoints[0].rack, std::nullopt);
  const auto& p = resp.responses[0].partitions.at(0);
  EXPECT_TRUE(p.aborted_transactions.has_value());
  EXPECT_EQ(p.records.size(), 0u);
  EXPECT_FALSE(p.records.null);
}

// ---------------------------------------------------------------- ListOffsets (2)

TEST(WireListOffsets, RequestV1) {
  auto wire = Bytes().i32(-1).i32(1).str("t").i32(1).i32(3).i64(-2).data;
  auto req = decode_exact<ListOffsetsRequest>(wire, 1);
  EXPECT_EQ(req.topics.at(0).partitions.at(0).timestamp, -2);
  EXPECT_EQ(req.topics[0].partitions[0].current_leader_epoch, -1);
}

TEST(WireListOffsets, RequestV9) {
  auto wire = Bytes()
                  .i32(-1).i8(1)
                  .uv(2).cstr("t").uv(2).i32(0).i32(4).i64(-1).no_tags().no_tags()
                  .no_tags()
                  .data;
  auto req = decode_exact<ListOffsetsRequest>(wire, 9);
  EXPECT_EQ(req.isolation_level, 1);
  EXPECT_EQ(req.topics.at(0).partitions.at(0).current_leader_epoch, 4);
}

// ---------------------------------------------------------------- CreateTopics (19)

TEST(WireCreateTopics, RequestV2) {
  auto wire = Bytes()
                  .i32(1).str("new").i32(3).i16(1)
                  .i32(1).i32(0).i32(1).i32(1)      // assignment: partition 0 -> [1]
                  .i32(1).str("cleanup.policy").null_str()
                  .i32(60000).boolean(true)
                  .data;
  auto req = decode_exact<CreateTopicsRequest>(wire, 2);
  const auto& t = req.topics.at(0);
  EXPECT_EQ(t.num_partitions, 3);
  EXPECT_EQ(t.assignments.at(0).broker_ids, (std::vector<int32_t>{1}));
  EXPECT_EQ(t.configs.at(0).value, std::nullopt);
  EXPECT_TRUE(req.validate_only);
}

TEST(WireCreateTopics, RequestV7) {
  auto wire = Bytes()
                  .uv(2).cstr("new").i32(-1).i16(-1).uv(1)
                  .uv(2).cstr("retention.ms").cstr("1000").no_tags()
                  .no_tags()
                  .i32(30000).boolean(false).no_tags()
                  .data;
  auto req = decode_exact<CreateTopicsRequest>(wire, 7);
  EXPECT_EQ(req.topics.at(0).num_partitions, -1);
  EXPECT_EQ(req.topics[0].configs.at(0).value, "1000");
  EXPECT_EQ(req.timeout_ms, 30000);
}

// ---------------------------------------------------------------- DeleteTopics (20)

TEST(WireDeleteTopics, RequestV1) {
  auto wire = Bytes().i32(2).str("a").str("b").i32(100).data;
  auto req = decode_exact<DeleteTopicsRequest>(wire, 1);
  EXPECT_EQ(req.topic_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(req.timeout_ms, 100);
}

TEST(WireDeleteTopics, RequestV6) {
  auto wire = Bytes()
                  .uv(3).cstr("a").uuid(0, 0).no_tags().null_cstr().uuid(3, 4).no_tags()
                  .i32(100).no_tags()
                  .data;
  auto req = decode_exact<DeleteTopicsRequest>(wire, 6);
  ASSERT_EQ(req.topics.size(), 2u);
  EXPECT_EQ(req.topics[0].name, "a");
  EXPECT_EQ(req.topics[1].name, std::nullopt);
  EXPECT_EQ(req.topics[1].topic_id, (Uuid{3, 4}));
}

// ---------------------------------------------------------------- CreatePartitions (37)

TEST(WireCreatePartitions, RequestV0) {
  auto wire = Bytes().i32(1).str("t").i32(4).i32(-1).i32(500).boolean(false).data;
  auto req = decode_exact<CreatePartitionsRequest>(wire, 0);
  EXPECT_EQ(req.topics.at(0).count, 4);
  EXPECT_FALSE(req.topics[0].assignments.has_value());
}

TEST(WireCreatePartitions, RequestV3) {
  auto wire = Bytes()
                  .uv(2).cstr("t").i32(2).uv(2).uv(2).i32(1).no_tags().no_tags()
                  .i32(500).boolean(true).no_tags()
                  .data;
  auto req = decode_exact<CreatePartitionsRequest>(wire, 3);
  ASSERT_TRUE(req.topics.at(0).assignments.has_value());
  EXPECT_EQ(req.topics[0].assignments->at(0).broker_ids, (std::vector<int32_t>{1}));
}

// ---------------------------------------------------------------- DeleteRecords (21)

TEST(WireDeleteRecords, RequestV0) {
  auto wire = Bytes().i32(1).str("t").i32(2).i32(0).i64(5).i32(1).i64(-1).i32(30000).data;
  auto req = decode_exact<DeleteRecordsRequest>(wire, 0);
  ASSERT_EQ(req.topics.size(), 1u);
  EXPECT_EQ(req.topics[0].name, "t");
  ASSERT_EQ(req.topics[0].partitions.size(), 2u);
  EXPECT_EQ(req.topics[0].partitions[0].offset, 5);
  EXPECT_EQ(req.topics[0].partitions[1].partition_index, 1);
  EXPECT_EQ(req.topics[0].partitions[1].offset, -1);
  EXPECT_EQ(req.timeout_ms, 30000);
}

TEST(WireDeleteRecords, RequestV2) {
  auto wire = Bytes()
                  .uv(2).cstr("t").uv(2).i32(3).i64(7).no_tags().no_tags()
                  .i32(100).no_tags()
                  .data;
  auto req = decode_exact<DeleteRecordsRequest>(wire, 2);
  EXPECT_EQ(req.topics.at(0).partitions.at(0).partition_index, 3);
  EXPECT_EQ(req.topics[0].partitions[0].offset, 7);
  EXPECT_EQ(req.timeout_ms, 100);
}

TEST(WireDeleteRecords, ResponseV0AndV2) {
  auto v0 = Bytes().i32(0).i32(1).str("t").i32(1).i32(0).i64(5).i16(0).data;
  auto r0 = decode_exact<DeleteRecordsResponse>(v0, 0);
  EXPECT_EQ(r0.topics.at(0).partitions.at(0).low_watermark, 5);
  auto v2 = Bytes()
                .i32(0).uv(2).cstr("t").uv(2).i32(0).i64(-1).i16(3).no_tags().no_tags()
                .no_tags()
                .data;
  auto r2 = decode_exact<DeleteRecordsResponse>(v2, 2);
  EXPECT_EQ(r2.topics.at(0).partitions.at(0).error_code, 3);
  EXPECT_EQ(r2.topics[0].partitions[0].low_watermark, -1);
}

// ---------------------------------------------------------------- DescribeCluster (60)

TEST(WireDescribeCluster, RequestV0AndV1) {
  auto v0 = Bytes().boolean(true).no_tags().data;
  EXPECT_TRUE(decode_exact<DescribeClusterRequest>(v0, 0).include_cluster_authorized_operations);
  auto v1 = Bytes().boolean(false).i8(2).no_tags().data;
  EXPECT_EQ(decode_exact<DescribeClusterRequest>(v1, 1).endpoint_type, 2);
}

// ---------------------------------------------------------------- InitProducerId (22)

TEST(WireInitProducerId, RequestV0) {
  auto wire = Bytes().null_str().i32(60000).data;
  auto req = decode_exact<InitProducerIdRequest>(wire, 0);
  EXPECT_EQ(req.transactional_id, std::nullopt);
  EXPECT_EQ(req.transaction_timeout_ms, 60000);
}

TEST(WireInitProducerId, RequestV5) {
  auto wire = Bytes().cstr("tx").i32(1000).i64(12).i16(3).no_tags().data;
  auto req = decode_exact<InitProducerIdRequest>(wire, 5);
  EXPECT_EQ(req.transactional_id, "tx");
  EXPECT_EQ(req.producer_id, 12);
  EXPECT_EQ(req.producer_epoch, 3);
}

// ---------------------------------------------------------------- FindCoordinator (10)

TEST(WireFindCoordinator, RequestV0) {
  auto wire = Bytes().str("group-1").data;
  EXPECT_EQ(decode_exact<FindCoordinatorRequest>(wire, 0).key, "group-1");
}

TEST(WireFindCoordinator, RequestV6) {
  auto wire = Bytes().i8(1).uv(3).cstr("a").cstr("b").no_tags().data;
  auto req = decode_exact<FindCoordinatorRequest>(wire, 6);
  EXPECT_EQ(req.key_type, 1);
  EXPECT_EQ(req.coordinator_keys, (std::vector<std::string>{"a", "b"}));
}

// ---------------------------------------------------------------- DescribeConfigs (32)

TEST(WireDescribeConfigs, RequestV1) {
  auto wire = Bytes().i32(1).i8(2).str("t").i32(-1).boolean(true).data;
  auto req = decode_exact<DescribeConfigsRequest>(wire, 1);
  EXPECT_EQ(req.resources.at(0).resource_type, 2);
  EXPECT_FALSE(req.resources[0].configuration_keys.has_value());
  EXPECT_TRUE(req.include_synonyms);
}

TEST(WireDescribeConfigs, RequestV4) {
  auto wire = Bytes()
                  .uv(2).i8(4).cstr("1").uv(2).cstr("log.dirs").no_tags()
                  .boolean(false).boolean(true).no_tags()
                  .data;
  auto req = decode_exact<DescribeConfigsRequest>(wire, 4);
  EXPECT_EQ(req.resources.at(0).configuration_keys->at(0), "log.dirs");
  EXPECT_TRUE(req.include_documentation);
}

// ---------------------------------------------------------------- AlterConfigs (33)

TEST(WireAlterConfigs, RequestV0) {
  auto wire = Bytes()
                  .i32(1).i8(2).str("t").i32(2).str("retention.ms").str("1000")
                  .str("segment.ms").null_str()
                  .boolean(true)
                  .data;
  auto req = decode_exact<AlterConfigsRequest>(wire, 0);
  ASSERT_EQ(req.resources.size(), 1u);
  EXPECT_EQ(req.resources[0].resource_type, 2);
  EXPECT_EQ(req.resources[0].configs.at(0).value, "1000");
  EXPECT_EQ(req.resources[0].configs.at(1).value, std::nullopt);
  EXPECT_TRUE(req.validate_only);
}

TEST(WireAlterConfigs, RequestV2AndResponseV0V2) {
  auto wire = Bytes()
                  .uv(2).i8(4).cstr("1").uv(2).cstr("k").cstr("v").no_tags().no_tags()
                  .boolean(false).no_tags()
                  .data;
  auto req = decode_exact<AlterConfigsRequest>(wire, 2);
  EXPECT_EQ(req.resources.at(0).resource_name, "1");
  EXPECT_EQ(req.resources[0].configs.at(0).name, "k");
  auto v0 = Bytes().i32(0).i32(1).i16(40).str("bad").i8(2).str("t").data;
  auto r0 = decode_exact<AlterConfigsResponse>(v0, 0);
  EXPECT_EQ(r0.responses.at(0).error_code, 40);
  EXPECT_EQ(r0.responses[0].error_message, "bad");
  auto v2 = Bytes().i32(0).uv(2).i16(0).null_cstr().i8(2).cstr("t").no_tags().no_tags().data;
  auto r2 = decode_exact<AlterConfigsResponse>(v2, 2);
  EXPECT_EQ(r2.responses.at(0).error_message, std::nullopt);
}

// ---------------------------------------------------------------- DescribeLogDirs (35)

TEST(WireDescribeLogDirs, RequestV0AllAndV4Some) {
  auto all = Bytes().i32(-1).data;
  EXPECT_FALSE(decode_exact<DescribeLogDirsRequest>(all, 0).topics.has_value());
  auto some = Bytes().uv(2).cstr("t").uv(3).i32(0).i32(2).no_tags().no_tags().data;
  auto req = decode_exact<DescribeLogDirsRequest>(some, 4);
  ASSERT_TRUE(req.topics.has_value());
  EXPECT_EQ(req.topics->at(0).partitions, (std::vector<int32_t>{0, 2}));
}

TEST(WireDescribeLogDirs, ResponseV0AndV4) {
  auto v0 = Bytes()
                .i32(0).i32(1).i16(0).str("/d").i32(1).str("t").i32(1)
                .i32(0).i64(100).i64(0).boolean(false)
                .data;
  auto r0 = decode_exact<DescribeLogDirsResponse>(v0, 0);
  EXPECT_EQ(r0.results.at(0).topics.at(0).partitions.at(0).partition_size, 100);
  EXPECT_EQ(r0.results[0].total_bytes, -1);
  auto v4 = Bytes()
                .i32(0).i16(0).uv(2).i16(0).cstr("/d").uv(1).i64(1000).i64(400).no_tags()
                .no_tags()
                .data;
  auto r4 = decode_exact<DescribeLogDirsResponse>(v4, 4);
  EXPECT_EQ(r4.results.at(0).total_bytes, 1000);
  EXPECT_EQ(r4.results[0].usable_bytes, 400);
}

// ---------------------------------------------------------------- DescribeProducers (61)

TEST(WireDescribeProducers, RequestAndResponseV0) {
  auto wire = Bytes().uv(2).cstr("t").uv(3).i32(0).i32(1).no_tags().no_tags().data;
  auto req = decode_exact<DescribeProducersRequest>(wire, 0);
  EXPECT_EQ(req.topics.at(0).partition_indexes, (std::vector<int32_t>{0, 1}));
  auto resp = Bytes()
                  .i32(0).uv(2).cstr("t").uv(2).i32(0).i16(0).null_cstr()
                  .uv(2).i64(900).i32(2).i32(4).i64(1500).i32(-1).i64(-1).no_tags()
                  .no_tags().no_tags().no_tags()
                  .data;
  auto r = decode_exact<DescribeProducersResponse>(resp, 0);
  const auto& producer = r.topics.at(0).partitions.at(0).active_producers.at(0);
  EXPECT_EQ(producer.producer_id, 900);
  EXPECT_EQ(producer.last_sequence, 4);
  EXPECT_EQ(producer.current_txn_start_offset, -1);
}

// ---------------------------------------------------------------- IncrementalAlterConfigs (44)

TEST(WireIncrementalAlterConfigs, RequestV0) {
  auto wire = Bytes()
                  .i32(1).i8(2).str("t").i32(2).str("cleanup.policy").i8(2).str("compact")
                  .str("retention.ms").i8(1).null_str()
                  .boolean(false)
                  .data;
  auto req = decode_exact<IncrementalAlterConfigsRequest>(wire, 0);
  const auto& configs = req.resources.at(0).configs;
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].config_operation, 2);
  EXPECT_EQ(configs[0].value, "compact");
  EXPECT_EQ(configs[1].config_operation, 1);
  EXPECT_EQ(configs[1].value, std::nullopt);
}

TEST(WireIncrementalAlterConfigs, RequestV1AndResponseV1) {
  auto wire = Bytes()
                  .uv(2).i8(2).cstr("t").uv(2).cstr("retention.ms").i8(0).cstr("5").no_tags()
                  .no_tags()
                  .boolean(true).no_tags()
                  .data;
  auto req = decode_exact<IncrementalAlterConfigsRequest>(wire, 1);
  EXPECT_EQ(req.resources.at(0).configs.at(0).value, "5");
  EXPECT_TRUE(req.validate_only);
  auto v1 = Bytes().i32(0).uv(2).i16(42).cstr("why").i8(2).cstr("t").no_tags().no_tags().data;
  auto r1 = decode_exact<IncrementalAlterConfigsResponse>(v1, 1);
  EXPECT_EQ(r1.responses.at(0).error_code, 42);
  EXPECT_EQ(r1.responses[0].error_message, "why");
}

// ---------------------------------------------------------------- DescribeTopicPartitions (75)

TEST(WireDescribeTopicPartitions, RequestV0WithAndWithoutCursor) {
  auto without = Bytes().uv(2).cstr("t").no_tags().i32(2000).i8(-1).no_tags().data;
  auto a = decode_exact<DescribeTopicPartitionsRequest>(without, 0);
  EXPECT_EQ(a.topics.at(0).name, "t");
  EXPECT_FALSE(a.cursor.has_value());
  auto with = Bytes().uv(1).i32(10).i8(1).cstr("t").i32(3).no_tags().no_tags().data;
  auto b = decode_exact<DescribeTopicPartitionsRequest>(with, 0);
  ASSERT_TRUE(b.cursor.has_value());
  EXPECT_EQ(b.cursor->topic_name, "t");
  EXPECT_EQ(b.cursor->partition_index, 3);
}

// ---------------------------------------------------------------- unknown tagged fields

TEST(WireTaggedFields, UnknownTagsSurviveDecodeAndEncodeByteExact) {
  // ApiVersions v3 request with unknown tags 2 and 9 at the top level.
  auto wire = Bytes()
                  .cstr("c").cstr("1")
                  .uv(2).uv(2).uv(3).raw({1, 2, 3}).uv(9).uv(0)
                  .data;
  auto req = decode_exact<ApiVersionsRequest>(wire, 3);
  ASSERT_EQ(req.unknown_tagged_fields.size(), 2u);
  EXPECT_EQ(req.unknown_tagged_fields[0].tag, 2u);
  EXPECT_EQ(req.unknown_tagged_fields[0].data, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(req.unknown_tagged_fields[1].tag, 9u);
}

TEST(WireTaggedFields, UnknownTagsInterleaveWithKnownOnes) {
  // A Fetch v12 partition with known tag 1 (current_leader) followed by unknown tags
  // 5 and 7: re-encoding must merge them back in ascending tag order.
  auto wire = Bytes()
                  .i32(0).i16(0).i32(0)
                  .uv(2).cstr("t")
                  .uv(2).i32(0).i16(0).i64(0).i64(0).i64(0).uv(1).i32(-1).uv(1)
                  .uv(3)
                  .uv(1).uv(9).i32(1).i32(1).no_tags()   // known: current_leader
                  .uv(5).uv(1).raw({0xaa})               // unknown
                  .uv(7).uv(2).raw({0xbb, 0xcc})         // unknown
                  .no_tags()
                  .no_tags()
                  .data;
  auto resp = decode_exact<FetchResponse>(wire, 12);
  const auto& p = resp.responses.at(0).partitions.at(0);
  EXPECT_EQ(p.current_leader.leader_id, 1);
  ASSERT_EQ(p.unknown_tagged_fields.size(), 2u);
  EXPECT_EQ(p.unknown_tagged_fields[1].data, (std::vector<uint8_t>{0xbb, 0xcc}));
}

TEST(WireTaggedFields, TagsOfNewerVersionsAreUnknownInOlderOnes) {
  // replica_directory_id (tag 0) exists from v17; in v16 it is kept as an unknown tag.
  auto wire = Bytes()
                  .i32(0).i32(0).i32(0).i8(0).i32(0).i32(-1)
                  .uv(2).uuid(1, 1)
                  .uv(2).i32(0).i32(-1).i64(0).i32(-1).i64(-1).i32(0)
                  .uv(1).uv(0).uv(16).uuid(2, 2)
                  .no_tags()
                  .uv(1)    // no forgotten topics
                  .cstr("")
                  .no_tags()
                  .data;
  auto req = decode_exact<FetchRequest>(wire, 16);
  const auto& p = req.topics.at(0).partitions.at(0);
  EXPECT_TRUE(p.replica_directory_id.is_zero());
  ASSERT_EQ(p.unknown_tagged_fields.size(), 1u);
  EXPECT_EQ(p.unknown_tagged_fields[0].tag, 0u);
}

TEST(WireTaggedFields, TaggedFieldLongerThanItsFrameIsRejected) {
  auto wire = Bytes().cstr("c").cstr("1").uv(1).uv(2).uv(50).raw({1}).data;
  Reader r(wire);
  ApiVersionsRequest req;
  EXPECT_THROW(req.decode(r, 3), DecodeError);
}

}  // namespace
}  // namespace samsa::protocol
