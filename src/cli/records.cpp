#include "records.h"

#include <csignal>
#include <cstdio>
#include <thread>

#include "samsa/client/client.h"
#include "samsa/storage/compression.h"

namespace samsa::cli {

namespace bl = storage::batch_layout;

int32_t murmur2(std::string_view data) noexcept {
  // Java does this arithmetic on int with wrap-around and >>> shifts: uint32_t here.
  constexpr uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t length = data.size();
  uint32_t h = 0x9747b28cu ^ static_cast<uint32_t>(length);
  const size_t whole = length / 4;
  for (size_t i = 0; i < whole; ++i) {
    const uint8_t* q = p + 4 * i;
    uint32_t k = uint32_t(q[0]) | uint32_t(q[1]) << 8 | uint32_t(q[2]) << 16 | uint32_t(q[3]) << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint8_t* tail = p + 4 * whole;
  switch (length % 4) {
    case 3: h ^= uint32_t(tail[2]) << 16; [[fallthrough]];
    case 2: h ^= uint32_t(tail[1]) << 8; [[fallthrough]];
    case 1:
      h ^= uint32_t(tail[0]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t partition_for_key(std::string_view key, int32_t partitions) noexcept {
  // Utils.toPositive masks the sign bit (it does not negate).
  return static_cast<int32_t>((static_cast<uint32_t>(murmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partitions));
}

bool BatchWalker::next(storage::BatchHeader& header, std::span<const uint8_t>& batch) {
  // Magic sits at byte 16 in every message format; below that the data is cut short.
  if (rest_.size() <= bl::kMagic) return false;
  const int32_t length = storage::load_be32(rest_.data() + bl::kBatchLength);
  const int8_t magic = static_cast<int8_t>(rest_[bl::kMagic]);
  if (magic != storage::kCurrentMagic)
    throw client::KafkaError(ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT,
                             "message format v" + std::to_string(magic) +
                                 "; samsa consume reads record batches (v2) only");
  if (length < static_cast<int32_t>(bl::kHeaderSize - bl::kLogOverhead))
    throw client::KafkaError(ErrorCode::CORRUPT_MESSAGE,
                             "batch length " + std::to_string(length) + " in fetched data");
  const size_t size = static_cast<size_t>(length) + bl::kLogOverhead;
  if (size > rest_.size()) return false;
  header = storage::BatchHeader::parse(rest_.data());
  batch = rest_.first(size);
  rest_ = rest_.subspan(size);
  return true;
}

namespace {

// The zigzag varints of the record format, bounds-checked.
class VarReader {
 public:
  VarReader(const uint8_t* p, const uint8_t* end) : p_(p), end_(end) {}

  bool varlong(int64_t& out) {
    uint64_t raw = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t b = *p_++;
      raw |= uint64_t(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        out = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
        return true;
      }
    }
    return false;
  }
  bool varint(int32_t& out) {
    int64_t v = 0;
    if (!varlong(v) || v < INT32_MIN || v > INT32_MAX) return false;
    out = static_cast<int32_t>(v);
    return true;
  }
  // A length-prefixed byte string; length -1 is null.
  bool bytes(std::optional<std::string_view>& out) {
    int32_t n = 0;
    if (!varint(n) || n < -1 || (n > 0 && end_ - p_ < n)) return false;
    if (n < 0) {
      out.reset();
      return true;
    }
    out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
    p_ += n;
    return true;
  }
  bool skip(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  const uint8_t* position() const { return p_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Anything larger than this after decompression is not a batch a broker would serve.
constexpr size_t kMaxUncompressed = 256u << 20;

}  // namespace

void decode_batch(std::span<const uint8_t> batch, const storage::BatchHeader& header,
                  const std::string& where, std::vector<uint8_t>& scratch,
                  std::vector<FetchedRecord>& out) {
  const auto corrupt = [&](const std::string& what) {
    return client::KafkaError(ErrorCode::CORRUPT_MESSAGE,
                              where + ", batch at offset " + std::to_string(header.base_offset) +
                                  ": " + what);
  };
  out.clear();
  // Like the Java consumer's check.crcs=true: a flipped bit must not pass as data.
  if (storage::compute_batch_crc(batch) != header.crc) throw corrupt("CRC mismatch");
  std::span<const uint8_t> body = batch.subspan(bl::kHeaderSize);
  if (header.compression() != storage::Compression::kNone) {
    if (!storage::decompress(header.compression(), body, scratch, kMaxUncompressed))
      throw corrupt("cannot decompress the records");
    body = scratch;
  }
  // Every record takes at least 7 bytes: a count beyond that is a lie, not a reason
  // to allocate.
  if (header.record_count < 0 || static_cast<size_t>(header.record_count) > body.size() / 7)
    throw corrupt("impossible record count " + std::to_string(header.record_count));
  const bool append_time = header.timestamp_type() == storage::TimestampType::kLogAppendTime;
  VarReader in(body.data(), body.data() + body.size());
  out.resize(static_cast<size_t>(header.record_count));
  for (auto& r : out) {
    int32_t length = 0;
    if (!in.varint(length) || length < 0) throw corrupt("bad record length");
    const uint8_t* start = in.position();
    if (!in.skip(static_cast<size_t>(length))) throw corrupt("record runs past the batch");
    VarReader rec(start, start + length);
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    int32_t header_count = 0;
    if (!rec.skip(1) || !rec.varlong(timestamp_delta) || !rec.varint(offset_delta) ||
        !rec.bytes(r.key) || !rec.bytes(r.value) || !rec.varint(header_count) ||
        header_count < 0 || header_count > length)
      throw corrupt("malformed record");
    r.offset = header.base_offset + offset_delta;
    r.timestamp = append_time ? header.max_timestamp : header.base_timestamp + timestamp_delta;
    r.headers.resize(static_cast<size_t>(header_count));
    for (auto& h : r.headers) {
      std::optional<std::string_view> key;
      if (!rec.bytes(key) || !key || !rec.bytes(h.value)) throw corrupt("malformed header");
      h.key = *key;
    }
    if (rec.position() != start + length) throw corrupt("record length does not match");
  }
}

bool valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((c & 0xe0) == 0xc0) {
      extra = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past Unicode are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    p += extra + 1;
  }
  return true;
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const size_t left = bytes.size() - i; left > 0) {
    const uint32_t v = at(i) << 16 | (left == 2 ? at(i + 1) << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool retriable(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::NOT_LEADER_OR_FOLLOWER:
    case ErrorCode::LEADER_NOT_AVAILABLE:
    case ErrorCode::REQUEST_TIMED_OUT:
    case ErrorCode::NETWORK_EXCEPTION:
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:  // e.g. a partition created a moment ago
    case ErrorCode::NOT_ENOUGH_REPLICAS:
    case ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode::KAFKA_STORAGE_ERROR:
    case ErrorCode::UNKNOWN_LEADER_EPOCH:
    case ErrorCode::FENCED_LEADER_EPOCH:
    case ErrorCode::OFFSET_NOT_AVAILABLE:
    case ErrorCode::COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode::COORDINATOR_NOT_AVAILABLE:
    case ErrorCode::NOT_COORDINATOR:
      return true;
    default:
      return false;
  }
}

Session::Session(client::ClientOptions options, std::string topic, int retries)
    : options_(std::move(options)),
      topic_(std::move(topic)),
      retries_(retries),
      client_(std::make_unique<client::Client>(options_)) {}

void Session::run(const std::function<void()>& attempt) {
  for (;;) {
    try {
      if (reconnect_) {
        client_ = std::make_unique<client::Client>(options_);
        ++reconnects_;
        reconnect_ = false;
      }
      attempt();
      reached_ = true;
      failures_ = 0;
      delay_ = std::chrono::milliseconds(100);
      return;
    } catch (const client::NetworkError&) {
      // A cluster never reached is reported at once (exit 3); one that answered before
      // is probably restarting or moving a leader, which is worth waiting for.
      if (!reached_) throw;
      reconnect_ = true;
      failed(std::current_exception());
    } catch (const client::KafkaError& e) {
      if (!retriable(e.code())) throw;
      reached_ = true;
      failed(std::current_exception());
      try {
        client_->metadata(std::vector<std::string>{topic_});
      } catch (const client::NetworkError&) {
        reconnect_ = true;
      } catch (const client::KafkaError&) {
        // The next attempt meets it again and decides.
      }
    }
  }
}

void Session::failed(const std::exception_ptr& error) {
  // A stop request ends the waiting too: Ctrl-C must not sit through ten backoffs.
  if (++failures_ > retries_ || stop_requested()) std::rethrow_exception(error);
  // Said on stderr, as the Java clients log their retries: a tool that pauses for
  // seconds should tell why.
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: %s; retrying in %lld ms (%d of %d)\n", e.what(),
                 static_cast<long long>(delay_.count()), failures_, retries_);
  }
  std::this_thread::sleep_for(delay_);
  delay_ = std::min(delay_ * 2, std::chrono::milliseconds(1000));
}

void TopicInfo::check_partition(int32_t partition) const {
  if (partition < 0 || partition >= partitions)
    throw client::KafkaError(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                             "partition " + std::to_string(partition) + " of topic " + name +
                                 ", which has " + std::to_string(partitions) + " (0-" +
                                 std::to_string(partitions - 1) + ")");
}

TopicInfo topic_info(Session& session, const std::string& topic) {
  TopicInfo info;
  info.name = topic;
  bool missing = false;
  session.run([&] {
    const auto reply = session.client().metadata(std::vector<std::string>{topic});
    for (const auto& t : reply.body.topics) {
      if (!t.name || *t.name != topic) continue;
      // Not retried: a topic that does not exist will not appear by waiting.
      missing = t.error_code == to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      if (missing) return;
      client::check(t.error_code, "topic " + topic);
      info.partitions = static_cast<int32_t>(t.partitions.size());
      info.id = t.topic_id;
    }
    if (info.partitions == 0)
      throw client::KafkaError(ErrorCode::LEADER_NOT_AVAILABLE, "topic " + topic);
  });
  if (missing) throw client::KafkaError(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "topic " + topic);
  return info;
}

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }
}  // namespace

void install_stop_handler() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a read() or poll() waiting on stdin returns EINTR and the tool sees
  // the flag at once.
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() noexcept { return g_stop != 0; }

}  // namespace samsa::cli
