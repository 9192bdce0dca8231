// samsa-loadgen: a Kafka produce/fetch/commit load generator that is cheap on the client
// side. Record batches are built once and re-sent as they are (no producer id, so the
// broker stores every copy), so throughput is bounded by the broker and the network.
// The commit mode drives OffsetCommit instead (see commit.h).
//
//   samsa-loadgen --bootstrap 127.0.0.1:9092 --topic t [--mode produce|fetch|commit|create|rtt]
//
// Prints a human summary and one machine-readable `RESULT key=value ...` line.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "admin.h"
#include "commit.h"
#include "fetch.h"
#include "produce.h"
#include "samsa/protocol/messages/fetch_request.h"
#include "samsa/protocol/messages/offset_commit_request.h"
#include "samsa/protocol/messages/offset_fetch_request.h"
#include "samsa/protocol/messages/produce_request.h"

namespace {

using namespace samsa::bench;

constexpr const char* kUsage = R"(usage: samsa-loadgen --bootstrap HOST:PORT --topic NAME [options]
  --mode M               produce (default) | fetch | commit | create | rtt
  --partitions N         partitions to use (and to create), default 1; in commit mode
                         every request commits all N
  --record-size B        bytes per record value, default 100
  --batch-bytes B        fill each batch up to B bytes, default 16384
  --records-per-batch N  exactly N records per batch (overrides --batch-bytes)
  --acks A               1 (default), -1/all, 0 is not supported
  --connections N        default 1
  --in-flight K          requests in flight per connection, default 8
  --duration S           seconds of measured load, default 10
  --warmup S             seconds of unmeasured load first, default 1
  --messages N           send N records instead of running for a duration
  --produce-version V    cap the Produce version (default: highest both serve, <= 11)
  --fetch-max-bytes B    fetch max_bytes and partition_max_bytes, default 64 MiB
  --verify-crc           fetch: check each batch's CRC-32C
  --rtt                  same as --mode rtt: 1 connection, 1 in flight, 1 record/batch, acks=1
  --group G              commit: group id (prefix G-<connection> unless --shared-group),
                         default samsa-loadgen
  --shared-group         commit: every connection commits to the one group G
  --commit-version V     commit: cap the OffsetCommit version, default 8
)";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "samsa-loadgen: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 9092;
  std::string topic;
  std::string mode = "produce";
  int32_t partitions = 1;
  int16_t produce_version_cap = 11;
  int16_t commit_version_cap = 8;
  ProduceOptions produce;
  FetchOptions fetch;
  CommitOptions commit;
};

