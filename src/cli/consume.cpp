// samsa consume TOPIC: prints a topic's records, like kafka-console-consumer or rpk
// topic consume. It fetches straight from each partition's leader, starting where -o
// says; it follows the topic until Ctrl-C, or stops at -n records, at the end of every
// partition (-e) or after an idle spell (--idle-timeout-ms).
//
// Without -g there is no consumer group: nothing is committed and every partition (or
// those of -p) is read. With -g GROUP it is a member of that classic consumer group
// (group_member.h): it reads the partitions the group assigns it, from the group's
// committed offsets (-o only says where a partition without one starts, default end,
// as auto.offset.reset=latest), commits its positions every 5 s, before every
// rebalance and on exit, and leaves the group on exit.
//
// Fetch answers whole batches, so the first batch may hold records before the start
// offset: those are skipped, as are control batches (transaction markers). Every batch's
// CRC is checked and every codec decompressed, as the Java consumer does.
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "commands.h"
#include "group_member.h"
#include "records.h"

namespace samsa::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct ConsumeOptions {
  CommonOptions common;
  std::string topic;
  std::string group;                // empty: no consumer group
  std::vector<int32_t> partitions;  // empty: all
  std::string offset;               // empty: start, or with a group end
  int64_t num = -1;  // -1: no limit
  bool exit_at_end = false;
  int idle_timeout_ms = 0;  // 0: wait forever
  std::string print;        // a --print template; empty: the flags below
  bool print_key = false;
  bool print_headers = false;
  bool print_offset = false;
  bool print_partition = false;
  bool print_timestamp = false;
  std::string key_separator = "\t";
  int max_wait_ms = 500;
  int retries = 10;
};

// Where reading starts, from -o.
struct StartOffset {
  enum class Kind { kStart, kEnd, kExact, kFromEnd, kTimestamp };
  Kind kind = Kind::kStart;
  int64_t value = 0;
};

int64_t parse_number(std::string_view text, const std::string& whole) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0)
    throw std::invalid_argument("bad offset '" + whole +
                                "': use start, end, N, -N (N before the end) or @TIMESTAMP_MS");
  return value;
}

StartOffset parse_offset(const std::string& text) {
  using Kind = StartOffset::Kind;
  if (text == "start" || text == "beginning" || text == "earliest" || text == "oldest")
    return {Kind::kStart, 0};
  if (text == "end" || text == "latest" || text == "newest") return {Kind::kEnd, 0};
  if (!text.empty() && text[0] == '@')
    return {Kind::kTimestamp, parse_number(std::string_view(text).substr(1), text)};
  if (!text.empty() && text[0] == '-')
    return {Kind::kFromEnd, parse_number(std::string_view(text).substr(1), text)};
  return {Kind::kExact, parse_number(text, text)};
}

// A --print template, compiled once: literal text and %-fields.
struct Piece {
  char field = 0;  // 0: `text` is literal
  std::string text;
};

std::vector<Piece> compile_template(std::string_view format) {
  std::vector<Piece> pieces;
  std::string literal;
  const auto push_literal = [&] {
    if (!literal.empty()) pieces.push_back({0, std::move(literal)});
    literal.clear();
  };
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '\\' && i + 1 < format.size()) {
      switch (const char n = format[++i]) {
        case 'n': literal += '\n'; break;
        case 't': literal += '\t'; break;
        case 'r': literal += '\r'; break;
        case '\\': literal += '\\'; break;
        default: literal += '\\', literal += n;
      }
    } else if (c == '%') {
      if (i + 1 == format.size()) throw std::invalid_argument("--print ends with a lone '%'");
      const char n = format[++i];
      if (n == '%') {
        literal += '%';
      } else if (std::string_view("tpodTkvhKV").find(n) != std::string_view::npos) {
        push_literal();
        pieces.push_back({n, {}});
      } else {
        throw std::invalid_argument(fmt::format("--print: unknown field %{}", n));
      }
    } else {
      literal += c;
    }
  }
  push_literal();
  return pieces;
}

const char* timestamp_type_name(storage::TimestampType type) {
  return type == storage::TimestampType::kLogAppendTime ? "LogAppendTime" : "CreateTime";
}

