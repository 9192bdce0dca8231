// samsa produce TOPIC: each line of stdin becomes one record, like kafka-console-producer
// or rpk topic produce. Lines are gathered into one v2 batch per partition (until the
// batch is full or --linger-ms passes without a new line), and the batches of every
// partition a broker leads go in one Produce request, so piping a file is fast while a
// line typed by hand is sent at once.
//
// Idempotent by default, as the Java producer is since Kafka 3.0: InitProducerId, then
// each batch carries the producer id, epoch and the partition's next sequence number,
// so resending a batch after a lost answer cannot write it twice. One request per
// broker is in flight, so batches of a partition are written in line order.
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>

#include "commands.h"
#include "records.h"
#include "samsa/storage/batch_builder.h"

namespace samsa::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct ProduceOptions {
  CommonOptions common;
  std::string topic;
  std::string key_separator;  // empty: lines are values, keys are null
  std::vector<std::string> headers;
  int32_t partition = -1;  // -1: chosen by key (or sticky for null keys)
  std::string compression = "none";
  std::string acks = "all";
  bool no_idempotence = false;
  int linger_ms = 5;
  int batch_bytes = 1'000'000;
  int retries = 10;
};

// Reads stdin line by line with a bound on how long it waits for the next line, so a
// half-full batch still leaves after --linger-ms. Lines end at "\n" (a "\r" before it
// is dropped, as Java's readLine does); a last line without one still counts.
class LineReader {
 public:
  enum class Got { kLine, kTimeout, kEnd };

  // `line` stays valid until the next call. wait_ms < 0 waits as long as it takes.
  Got next(std::string_view& line, int wait_ms) {
    for (;;) {
      if (const void* nl = std::memchr(buffer_.data() + scanned_, '\n', end_ - scanned_)) {
        const size_t at = static_cast<const char*>(nl) - buffer_.data();
        size_t length = at - begin_;
        if (length > 0 && buffer_[at - 1] == '\r') --length;
        line = std::string_view(buffer_.data() + begin_, length);
        begin_ = scanned_ = at + 1;
        return Got::kLine;
      }
      scanned_ = end_;
      if (eof_) {
        if (begin_ == end_) return Got::kEnd;
        line = std::string_view(buffer_.data() + begin_, end_ - begin_);
        begin_ = scanned_ = end_;
        return Got::kLine;
      }
      if (stop_requested()) return Got::kEnd;
      if (begin_ > 0) {  // make room: the unfinished line moves to the front
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        scanned_ -= begin_;
        begin_ = 0;
      }
      if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a long line
      if (wait_ms >= 0) {
        pollfd in{STDIN_FILENO, POLLIN, 0};
        const int ready = ::poll(&in, 1, wait_ms);
        if (ready == 0) return Got::kTimeout;
        if (ready < 0 && errno != EINTR) throw std::runtime_error(fail("poll"));
        if (ready < 0) continue;
      }
      const ssize_t n = ::read(STDIN_FILENO, buffer_.data() + end_, buffer_.size() - end_);
      if (n > 0) {
        end_ += static_cast<size_t>(n);
      } else if (n == 0) {
        eof_ = true;
      } else if (errno != EINTR) {
        throw std::runtime_error(fail("read"));
      }
    }
  }

 private:
  static std::string fail(const char* what) {
    return fmt::format("cannot {} stdin: {}", what, std::strerror(errno));
  }

  std::vector<char> buffer_ = std::vector<char>(1 << 16);
  size_t begin_ = 0;    // start of the first unread line
  size_t end_ = 0;      // end of the data read
  size_t scanned_ = 0;  // no '\n' in [begin_, scanned_)
  bool eof_ = false;
};

// Kafka's sequence numbers wrap to 0 after INT32_MAX (DefaultRecordBatch.incrementSequence).
int32_t next_sequence(int32_t sequence, int32_t increment) {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

// "0-2,5,7-9" for a sorted list of partitions.
std::string partition_ranges(const std::vector<int32_t>& sorted) {
  std::string text;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += j == i ? std::to_string(sorted[i])
                   : fmt::format("{}-{}", sorted[i], sorted[j]);
    i = j + 1;
  }
  return text;
}

