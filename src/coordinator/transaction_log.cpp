#include "samsa/coordinator/transaction_log.h"

#include <algorithm>
#include <array>

#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"

namespace samsa::coordinator {

namespace {

constexpr int16_t kKeyVersion = 0;
// v1 (Kafka 4) is flexible, with the transactions-v2 fields tagged; v0 is still read.
constexpr int16_t kValueVersion = 1;
constexpr uint32_t kTagPreviousProducerId = 0;
constexpr uint32_t kTagNextProducerId = 1;
constexpr uint32_t kTagClientTransactionVersion = 2;

constexpr std::array<const char*, 8> kStateNames = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence"};

// Skips the tagged fields of a flexible struct, calling `field(tag, reader)` for each
// (which reads its value or leaves it for the skip).
template <class Fn>
void read_tagged_fields(protocol::Reader& r, Fn&& field) {
  const uint32_t count = r.read_uvarint();
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t tag = r.read_uvarint();
    const uint32_t size = r.read_uvarint();
    std::span<uint8_t> data = r.read_span(size);
    protocol::Reader value(data);
    field(tag, value);
  }
}

std::optional<TxnValue> decode_value(const uint8_t* data, int32_t size) {
  Bytes copy(data, data + size);
  protocol::Reader r(copy);
  const int16_t version = r.read_int16();
  if (version < 0 || version > kValueVersion) return std::nullopt;
  const bool flexible = version >= 1;
  TxnValue v;
  v.producer_id = r.read_int64();
  v.producer_epoch = r.read_int16();
  v.timeout_ms = r.read_int32();
  const int8_t state = r.read_int8();
  if (state < 0 || state >= static_cast<int8_t>(kStateNames.size())) return std::nullopt;
  v.state = static_cast<TxnState>(state);
  const int32_t topics = r.read_array_length(flexible, flexible ? 3 : 6);
  for (int32_t t = 0; t < topics; ++t) {
    std::string topic = flexible ? r.read_compact_string() : r.read_string();
    const int32_t n = r.read_array_length(flexible, 4);
    for (int32_t i = 0; i < n; ++i) v.partitions.push_back({topic, r.read_int32()});
    if (flexible) read_tagged_fields(r, [](uint32_t, protocol::Reader&) {});
  }
  v.last_update_ms = r.read_int64();
  v.start_ms = r.read_int64();
  if (flexible) {
    read_tagged_fields(r, [&](uint32_t tag, protocol::Reader& field) {
      if (tag == kTagPreviousProducerId) v.previous_producer_id = field.read_int64();
      if (tag == kTagNextProducerId) v.next_producer_id = field.read_int64();
      if (tag == kTagClientTransactionVersion) v.client_transaction_version = field.read_int16();
    });
  }
  return v;
}

}  // namespace

const char* to_string(TxnState state) {
  const auto i = static_cast<size_t>(state);
  return i < kStateNames.size() ? kStateNames[i] : "Unknown";
}

std::optional<TxnState> txn_state_from_string(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i)
    if (name == kStateNames[i]) return static_cast<TxnState>(i);
  return std::nullopt;
}

Bytes encode_txn_key(const std::string& transactional_id) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kKeyVersion);
  w.write_string(transactional_id);
  return std::move(out.bytes);
}

Bytes encode_txn_value(const TxnValue& value) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kValueVersion);
  w.write_int64(value.producer_id);
  w.write_int16(value.producer_epoch);
  w.write_int32(value.timeout_ms);
  w.write_int8(static_cast<int8_t>(value.state));
  // Grouped by topic, as Kafka writes them.
  std::vector<std::pair<std::string, std::vector<int32_t>>> topics;
  for (const auto& tp : value.partitions) {
    if (topics.empty() || topics.back().first != tp.topic) topics.push_back({tp.topic, {}});
    topics.back().second.push_back(tp.partition);
  }
  w.write_array_length(topics.size(), true);
  for (const auto& [topic, partitions] : topics) {
    w.write_compact_string(topic);
    w.write_array_length(partitions.size(), true);
    for (const int32_t p : partitions) w.write_int32(p);
    w.write_uvarint(0);  // no tagged fields
  }
  w.write_int64(value.last_update_ms);
  w.write_int64(value.start_ms);
  // Tagged fields are written only when they differ from their defaults, as Kafka does.
  uint32_t tagged = 0;
  tagged += value.previous_producer_id != -1;
  tagged += value.next_producer_id != -1;
  tagged += value.client_transaction_version != 0;
  w.write_uvarint(tagged);
  if (value.previous_producer_id != -1)
    w.write_tagged_field(kTagPreviousProducerId,
                         [&](protocol::Writer& f) { f.write_int64(value.previous_producer_id); });
  if (value.next_producer_id != -1)
    w.write_tagged_field(kTagNextProducerId,
                         [&](protocol::Writer& f) { f.write_int64(value.next_producer_id); });
  if (value.client_transaction_version != 0)
    w.write_tagged_field(kTagClientTransactionVersion, [&](protocol::Writer& f) {
      f.write_int16(value.client_transaction_version);
    });
  return std::move(out.bytes);
}

size_t TransactionLog::replay(
    const std::function<void(const std::string& id, std::optional<TxnValue> value)>& visit) {
  InternalLog::Visitor raw;
  raw.on_record = [&](const storage::BatchHeader&, const storage::RecordView& rec) {
    try {
      if (rec.key_length < 2) {
        ++skipped_;
        return;
      }
      Bytes key(rec.key, rec.key + rec.key_length);
      protocol::Reader kr(key);
      if (kr.read_int16() != kKeyVersion) {
        ++skipped_;
        return;
      }
      const std::string id = kr.read_string();
      if (rec.value_length < 0) return visit(id, std::nullopt);
      auto value = decode_value(rec.value, rec.value_length);
      if (!value) {
        ++skipped_;
        return;
      }
      visit(id, std::move(value));
    } catch (const std::exception&) {  // a truncated key or value
      ++skipped_;
    }
  };
  return log_.replay(raw);
}

void TransactionLog::append(const std::string& transactional_id,
                            const std::optional<TxnValue>& value, int64_t now_ms,
                            std::function<void(ErrorCode)> done) {
  const LogRecord record{encode_txn_key(transactional_id),
                         value ? std::optional<Bytes>(encode_txn_value(*value)) : std::nullopt};
  log_.append(std::span(&record, 1), now_ms, std::move(done));
}

}  // namespace samsa::coordinator
