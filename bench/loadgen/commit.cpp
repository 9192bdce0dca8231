#include "commit.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "clock.h"
#include "samsa/protocol/messages/offset_commit_request.h"
#include "samsa/protocol/messages/offset_commit_response.h"
#include "samsa/protocol/messages/offset_fetch_request.h"
#include "samsa/protocol/messages/offset_fetch_response.h"

namespace samsa::bench {

namespace {

struct Shared {
  const CommitOptions* options = nullptr;
  const TopicInfo* topic = nullptr;
  int64_t measure_from_ns = 0;
  int64_t stop_at_ns = 0;
  std::atomic<bool> failed{false};
};

struct ConnectionResult : AnswerTotals {
  std::string group;
  int64_t commits = 0;
  int64_t last_offset = -1;  // the offset of the last request answered without error
};

std::string group_of(const CommitOptions& options, int connection) {
  return options.shared_group ? options.group : options.group + "-" + std::to_string(connection);
}

// The admin-style commit of every partition of the topic; offsets are set per send.
protocol::OffsetCommitRequest make_request(const std::string& group, const TopicInfo& topic) {
  protocol::OffsetCommitRequest request;
  request.group_id = group;
  request.generation_id_or_member_epoch = -1;
  request.member_id = "";
  request.group_instance_id = std::nullopt;
  auto& t = request.topics.emplace_back();
  t.name = topic.name;
  for (int32_t p : topic.partitions) {
    auto& part = t.partitions.emplace_back();
    part.partition_index = p;
    part.committed_metadata = "";  // what Kafka's clients send by default
  }
  return request;
}

// Counts the partitions of one answer, returning how many were committed; throws if
// the answer does not cover exactly the `expected` partitions of the request.
int64_t check_answer(const protocol::OffsetCommitResponse& response, size_t expected,
                     ConnectionResult& out) {
  int64_t ok = 0;
  size_t answered = 0;
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) {
      ++answered;
      if (p.error_code == 0) {
        ++ok;
      } else {
        out.partition_error(p.error_code);
      }
    }
  }
  if (answered != expected) {
    throw WireError("OffsetCommit answered " + std::to_string(answered) + " partitions, " +
                    std::to_string(expected) + " committed");
  }
  return ok;
}

void run_connection(Shared& shared, int index, ConnectionResult& out) {
  try {
    const auto& options = *shared.options;
    out.group = group_of(options, index);
    Connection conn(options.host, options.port, std::chrono::milliseconds(5000));
    auto request = make_request(out.group, *shared.topic);
    const size_t partitions = shared.topic->partitions.size();
    int64_t next_offset = 0;
    std::vector<uint8_t> frame;
    auto next = [&](int32_t correlation_id, int64_t& offset) -> std::span<const uint8_t> {
      if (shared.failed.load(std::memory_order_relaxed) || now_ns() >= shared.stop_at_ns) return {};
      for (auto& p : request.topics.front().partitions) p.committed_offset = next_offset;
      // Encoding per request (not a patched pre-built frame) costs well under a
      // microsecond here, and keeps the offsets honest.
      frame = encode_request(request, options.version, correlation_id);
      offset = next_offset++;
      return frame;
    };
    auto on_answer = [&](const protocol::OffsetCommitResponse& response, const SentRequest& sent,
                         int64_t answered_ns) {
      const int64_t ok = check_answer(response, partitions, out);
      if (ok == static_cast<int64_t>(partitions)) out.last_offset = sent.tag;
      if (out.count_answer(sent.sent_ns, answered_ns, shared.measure_from_ns)) out.commits += ok;
    };
    run_pipeline<protocol::OffsetCommitResponse>(conn, options.in_flight, options.version, next,
                                                 on_answer);
  } catch (const std::exception& e) {
    out.failure = e.what();
    shared.failed = true;
  }
}

// Fetches every group's committed offsets (require_stable: nothing may still be in
// flight) and checks them. A group's final offset must be the last offset one of its
// connections committed: with a shared group, the broker may have handled any
// connection's final commit last.
std::string verify(const CommitOptions& options, const TopicInfo& topic,
                   const std::vector<ConnectionResult>& results) {
  if (options.fetch_version < 8) return "skipped";
  std::map<std::string, std::set<int64_t>> expected;
  for (const auto& r : results) expected[r.group].insert(r.last_offset);

  protocol::OffsetFetchRequest request;
  request.require_stable = true;
  for (const auto& [group, _] : expected) {
    auto& g = request.groups.emplace_back();
    g.group_id = group;
    auto& t = g.topics.emplace().emplace_back();
    t.name = topic.name;
    t.partition_indexes = topic.partitions;
  }
  Connection conn(options.host, options.port, std::chrono::milliseconds(5000));
  const auto response =
      round_trip<protocol::OffsetFetchResponse>(conn, request, options.fetch_version);

  size_t checked = 0;
  for (const auto& g : response.groups) {
    const auto want = expected.find(g.group_id);
    if (want == expected.end()) return "unexpected group " + g.group_id;
    if (g.error_code != 0) return g.group_id + ": error " + std::to_string(g.error_code);
    for (const auto& t : g.topics) {
      for (const auto& p : t.partitions) {
        ++checked;
        if (p.error_code != 0 || !want->second.count(p.committed_offset)) {
          std::string last;
          for (int64_t o : want->second) last += (last.empty() ? "" : ",") + std::to_string(o);
          return g.group_id + "/" + std::to_string(p.partition_index) + ": offset " +
                 std::to_string(p.committed_offset) + " error " + std::to_string(p.error_code) +
                 ", last committed " + last;
        }
      }
    }
  }
  if (checked != expected.size() * topic.partitions.size()) {
    return "OffsetFetch answered " + std::to_string(checked) + " partitions";
  }
  return "ok";
}

}  // namespace

CommitResult run_commit(const CommitOptions& options, const TopicInfo& topic) {
  Shared shared;
  shared.options = &options;
  shared.topic = &topic;
  shared.measure_from_ns = now_ns() + static_cast<int64_t>(options.warmup_s * 1e9);
  shared.stop_at_ns = shared.measure_from_ns + static_cast<int64_t>(options.duration_s * 1e9);

  const auto results = run_connections<ConnectionResult>(
      options.connections,
      [&shared](int i, ConnectionResult& out) { run_connection(shared, i, out); });

  CommitResult result;
  result.last_answer_ns = shared.measure_from_ns;
  for (const auto& r : results) {
    result.add(r);
    result.commits += r.commits;
  }
  result.seconds = static_cast<double>(result.last_answer_ns - shared.measure_from_ns) / 1e9;
  result.latency.finish();
  result.verified = verify(options, topic, results);
  return result;
}

}  // namespace samsa::bench
