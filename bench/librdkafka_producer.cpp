// librdkafka-producer: produces N records of S bytes with librdkafka's C API, the way
// an application would (one rd_kafka_producev per record, the library batches), and
// reports throughput plus the CPU time the broker and this client spent, to show
// which side is the bottleneck.
//
//   librdkafka-producer --bootstrap 127.0.0.1:9092 --topic t --count 1000000 --size 100
//                       [--acks all|1] [--broker-pid PID] [--set key=value ...]
//                       [--transaction-records N]
//
// Default: enable.idempotence=true with acks=all (the Java client's defaults).
// --acks 1 turns idempotence off, since librdkafka requires acks=all for it.
// --transaction-records N: a transactional producer that commits every N records (the
// commit waits for the records and the markers), reporting transactions/s too.
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic = "bench-rdkafka";
  long long count = 1'000'000;
  size_t size = 100;
  std::string acks = "all";
  long broker_pid = 0;
  long long transaction_records = 0;  // 0: not transactional
  std::vector<std::pair<std::string, std::string>> extra;
};

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr,
               "librdkafka-producer: %s\nusage: librdkafka-producer --bootstrap HOST:PORT "
               "--topic T [--count N] [--size B] [--acks all|1] [--broker-pid PID] "
               "[--set key=value]...\n",
               message);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + arg).c_str());
    const std::string value = argv[++i];
    if (arg == "--bootstrap") {
      o.bootstrap = value;
    } else if (arg == "--topic") {
      o.topic = value;
    } else if (arg == "--count") {
      o.count = std::atoll(value.c_str());
    } else if (arg == "--size") {
      o.size = static_cast<size_t>(std::atoll(value.c_str()));
    } else if (arg == "--acks") {
      o.acks = value;
    } else if (arg == "--transaction-records") {
      o.transaction_records = std::atoll(value.c_str());
    } else if (arg == "--broker-pid") {
      o.broker_pid = std::atol(value.c_str());
    } else if (arg == "--set") {
      const auto eq = value.find('=');
      if (eq == std::string::npos) usage("--set wants key=value");
      o.extra.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else {
      usage(("unknown option " + arg).c_str());
    }
  }
  if (o.acks != "all" && o.acks != "-1" && o.acks != "1") usage("--acks must be all or 1");
  if (o.transaction_records > 0 && o.acks == "1") usage("transactions need --acks all");
  return o;
}

// utime + stime of a process, in seconds, from /proc/<pid>/stat (fields 14 and 15).
double process_cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  // The command name (field 2) is in parentheses and may contain spaces.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int n = 3; fields >> field; ++n) {
    if (n == 14) utime = std::stoull(field);
    if (n == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

struct Delivery {
  long long delivered = 0;
  long long failed = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* d = static_cast<Delivery*>(opaque);
  if (message->err) {
    if (d->failed++ == 0) d->first_error = message->err;
  } else {
    ++d->delivered;
  }
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "librdkafka-producer: %s=%s: %s\n", key.c_str(), value.c_str(), error);
    std::exit(2);
  }
}

// Aborts the run with librdkafka's message when a transactional call fails.
void check(rd_kafka_error_t* error, const char* what) {
  if (error == nullptr) return;
  std::fprintf(stderr, "librdkafka-producer: %s: %s\n", what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  Delivery delivery;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", o.bootstrap);
  const bool idempotent = o.acks != "1";
  set(conf, "enable.idempotence", idempotent ? "true" : "false");
  set(conf, "acks", idempotent ? "all" : "1");
  const bool transactional = o.transaction_records > 0;
  if (transactional) set(conf, "transactional.id", "bench-txn-" + std::to_string(::getpid()));
  for (const auto& [k, v] : o.extra) set(conf, k, v);
  rd_kafka_conf_set_opaque(conf, &delivery);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);

  char error[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (producer == nullptr) {
    std::fprintf(stderr, "librdkafka-producer: %s\n", error);
    return 1;
  }
  const std::string payload(o.size, 'x');

  // Warm up: one record, so that metadata, the connection and (with idempotence) the
  // producer id are in place before the clock starts.
  if (transactional) {
    check(rd_kafka_init_transactions(producer, 30'000), "init_transactions");
    check(rd_kafka_begin_transaction(producer), "begin_transaction");
  }
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(o.topic.c_str()),
                    RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  rd_kafka_flush(producer, 30'000);
  if (transactional) check(rd_kafka_commit_transaction(producer, 30'000), "commit_transaction");
  if (delivery.failed > 0) {
    std::fprintf(stderr, "librdkafka-producer: warm-up record failed: %s\n",
                 rd_kafka_err2str(delivery.first_error));
    return 1;
  }
  delivery = Delivery{};

  const double broker_cpu_before = o.broker_pid > 0 ? process_cpu_seconds(o.broker_pid) : 0;
  const double client_cpu_before = self_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  long long transactions = 0;
  if (transactional) check(rd_kafka_begin_transaction(producer), "begin_transaction");
  for (long long i = 0; i < o.count;) {
    const rd_kafka_resp_err_t err =
        rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(o.topic.c_str()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 1);  // let delivery reports drain the queue
      continue;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "librdkafka-producer: produce: %s\n", rd_kafka_err2str(err));
      return 1;
    }
    ++i;
    if ((i & 0x3ff) == 0) rd_kafka_poll(producer, 0);
    if (transactional && (i % o.transaction_records == 0 || i == o.count)) {
      check(rd_kafka_commit_transaction(producer, 120'000), "commit_transaction");
      ++transactions;
      if (i < o.count) check(rd_kafka_begin_transaction(producer), "begin_transaction");
    }
  }
  rd_kafka_flush(producer, 120'000);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double client_cpu = self_cpu_seconds() - client_cpu_before;
  const double broker_cpu =
      o.broker_pid > 0 ? process_cpu_seconds(o.broker_pid) - broker_cpu_before : -1;
  rd_kafka_destroy(producer);

  const double msgs = static_cast<double>(delivery.delivered) / seconds;
  if (transactional)
    std::printf("transactions: %lld of %lld records: %.0f transactions/s\n", transactions,
                o.transaction_records, static_cast<double>(transactions) / seconds);
  const double mbs = msgs * static_cast<double>(o.size) / 1e6;
  std::printf(
      "librdkafka %s: %lld x %zu B, acks=%s idempotence=%s: %.0f msgs/s, %.1f MB/s (payload) "
      "in %.2f s\n  CPU s: client %.2f, broker %.2f; failed deliveries %lld%s%s\n",
      rd_kafka_version_str(), delivery.delivered, o.size, idempotent ? "all" : "1",
      idempotent ? "on" : "off", msgs, mbs, seconds, client_cpu, broker_cpu, delivery.failed,
      delivery.failed ? " first: " : "",
      delivery.failed ? rd_kafka_err2str(delivery.first_error) : "");
  std::printf(
      "RESULT mode=librdkafka record_size=%zu count=%lld acks=%s msgs_per_s=%.0f mb_per_s=%.1f "
      "client_cpu_s=%.2f broker_cpu_s=%.2f failed=%lld txn_records=%lld txns_per_s=%.0f\n",
      o.size, delivery.delivered, idempotent ? "all" : "1", msgs, mbs, client_cpu, broker_cpu,
      delivery.failed, o.transaction_records,
      transactional ? static_cast<double>(transactions) / seconds : 0.0);
  return delivery.failed == 0 && delivery.delivered == o.count ? 0 : 1;
}