// Bytes as a JSON member: a string when they are UTF-8, else base64 with a sibling
// "<name>_encoding":"base64" so a script can tell.
void json_bytes(Json& j, const std::string& name, std::optional<std::string_view> bytes) {
  j.key(name);
  if (!bytes) {
    j.null();
  } else if (valid_utf8(*bytes)) {
    j.value(*bytes);
  } else {
    j.value(base64(*bytes));
    j.key(name + "_encoding").value("base64");
  }
}

class Consumer {
 public:
  explicit Consumer(const ConsumeOptions& o)
      : o_(o), session_(o.common.client_options(), o.topic, o.retries) {
    if (!o.print.empty()) template_ = compile_template(o.print);
    start_ = parse_offset(!o.offset.empty() ? o.offset : o.group.empty() ? "start" : "end");
    topic_ = topic_info(session_, o.topic);
    if (!o.group.empty()) {
      member_.emplace(session_, GroupMember::Settings{o.group, o.topic});
      return;  // the partitions come with the group's assignment
    }
    std::set<int32_t> chosen(o.partitions.begin(), o.partitions.end());
    if (chosen.empty())
      for (int32_t p = 0; p < topic_.partitions; ++p) chosen.insert(p);
    for (const int32_t p : chosen) {
      topic_.check_partition(p);
      parts_.push_back(Partition{p});
    }
    position({chosen.begin(), chosen.end()}, {});
  }