class Producer {
 public:
  Producer(const ProduceOptions& o, std::vector<storage::RecordHeaderSpec> headers)
      : o_(o),
        headers_(std::move(headers)),
        session_(o.common.client_options(), o.topic, o.retries) {
    for (const auto& h : headers_) header_bytes_ += h.key.size() + h.value->size() + 4;
    static const std::map<std::string, storage::Compression> codecs{
        {"none", storage::Compression::kNone},  {"gzip", storage::Compression::kGzip},
        {"snappy", storage::Compression::kSnappy}, {"lz4", storage::Compression::kLz4},
        {"zstd", storage::Compression::kZstd}};
    codec_ = codecs.at(o.compression);
    acks_ = o.acks == "all" ? int16_t{-1} : static_cast<int16_t>(std::stoi(o.acks));
    partitions_ = partition_count();
    sequence_.assign(static_cast<size_t>(partitions_), 0);
    sticky_ = static_cast<int32_t>(Clock::now().time_since_epoch().count() % partitions_);
    // Like the Java producer: idempotence needs acks=all; with weaker acks it is off.
    if (acks_ == -1 && !o.no_idempotence) init_producer_id();
    started_ = Clock::now();
  }

  // Takes one line (copied) and sends when its partition's batch is full.
  void add(std::string_view line) {
    std::optional<std::string_view> key;
    std::string_view value = line;
    if (!o_.key_separator.empty()) {
      if (const size_t at = line.find(o_.key_separator); at != std::string_view::npos) {
        key = line.substr(0, at);
        value = line.substr(at + o_.key_separator.size());
      }
    }
    const int32_t p = o_.partition >= 0 ? o_.partition
                      : key         ? partition_for_key(*key, partitions_)
                                    : sticky_;
    // The record's encoded size, near enough: the varints take a few bytes each.
    const size_t size = line.size() + header_bytes_ + 16;
    Pending& batch = pending_[p];
    if (!batch.entries.empty() &&
        batch.bytes + size > static_cast<size_t>(o_.batch_bytes)) {
      flush();
      return add(line);  // `batch` was sent; start a new one
    }
    if (pending_records_ == 0) oldest_ = Clock::now();
    Entry e;
    e.timestamp = wall_clock_ms();
    e.value_at = batch.arena.size();
    if (key) {
      e.key_at = batch.arena.size();
      e.key_length = static_cast<int64_t>(key->size());
      batch.arena.append(*key);
      e.value_at = batch.arena.size();
    }
    batch.arena.append(value);
    e.value_length = value.size();
    batch.entries.push_back(e);
    batch.bytes += size;
    buffered_bytes_ += size;
    ++pending_records_;
    if (batch.bytes >= static_cast<size_t>(o_.batch_bytes) || buffered_bytes_ >= kMaxBuffered)
      flush();
  }

