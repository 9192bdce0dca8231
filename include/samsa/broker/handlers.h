// The one list of APIs samsa serves. An API is dispatched and advertised in
// ApiVersions exactly when it is listed here, and its version range is its spec's
// (spec/<key>_<name>.kspec), so a handler and its advertisement cannot drift apart.
//
// Each entry X(Api, name) is implemented in src/broker/handlers/<name>.cpp as
//   void handle_<name>(ContextPtr ctx, protocol::<Api>Request request);
// A handler must answer exactly once through ctx (now, or later from a callback).
#pragma once

#include "samsa/broker/context.h"
#include "samsa/protocol/messages/all.h"

// clang-format off
#define SAMSA_BROKER_HANDLERS(X)             \
  X(ApiVersions, api_versions)               \
  X(Produce, produce)                        \
  X(Metadata, metadata)                      \
  X(ListOffsets, list_offsets)               \
  X(CreateTopics, create_topics)             \
  X(DeleteTopics, delete_topics)             \
  X(CreatePartitions, create_partitions)     \
  X(DeleteRecords, delete_records)           \
  X(DescribeCluster, describe_cluster)       \
  X(DescribeConfigs, describe_configs)       \
  X(AlterConfigs, alter_configs)             \
  X(IncrementalAlterConfigs, incremental_alter_configs) \
  X(DescribeLogDirs, describe_log_dirs)      \
  X(DescribeAcls, describe_acls)             \
  X(CreateAcls, create_acls)                 \
  X(DeleteAcls, delete_acls)                 \
  X(DescribeProducers, describe_producers)   \
  X(DescribeTopicPartitions, describe_topic_partitions) \
  X(InitProducerId, init_producer_id)        \
  X(AddPartitionsToTxn, add_partitions_to_txn) \
  X(AddOffsetsToTxn, add_offsets_to_txn)     \
  X(EndTxn, end_txn)                         \
  X(WriteTxnMarkers, write_txn_markers)      \
  X(TxnOffsetCommit, txn_offset_commit)      \
  X(DescribeTransactions, describe_transactions) \
  X(ListTransactions, list_transactions)     \
  X(FindCoordinator, find_coordinator)       \
  X(JoinGroup, join_group)                   \
  X(SyncGroup, sync_group)                   \
  X(Heartbeat, heartbeat)                    \
  X(LeaveGroup, leave_group)                 \
  X(OffsetCommit, offset_commit)             \
  X(OffsetFetch, offset_fetch)               \
  X(DescribeGroups, describe_groups)         \
  X(ListGroups, list_groups)                 \
  X(DeleteGroups, delete_groups)             \
  X(OffsetDelete, offset_delete)             \
  X(ConsumerGroupHeartbeat, consumer_group_heartbeat) \
  X(ConsumerGroupDescribe, consumer_group_describe)   \
  X(Fetch, fetch)
// clang-format on

namespace samsa::broker {

#define SAMSA_DECLARE_HANDLER(Api, name) \
  void handle_##name(ContextPtr ctx, protocol::Api##Request request);
SAMSA_BROKER_HANDLERS(SAMSA_DECLARE_HANDLER)
#undef SAMSA_DECLARE_HANDLER

}  // namespace samsa::broker
