// ApiVersions' features: what Kafka 4 clients read to choose transactions v2
// (transaction.version) — listed from v3, supported ranges starting at 0 only from v4
// (KIP-1022), the finalized level from samsa.transaction.version.
#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::ApiVersionsRequest;
using protocol::ApiVersionsResponse;

class ApiVersionsTest : public AdminTest {
 protected:
  ApiVersionsResponse versions(int16_t version) {
    ApiVersionsRequest request;
    request.client_software_name = "test";
    request.client_software_version = "1.0";
    return call<ApiVersionsResponse>(handle_api_versions, request, version);
  }
  static std::optional<int16_t> finalized(const ApiVersionsResponse& r, const std::string& name) {
    for (const auto& f : r.finalized_features)
      if (f.name == name) return f.max_version_level;
    return std::nullopt;
  }
  static std::optional<int16_t> supported_max(const ApiVersionsResponse& r,
                                              const std::string& name) {
    for (const auto& f : r.supported_features)
      if (f.name == name) return f.max_version;
    return std::nullopt;
  }
};

TEST_F(ApiVersionsTest, TransactionsV2AreFinalizedByDefault) {
  start();
  services_->features_epoch = 1234;
  const ApiVersionsResponse v4 = versions(4);
  EXPECT_EQ(finalized(v4, "transaction.version"), 2);
  EXPECT_EQ(finalized(v4, "group.version"), 1);
  EXPECT_EQ(supported_max(v4, "transaction.version"), 2);
  EXPECT_EQ(v4.finalized_features_epoch, 1234);
  // v3: the finalized levels, but no supported range that starts at 0.
  const ApiVersionsResponse v3 = versions(3);
  EXPECT_EQ(finalized(v3, "transaction.version"), 2);
  EXPECT_TRUE(v3.supported_features.empty());
  // Before v3 there are no features on the wire at all (the encoder drops them).
  EXPECT_TRUE(versions(2).finalized_features.empty());
}

TEST_F(ApiVersionsTest, LevelZeroKeepsClientsOnTheClassicProtocol) {
  start({"samsa.transaction.version=0"});
  const ApiVersionsResponse v4 = versions(4);
  EXPECT_EQ(finalized(v4, "transaction.version"), std::nullopt);
  EXPECT_EQ(supported_max(v4, "transaction.version"), 2);  // still served
  EXPECT_EQ(finalized(v4, "group.version"), 1);
}

}  // namespace
}  // namespace samsa::broker::testing