  // Milliseconds until the pending records are due (0: now), -1 if none are pending.
  int linger_left_ms() const {
    if (pending_records_ == 0) return -1;
    const auto waited =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - oldest_).count();
    return static_cast<int>(std::max<int64_t>(0, o_.linger_ms - waited));
  }

  // Sends every pending batch and waits until each is acknowledged (or throws).
  void flush() {
    if (pending_.empty()) return;
    std::vector<Outgoing> out;
    for (auto& [partition, batch] : pending_) out.push_back(seal(partition, batch));
    pending_.clear();
    pending_records_ = 0;
    buffered_bytes_ = 0;
    send(out);
    // Records without a key stick to one partition per round of batches, as Kafka's
    // sticky partitioner does, so they form full batches rather than one per partition.
    sticky_ = (sticky_ + 1) % partitions_;
  }

  void report(Format format) const {
    const double seconds =
        std::chrono::duration<double>(Clock::now() - started_).count();
    const auto rate = static_cast<int64_t>(seconds > 0 ? records_ / seconds : 0);
    std::vector<int32_t> used;
    for (const auto& [p, s] : stats_) used.push_back(p);
    if (format == Format::kJson) {
      Json j;
      j.begin_object().key("topic").value(o_.topic).key("records").value(records_);
      j.key("batches").value(batches_).key("bytes").value(bytes_);
      j.key("seconds").raw(fmt::format("{:.3f}", seconds)).key("records_per_second").value(rate);
      j.key("acks").value(o_.acks).key("idempotent").value(producer_id_ >= 0);
      j.key("partitions").begin_array();
      for (const auto& [p, s] : stats_) {
        j.begin_object().key("partition").value(p).key("records").value(s.records);
        j.key("first_offset");
        s.first_offset >= 0 ? j.value(s.first_offset) : j.null();
        j.key("last_offset");
        s.last_offset >= 0 ? j.value(s.last_offset) : j.null();
        j.end_object();
      }
      j.end_array().end_object();
      std::printf("%s\n", j.str().c_str());
      return;
    }
    std::fprintf(stderr, "produced %lld records in %lld batches to %s (partitions %s) in %.2f s, "
                 "%lld records/s\n",
                 static_cast<long long>(records_), static_cast<long long>(batches_),
                 o_.topic.c_str(), used.empty() ? "none" : partition_ranges(used).c_str(), seconds,
                 static_cast<long long>(rate));
  }

 private:
  // Past this many bytes waiting in all partitions, send even if no batch is full.
  static constexpr size_t kMaxBuffered = 16u << 20;

  struct Entry {
    int64_t timestamp = 0;
    size_t key_at = 0;
    int64_t key_length = -1;  // -1: null key
    size_t value_at = 0;
    size_t value_length = 0;
  };
  // Lines waiting for one partition: their bytes back to back in `arena`.
  struct Pending {
    std::string arena;
    std::vector<Entry> entries;
    size_t bytes = 0;
  };
  struct Outgoing {
    int32_t partition = 0;
    int32_t records = 0;
    std::vector<uint8_t> bytes;
    bool acknowledged = false;
  };
  struct Stats {
    int64_t records = 0;
    int64_t first_offset = -1;
    int64_t last_offset = -1;
  };

  static int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // The topic's partition count; -p must name one of them.
  int32_t partition_count() {
    TopicInfo topic;
    try {
      topic = topic_info(session_, o_.topic);
    } catch (const client::KafkaError& e) {
      if (e.code() != ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) throw;
      throw client::KafkaError(
          e.code(),
          "topic " + o_.topic + "; samsa produce does not create topics, samsa topic create does");
    }
    if (o_.partition >= 0) topic.check_partition(o_.partition);
    return topic.partitions;
  }

  void init_producer_id() {
    protocol::InitProducerIdRequest request;
    request.transactional_id.reset();  // null: an idempotent, not transactional, producer
    request.transaction_timeout_ms = INT32_MAX;
    session_.run([&] {
      const auto reply = session_.client().any().call<protocol::InitProducerIdResponse>(request);
      client::check(reply.body.error_code, "InitProducerId");
      producer_id_ = reply.body.producer_id;
      producer_epoch_ = reply.body.producer_epoch;
    });
  }

  Outgoing seal(int32_t partition, const Pending& batch) {
    std::vector<storage::RecordSpec> records(batch.entries.size());
    for (size_t i = 0; i < records.size(); ++i) {
      const Entry& e = batch.entries[i];
      auto& r = records[i];
      r.timestamp = e.timestamp;
      if (e.key_length >= 0)
        r.key = std::string_view(batch.arena).substr(e.key_at, static_cast<size_t>(e.key_length));
      r.value = std::string_view(batch.arena).substr(e.value_at, e.value_length);
      r.headers = headers_;
    }
    storage::BatchSpec spec;
    spec.compression = codec_;
    Outgoing out;
    out.partition = partition;
    out.records = static_cast<int32_t>(records.size());
    if (producer_id_ >= 0) {
      // The sequence advances now: retries resend these very bytes, which is what
      // lets the broker recognise them as duplicates.
      spec.producer_id = producer_id_;
      spec.producer_epoch = producer_epoch_;
      int32_t& sequence = sequence_[static_cast<size_t>(partition)];
      spec.base_sequence = sequence;
      sequence = next_sequence(sequence, out.records);
    }
    out.bytes = storage::build_batch(spec, records);
    return out;
  }

  void send(std::vector<Outgoing>& batches) {
    session_.run([&] {
      std::map<client::Connection*, std::vector<Outgoing*>> by_leader;
      for (auto& b : batches)
        if (!b.acknowledged)
          by_leader[&session_.client().leader(o_.topic, b.partition)].push_back(&b);
      std::exception_ptr error;  // the last retriable refusal, after the rest is done
      for (auto& [leader, group] : by_leader) send_to(*leader, group, error);
      if (error) std::rethrow_exception(error);
    });
  }

  // One Produce request with the batches of the partitions `leader` leads. A retriable
  // refusal is left in `error` (the batch stays unacknowledged); others throw.
  void send_to(client::Connection& leader, const std::vector<Outgoing*>& group,
               std::exception_ptr& error) {
    protocol::ProduceRequest request;
    request.transactional_id.reset();
    request.acks = acks_;
    // The broker gives up on acks a little before we give up on the broker, so a slow
    // write comes back as REQUEST_TIMED_OUT rather than a dropped connection.
    request.timeout_ms = std::max(1, o_.common.timeout_ms - o_.common.timeout_ms / 4);
    auto& topic = request.topic_data.emplace_back();
    topic.name = o_.topic;
    for (auto* b : group) {
      auto& p = topic.partition_data.emplace_back();
      p.index = b->partition;
      p.records = protocol::Records::from_view(b->bytes);
    }
    if (acks_ == 0) {
      leader.send_only(request);
      for (auto* b : group) acknowledged(*b, -1);
      return;
    }
    const auto reply = leader.call<protocol::ProduceResponse>(request);
    for (auto* b : group) {
      const protocol::ProduceResponse::PartitionProduceResponse* answer = nullptr;
      for (const auto& t : reply.body.responses)
        for (const auto& p : t.partition_responses)
          if (t.name == o_.topic && p.index == b->partition) answer = &p;
      if (answer == nullptr)
        throw client::NetworkError(fmt::format("Produce answer from {} has no result for {}-{}",
                                               leader.address().to_string(), o_.topic,
                                               b->partition));
      const auto code = static_cast<ErrorCode>(answer->error_code);
      const std::string where = fmt::format("{}-{}", o_.topic, b->partition);
      // A duplicate is a batch the broker already holds: a retry of one whose answer
      // was lost. That is the success idempotence exists for.
      if (code == ErrorCode::NONE || code == ErrorCode::DUPLICATE_SEQUENCE_NUMBER) {
        acknowledged(*b, answer->base_offset);
      } else if (retriable(code)) {
        error = std::make_exception_ptr(client::KafkaError(code, where, answer->error_message));
      } else {
        throw client::KafkaError(code, where, answer->error_message);
      }
    }
  }

  void acknowledged(Outgoing& b, int64_t base_offset) {
    b.acknowledged = true;
    Stats& s = stats_[b.partition];
    s.records += b.records;
    if (base_offset >= 0) {
      if (s.first_offset < 0) s.first_offset = base_offset;
      s.last_offset = base_offset + b.records - 1;
    }
    records_ += b.records;
    ++batches_;
    bytes_ += static_cast<int64_t>(b.bytes.size());
  }

  const ProduceOptions& o_;
  std::vector<storage::RecordHeaderSpec> headers_;
  size_t header_bytes_ = 0;
  Session session_;
  storage::Compression codec_ = storage::Compression::kNone;
  int16_t acks_ = -1;
  int32_t partitions_ = 0;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  std::vector<int32_t> sequence_;
  int32_t sticky_ = 0;
  std::map<int32_t, Pending> pending_;
  size_t pending_records_ = 0;
  size_t buffered_bytes_ = 0;
  Clock::time_point oldest_;
  Clock::time_point started_;
  std::map<int32_t, Stats> stats_;
  int64_t records_ = 0;
  int64_t batches_ = 0;
  int64_t bytes_ = 0;
};

