// What the `samsa group` subcommands share: the group's description (classic or
// KIP-848), its committed offsets, partition offsets from the leaders, and retrying
// while a coordinator is loading or moving.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common.h"

namespace samsa::cli::group {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct Member {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> assigned;  // sorted
};

struct GroupInfo {
  std::string group_id;
  bool exists = false;        // false: the coordinator knows no such group
  std::string state;          // as the broker names it (Stable, Empty, Dead, ...)
  std::string type;           // "classic" or "consumer" (KIP-848)
  std::string protocol_type;  // "consumer" for consumers; "" for a group of offsets only
  std::string assignor;       // range, roundrobin, uniform, ... ("" while rebalancing)
  std::vector<Member> members;
  int32_t coordinator_id = -1;
  client::Address coordinator;

  // Offsets may be reset only while no member consumes (what Kafka's tool demands).
  bool inactive() const;
};

// Describes a group through its coordinator: DescribeGroups, and ConsumerGroupDescribe
// when the broker does not describe it as a classic group and speaks that API.
GroupInfo describe_group(client::Client& client, const std::string& group_id);

// The group's committed offsets (OffsetFetch to the coordinator), every partition that
// has one. A partition-level error throws.
std::map<TopicPartition, int64_t> committed_offsets(client::Client& client,
                                                    const std::string& group_id);

// ListOffsets, sent to each partition's leader. `spec`: -1 latest (log end), -2
// earliest, else a timestamp in ms (the first offset at or after it; -1 if none).
struct OffsetResult {
  int64_t offset = -1;
  ErrorCode error = ErrorCode::NONE;
};
std::map<TopicPartition, OffsetResult> list_offsets(client::Client& client,
                                                    const std::vector<TopicPartition>& partitions,
                                                    int64_t spec);
inline constexpr int64_t kLatest = -1;
inline constexpr int64_t kEarliest = -2;

// Deletes one group through its coordinator (DeleteGroups), asking again while the
// coordinator settles; throws KafkaError with the group's error (NON_EMPTY_GROUP while
// it has members, GROUP_ID_NOT_FOUND, ...).
void delete_group(client::Client& client, const std::string& group_id, int timeout_ms);

// The partition ids of `topic` from Metadata; throws KafkaError if it does not exist.
std::vector<int32_t> topic_partitions(client::Client& client, const std::string& topic);

// "T" or "T:P,P,..." (topic names cannot hold ':'); throws std::invalid_argument.
std::pair<std::string, std::vector<int32_t>> parse_topic_spec(const std::string& spec);

// Text for a table cell: control characters shown as '?', so names cannot move the cursor.
std::string printable(std::string_view bytes);

std::string join_partitions(const std::vector<TopicPartition>& partitions);

bool retriable_coordinator_error(ErrorCode code);

// Runs `body`, again after a short pause while the coordinator is loading, not
// available or moved, until `timeout_ms` has passed. Only for bodies that change
// nothing on those errors.
template <class Body>
auto retrying(int timeout_ms, Body&& body) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + milliseconds(timeout_ms);
  constexpr auto pause = milliseconds(200);
  for (;;) {
    try {
      return body();
    } catch (const client::KafkaError& e) {
      if (!retriable_coordinator_error(e.code()) || steady_clock::now() + pause > deadline) throw;
    }
    std::this_thread::sleep_for(pause);
  }
}

// The subcommands other than list and delete, each in its own file.
void add_describe(CLI::App& group, std::function<int()>& chosen);
void add_reset_offsets(CLI::App& group, std::function<int()>& chosen);

}  // namespace samsa::cli::group