Options parse(int argc, char** argv) {
  Options o;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage_error(std::string("missing value for ") + argv[i]);
    return argv[++i];
  };
  auto number = [&](int& i) -> double {
    const std::string text = value(i);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0') usage_error("not a number: " + text);
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--bootstrap") {
      const std::string hp = value(i);
      const auto colon = hp.rfind(':');
      if (colon == std::string::npos) usage_error("--bootstrap wants HOST:PORT");
      o.host = hp.substr(0, colon);
      o.port = static_cast<uint16_t>(std::stoi(hp.substr(colon + 1)));
    } else if (arg == "--topic") {
      o.topic = value(i);
    } else if (arg == "--mode") {
      o.mode = value(i);
    } else if (arg == "--rtt") {
      o.mode = "rtt";
    } else if (arg == "--partitions") {
      o.partitions = static_cast<int32_t>(number(i));
    } else if (arg == "--record-size") {
      o.produce.record_size = static_cast<size_t>(number(i));
    } else if (arg == "--batch-bytes") {
      o.produce.batch_bytes = static_cast<size_t>(number(i));
    } else if (arg == "--records-per-batch") {
      o.produce.records_per_batch = static_cast<int>(number(i));
    } else if (arg == "--acks") {
      const std::string a = value(i);
      o.produce.acks = a == "all" ? -1 : static_cast<int16_t>(std::stoi(a));
    } else if (arg == "--connections") {
      o.produce.connections = static_cast<int>(number(i));
    } else if (arg == "--in-flight") {
      o.produce.in_flight = static_cast<int>(number(i));
    } else if (arg == "--duration") {
      o.produce.duration_s = number(i);
    } else if (arg == "--warmup") {
      o.produce.warmup_s = number(i);
    } else if (arg == "--messages") {
      o.produce.messages = static_cast<int64_t>(number(i));
    } else if (arg == "--produce-version") {
      o.produce_version_cap = static_cast<int16_t>(number(i));
    } else if (arg == "--fetch-max-bytes") {
      o.fetch.max_bytes = o.fetch.partition_max_bytes = static_cast<int32_t>(number(i));
    } else if (arg == "--group") {
      o.commit.group = value(i);
    } else if (arg == "--shared-group") {
      o.commit.shared_group = true;
    } else if (arg == "--commit-version") {
      o.commit_version_cap = static_cast<int16_t>(number(i));
    } else if (arg == "--verify-crc") {
      o.fetch.verify_crc = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      usage_error("unknown option " + std::string(arg));
    }
  }
  if (o.topic.empty()) usage_error("--topic is required");
  if (o.mode == "rtt") {
    o.produce.connections = 1;
    o.produce.in_flight = 1;
    o.produce.records_per_batch = 1;
    o.produce.acks = 1;
  }
  if (o.produce.acks != 1 && o.produce.acks != -1) usage_error("--acks must be 1 or -1/all");
  if (o.partitions < 1 || o.produce.connections < 1 || o.produce.in_flight < 1) {
    usage_error("--partitions, --connections and --in-flight must be >= 1");
  }
  o.produce.host = o.fetch.host = o.commit.host = o.host;
  o.produce.port = o.fetch.port = o.commit.port = o.port;
  // The commit load shares the connection and timing options with the produce load.
  o.commit.connections = o.produce.connections;
  o.commit.in_flight = o.produce.in_flight;
  o.commit.duration_s = o.produce.duration_s;
  o.commit.warmup_s = o.produce.warmup_s;
  return o;
}

void print_produce(const Options& o, const ProduceResult& r) {
  const double msgs = static_cast<double>(r.records) / r.seconds;
  const double mbs = static_cast<double>(r.bytes) / r.seconds / 1e6;
  const double p50 = r.latency.percentile_us(0.5), p99 = r.latency.percentile_us(0.99),
               p999 = r.latency.percentile_us(0.999);
  std::printf(
      "%s: %d x %zu B records/batch (%zu B batches), acks=%d, %zu partitions, %d conn x %d "
      "in flight, Produce v%d\n"
      "  %.0f msgs/s, %.1f MB/s (batch bytes), %lld requests in %.2f s\n"
      "  latency us: p50 %.1f  p99 %.1f  p999 %.1f  max %.1f\n"
      "  errors: %lld (first error code %d)\n",
      o.mode.c_str(), r.records_per_batch, o.produce.record_size, r.batch_bytes, o.produce.acks,
      static_cast<size_t>(o.partitions), o.produce.connections, o.produce.in_flight,
      o.produce.version, msgs, mbs, static_cast<long long>(r.requests), r.seconds, p50, p99, p999,
      r.latency.percentile_us(1.0), static_cast<long long>(r.errors), r.first_error);
  std::printf(
      "RESULT mode=%s record_size=%zu records_per_batch=%d batch_bytes=%zu acks=%d "
      "partitions=%d connections=%d in_flight=%d msgs_per_s=%.0f mb_per_s=%.1f p50_us=%.1f "
      "p99_us=%.1f p999_us=%.1f requests=%lld errors=%lld\n",
      o.mode.c_str(), o.produce.record_size, r.records_per_batch, r.batch_bytes, o.produce.acks,
      o.partitions, o.produce.connections, o.produce.in_flight, msgs, mbs, p50, p99, p999,
      static_cast<long long>(r.requests), static_cast<long long>(r.errors));
}

