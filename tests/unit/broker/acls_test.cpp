// DescribeAcls, CreateAcls, DeleteAcls without an authorizer: SECURITY_DISABLED with
// Kafka's messages at every version, one result per creation or filter, and a closed
// connection for filters with UNKNOWN elements (a request Kafka cannot parse).
#include "admin_test_util.h"
#include "broker_fixture.h"

namespace samsa::broker::testing {
namespace {

using protocol::CreateAclsRequest;
using protocol::CreateAclsResponse;
using protocol::DeleteAclsRequest;
using protocol::DeleteAclsResponse;
using protocol::DescribeAclsRequest;
using protocol::DescribeAclsResponse;

// AclBindingFilter.ANY as the Java AdminClient sends it: resource type, pattern type,
// operation and permission type ANY (1), names null.
DescribeAclsRequest describe_any() {
  DescribeAclsRequest r;
  r.resource_type_filter = 1;
  r.resource_name_filter = std::nullopt;
  r.pattern_type_filter = 1;
  r.principal_filter = std::nullopt;
  r.host_filter = std::nullopt;
  r.operation = 1;
  r.permission_type = 1;
  return r;
}

// Allow User:alice to READ topic `name` (LITERAL) from any host.
CreateAclsRequest::AclCreation allow_read(const std::string& name) {
  CreateAclsRequest::AclCreation c;
  c.resource_type = 2;
  c.resource_name = name;
  c.resource_pattern_type = 3;
  c.principal = "User:alice";
  c.host = "*";
  c.operation = 3;
  c.permission_type = 3;
  return c;
}

DeleteAclsRequest::DeleteAclsFilter any_filter() {
  DeleteAclsRequest::DeleteAclsFilter f;
  f.resource_type_filter = 1;
  f.pattern_type_filter = 1;
  f.operation = 1;
  f.permission_type = 1;
  return f;
}

class AclsTest : public AdminTest {
 protected:
  void SetUp() override { start(); }
};

TEST_F(AclsTest, DescribeAnswersSecurityDisabledAtEveryVersion) {
  for (int16_t v = DescribeAclsRequest::min_version; v <= DescribeAclsRequest::max_version; ++v) {
    DescribeAclsRequest request = describe_any();
    if (v == 0) request.pattern_type_filter = 3;  // v0 has no pattern type: LITERAL
    const auto r = call<DescribeAclsResponse>(handle_describe_acls, request, v);
    EXPECT_EQ(r.error_code, err(ErrorCode::SECURITY_DISABLED)) << "v" << v;
    EXPECT_EQ(r.error_message, "No Authorizer is configured on the broker") << "v" << v;
    EXPECT_TRUE(r.resources.empty()) << "v" << v;
  }
}

TEST_F(AclsTest, DescribeWithANarrowFilterIsStillSecurityDisabled) {
  DescribeAclsRequest request = describe_any();
  request.resource_type_filter = 2;
  request.resource_name_filter = "orders";
  request.pattern_type_filter = 3;
  request.principal_filter = "User:alice";
  const auto r = call<DescribeAclsResponse>(handle_describe_acls, request, 3);
  EXPECT_EQ(r.error_code, err(ErrorCode::SECURITY_DISABLED));
}

TEST_F(AclsTest, CreateFailsEveryCreationInOrder) {
  for (int16_t v = CreateAclsRequest::min_version; v <= CreateAclsRequest::max_version; ++v) {
    CreateAclsRequest request;
    request.creations = {allow_read("a"), allow_read("b"), allow_read("c")};
    const auto r = call<CreateAclsResponse>(handle_create_acls, request, v);
    ASSERT_EQ(r.results.size(), 3u) << "v" << v;
    for (const auto& result : r.results) {
      EXPECT_EQ(result.error_code, err(ErrorCode::SECURITY_DISABLED)) << "v" << v;
      EXPECT_EQ(result.error_message, "No Authorizer is configured.") << "v" << v;
    }
  }
  EXPECT_TRUE(call<CreateAclsResponse>(handle_create_acls, CreateAclsRequest{}, 3).results.empty());
}

TEST_F(AclsTest, DeleteFailsEveryFilterWithoutMatches) {
  for (int16_t v = DeleteAclsRequest::min_version; v <= DeleteAclsRequest::max_version; ++v) {
    DeleteAclsRequest request;
    request.filters = {any_filter(), any_filter()};
    if (v == 0)
      for (auto& f : request.filters) f.pattern_type_filter = 3;
    const auto r = call<DeleteAclsResponse>(handle_delete_acls, request, v);
    ASSERT_EQ(r.filter_results.size(), 2u) << "v" << v;
    for (const auto& result : r.filter_results) {
      EXPECT_EQ(result.error_code, err(ErrorCode::SECURITY_DISABLED)) << "v" << v;
      EXPECT_EQ(result.error_message, "No Authorizer is configured.") << "v" << v;
      EXPECT_TRUE(result.matching_acls.empty()) << "v" << v;
    }
  }
}

TEST_F(AclsTest, UnknownElementsAreUnparsableRequests) {
  DescribeAclsRequest describe = describe_any();
  describe.operation = 0;
  EXPECT_THROW(start_call(handle_describe_acls, describe, 3), protocol::DecodeError);
  CreateAclsRequest create;
  create.creations = {allow_read("a"), allow_read("b")};
  create.creations[1].resource_type = 0;
  EXPECT_THROW(start_call(handle_create_acls, create, 3), protocol::DecodeError);
  DeleteAclsRequest del;
  del.filters = {any_filter()};
  del.filters[0].permission_type = 0;
  EXPECT_THROW(start_call(handle_delete_acls, del, 3), protocol::DecodeError);
}

}  // namespace
}  // namespace samsa::broker::testing

namespace samsa::testing {
namespace {

class AclsDispatch : public BrokerFixture {};

TEST_F(AclsDispatch, ServedOverTheWireAndUnknownElementsCloseTheConnection) {
  auto s = connect();
  protocol::DescribeAclsRequest request;
  request.resource_type_filter = 1;
  request.pattern_type_filter = 1;
  request.operation = 1;
  request.permission_type = 1;
  send(s, request, 3, 7);
  auto got = receive<protocol::DescribeAclsResponse>(s, 3);
  EXPECT_EQ(got.correlation_id, 7);
  EXPECT_EQ(got.response.error_code, to_wire(ErrorCode::SECURITY_DISABLED));

  request.resource_type_filter = 0;  // UNKNOWN
  send(s, request, 3, 8);
  uint8_t byte;
  boost::system::error_code ec;
  boost::asio::read(s, boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

}  // namespace
}  // namespace samsa::testing
