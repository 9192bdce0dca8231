#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::DescribeClusterRequest;
using protocol::DescribeClusterResponse;

class DescribeClusterTest : public AdminTest {
 protected:
  void SetUp() override { start(); }
};

TEST_F(DescribeClusterTest, ThisNodeIsTheCluster) {
  for (int16_t v = 0; v <= 1; ++v) {
    const auto r = call<DescribeClusterResponse>(handle_describe_cluster, {}, v);
    EXPECT_EQ(r.error_code, 0);
    EXPECT_EQ(r.cluster_id, "test-cluster-id");
    EXPECT_EQ(r.controller_id, 3);
    ASSERT_EQ(r.brokers.size(), 1u);
    EXPECT_EQ(r.brokers[0].broker_id, 3);
    EXPECT_EQ(r.brokers[0].host, "broker.example");
    EXPECT_EQ(r.brokers[0].port, 19092);
    EXPECT_EQ(r.cluster_authorized_operations, INT32_MIN);
    EXPECT_EQ(r.endpoint_type, 1);
  }
}

TEST_F(DescribeClusterTest, AuthorizedOperationsWhenAsked) {
  DescribeClusterRequest request;
  request.include_cluster_authorized_operations = true;
  const auto r = call<DescribeClusterResponse>(handle_describe_cluster, request, 1);
  EXPECT_EQ(r.cluster_authorized_operations, 8096);
}

TEST_F(DescribeClusterTest, ControllerEndpointsAreNotServedHere) {
  DescribeClusterRequest request;
  request.endpoint_type = 2;
  auto r = call<DescribeClusterResponse>(handle_describe_cluster, request, 1);
  EXPECT_EQ(r.error_code, err(ErrorCode::MISMATCHED_ENDPOINT_TYPE));
  EXPECT_TRUE(r.brokers.empty());
  request.endpoint_type = 9;
  r = call<DescribeClusterResponse>(handle_describe_cluster, request, 1);
  EXPECT_EQ(r.error_code, err(ErrorCode::UNSUPPORTED_ENDPOINT_TYPE));
}

}  // namespace
}  // namespace samsa::broker::testing
