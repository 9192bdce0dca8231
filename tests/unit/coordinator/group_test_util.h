// A GroupCoordinator on a ManualScheduler over a temp-dir LogManager, with helpers
// that capture asynchronous answers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../storage/storage_test_util.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/storage/log_manager.h"

namespace samsa::coordinator::testing {

using storage::testing::TempDir;
using storage::testing::TestLoop;

template <class T>
using Slot = std::shared_ptr<std::optional<T>>;

inline Bytes bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// The "consumer" protocol's subscription: version 0, topics, empty user data.
inline Bytes subscription(const std::vector<std::string>& topics) {
  Bytes out = {0, 0};
  auto be32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
  };
  be32(static_cast<uint32_t>(topics.size()));
  for (const auto& t : topics) {
    out.push_back(static_cast<uint8_t>(t.size() >> 8));
    out.push_back(static_cast<uint8_t>(t.size()));
    out.insert(out.end(), t.begin(), t.end());
  }
  be32(0xffffffff);  // null user data
  return out;
}

inline OffsetCommitEntry at(std::string topic, int32_t partition, int64_t offset,
                            int32_t leader_epoch = -1,
                            std::optional<std::string> metadata = std::nullopt) {
  return {{std::move(topic), partition}, offset, leader_epoch, std::move(metadata)};
}

class GroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.initial_rebalance_delay_ms = 100;
    config_.min_session_timeout_ms = 1000;
    config_.max_session_timeout_ms = 60000;
    config_.offsets_retention_check_interval_ms = 0;  // tests call expire_offsets()
    open();
    std::string message;
    ASSERT_EQ(logs_->create_topic("t", 4, {}, message), ErrorCode::NONE) << message;
    ASSERT_EQ(logs_->create_topic("u", 2, {}, message), ErrorCode::NONE) << message;
  }
  void TearDown() override { close(); }

  void open() {
    storage::LogManagerOptions o;
    o.log_dirs = dir_.str();
    o.post_to_loop = loop_.poster();
    o.now_ms = sched_.now_ms();
    logs_ = storage::LogManager::open(std::move(o));
    groups_ = std::make_unique<GroupCoordinator>(config_, sched_, *logs_);
    groups_->load();
  }
  void close() {
    if (groups_) groups_->shutdown();
    loop_.drain();
    groups_.reset();
    if (logs_) logs_->shutdown();
    loop_.drain();
    logs_.reset();
  }
  void reopen() {
    close();
    open();
  }

  // Runs loop completions (fsyncs) until `slot` is filled.
  template <class T>
  T wait(const Slot<T>& slot) {
    EXPECT_TRUE(loop_.run_until([&] { return slot->has_value(); })) << "no answer";
    return slot->has_value() ? **slot : T{};
  }

  JoinGroupParams join_params(const std::string& group, const std::string& member = "",
                              std::optional<std::string> instance = std::nullopt,
                              std::vector<GroupProtocol> protocols = {}) {
    JoinGroupParams p;
    p.group_id = group;
    p.member_id = member;
    p.group_instance_id = std::move(instance);
    p.protocol_type = "consumer";
    p.protocols = protocols.empty() ? std::vector<GroupProtocol>{{"range", subscription({"t"})}}
                                    : std::move(protocols);
    p.session_timeout_ms = 10000;
    p.rebalance_timeout_ms = 30000;
    p.client_id = "client";
    p.client_host = "/127.0.0.1";
    p.require_known_member_id = true;
    p.supports_skip_assignment = true;
    return p;
  }

  Slot<JoinGroupResult> join(JoinGroupParams p) {
    auto slot = std::make_shared<std::optional<JoinGroupResult>>();
    groups_->join_group(std::move(p), [slot](JoinGroupResult r) { *slot = std::move(r); });
    return slot;
  }

  Slot<SyncGroupResult> sync(const std::string& group, int32_t generation,
                             const std::string& member,
                             std::vector<std::pair<std::string, Bytes>> assignments = {},
                             std::optional<std::string> instance = std::nullopt) {
    SyncGroupParams p;
    p.group_id = group;
    p.generation_id = generation;
    p.member_id = member;
    p.group_instance_id = std::move(instance);
    p.assignments = std::move(assignments);
    auto slot = std::make_shared<std::optional<SyncGroupResult>>();
    groups_->sync_group(std::move(p), [slot](SyncGroupResult r) { *slot = std::move(r); });
    return slot;
  }

  ErrorCode heartbeat(const std::string& group, int32_t generation, const std::string& member,
                      std::optional<std::string> instance = std::nullopt) {
    return groups_->heartbeat({group, generation, member, std::move(instance)});
  }

  std::vector<ErrorCode> commit(const std::string& group, int32_t generation,
                                const std::string& member, std::vector<OffsetCommitEntry> entries,
                                std::optional<std::string> instance = std::nullopt) {
    OffsetCommitParams p;
    p.group_id = group;
    p.generation_id_or_member_epoch = generation;
    p.member_id = member;
    p.group_instance_id = std::move(instance);
    p.entries = std::move(entries);
    auto slot = std::make_shared<std::optional<std::vector<ErrorCode>>>();
    groups_->commit_offsets(std::move(p), [slot](std::vector<ErrorCode> e) { *slot = e; });
    return wait(slot);
  }

  int64_t committed(const std::string& group, const std::string& topic, int32_t partition) {
    OffsetFetchParams p;
    p.group_id = group;
    p.partitions = std::vector<TopicPartition>{{topic, partition}};
    auto r = groups_->fetch_offsets(p);
    return r.offsets.empty() ? -2 : r.offsets[0].offset;
  }

  // A first join through MEMBER_ID_REQUIRED; returns the member's id and its join slot.
  std::pair<std::string, Slot<JoinGroupResult>> join_new(
      const std::string& group, std::vector<GroupProtocol> protocols = {}) {
    auto first = join(join_params(group, "", std::nullopt, protocols));
    EXPECT_TRUE(first->has_value());
    EXPECT_EQ((*first)->error, ErrorCode::MEMBER_ID_REQUIRED);
    const std::string id = (*first)->member_id;
    return {id, join(join_params(group, id, std::nullopt, protocols))};
  }

  // A Stable group of `n` dynamic members; returns their ids (leader first) and the
  // generation.
  std::pair<std::vector<std::string>, int32_t> stable_group(const std::string& group, int n) {
    std::vector<std::string> ids;
    std::vector<Slot<JoinGroupResult>> joins;
    for (int i = 0; i < n; ++i) {
      auto [id, slot] = join_new(group);
      ids.push_back(id);
      joins.push_back(slot);
    }
    for (int i = 0; i < 10 && !joins[0]->has_value(); ++i)
      sched_.advance(config_.initial_rebalance_delay_ms);
    EXPECT_TRUE(joins[0]->has_value());
    const int32_t generation = (*joins[0])->generation_id;
    const std::string leader = (*joins[0])->leader;
    std::vector<Slot<SyncGroupResult>> syncs;
    std::vector<std::pair<std::string, Bytes>> assignment;
    for (const auto& id : ids) assignment.emplace_back(id, bytes("a-" + id));
    for (const auto& id : ids)
      if (id != leader) syncs.push_back(sync(group, generation, id));
    syncs.push_back(sync(group, generation, leader, assignment));
    for (auto& s : syncs) EXPECT_EQ(wait(s).error, ErrorCode::NONE);
    std::stable_partition(ids.begin(), ids.end(), [&](const auto& id) { return id == leader; });
    return {ids, generation};
  }

  GroupConfig config_;
  TempDir dir_;
  TestLoop loop_;
  ManualScheduler sched_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<GroupCoordinator> groups_;
};

}  // namespace samsa::coordinator::testing
