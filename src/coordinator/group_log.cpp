#include "samsa/coordinator/group_log.h"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"
#include "samsa/storage/batch_builder.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/partition_log.h"
#include "samsa/storage/record_batch.h"
#include "samsa/util/log.h"

namespace samsa::coordinator {

namespace {

constexpr int16_t kOffsetKeyVersion = 1;
constexpr int16_t kGroupKeyVersion = 2;
constexpr int16_t kOffsetValueVersion = 3;
constexpr int16_t kGroupValueVersion = 3;

Bytes take(protocol::OutboundMessage& out) {
  return std::move(out.bytes);
}

// A key of one group's own record (classic metadata, consumer group): version, group.
Bytes encode_group_scoped_key(int16_t version, const std::string& group) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(version);
  w.write_string(group);
  return take(out);
}

std::optional<OffsetValue> decode_offset_value(protocol::Reader& r) {
  OffsetValue v;
  const int16_t version = r.read_int16();
  if (version < 0 || version > 4) return std::nullopt;
  v.offset = r.read_int64();
  if (version >= 3) v.leader_epoch = r.read_int32();
  v.metadata = r.read_string();
  v.commit_timestamp = r.read_int64();
  if (version == 1) r.read_int64();  // expire timestamp, unused since Kafka 2.1
  return v;
}

std::optional<GroupValue> decode_group_value(protocol::Reader& r) {
  GroupValue v;
  const int16_t version = r.read_int16();
  if (version < 0 || version > 3) return std::nullopt;
  v.protocol_type = r.read_string();
  v.generation = r.read_int32();
  v.protocol = r.read_nullable_string();
  v.leader = r.read_nullable_string();
  if (version >= 2) v.state_timestamp = r.read_int64();
  const int32_t n = r.read_array_length(false, 4);
  for (int32_t i = 0; i < n; ++i) {
    StoredMember m;
    m.member_id = r.read_string();
    if (version >= 3) m.group_instance_id = r.read_nullable_string();
    m.client_id = r.read_string();
    m.client_host = r.read_string();
    if (version >= 1) m.rebalance_timeout_ms = r.read_int32();
    m.session_timeout_ms = r.read_int32();
    m.subscription = r.read_bytes();
    m.assignment = r.read_bytes();
    v.members.push_back(std::move(m));
  }
  return v;
}

constexpr int16_t kConsumerGroupValueVersion = 0;

void write_assignment(protocol::Writer& w, const Assignment& a) {
  w.write_array_length(a.size(), false);
  for (const auto& [topic, partitions] : a) {
    w.write_raw(topic);
    w.write_array_length(partitions.size(), false);
    for (int32_t p : partitions) w.write_int32(p);
  }
}

TopicId read_topic_id(protocol::Reader& r) {
  TopicId id{};
  const auto bytes = r.read_span(id.size());
  std::copy(bytes.begin(), bytes.end(), id.begin());
  return id;
}

Assignment read_assignment(protocol::Reader& r) {
  Assignment a;
  const int32_t topics = r.read_array_length(false, 20);
  for (int32_t i = 0; i < topics; ++i) {
    std::set<int32_t>& partitions = a[read_topic_id(r)];
    const int32_t n = r.read_array_length(false, 4);
    for (int32_t j = 0; j < n; ++j) partitions.insert(r.read_int32());
  }
  return a;
}

std::optional<ConsumerGroupModel> decode_consumer_group_value(protocol::Reader& r) {
  if (r.read_int16() != kConsumerGroupValueVersion) return std::nullopt;
  ConsumerGroupModel g;
  g.group_epoch = r.read_int32();
  g.assignment_epoch = r.read_int32();
  const int32_t topics = r.read_array_length(false, 22);
  for (int32_t i = 0; i < topics; ++i) {
    std::string name = r.read_string();
    SubscribedTopic t;
    t.id = read_topic_id(r);
    t.partitions = r.read_int32();
    g.subscription_metadata[std::move(name)] = t;
  }
  const int32_t members = r.read_array_length(false, 40);
  std::vector<ConsumerMember> restored;
  for (int32_t i = 0; i < members; ++i) {
    ConsumerMember m;
    m.member_id = r.read_string();
    m.instance_id = r.read_nullable_string();
    m.rack_id = r.read_nullable_string();
    m.member_epoch = r.read_int32();
    m.previous_member_epoch = r.read_int32();
    const int8_t state = r.read_int8();
    if (state < 0 || state > static_cast<int8_t>(MemberState::kUnreleasedPartitions))
      return std::nullopt;
    m.state = static_cast<MemberState>(state);
    m.rebalance_timeout_ms = r.read_int32();
    m.client_id = r.read_string();
    m.client_host = r.read_string();
    const int32_t names = r.read_array_length(false, 2);
    for (int32_t j = 0; j < names; ++j) m.subscribed_topic_names.push_back(r.read_string());
    m.subscribed_topic_regex = r.read_nullable_string();
    m.server_assignor = r.read_nullable_string();
    m.assigned = read_assignment(r);
    m.pending_revocation = read_assignment(r);
    restored.push_back(std::move(m));
  }
  std::map<std::string, Assignment> targets;
  const int32_t n = r.read_array_length(false, 6);
  for (int32_t i = 0; i < n; ++i) {
    std::string member = r.read_string();
    targets[std::move(member)] = read_assignment(r);
  }
  // update_member checks that no partition has two owners: a record that breaks that
  // rule is refused (std::logic_error, counted as skipped by replay) rather than served.
  for (ConsumerMember& m : restored) g.update_member(std::move(m));
  g.set_targets(std::move(targets));
  return g;
}

// Decodes one record; false when the key or value is not in a known format.
bool visit_record(const storage::BatchHeader& batch, const storage::RecordView& rec,
                  const GroupLogVisitor& visitor) {
  const bool transactional = batch.is_transactional();
  if (rec.key_length < 2) return false;
  Bytes key(rec.key, rec.key + rec.key_length);
  protocol::Reader kr(key);
  const int16_t key_version = kr.read_int16();
  std::optional<Bytes> value;
  if (rec.value_length >= 0) value.emplace(rec.value, rec.value + rec.value_length);
  if (key_version == 0 || key_version == kOffsetKeyVersion) {
    const std::string group = kr.read_string();
    TopicPartition tp;
    tp.topic = kr.read_string();
    tp.partition = kr.read_int32();
    std::optional<OffsetValue> v;
    if (value) {
      protocol::Reader vr(*value);
      v = decode_offset_value(vr);
      if (!v) return false;
    }
    if (transactional) {
      if (visitor.on_txn_offset) visitor.on_txn_offset(batch.producer_id, group, tp, std::move(v));
    } else if (key_version == 0 && visitor.on_compacted_offset) {
      visitor.on_compacted_offset(group, tp, std::move(v));
    } else if (visitor.on_offset) {
      visitor.on_offset(group, tp, std::move(v));
    }
    return true;
  }
  if (key_version == kGroupKeyVersion) {
    const std::string group = kr.read_string();
    std::optional<GroupValue> v;
    if (value) {
      protocol::Reader vr(*value);
      v = decode_group_value(vr);
      if (!v) return false;
    }
    if (visitor.on_group) visitor.on_group(group, std::move(v));
    return true;
  }
  if (key_version == kConsumerGroupKeyVersion) {
    const std::string group = kr.read_string();
    std::optional<ConsumerGroupModel> v;
    if (value) {
      protocol::Reader vr(*value);
      v = decode_consumer_group_value(vr);
      if (!v) return false;
    }
    if (visitor.on_consumer_group) visitor.on_consumer_group(group, std::move(v));
    return true;
  }
  return false;
}

}  // namespace

