#include "consumer_protocol.h"

#include <algorithm>
#include <stdexcept>

#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"

namespace samsa::cli::consumer_protocol {

namespace {

void write_topic_partitions(protocol::Writer& w, const TopicPartitions& topics) {
  w.write_array_length(topics.size(), false);
  for (const auto& [topic, partitions] : topics) {
    w.write_string(topic);
    w.write_array_length(partitions.size(), false);
    for (const int32_t p : partitions) w.write_int32(p);
  }
}

TopicPartitions read_topic_partitions(protocol::Reader& r) {
  TopicPartitions out;
  const int32_t topics = r.read_array_length(false, 2 + 4);
  for (int32_t t = 0; t < topics; ++t) {
    std::string topic = r.read_string();
    auto& partitions = out[topic];
    const int32_t n = r.read_array_length(false, 4);
    for (int32_t i = 0; i < n; ++i) partitions.push_back(r.read_int32());
    std::sort(partitions.begin(), partitions.end());
  }
  return out;
}

int16_t checked_version(int16_t version) {
  if (version < 0)
    throw std::invalid_argument("consumer protocol version " + std::to_string(version));
  return version;
}

// Reader wants a mutable span; the input is small, a copy costs nothing.
std::vector<uint8_t> copy(std::span<const uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

}  // namespace

std::vector<uint8_t> encode(const Subscription& s) {
  const int16_t version = checked_version(s.version);
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(version);
  w.write_array_length(s.topics.size(), false);
  for (const auto& topic : s.topics) w.write_string(topic);
  w.write_nullable_bytes(s.user_data);
  if (version >= 1) write_topic_partitions(w, s.owned);
  if (version >= 2) w.write_int32(s.generation_id);
  if (version >= 3) w.write_nullable_string(s.rack_id);
  return std::move(out.bytes);
}

std::vector<uint8_t> encode(const Assignment& a) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(checked_version(a.version));  // every version has the same layout
  write_topic_partitions(w, a.partitions);
  w.write_nullable_bytes(a.user_data);
  return std::move(out.bytes);
}

Subscription decode_subscription(std::span<const uint8_t> bytes) {
  auto data = copy(bytes);
  protocol::Reader r{std::span<uint8_t>(data)};
  Subscription s;
  s.version = r.read_int16();
  if (s.version < 0)
    throw protocol::DecodeError("consumer subscription version " + std::to_string(s.version));
  const int32_t topics = r.read_array_length(false, 2);
  for (int32_t i = 0; i < topics; ++i) s.topics.push_back(r.read_string());
  s.user_data = r.read_nullable_bytes();
  if (s.version >= 1) s.owned = read_topic_partitions(r);
  if (s.version >= 2) s.generation_id = r.read_int32();
  if (s.version >= 3) s.rack_id = r.read_nullable_string();
  return s;
}

Assignment decode_assignment(std::span<const uint8_t> bytes) {
  Assignment a;
  if (bytes.empty()) return a;
  auto data = copy(bytes);
  protocol::Reader r{std::span<uint8_t>(data)};
  a.version = r.read_int16();
  if (a.version < 0)
    throw protocol::DecodeError("consumer assignment version " + std::to_string(a.version));
  a.partitions = read_topic_partitions(r);
  a.user_data = r.read_nullable_bytes();
  return a;
}

std::map<std::string, TopicPartitions> range_assign(
    const std::vector<RangeMember>& members,
    const std::map<std::string, int32_t>& partition_counts) {
  std::map<std::string, TopicPartitions> out;
  std::map<std::string, std::vector<const RangeMember*>> by_topic;
  for (const auto& m : members) {
    out[m.member_id];
    for (const auto& topic : m.topics) {
      auto& list = by_topic[topic];
      // A topic named twice in one subscription counts once.
      if (std::find(list.begin(), list.end(), &m) == list.end()) list.push_back(&m);
    }
  }
  // MemberInfo.compareTo: static members (by instance id) before dynamic ones (by
  // member id).
  const auto before = [](const RangeMember* a, const RangeMember* b) {
    if (a->group_instance_id && b->group_instance_id)
      return *a->group_instance_id < *b->group_instance_id;
    if (a->group_instance_id || b->group_instance_id) return a->group_instance_id.has_value();
    return a->member_id < b->member_id;
  };
  for (auto& [topic, subscribed] : by_topic) {
    const auto count = partition_counts.find(topic);
    if (count == partition_counts.end() || count->second <= 0) continue;
    std::sort(subscribed.begin(), subscribed.end(), before);
    const auto n = static_cast<int32_t>(subscribed.size());
    const int32_t each = count->second / n;
    const int32_t extra = count->second % n;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t start = each * i + std::min(i, extra);
      const int32_t length = each + (i < extra ? 1 : 0);
      if (length == 0) continue;
      auto& partitions = out[subscribed[static_cast<size_t>(i)]->member_id][topic];
      for (int32_t p = start; p < start + length; ++p) partitions.push_back(p);
    }
  }
  return out;
}

}  // namespace samsa::cli::consumer_protocol
