// ConsumerGroupHeartbeat (v0-1) and ConsumerGroupDescribe (v0) handlers: requests in,
// encoded responses decoded back, on a real GroupCoordinator.
#include "admin_test_util.h"
#include "samsa/broker/topic_ids.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker::testing {
namespace {

using protocol::ConsumerGroupDescribeRequest;
using protocol::ConsumerGroupDescribeResponse;
using protocol::ConsumerGroupHeartbeatRequest;
using protocol::ConsumerGroupHeartbeatResponse;

class Kip848HandlersTest : public AdminTest {
 protected:
  void SetUp() override {
    start({"group.consumer.heartbeat.interval.ms=700"});
    create_topic("t", 3);
    groups_ = std::make_unique<coordinator::GroupCoordinator>(
        coordinator::GroupConfig::from_broker(config_), scheduler_, *logs_);
    groups_->load();
    services_->groups = groups_.get();
  }
  void TearDown() override {
    groups_->shutdown();
    services_->groups = nullptr;
    groups_.reset();
    AdminTest::TearDown();
  }

  static ConsumerGroupHeartbeatRequest joining(std::string member_id) {
    ConsumerGroupHeartbeatRequest r;
    r.group_id = "g";
    r.member_id = std::move(member_id);
    r.member_epoch = 0;
    r.rebalance_timeout_ms = 30000;
    r.subscribed_topic_names = std::vector<std::string>{"t"};
    r.topic_partitions.emplace();
    return r;
  }

  ConsumerGroupHeartbeatResponse heartbeat(ConsumerGroupHeartbeatRequest r, int16_t version) {
    return call<ConsumerGroupHeartbeatResponse>(handle_consumer_group_heartbeat, std::move(r),
                                                version);
  }

  std::unique_ptr<coordinator::GroupCoordinator> groups_;
};

TEST_F(Kip848HandlersTest, V1JoinWithClientMemberIdGetsTheAssignmentByTopicId) {
  const auto r = heartbeat(joining("client-generated"), 1);
  EXPECT_EQ(r.error_code, 0) << r.error_message.value_or("");
  EXPECT_EQ(r.member_id, "client-generated");
  EXPECT_EQ(r.member_epoch, 2);
  EXPECT_EQ(r.heartbeat_interval_ms, 700);
  ASSERT_TRUE(r.assignment);
  ASSERT_EQ(r.assignment->topic_partitions.size(), 1u);
  EXPECT_EQ(r.assignment->topic_partitions[0].topic_id, to_uuid(logs_->find_topic("t")->topic_id));
  EXPECT_EQ(r.assignment->topic_partitions[0].partitions, (std::vector<int32_t>{0, 1, 2}));

  // The next heartbeat reports what it owns, by topic id; nothing changed, no assignment.
  ConsumerGroupHeartbeatRequest next;
  next.group_id = "g";
  next.member_id = "client-generated";
  next.member_epoch = 2;
  next.topic_partitions.emplace();
  next.topic_partitions->push_back({r.assignment->topic_partitions[0].topic_id, {0, 1, 2}, {}});
  const auto again = heartbeat(next, 1);
  EXPECT_EQ(again.error_code, 0);
  EXPECT_FALSE(again.assignment);
}

TEST_F(Kip848HandlersTest, V0GeneratesTheMemberIdAndV1RequiresIt) {
  const auto v0 = heartbeat(joining(""), 0);
  EXPECT_EQ(v0.error_code, 0);
  ASSERT_TRUE(v0.member_id);
  EXPECT_EQ(v0.member_id->size(), 22u);

  const auto v1 = heartbeat(joining(""), 1);
  EXPECT_EQ(v1.error_code, to_wire(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(v1.error_message, "MemberId can't be empty.");
  EXPECT_FALSE(v1.member_id);

  auto regex = joining("r");
  regex.subscribed_topic_names.reset();
  regex.subscribed_topic_regex = "t|u";
  EXPECT_EQ(heartbeat(regex, 1).error_code, 0);
}

TEST_F(Kip848HandlersTest, DescribeShowsMembersWithTopicNames) {
  auto join = joining("m1");
  join.instance_id = "i1";
  join.rack_id = "rack-a";
  ASSERT_EQ(heartbeat(join, 1).error_code, 0);

  ConsumerGroupDescribeRequest request;
  request.group_ids = {"g", "missing"};
  request.include_authorized_operations = true;
  const auto d = call<ConsumerGroupDescribeResponse>(handle_consumer_group_describe, request, 0);
  ASSERT_EQ(d.groups.size(), 2u);
  const auto& g = d.groups[0];
  EXPECT_EQ(g.error_code, 0);
  EXPECT_EQ(g.group_state, "Stable");
  EXPECT_EQ(g.group_epoch, 2);
  EXPECT_EQ(g.assignment_epoch, 2);
  EXPECT_EQ(g.assignor_name, "uniform");
  EXPECT_NE(g.authorized_operations, std::numeric_limits<int32_t>::min());
  ASSERT_EQ(g.members.size(), 1u);
  const auto& m = g.members[0];
  EXPECT_EQ(m.member_id, "m1");
  EXPECT_EQ(m.instance_id, "i1");
  EXPECT_EQ(m.rack_id, "rack-a");
  EXPECT_EQ(m.client_id, "admin-test");
  EXPECT_EQ(m.client_host, "/127.0.0.1");
  EXPECT_EQ(m.subscribed_topic_names, std::vector<std::string>{"t"});
  ASSERT_EQ(m.assignment.topic_partitions.size(), 1u);
  EXPECT_EQ(m.assignment.topic_partitions[0].topic_name, "t");
  EXPECT_EQ(m.target_assignment, m.assignment);
  EXPECT_EQ(d.groups[1].error_code, to_wire(ErrorCode::GROUP_ID_NOT_FOUND));
}

TEST_F(Kip848HandlersTest, WithoutCoordinatorBothAnswerCoordinatorNotAvailable) {
  services_->groups = nullptr;
  EXPECT_EQ(heartbeat(joining("m"), 1).error_code, to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE));
  ConsumerGroupDescribeRequest request;
  request.group_ids = {"g"};
  const auto d = call<ConsumerGroupDescribeResponse>(handle_consumer_group_describe, request, 0);
  ASSERT_EQ(d.groups.size(), 1u);
  EXPECT_EQ(d.groups[0].error_code, to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE));
  services_->groups = groups_.get();
}

}  // namespace
}  // namespace samsa::broker::testing
