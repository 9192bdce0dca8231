// How a broker request that writes inside a transaction (Produce, TxnOffsetCommit)
// checks it with the transaction coordinator, as Kafka's ReplicaManager and
// AddPartitionsToTxnManager do:
//  * classic transactions (Produce v3-11, TxnOffsetCommit v0-4): the partition must
//    already be in the producer's ongoing transaction (verification);
//  * transactions v2 (Produce v12+, TxnOffsetCommit v5+): the write adds its partitions
//    to the transaction itself. While the previous transaction still ends
//    (CONCURRENT_TRANSACTIONS) the add is retried every
//    add.partitions.to.txn.retry.backoff.ms until add.partitions.to.txn.retry.backoff.max.ms.
// The coordinator's answers are translated into what producers of each version handle.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "samsa/broker/context.h"
#include "samsa/coordinator/group_types.h"

namespace samsa::broker {

// Adds `partitions` to the transaction (transactions v2); `done` gets the coordinator's
// error after the retries.
void add_to_transaction(BrokerServices& services, const std::string& transactional_id,
                        int64_t producer_id, int16_t producer_epoch,
                        std::vector<coordinator::TopicPartition> partitions,
                        std::function<void(ErrorCode)> done);

// Kafka's translation of a coordinator answer for a transactional Produce of `version`:
// a fenced epoch is INVALID_PRODUCER_EPOCH; a partition outside the transaction is
// TRANSACTION_ABORTABLE from v11 (INVALID_TXN_STATE before); coordinator errors that
// older producers would not retry become NOT_ENOUGH_REPLICAS (retried, and no metadata
// refresh).
ErrorCode produce_error_from_coordinator(ErrorCode error, int16_t version);

// The same for TxnOffsetCommit of `version` (the group coordinator's translation):
// another epoch is INVALID_PRODUCER_EPOCH at every version, TRANSACTION_ABORTABLE from
// v4, retriable coordinator errors become COORDINATOR_NOT_AVAILABLE (the producer looks
// the coordinator up again).
ErrorCode txn_offset_commit_error_from_coordinator(ErrorCode error, int16_t version);

// PRODUCER_FENCED exists from a version of each transactional API on (EndTxn,
// AddPartitionsToTxn and AddOffsetsToTxn v2, InitProducerId v4); before it Kafka
// answers INVALID_PRODUCER_EPOCH.
inline ErrorCode fenced_error_for_version(ErrorCode error, int16_t version,
                                          int16_t first_version_with_fenced) {
  return error == ErrorCode::PRODUCER_FENCED && version < first_version_with_fenced
             ? ErrorCode::INVALID_PRODUCER_EPOCH
             : error;
}

}  // namespace samsa::broker