Bytes encode_offset_key(const std::string& group, const TopicPartition& tp, bool compacted) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(compacted ? int16_t{0} : kOffsetKeyVersion);
  w.write_string(group);
  w.write_string(tp.topic);
  w.write_int32(tp.partition);
  return take(out);
}

Bytes encode_offset_value(const OffsetValue& value) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kOffsetValueVersion);
  w.write_int64(value.offset);
  w.write_int32(value.leader_epoch);
  w.write_string(value.metadata);
  w.write_int64(value.commit_timestamp);
  return take(out);
}

Bytes encode_group_key(const std::string& group) {
  return encode_group_scoped_key(kGroupKeyVersion, group);
}

Bytes encode_group_value(const GroupValue& value) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kGroupValueVersion);
  w.write_string(value.protocol_type);
  w.write_int32(value.generation);
  w.write_nullable_string(value.protocol);
  w.write_nullable_string(value.leader);
  w.write_int64(value.state_timestamp);
  w.write_array_length(value.members.size(), false);
  for (const auto& m : value.members) {
    w.write_string(m.member_id);
    w.write_nullable_string(m.group_instance_id);
    w.write_string(m.client_id);
    w.write_string(m.client_host);
    w.write_int32(m.rebalance_timeout_ms);
    w.write_int32(m.session_timeout_ms);
    w.write_bytes(m.subscription);
    w.write_bytes(m.assignment);
  }
  return take(out);
}

Bytes encode_consumer_group_key(const std::string& group) {
  return encode_group_scoped_key(kConsumerGroupKeyVersion, group);
}

Bytes encode_consumer_group_value(const ConsumerGroupModel& g) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kConsumerGroupValueVersion);
  w.write_int32(g.group_epoch);
  w.write_int32(g.assignment_epoch);
  w.write_array_length(g.subscription_metadata.size(), false);
  for (const auto& [name, t] : g.subscription_metadata) {
    w.write_string(name);
    w.write_raw(t.id);
    w.write_int32(t.partitions);
  }
  w.write_array_length(g.members().size(), false);
  for (const auto& [id, m] : g.members()) {
    w.write_string(id);
    w.write_nullable_string(m.instance_id);
    w.write_nullable_string(m.rack_id);
    w.write_int32(m.member_epoch);
    w.write_int32(m.previous_member_epoch);
    w.write_int8(static_cast<int8_t>(m.state));
    w.write_int32(m.rebalance_timeout_ms);
    w.write_string(m.client_id);
    w.write_string(m.client_host);
    w.write_array_length(m.subscribed_topic_names.size(), false);
    for (const auto& name : m.subscribed_topic_names) w.write_string(name);
    w.write_nullable_string(m.subscribed_topic_regex);
    w.write_nullable_string(m.server_assignor);
    write_assignment(w, m.assigned);
    write_assignment(w, m.pending_revocation);
  }
  w.write_array_length(g.targets().size(), false);
  for (const auto& [id, a] : g.targets()) {
    w.write_string(id);
    write_assignment(w, a);
  }
  return take(out);
}

size_t GroupLog::replay(const GroupLogVisitor& visitor, int64_t /*now_ms*/) {
  InternalLog::Visitor raw;
  raw.on_record = [&](const storage::BatchHeader& batch, const storage::RecordView& rec) {
    try {
      if (!visit_record(batch, rec, visitor)) ++skipped_;
    } catch (const std::exception&) {  // a truncated key or value
      ++skipped_;
    }
  };
  raw.on_marker = [&](int64_t producer_id, storage::MarkerType type) {
    if (visitor.on_txn_marker)
      visitor.on_txn_marker(producer_id, type == storage::MarkerType::kCommit);
  };
  return log_.replay(raw);
}

}  // namespace samsa::coordinator
