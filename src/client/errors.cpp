#include <string>

#include "samsa/client/client.h"

namespace samsa::client {

namespace {

std::string describe(ErrorCode code, const std::string& context,
                     const std::optional<std::string>& broker_message) {
  std::string text = std::string(error_name(code)) + ": " + std::string(error_sentence(code));
  if (broker_message && !broker_message->empty()) text += " The broker says: " + *broker_message;
  if (!context.empty()) text += " (" + context + ")";
  return text;
}

}  // namespace

KafkaError::KafkaError(ErrorCode code, const std::string& context,
                       const std::optional<std::string>& broker_message)
    : std::runtime_error(describe(code, context, broker_message)), code_(code) {}

void check(int16_t wire_code, const std::string& context,
           const std::optional<std::string>& broker_message) {
  if (wire_code != 0) throw KafkaError(static_cast<ErrorCode>(wire_code), context, broker_message);
}

// The errors a tool's user meets, in words; the rest fall back to a generic sentence
// (the name already says what Kafka means).
std::string_view error_sentence(ErrorCode code) {
  switch (code) {
    case ErrorCode::NONE:
      return "No error.";
    case ErrorCode::UNKNOWN_SERVER_ERROR:
      return "The broker failed unexpectedly; its log says why.";
    case ErrorCode::OFFSET_OUT_OF_RANGE:
      return "The offset is outside the range the partition holds.";
    case ErrorCode::CORRUPT_MESSAGE:
      return "The broker found the records corrupt (bad CRC or framing).";
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:
      return "The topic or partition does not exist.";
    case ErrorCode::LEADER_NOT_AVAILABLE:
      return "The partition has no leader right now; retry shortly.";
    case ErrorCode::NOT_LEADER_OR_FOLLOWER:
      return "The broker asked is not the partition's leader.";
    case ErrorCode::REQUEST_TIMED_OUT:
      return "The broker did not complete the request in time.";
    case ErrorCode::MESSAGE_TOO_LARGE:
      return "The record batch is larger than the broker or topic accepts "
             "(message.max.bytes / max.message.bytes).";
    case ErrorCode::COORDINATOR_LOAD_IN_PROGRESS:
      return "The group coordinator is still loading; retry shortly.";
    case ErrorCode::COORDINATOR_NOT_AVAILABLE:
      return "No group coordinator is available.";
    case ErrorCode::NOT_COORDINATOR:
      return "The broker asked is not the group's coordinator.";
    case ErrorCode::INVALID_TOPIC_EXCEPTION:
      return "The topic name is not valid (letters, digits, '.', '_' and '-', at most 249).";
    case ErrorCode::RECORD_LIST_TOO_LARGE:
      return "The request's records exceed the size the broker accepts.";
    case ErrorCode::INVALID_REQUIRED_ACKS:
      return "acks must be -1 (all), 0 or 1.";
    case ErrorCode::INVALID_GROUP_ID:
      return "The group id is not valid.";
    case ErrorCode::UNKNOWN_MEMBER_ID:
      return "The member is not known to the group.";
    case ErrorCode::REBALANCE_IN_PROGRESS:
      return "The group is rebalancing.";
    case ErrorCode::TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode::GROUP_AUTHORIZATION_FAILED:
    case ErrorCode::CLUSTER_AUTHORIZATION_FAILED:
      return "The broker refused: not authorized.";
    case ErrorCode::INVALID_TIMESTAMP:
      return "A record's timestamp is outside what the topic accepts.";
    case ErrorCode::UNSUPPORTED_VERSION:
      return "The broker does not speak a version of this request that this tool speaks.";
    case ErrorCode::TOPIC_ALREADY_EXISTS:
      return "A topic of that name already exists.";
    case ErrorCode::INVALID_PARTITIONS:
      return "The partition count is not valid (it must be at least 1, and can only grow).";
    case ErrorCode::INVALID_REPLICATION_FACTOR:
      return "The replication factor is not valid for this cluster.";
    case ErrorCode::INVALID_CONFIG:
      return "A configuration key or value is not valid.";
    case ErrorCode::INVALID_REQUEST:
      return "The broker found the request malformed or inconsistent.";
    case ErrorCode::POLICY_VIOLATION:
      return "The broker's policy refused the request.";
    case ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER:
      return "The broker received a producer sequence number out of order.";
    case ErrorCode::DUPLICATE_SEQUENCE_NUMBER:
      return "The broker already has this batch (a retried send).";
    case ErrorCode::TOPIC_DELETION_DISABLED:
      return "Topic deletion is disabled on the broker (delete.topic.enable=false).";
    case ErrorCode::NON_EMPTY_GROUP:
      return "The group still has active members; stop them first.";
    case ErrorCode::GROUP_ID_NOT_FOUND:
      return "No group of that id exists.";
    case ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC:
      return "The group's members still consume this topic.";
    case ErrorCode::KAFKA_STORAGE_ERROR:
      return "The broker could not read or write its log directory.";
    default:
      return "See Kafka's documentation of this error code.";
  }
}

}  // namespace samsa::client
