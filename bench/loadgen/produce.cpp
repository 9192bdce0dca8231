#include "produce.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "clock.h"
#include "samsa/protocol/messages/produce_request.h"
#include "samsa/protocol/messages/produce_response.h"
#include "samsa/storage/batch_builder.h"

namespace samsa::bench {

namespace {

// One batch of `count` records of `record_size` bytes (no key, no headers), built with
// the storage module's builder so its CRC and layout are exactly what the broker checks.
std::vector<uint8_t> make_batch(size_t record_size, int count) {
  std::string payload(record_size, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  std::vector<storage::RecordSpec> records(static_cast<size_t>(count));
  for (auto& r : records) {
    r.value = payload;
    r.timestamp = now_ms;
  }
  return storage::build_batch(storage::BatchSpec{}, records);
}

// The largest batch that fits in `limit` bytes (at least one record).
std::vector<uint8_t> fill_batch(size_t record_size, size_t limit, int& count) {
  const size_t per_record_guess = record_size + 8;
  count = static_cast<int>(std::max<size_t>(1, (limit > 61 ? limit - 61 : 0) / per_record_guess));
  auto batch = make_batch(record_size, count);
  while (batch.size() > limit && count > 1) {
    const size_t over = batch.size() - limit;
    count -= static_cast<int>(std::max<size_t>(1, over / per_record_guess));
    count = std::max(count, 1);
    batch = make_batch(record_size, count);
  }
  return batch;
}

// Shared by the connection threads: the frames, the stop conditions, the totals.
struct Shared {
  const ProduceOptions* options = nullptr;
  std::vector<std::vector<uint8_t>> frames;  // one request per partition
  int records_per_batch = 0;
  size_t batch_bytes = 0;
  int64_t measure_from_ns = 0;
  int64_t stop_at_ns = 0;
  std::atomic<int64_t> batches_left{0};  // when counting messages
  std::atomic<bool> failed{false};
};

struct ConnectionResult : AnswerTotals {
  int64_t records = 0, bytes = 0;
};

bool claim_one(Shared& shared) {
  if (shared.failed.load(std::memory_order_relaxed)) return false;
  if (shared.options->messages > 0) {
    return shared.batches_left.fetch_sub(1, std::memory_order_relaxed) > 0;
  }
  return now_ns() < shared.stop_at_ns;
}

void run_connection(Shared& shared, int index, ConnectionResult& out) {
  try {
    const auto& options = *shared.options;
    Connection conn(options.host, options.port, std::chrono::milliseconds(5000));
    auto frames = shared.frames;  // private copies: the correlation id is patched per send
    const size_t partitions = frames.size();
    size_t next_partition = static_cast<size_t>(index) % partitions;
    auto next = [&](int32_t correlation_id, int64_t&) -> std::span<const uint8_t> {
      if (!claim_one(shared)) return {};
      auto& frame = frames[next_partition];
      next_partition = (next_partition + 1) % partitions;
      patch_correlation_id(frame, correlation_id);
      return frame;
    };
    auto on_answer = [&](const protocol::ProduceResponse& response, const SentRequest& sent,
                         int64_t answered_ns) {
      int64_t ok = 0;
      for (const auto& t : response.responses) {
        for (const auto& p : t.partition_responses) {
          if (p.error_code == 0) {
            ++ok;
          } else {
            out.partition_error(p.error_code);
          }
        }
      }
      if (out.count_answer(sent.sent_ns, answered_ns, shared.measure_from_ns)) {
        out.records += ok * shared.records_per_batch;
        out.bytes += ok * static_cast<int64_t>(shared.batch_bytes);
      }
    };
    run_pipeline<protocol::ProduceResponse>(conn, options.in_flight, options.version, next,
                                            on_answer);
  } catch (const std::exception& e) {
    out.failure = e.what();
    shared.failed = true;
  }
}

std::vector<uint8_t> make_frame(const ProduceOptions& options, const TopicInfo& topic,
                                int32_t partition, std::vector<uint8_t>& batch) {
  protocol::ProduceRequest request;
  request.acks = options.acks;
  request.timeout_ms = 30'000;
  auto& t = request.topic_data.emplace_back();
  t.name = topic.name;
  auto& p = t.partition_data.emplace_back();
  p.index = partition;
  p.records = protocol::Records::from_view(batch);
  return encode_request(request, options.version, 0);
}

}  // namespace

ProduceResult run_produce(const ProduceOptions& options, const TopicInfo& topic) {
  Shared shared;
  shared.options = &options;
  int count = options.records_per_batch;
  auto batch = count > 0 ? make_batch(options.record_size, count)
                         : fill_batch(options.record_size, options.batch_bytes, count);
  shared.records_per_batch = count;
  shared.batch_bytes = batch.size();
  for (int32_t p : topic.partitions) shared.frames.push_back(make_frame(options, topic, p, batch));

  const int64_t start = now_ns();
  if (options.messages > 0) {
    shared.batches_left = (options.messages + count - 1) / count;
    shared.measure_from_ns = start;
  } else {
    shared.measure_from_ns = start + static_cast<int64_t>(options.warmup_s * 1e9);
    shared.stop_at_ns = shared.measure_from_ns + static_cast<int64_t>(options.duration_s * 1e9);
  }

  const auto results = run_connections<ConnectionResult>(
      options.connections,
      [&shared](int i, ConnectionResult& out) { run_connection(shared, i, out); });

  ProduceResult result;
  result.records_per_batch = count;
  result.batch_bytes = batch.size();
  result.last_answer_ns = shared.measure_from_ns;
  for (const auto& r : results) {
    result.add(r);
    result.records += r.records;
    result.bytes += r.bytes;
  }
  result.seconds = static_cast<double>(result.last_answer_ns - shared.measure_from_ns) / 1e9;
  result.latency.finish();
  return result;
}

}  // namespace samsa::bench