void print_fetch(const FetchResult& r) {
  const double msgs = static_cast<double>(r.records) / r.seconds;
  const double mbs = static_cast<double>(r.bytes) / r.seconds / 1e6;
  std::printf(
      "fetch: %lld records, %lld bytes in %lld requests, %.3f s\n"
      "  %.0f msgs/s, %.1f MB/s; errors %lld, bad CRCs %lld\n",
      static_cast<long long>(r.records), static_cast<long long>(r.bytes),
      static_cast<long long>(r.requests), r.seconds, msgs, mbs, static_cast<long long>(r.errors),
      static_cast<long long>(r.bad_batches));
  std::printf(
      "RESULT mode=fetch records=%lld bytes=%lld msgs_per_s=%.0f mb_per_s=%.1f errors=%lld "
      "bad_crc=%lld\n",
      static_cast<long long>(r.records), static_cast<long long>(r.bytes), msgs, mbs,
      static_cast<long long>(r.errors), static_cast<long long>(r.bad_batches));
}

void print_commit(const Options& o, const CommitResult& r) {
  const double commits = static_cast<double>(r.commits) / r.seconds;
  const double requests = static_cast<double>(r.requests) / r.seconds;
  const double p50 = r.latency.percentile_us(0.5), p99 = r.latency.percentile_us(0.99),
               p999 = r.latency.percentile_us(0.999);
  std::printf(
      "commit: %d partitions/request, %d conn x %d in flight, %s, OffsetCommit v%d\n"
      "  %.0f commits/s (partition offsets), %.0f requests/s, %lld requests in %.2f s\n"
      "  latency us: p50 %.1f  p99 %.1f  p999 %.1f  max %.1f\n"
      "  errors: %lld (first error code %d); final OffsetFetch check: %s\n",
      o.partitions, o.commit.connections, o.commit.in_flight,
      o.commit.shared_group ? "one shared group" : "one group per connection", o.commit.version,
      commits, requests, static_cast<long long>(r.requests), r.seconds, p50, p99, p999,
      r.latency.percentile_us(1.0), static_cast<long long>(r.errors), r.first_error,
      r.verified.c_str());
  std::printf(
      "RESULT mode=commit partitions=%d connections=%d in_flight=%d shared_group=%d "
      "commits_per_s=%.0f requests_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
      "requests=%lld errors=%lld verified=%s\n",
      o.partitions, o.commit.connections, o.commit.in_flight, o.commit.shared_group ? 1 : 0,
      commits, requests, p50, p99, p999, static_cast<long long>(r.requests),
      static_cast<long long>(r.errors), r.verified == "ok" ? "ok" : "FAILED");
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  try {
    Connection admin(o.host, o.port, std::chrono::milliseconds(10'000));
    const auto apis = ApiVersions::query(admin);
    const TopicInfo topic =
        ensure_topic(admin, apis, o.topic, o.partitions, std::chrono::milliseconds(10'000));
    TopicInfo used = topic;
    used.partitions.resize(static_cast<size_t>(o.partitions));

    if (o.mode == "create") {
      std::printf("topic %s ready with %zu partitions\n", topic.name.c_str(),
                  topic.partitions.size());
      return 0;
    }
    if (o.mode == "fetch") {
      o.fetch.version = apis.pick(samsa::protocol::FetchRequest::api_key, 4,
                                  topic.id.is_zero() ? 12 : 17, "Fetch");
      const auto result = run_fetch(o.fetch, used);
      print_fetch(result);
      return result.errors == 0 && result.bad_batches == 0 ? 0 : 1;
    }
    if (o.mode == "commit") {
      o.commit.version = apis.pick(samsa::protocol::OffsetCommitRequest::api_key, 1,
                                   o.commit_version_cap, "OffsetCommit");
      o.commit.fetch_version =
          apis.pick(samsa::protocol::OffsetFetchRequest::api_key, 0, 8, "OffsetFetch");
      const auto result = run_commit(o.commit, used);
      print_commit(o, result);
      return result.errors == 0 && result.verified == "ok" ? 0 : 1;
    }
    if (o.mode != "produce" && o.mode != "rtt") usage_error("unknown mode " + o.mode);
    o.produce.version =
        apis.pick(samsa::protocol::ProduceRequest::api_key, 3, o.produce_version_cap, "Produce");
    const auto result = run_produce(o.produce, used);
    print_produce(o, result);
    return result.errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "samsa-loadgen: %s\n", e.what());
    return 1;
  }
}
