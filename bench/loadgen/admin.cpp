#include "admin.h"

#include <algorithm>
#include <thread>

#include "samsa/protocol/error_code.h"
#include "samsa/protocol/messages/api_versions_request.h"
#include "samsa/protocol/messages/api_versions_response.h"
#include "samsa/protocol/messages/create_topics_request.h"
#include "samsa/protocol/messages/create_topics_response.h"
#include "samsa/protocol/messages/metadata_request.h"
#include "samsa/protocol/messages/metadata_response.h"

namespace samsa::bench {

using samsa::ErrorCode;

ApiVersions ApiVersions::query(Connection& conn) {
  // v0 is the version every broker answers without negotiation.
  const auto response =
      round_trip<protocol::ApiVersionsResponse>(conn, protocol::ApiVersionsRequest{}, 0);
  if (response.error_code != 0) {
    throw WireError("ApiVersions failed with error " + std::to_string(response.error_code));
  }
  ApiVersions apis;
  for (const auto& a : response.api_keys) apis.max_[a.api_key] = {a.min_version, a.max_version};
  return apis;
}

int16_t ApiVersions::pick(int16_t api_key, int16_t our_min, int16_t our_max,
                          const char* name) const {
  const auto it = max_.find(api_key);
  if (it == max_.end()) throw WireError(std::string("the broker does not serve ") + name);
  const int16_t version = std::min(our_max, it->second.second);
  if (version < std::max(our_min, it->second.first)) {
    throw WireError(std::string("no common version of ") + name);
  }
  return version;
}

namespace {

void create_topic(Connection& conn, int16_t version, const std::string& topic, int32_t partitions) {
  protocol::CreateTopicsRequest request;
  auto& t = request.topics.emplace_back();
  t.name = topic;
  t.num_partitions = partitions;
  t.replication_factor = 1;
  request.timeout_ms = 10'000;
  const auto response = round_trip<protocol::CreateTopicsResponse>(conn, request, version);
  for (const auto& r : response.topics) {
    if (r.error_code != 0 && r.error_code != to_wire(ErrorCode::TOPIC_ALREADY_EXISTS)) {
      throw WireError("CreateTopics " + topic + " failed with error " +
                      std::to_string(r.error_code));
    }
  }
}

}  // namespace

TopicInfo ensure_topic(Connection& conn, const ApiVersions& apis, const std::string& topic,
                       int32_t partitions, std::chrono::milliseconds timeout) {
  if (apis.serves(protocol::CreateTopicsRequest::api_key)) {
    create_topic(conn, apis.pick(protocol::CreateTopicsRequest::api_key, 2, 7, "CreateTopics"),
                 topic, partitions);
  }
  const int16_t version = apis.pick(protocol::MetadataRequest::api_key, 4, 12, "Metadata");
  protocol::MetadataRequest request;
  auto& t = request.topics.emplace();
  t.emplace_back().name = topic;
  request.allow_auto_topic_creation = true;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_problem = "no answer";
  while (std::chrono::steady_clock::now() < deadline) {
    const auto response = round_trip<protocol::MetadataResponse>(conn, request, version);
    for (const auto& mt : response.topics) {
      if (mt.name != topic) continue;
      if (mt.error_code != 0) {
        last_problem = "topic error " + std::to_string(mt.error_code);
        break;
      }
      TopicInfo info{topic, mt.topic_id, {}};
      bool all_led = !mt.partitions.empty();
      for (const auto& p : mt.partitions) {
        all_led = all_led && p.error_code == 0 && p.leader_id >= 0;
        info.partitions.push_back(p.partition_index);
      }
      std::sort(info.partitions.begin(), info.partitions.end());
      if (!all_led) {
        last_problem = "partitions without a leader";
        break;
      }
      if (static_cast<int32_t>(info.partitions.size()) < partitions) {
        throw WireError("topic " + topic + " has " + std::to_string(info.partitions.size()) +
                        " partitions, " + std::to_string(partitions) +
                        " wanted (start the broker with num.partitions)");
      }
      return info;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw WireError("topic " + topic + " not ready: " + last_problem);
}

}  // namespace samsa::bench