  int run() {
    install_stop_handler();
    last_record_ = Clock::now();
    try {
      if (member_) assign();
      while (!finished()) {
        if (member_ && !tend_group()) continue;
        if (parts_.empty()) {
          // A member the group gave nothing: it waits for a rebalance.
          std::this_thread::sleep_for(
              std::min(member_->until_heartbeat(), std::chrono::milliseconds(100)));
          continue;
        }
        session_.run([&] { fetch_round(); });
      }
      write_out();
    } catch (...) {
      // Records printed since the last commit are not committed: they come again to the
      // next member (at least once). Leaving now spares the group the session timeout.
      if (member_) member_->leave();
      throw;
    }
    if (member_) {
      try {
        commit_positions();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "warning: %s; the positions were not committed\n", e.what());
      }
      member_->leave();
    }
    if (o_.common.output_format() == Format::kText)
      std::fprintf(stderr, "Processed a total of %lld messages\n", static_cast<long long>(count_));
    return kExitOk;
  }

 private:
  static constexpr int32_t kPartitionMaxBytes = 1 << 20;  // max.partition.fetch.bytes
  static constexpr int32_t kLargestPartitionBytes = 64 << 20;
  static constexpr int32_t kFetchMaxBytes = 50 << 20;  // fetch.max.bytes

  struct Partition {
    int32_t id = 0;
    int64_t position = 0;  // the next offset to print
    int64_t high_watermark = -1;
    bool at_end = false;
    int32_t max_bytes = kPartitionMaxBytes;
  };

  bool limit_reached() const { return o_.num >= 0 && count_ >= o_.num; }

  bool finished() const {
    if (stop_requested() || limit_reached()) return true;
    if (o_.exit_at_end &&
        std::all_of(parts_.begin(), parts_.end(), [](const Partition& p) { return p.at_end; }))
      return true;
    return o_.idle_timeout_ms > 0 && idle_ms() >= o_.idle_timeout_ms;
  }

  int64_t idle_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_record_)
        .count();
  }

  // ---- the consumer group (-g)

  // Joins the group and starts each assigned partition at its committed offset, else
  // where -o says.
  void assign() {
    const std::vector<int32_t> ids = member_->join();
    parts_.clear();
    for (const int32_t id : ids) parts_.push_back(Partition{id});
    if (!ids.empty()) position(ids, member_->committed(ids));
  }

  // Between fetches: auto-commit and heartbeat when due. On a rebalance (or a
  // membership lost) it commits what was printed, when the group still takes it, and
  // joins again; false then, as the partitions may have changed.
  bool tend_group() {
    if (member_->commit_due() && !commit_positions()) {
      rejoin();
      return false;
    }
    if (member_->heartbeat_if_due()) return true;
    commit_positions();
    rejoin();
    return false;
  }

  void rejoin() {
    parts_.clear();
    assign();
  }

  bool commit_positions() {
    write_out();  // nothing is committed that is not printed
    std::map<int32_t, int64_t> positions;
    for (const auto& p : parts_) positions[p.id] = p.position;
    return member_->commit(positions);
  }

  // ListOffsets for partitions `ids`: -2 earliest, -1 latest, else the first offset
  // whose timestamp is at or after `timestamp` (-1 when there is none).
  std::map<int32_t, int64_t> list_offsets(int64_t timestamp, const std::vector<int32_t>& ids) {
    std::map<int32_t, int64_t> found;
    session_.run([&] {
      std::map<client::Connection*, std::vector<int32_t>> by_leader;
      for (const int32_t id : ids)
        if (!found.contains(id)) by_leader[&session_.client().leader(o_.topic, id)].push_back(id);
      std::exception_ptr error;
      for (auto& [leader, led] : by_leader) {
        protocol::ListOffsetsRequest request;
        request.replica_id = -1;  // a consumer, not a follower
        auto& topic = request.topics.emplace_back();
        topic.name = o_.topic;
        for (const int32_t id : led) {
          auto& p = topic.partitions.emplace_back();
          p.partition_index = id;
          p.timestamp = timestamp;
        }
        const auto reply = leader->call<protocol::ListOffsetsResponse>(request);
        for (const auto& t : reply.body.topics) {
          for (const auto& p : t.partitions) {
            const auto code = static_cast<ErrorCode>(p.error_code);
            const std::string where = fmt::format("offsets of {}-{}", o_.topic, p.partition_index);
            if (code == ErrorCode::NONE) {
              found[p.partition_index] = p.offset;
            } else if (retriable(code)) {
              error = std::make_exception_ptr(client::KafkaError(code, where));
            } else {
              throw client::KafkaError(code, where);
            }
          }
        }
      }
      if (error) std::rethrow_exception(error);
      for (const int32_t id : ids)
        if (!found.contains(id))
          throw client::NetworkError(
              fmt::format("ListOffsets answered nothing for {}-{}", o_.topic, id));
    });
    return found;
  }

  // Where the partitions `ids` start: at the group's `committed` offset where there is
  // one the partition still holds, else where -o says.
  void position(const std::vector<int32_t>& ids, const std::map<int32_t, int64_t>& committed) {
    using Kind = StartOffset::Kind;
    const StartOffset& start = start_;
    const auto earliest = list_offsets(-2, ids);
    const auto latest = list_offsets(-1, ids);
    std::map<int32_t, int64_t> by_time;
    if (start.kind == Kind::kTimestamp) by_time = list_offsets(start.value, ids);
    for (auto& p : parts_) {
      if (std::find(ids.begin(), ids.end(), p.id) == ids.end()) continue;
      const int64_t low = earliest.at(p.id);
      const int64_t high = latest.at(p.id);
      p.high_watermark = high;
      if (const auto it = committed.find(p.id); it != committed.end()) {
        if (it->second >= low && it->second <= high) {
          p.position = it->second;
          p.at_end = p.position >= high;
          continue;
        }
        // Retention deleted it, or the topic was recreated: auto.offset.reset's case.
        std::fprintf(stderr,
                     "warning: the committed offset %lld of %s-%d is out of range (%lld to "
                     "%lld); starting where -o says\n",
                     static_cast<long long>(it->second), o_.topic.c_str(), p.id,
                     static_cast<long long>(low), static_cast<long long>(high));
      }
      switch (start.kind) {
        case Kind::kStart: p.position = low; break;
        case Kind::kEnd: p.position = high; break;
        case Kind::kExact:
          if (start.value < low || start.value > high)
            throw out_of_range(p.id, start.value, low, high);
          p.position = start.value;
          break;
        case Kind::kFromEnd: p.position = std::max(low, high - start.value); break;
        case Kind::kTimestamp: {
          const int64_t at = by_time.at(p.id);
          p.position = at >= 0 ? at : high;  // nothing that recent: wait for new records
          break;
        }
      }
      p.at_end = p.position >= high;
    }
  }

  client::KafkaError out_of_range(int32_t id, int64_t offset, int64_t low, int64_t high) const {
    std::string where = fmt::format("offset {} of {}-{}", offset, o_.topic, id);
    if (low >= 0 && high >= 0) where += fmt::format(", which holds offsets {} to {}", low, high);
    return client::KafkaError(ErrorCode::OFFSET_OUT_OF_RANGE, where);
  }

  // One Fetch to each leader, for the partitions still to read.
  void fetch_round() {
    std::map<client::Connection*, std::vector<Partition*>> by_leader;
    for (auto& p : parts_)
      if (!(o_.exit_at_end && p.at_end))
        by_leader[&session_.client().leader(o_.topic, p.id)].push_back(&p);
    std::exception_ptr error;
    for (auto& [leader, group] : by_leader) {
      fetch_from(*leader, group, error);
      if (finished()) break;
    }
    if (error) std::rethrow_exception(error);
  }

  void fetch_from(client::Connection& leader, const std::vector<Partition*>& group,
                  std::exception_ptr& error) {
    protocol::FetchRequest request;
    request.replica_id = -1;
    request.replica_state.replica_id = -1;
    // Bounded so Ctrl-C, -e and the idle timeout are noticed within this time.
    // The broker must answer well inside our own deadline for the answer.
    int wait = std::min(o_.max_wait_ms, o_.common.timeout_ms / 2);
    if (o_.idle_timeout_ms > 0)
      wait = static_cast<int>(std::clamp<int64_t>(o_.idle_timeout_ms - idle_ms(), 0, wait));
    if (member_)  // the next heartbeat must not wait for this fetch
      wait = static_cast<int>(std::min<int64_t>(wait, member_->until_heartbeat().count()));
    request.max_wait_ms = wait;
    request.min_bytes = 1;
    request.max_bytes = kFetchMaxBytes;
    request.isolation_level = 0;  // read_uncommitted, the console consumer's default
    request.session_id = 0;
    request.session_epoch = -1;  // a full fetch, no incremental fetch session
    auto& topic = request.topics.emplace_back();
    topic.topic = o_.topic;
    topic.topic_id = topic_.id;
    for (const Partition* p : group) {
      auto& f = topic.partitions.emplace_back();
      f.partition = p->id;
      f.fetch_offset = p->position;
      f.partition_max_bytes = p->max_bytes;
    }
    // Fetch v13+ names topics by id only: without an id from Metadata, stay below.
    int16_t version = leader.version_for(protocol::FetchRequest::api_key);
    if (topic_.id.is_zero() && version > 12) version = 12;
    const auto reply = leader.call<protocol::FetchResponse>(request, version);
    client::check(reply.body.error_code, "Fetch from " + leader.address().to_string());
    for (const auto& t : reply.body.responses) {
      for (const auto& data : t.partitions) {
        const auto it = std::find_if(group.begin(), group.end(), [&](const Partition* p) {
          return p->id == data.partition_index;
        });
        if (it == group.end()) continue;
        Partition& p = **it;
        const auto code = static_cast<ErrorCode>(data.error_code);
        if (code == ErrorCode::OFFSET_OUT_OF_RANGE) {
          // Typically retention deleted what we were about to read. A group member
          // starts again where -o says, as auto.offset.reset does.
          write_out();
          if (!member_)
            throw out_of_range(p.id, p.position, data.log_start_offset, data.high_watermark);
          std::fprintf(stderr,
                       "warning: offset %lld of %s-%d is out of range; starting where -o says\n",
                       static_cast<long long>(p.position), o_.topic.c_str(), p.id);
          position({p.id}, {});
          continue;
        }
        if (code != ErrorCode::NONE) {
          const std::string where = fmt::format("fetching {}-{}", o_.topic, p.id);
          if (!retriable(code)) throw client::KafkaError(code, where);
          error = std::make_exception_ptr(client::KafkaError(code, where));
          continue;
        }
        p.high_watermark = data.high_watermark;
        read_batches(p, data.records.view);
        p.at_end = p.position >= p.high_watermark;
        if (limit_reached()) break;
      }
    }
    write_out();
  }

  void read_batches(Partition& p, std::span<const uint8_t> data) {
    BatchWalker walker(data);
    storage::BatchHeader header;
    std::span<const uint8_t> batch;
    bool whole_batch = false;
    while (walker.next(header, batch)) {
      whole_batch = true;
      if (header.last_offset() < p.position) continue;
      if (!header.is_control()) {
        decode_batch(batch, header, fmt::format("{}-{}", o_.topic, p.id), scratch_, records_);
        for (const auto& r : records_) {
          if (r.offset < p.position) continue;
          emit(p.id, header.timestamp_type(), r);
          p.position = r.offset + 1;
          if (limit_reached()) return;
        }
      }
      // Past the batch even when its last records were compacted away.
      p.position = std::max(p.position, header.last_offset() + 1);
    }
    // Data but not one whole batch: the next batch is larger than we allowed (brokers
    // before KIP-74 cut it). Ask for more next time, within reason.
    if (!whole_batch && !data.empty()) {
      if (p.max_bytes >= kLargestPartitionBytes)
        throw client::KafkaError(ErrorCode::RECORD_LIST_TOO_LARGE,
                                 fmt::format("{}-{} at offset {}: a batch larger than {} bytes",
                                             o_.topic, p.id, p.position, kLargestPartitionBytes));
      p.max_bytes *= 2;
    } else {
      p.max_bytes = kPartitionMaxBytes;
    }
  }

  void emit(int32_t partition, storage::TimestampType type, const FetchedRecord& r) {
    ++count_;
    last_record_ = Clock::now();
    if (o_.common.output_format() == Format::kJson) {
      Json j;
      j.begin_object().key("topic").value(o_.topic).key("partition").value(partition);
      j.key("offset").value(r.offset).key("timestamp").value(r.timestamp);
      j.key("timestamp_type").value(timestamp_type_name(type));
      json_bytes(j, "key", r.key);
      json_bytes(j, "value", r.value);
      j.key("headers").begin_array();
      for (const auto& h : r.headers) {
        j.begin_object();
        json_bytes(j, "key", h.key);
        json_bytes(j, "value", h.value);
        j.end_object();
      }
      j.end_array().end_object();
      out_ += j.str();
      out_ += '\n';
    } else if (!template_.empty()) {
      for (const auto& piece : template_) {
        if (piece.field == 0) {
          out_ += piece.text;
        } else {
          text_field(piece.field, partition, type, r);
        }
      }
    } else {
      // kafka-console-consumer's layout: the fields asked for, in this order, then the
      // value, separated by the key separator.
      const auto field = [&](char f) {
        text_field(f, partition, type, r);
        out_ += o_.key_separator;
      };
      if (o_.print_timestamp) field('T');
      if (o_.print_partition) field('P');
      if (o_.print_offset) field('O');
      if (o_.print_headers) field('h');
      if (o_.print_key) field('k');
      text_field('v', partition, type, r);
      out_ += '\n';
    }
    if (out_.size() >= (1u << 20)) write_out();
  }

  void text_field(char field, int32_t partition, storage::TimestampType type,
                  const FetchedRecord& r) {
    const auto bytes = [&](const std::optional<std::string_view>& b) {
      out_ += b ? *b : std::string_view("null");
    };
    switch (field) {
      case 't': out_ += o_.topic; break;
      case 'p': out_ += std::to_string(partition); break;
      case 'P': out_ += fmt::format("Partition:{}", partition); break;
      case 'o': out_ += std::to_string(r.offset); break;
      case 'O': out_ += fmt::format("Offset:{}", r.offset); break;
      case 'd': out_ += std::to_string(r.timestamp); break;
      case 'T':
        out_ += r.timestamp >= 0 ? fmt::format("{}:{}", timestamp_type_name(type), r.timestamp)
                                 : std::string("NO_TIMESTAMP");
        break;
      case 'k': bytes(r.key); break;
      case 'v': bytes(r.value); break;
      case 'K': out_ += std::to_string(r.key ? static_cast<int64_t>(r.key->size()) : -1); break;
      case 'V': out_ += std::to_string(r.value ? static_cast<int64_t>(r.value->size()) : -1); break;
      case 'h':
        if (r.headers.empty()) out_ += "NO_HEADERS";
        for (size_t i = 0; i < r.headers.size(); ++i) {
          if (i > 0) out_ += ',';
          out_ += r.headers[i].key;
          out_ += ':';
          bytes(r.headers[i].value);
        }
        break;
    }
  }

  void write_out() {
    if (out_.empty()) return;
    if (std::fwrite(out_.data(), 1, out_.size(), stdout) != out_.size() || std::fflush(stdout) != 0)
      throw std::runtime_error("cannot write to stdout");
    out_.clear();
  }

  const ConsumeOptions& o_;
  Session session_;
  std::vector<Piece> template_;
  StartOffset start_;
  TopicInfo topic_;
  std::optional<GroupMember> member_;  // with -g
  std::vector<Partition> parts_;
  int64_t count_ = 0;
  Clock::time_point last_record_;
  std::string out_;
  std::vector<uint8_t> scratch_;
  std::vector<FetchedRecord> records_;
};

}  // namespace