int produce(const ProduceOptions& o) {
  std::vector<storage::RecordHeaderSpec> headers;
  for (const auto& h : o.headers) {
    const size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("header '" + h + "' is not KEY=VALUE");
    headers.push_back({std::string_view(h).substr(0, eq), std::string_view(h).substr(eq + 1)});
  }
  Producer producer(o, headers);
  install_stop_handler();
  LineReader in;
  std::string_view line;
  while (!stop_requested()) {
    const int wait = producer.linger_left_ms();
    if (wait == 0) {
      producer.flush();
      continue;
    }
    const auto got = in.next(line, wait);
    if (got == LineReader::Got::kEnd) break;
    if (got == LineReader::Got::kLine) producer.add(line);
  }
  // End of input or Ctrl-C: what was read is still sent, as the console producer's
  // close() does.
  producer.flush();
  producer.report(o.common.output_format());
  return kExitOk;
}

}  // namespace

void add_produce(CLI::App& app, std::function<int()>& chosen) {
  auto o = std::make_shared<ProduceOptions>();
  auto* cmd = app.add_subcommand(
      "produce",
      "send stdin to a topic, one record per line (like kafka-console-producer)");
  cmd->footer(
      "Each line of stdin is one record (value = the line without its newline; an empty\n"
      "line is an empty value). With -k, 'KEY<SEP>VALUE' lines carry a key; a line without\n"
      "SEP has a null key. Records with a key go to murmur2(key) % partitions, exactly\n"
      "as Kafka's Java producer places them; records without one stick to one partition\n"
      "per batch. The topic must exist (samsa topic create).\n"
      "\n"
      "Idempotent by default (acks=all): a batch resent after a lost answer is not\n"
      "written twice. --acks 1/0 or --no-idempotence turn that off. Retriable errors\n"
      "(NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, REQUEST_TIMED_OUT, network) are\n"
      "retried --retries times with backoff.\n"
      "\n"
      "Output: with --format text a summary on stderr; with --format json one JSON object\n"
      "on stdout when all is sent: {topic, records, batches, bytes, seconds,\n"
      "records_per_second, acks, idempotent, partitions: [{partition, records,\n"
      "first_offset, last_offset}]} (offsets null with --acks 0).\n"
      "Ctrl-C sends what was read and exits 0.\n"
      "\n"
      "Example: printf 'k1:hello\\nk2:world\\n' | samsa produce orders -k : -H source=cli");
  add_common_options(*cmd, o->common);
  cmd->add_option("topic", o->topic, "topic to write to")->required();
  cmd->add_option("-k,--key-separator", o->key_separator,
                  "split each line at the first SEP into key and value")
      ->check([](const std::string& s) { return s.empty() ? "must not be empty" : ""; });
  // One value per -H, so `-H a=b TOPIC` does not read TOPIC as a second header.
  cmd->add_option("-H,--header", o->headers, "KEY=VALUE header added to every record (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-p,--partition", o->partition, "write every record to this partition")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-z,--compression", o->compression, "batch codec: none, gzip, snappy, lz4, zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  cmd->add_option("--acks", o->acks, "all (wait for the write), 1 (leader), 0 (no answer)")
      ->check(CLI::IsMember({"all", "-1", "1", "0"}))
      ->capture_default_str();
  cmd->add_flag("--no-idempotence", o->no_idempotence,
                "plain batches without producer id (retries may then duplicate)");
  cmd->add_option("--linger-ms", o->linger_ms,
                  "send a partly filled batch when no line came for this long")
      ->check(CLI::Range(0, 60'000))
      ->capture_default_str();
  cmd->add_option("--batch-bytes", o->batch_bytes, "largest batch (uncompressed) per partition")
      ->check(CLI::Range(1024, 16 << 20))
      ->capture_default_str();
  cmd->add_option("--retries", o->retries, "attempts after a retriable error, in a row")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->callback([o, &chosen] {
    if (o->acks == "-1") o->acks = "all";
    chosen = [o] { return guarded([&] { return produce(*o); }); };
  });
}

}  // namespace samsa::cli
