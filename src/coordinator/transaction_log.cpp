#include "samsa/coordinator/transaction_log.h"

#include <algorithm>
#include <array>

#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"

namespace samsa::coordinator {

namespace {

constexpr int16_t kKeyVersion = 0;
constexpr int16_t kValueVersion = 0;

constexpr std::array<const char*, 8> kStateNames = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence"};

std::optional<TxnValue> decode_value(const uint8_t* data, int32_t size) {
  Bytes copy(data, data + size);
  protocol::Reader r(copy);
  // v1 (Kafka 4) is flexible: its extra fields are tagged; samsa writes and reads v0.
  if (r.read_int16() != kValueVersion) return std::nullopt;
  TxnValue v;
  v.producer_id = r.read_int64();
  v.producer_epoch = r.read_int16();
  v.timeout_ms = r.read_int32();
  const int8_t state = r.read_int8();
  if (state < 0 || state >= static_cast<int8_t>(kStateNames.size())) return std::nullopt;
  v.state = static_cast<TxnState>(state);
  const int32_t topics = r.read_array_length(false, 6);
  for (int32_t t = 0; t < topics; ++t) {
    std::string topic = r.read_string();
    const int32_t n = r.read_array_length(false, 4);
    for (int32_t i = 0; i < n; ++i) v.partitions.push_back({topic, r.read_int32()});
  }
  v.last_update_ms = r.read_int64();
  v.start_ms = r.read_int64();
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
  w.write_array_length(topics.size(), false);
  for (const auto& [topic, partitions] : topics) {
    w.write_string(topic);
    w.write_array_length(partitions.size(), false);
    for (const int32_t p : partitions) w.write_int32(p);
  }
  w.write_int64(value.last_update_ms);
  w.write_int64(value.start_ms);
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
