// OffsetDelete (key 47) end to end over a socket, on the broker's own group coordinator:
// the request path once answered INVALID_GROUP_ID to every request because the handler
// gave the coordinator a reference into a request it had already moved away.
#include "broker_fixture.h"

namespace samsa::testing {
namespace {

using namespace protocol;

class OffsetDelete : public BrokerFixture {
 protected:
  void SetUp() override {
    BrokerFixture::SetUp();
    socket_.emplace(connect());
    CreateTopicsRequest create;
    CreateTopicsRequest::CreatableTopic topic;
    topic.name = "t";
    topic.num_partitions = 2;
    topic.replication_factor = 1;
    create.topics.push_back(topic);
    create.timeout_ms = 5000;
    send(*socket_, create, 7, next_id_++);
    const auto created = receive<CreateTopicsResponse>(*socket_, 7);
    ASSERT_EQ(created.response.topics.size(), 1u);
    ASSERT_EQ(created.response.topics[0].error_code, 0);
  }

  // An admin commit (generation -1, no member), as kafka-consumer-groups --reset-offsets.
  void commit(const std::string& group, int32_t partition, int64_t offset) {
    OffsetCommitRequest request;
    request.group_id = group;
    OffsetCommitRequest::OffsetCommitRequestTopic topic;
    topic.name = "t";
    OffsetCommitRequest::OffsetCommitRequestPartition p;
    p.partition_index = partition;
    p.committed_offset = offset;
    topic.partitions.push_back(p);
    request.topics.push_back(topic);
    send(*socket_, request, 9, next_id_++);
    const auto got = receive<OffsetCommitResponse>(*socket_, 9);
    ASSERT_EQ(got.response.topics.size(), 1u);
    ASSERT_EQ(got.response.topics[0].partitions.at(0).error_code, 0);
  }

  int64_t committed(const std::string& group, int32_t partition) {
    OffsetFetchRequest request;
    request.group_id = group;
    OffsetFetchRequest::OffsetFetchRequestTopic topic;
    topic.name = "t";
    topic.partition_indexes = {partition};
    request.topics = std::vector{topic};
    send(*socket_, request, 7, next_id_++);
    const auto got = receive<OffsetFetchResponse>(*socket_, 7);
    EXPECT_EQ(got.response.error_code, 0);
    if (got.response.topics.size() != 1 || got.response.topics[0].partitions.size() != 1) return -2;
    return got.response.topics[0].partitions[0].committed_offset;
  }

  OffsetDeleteResponse delete_offsets(const std::string& group,
                                      std::vector<std::pair<std::string, int32_t>> partitions) {
    OffsetDeleteRequest request;
    request.group_id = group;
    for (const auto& [name, index] : partitions) {
      if (request.topics.empty() || request.topics.back().name != name) {
        request.topics.emplace_back();
        request.topics.back().name = name;
      }
      OffsetDeleteRequest::OffsetDeleteRequestPartition p;
      p.partition_index = index;
      request.topics.back().partitions.push_back(p);
    }
    send(*socket_, request, 0, next_id_++);
    return receive<OffsetDeleteResponse>(*socket_, 0).response;
  }

  std::optional<boost::asio::ip::tcp::socket> socket_;
  int32_t next_id_ = 1;
};

TEST_F(OffsetDelete, DeletesTheOffsetsOfAnEmptyGroupPerPartition) {
  commit("g", 0, 5);
  commit("g", 1, 7);
  ASSERT_EQ(committed("g", 0), 5);

  const auto r = delete_offsets("g", {{"t", 0}, {"t", 9}, {"missing", 0}});
  EXPECT_EQ(r.error_code, 0);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, "t");
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  EXPECT_EQ(r.topics[0].partitions[0].partition_index, 0);
  EXPECT_EQ(r.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(r.topics[0].partitions[1].partition_index, 9);
  EXPECT_EQ(r.topics[0].partitions[1].error_code, to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(r.topics[1].name, "missing");
  ASSERT_EQ(r.topics[1].partitions.size(), 1u);
  EXPECT_EQ(r.topics[1].partitions[0].error_code, to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));

  EXPECT_EQ(committed("g", 0), -1);
  EXPECT_EQ(committed("g", 1), 7);
}

TEST_F(OffsetDelete, AnUnknownGroupIsGroupIdNotFound) {
  const auto r = delete_offsets("nobody", {{"t", 0}});
  EXPECT_EQ(r.error_code, to_wire(ErrorCode::GROUP_ID_NOT_FOUND));
  EXPECT_TRUE(r.topics.empty());
}

TEST_F(OffsetDelete, AnEmptyGroupIdIsInvalid) {
  const auto r = delete_offsets("", {{"t", 0}});
  EXPECT_EQ(r.error_code, to_wire(ErrorCode::INVALID_GROUP_ID));
}

}  // namespace
}  // namespace samsa::testing