void add_consume(CLI::App& app, std::function<int()>& chosen) {
  auto o = std::make_shared<ConsumeOptions>();
  auto* cmd = app.add_subcommand(
      "consume", "print a topic's records (like kafka-console-consumer)");
  cmd->footer(
      "Without -g: reads every partition (or those of -p) straight from the leaders,\n"
      "commits nothing, and every run starts where -o says.\n"
      "With -g GROUP: a member of that consumer group (the classic protocol, range\n"
      "assignor, as kafka-console-consumer --group): members of one group share the\n"
      "partitions, each reads its own from the group's committed offsets and commits its\n"
      "positions every 5 s, before a rebalance and on exit, then leaves the group. -o\n"
      "then only says where a partition the group has no offset for starts (default\n"
      "end, as auto.offset.reset=latest; -o start for --from-beginning).\n"
      "\n"
      "-o: start (default without -g), end, N (that offset), -N (N records before the end\n"
      "of each partition), @TIMESTAMP_MS (the first record at or after that time). An\n"
      "offset the partition does not hold fails with OFFSET_OUT_OF_RANGE (exit 1).\n"
      "Stops after -n records, at the end of every partition with -e (with -g: of every\n"
      "partition it was assigned), after --idle-timeout-ms without a record, or on\n"
      "Ctrl-C (all exit 0); else follows.\n"
      "\n"
      "Text output: the value per line; -K, --print-headers, --print-offset,\n"
      "--print-partition and --print-timestamp add fields before it, separated by\n"
      "--key-separator, in kafka-console-consumer's layout. --print FORMAT instead prints\n"
      "FORMAT per record (no newline is added) with %t topic, %p partition, %o offset,\n"
      "%d timestamp (ms), %T type:timestamp, %k key, %v value, %h headers (k:v,...),\n"
      "%K / %V key / value length (-1 null), %% and \\n \\t \\r \\\\.\n"
      "\n"
      "--format json: one object per line: {topic, partition, offset, timestamp,\n"
      "timestamp_type, key, value, headers: [{key, value}]}; a null key or value is\n"
      "null; bytes that are not UTF-8 are base64 with \"<field>_encoding\":\"base64\" beside\n"
      "the field.\n"
      "\n"
      "Examples: samsa consume orders -o -10 -e -K --print-offset\n"
      "          samsa consume orders -g billing -o start");
  add_common_options(*cmd, o->common);
  cmd->add_option("topic", o->topic, "topic to read")->required();
  auto* group = cmd->add_option("-g,--group", o->group,
                                "consume as a member of this consumer group (commits offsets)");
  cmd->add_option("-p,--partition", o->partitions, "partition to read (repeatable; default all)")
      ->delimiter(',')
      ->allow_extra_args(false)  // `-p 1 TOPIC`: TOPIC is not a partition
      ->check(CLI::NonNegativeNumber)
      ->excludes(group);  // the group assigns the partitions
  cmd->add_option("-o,--offset", o->offset,
                  "start, end, N, -N or @TIMESTAMP_MS (default: start; with -g: end, for "
                  "partitions without a committed offset)");
  cmd->add_option("-n,--num", o->num, "exit after this many records")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-e,--exit-at-end", o->exit_at_end,
                "exit once every partition is read up to its high watermark");
  cmd->add_option("--idle-timeout-ms", o->idle_timeout_ms,
                  "exit when no record came for this long")
      ->check(CLI::Range(1, 86'400'000));
  cmd->add_option("--print", o->print, "print each record by this template (see below)");
  cmd->add_flag("-K,--print-key", o->print_key, "print the key before the value");
  cmd->add_flag("--print-headers", o->print_headers, "print the headers (k:v,...)");
  cmd->add_flag("--print-offset", o->print_offset, "print Offset:N");
  cmd->add_flag("--print-partition", o->print_partition, "print Partition:N");
  cmd->add_flag("--print-timestamp", o->print_timestamp, "print CreateTime:MS or LogAppendTime:MS");
  cmd->add_option("--key-separator", o->key_separator, "between printed fields (default: tab)");
  cmd->add_option("--max-wait-ms", o->max_wait_ms, "longest a fetch waits for new records")
      ->check(CLI::Range(0, 30'000))
      ->capture_default_str();
  cmd->add_option("--retries", o->retries, "attempts after a retriable error, in a row")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->callback([o, &chosen] {
    chosen = [o] { return guarded([&] { return Consumer(*o).run(); }); };
  });
}

}  // namespace samsa::cli
