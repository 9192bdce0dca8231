// samsa group reset-offsets GROUP (--topic T[:P,...]... | --all-topics) <one target>
// [--execute]: plans new committed offsets and, with --execute, commits them as an
// admin (generation -1, no member), like kafka-consumer-groups --reset-offsets.
// A dry run is the default, so a typo never moves a group. Targets outside a
// partition's [earliest, latest] are clamped into it, as Kafka's tool does.
#include <cstdio>
#include <ctime>
#include <fmt/format.h>
#include <limits>
#include <regex>
#include <set>

#include "commands.h"
#include "group_support.h"

namespace samsa::cli::group {

namespace {

struct ResetOptions {
  CommonOptions common;
  std::string group;
  std::vector<std::string> topics;
  bool all_topics = false;
  bool to_earliest = false;
  bool to_latest = false;
  int64_t to_offset = 0;
  int64_t shift_by = 0;
  std::string to_datetime;
  int64_t to_timestamp = 0;
  bool execute = false;
  bool dry_run = false;
  // Which valued targets were given (their values have no "unset" of their own).
  CLI::Option* to_offset_opt = nullptr;
  CLI::Option* shift_by_opt = nullptr;
  CLI::Option* to_datetime_opt = nullptr;
  CLI::Option* to_timestamp_opt = nullptr;
};

// "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|-HHMM]" to ms since the epoch; without a
// zone the local one, as kafka-consumer-groups --to-datetime reads it.
int64_t parse_datetime(const std::string& text) {
  static const std::regex pattern(
      R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern))
    throw std::invalid_argument("--to-datetime '" + text +
                                "': expected YYYY-MM-DDTHH:MM:SS[.sss][Z|+HH:MM]");
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  std::tm check = tm;
  timegm(&check);  // normalises: a changed field means it was out of range (Feb 30)
  if (check.tm_mon != tm.tm_mon || check.tm_mday != tm.tm_mday || check.tm_hour != tm.tm_hour ||
      check.tm_min != tm.tm_min || check.tm_sec != tm.tm_sec)
    throw std::invalid_argument("--to-datetime '" + text + "': no such date or time");
  int64_t seconds = 0;
  const std::string zone = m[8];
  if (zone.empty()) {
    tm.tm_isdst = -1;
    seconds = std::mktime(&tm);
  } else {
    seconds = timegm(&tm);
    if (zone != "Z") {
      const int hours = std::stoi(zone.substr(1, 2));
      const int minutes = std::stoi(zone.substr(zone.size() - 2));
      const int64_t offset = hours * 3600 + minutes * 60;
      seconds -= zone[0] == '+' ? offset : -offset;
    }
  }
  std::string fraction = m[7];
  fraction = (fraction + "000").substr(0, 3);
  return seconds * 1000 + std::stoi(fraction);
}

int64_t clamp_add(int64_t base, int64_t delta) {
  if (delta > 0 && base > std::numeric_limits<int64_t>::max() - delta)
    return std::numeric_limits<int64_t>::max();
  if (delta < 0 && base < std::numeric_limits<int64_t>::min() - delta)
    return std::numeric_limits<int64_t>::min();
  return base + delta;
}

std::map<TopicPartition, int64_t> offsets_or_throw(client::Client& client,
                                                   const std::vector<TopicPartition>& partitions,
                                                   int64_t spec) {
  std::map<TopicPartition, int64_t> out;
  for (const auto& [tp, r] : list_offsets(client, partitions, spec)) {
    if (r.error != ErrorCode::NONE)
      throw client::KafkaError(r.error, fmt::format("offsets of {}-{}", tp.topic, tp.partition));
    out[tp] = r.offset;
  }
  return out;
}

std::vector<TopicPartition> chosen_partitions(client::Client& client, const ResetOptions& o,
                                              const std::map<TopicPartition, int64_t>& committed) {
  std::set<TopicPartition> chosen;
  if (o.all_topics) {
    for (const auto& [tp, _] : committed) chosen.insert(tp);
  }
  for (const auto& spec : o.topics) {
    const auto [topic, wanted] = parse_topic_spec(spec);
    const std::vector<int32_t> existing = topic_partitions(client, topic);
    for (const int32_t p : wanted.empty() ? existing : wanted) {
      if (!std::binary_search(existing.begin(), existing.end(), p))
        throw client::KafkaError(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                                 fmt::format("{}-{}: the topic has {} partitions", topic, p,
                                             existing.size()));
      chosen.insert({topic, p});
    }
  }
  return {chosen.begin(), chosen.end()};
}

struct PlanRow {
  TopicPartition tp;
  std::optional<int64_t> current;
  int64_t target = 0;
};

std::vector<PlanRow> plan(client::Client& client, const ResetOptions& o,
                          const std::vector<TopicPartition>& partitions,
                          const std::map<TopicPartition, int64_t>& committed) {
  std::vector<PlanRow> rows;
  if (partitions.empty()) return rows;
  const auto earliest = offsets_or_throw(client, partitions, kEarliest);
  const auto latest = offsets_or_throw(client, partitions, kLatest);
  std::map<TopicPartition, int64_t> by_time;
  if (o.to_datetime_opt->count() > 0 || o.to_timestamp_opt->count() > 0) {
    const int64_t ms =
        o.to_timestamp_opt->count() > 0 ? o.to_timestamp : parse_datetime(o.to_datetime);
    by_time = offsets_or_throw(client, partitions, ms);
  }
  for (const auto& tp : partitions) {
    PlanRow row{tp, std::nullopt, 0};
    if (const auto it = committed.find(tp); it != committed.end()) row.current = it->second;
    const int64_t lo = earliest.at(tp);
    const int64_t hi = latest.at(tp);
    int64_t target = 0;
    if (o.to_earliest) {
      target = lo;
    } else if (o.to_latest) {
      target = hi;
    } else if (o.to_offset_opt->count() > 0) {
      target = o.to_offset;
    } else if (o.shift_by_opt->count() > 0) {
      if (!row.current)
        throw std::runtime_error(fmt::format(
            "cannot shift {}-{}: group {} has no committed offset for it", tp.topic,
            tp.partition, o.group));
      target = clamp_add(*row.current, o.shift_by);
    } else {
      // No record at or after the time: the log end, where new records will arrive.
      target = by_time.at(tp) < 0 ? hi : by_time.at(tp);
    }
    row.target = std::clamp(target, lo, hi);
    rows.push_back(row);
  }
  return rows;
}

void commit(client::Client& client, const std::string& group, const std::vector<PlanRow>& rows) {
  protocol::OffsetCommitRequest request;
  request.group_id = group;
  request.generation_id_or_member_epoch = -1;  // an admin commit: no generation, no member
  request.member_id = "";
  for (const auto& r : rows) {
    if (request.topics.empty() || request.topics.back().name != r.tp.topic) {
      request.topics.emplace_back();
      request.topics.back().name = r.tp.topic;
    }
    protocol::OffsetCommitRequest::OffsetCommitRequestPartition p;
    p.partition_index = r.tp.partition;
    p.committed_offset = r.target;
    request.topics.back().partitions.push_back(std::move(p));
  }
  const auto reply =
      client.group_coordinator(group).call<protocol::OffsetCommitResponse>(request);
  for (const auto& t : reply.body.topics)
    for (const auto& p : t.partitions)
      client::check(p.error_code, fmt::format("committing offsets of group {} ({}-{})", group,
                                              t.name, p.partition_index));
}

int run_reset(const ResetOptions& o) {
  const int targets = static_cast<int>(o.to_earliest) + static_cast<int>(o.to_latest) +
                      static_cast<int>(o.to_offset_opt->count() + o.shift_by_opt->count() +
                                       o.to_datetime_opt->count() + o.to_timestamp_opt->count());
  if (targets != 1)
    throw std::invalid_argument(
        "give exactly one of --to-earliest, --to-latest, --to-offset, --shift-by, "
        "--to-datetime, --to-timestamp");
  if (o.all_topics == !o.topics.empty())
    throw std::invalid_argument("give either --topic (repeatable) or --all-topics");
  if (o.execute && o.dry_run) throw std::invalid_argument("--execute and --dry-run exclude each other");
  if (o.to_datetime_opt->count() > 0) parse_datetime(o.to_datetime);  // usage errors first

  client::Client client(o.common.client_options());
  GroupInfo info;
  std::map<TopicPartition, int64_t> committed;
  retrying(o.common.timeout_ms, [&] {
    info = describe_group(client, o.group);
    committed = committed_offsets(client, o.group);
  });
  const std::string activity =
      fmt::format("group {} is {} with {} member(s)", printable(o.group), info.state,
                  info.members.size());
  // Committing under live members would be overwritten by their next commit, and
  // Kafka refuses it: check before touching anything.
  if (o.execute && !info.inactive())
    throw std::runtime_error(activity +
                             ": offsets can only be reset while the group is inactive "
                             "(Empty or Dead); stop its consumers first");

  const auto rows = plan(client, o, chosen_partitions(client, o, committed), committed);
  if (o.execute && !rows.empty()) commit(client, o.group, rows);

  if (o.common.output_format() == Format::kJson) {
    Json j;
    j.begin_object().key("group").raw(json_escape(o.group)).key("state").raw(json_escape(info.state));
    j.key("executed").value(o.execute && !rows.empty()).key("partitions").begin_array();
    for (const auto& r : rows) {
      j.begin_object().key("topic").raw(json_escape(r.tp.topic)).key("partition").value(r.tp.partition);
      j.key("current_offset");
      if (r.current) {
        j.value(*r.current);
      } else {
        j.null();
      }
      j.key("new_offset").value(r.target).end_object();
    }
    j.end_array().end_object();
    std::printf("%s\n", j.str().c_str());
  } else if (!rows.empty()) {
    Table table({"TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"});
    for (const auto& r : rows)
      table.add({printable(r.tp.topic), std::to_string(r.tp.partition),
                 r.current ? std::to_string(*r.current) : "-", std::to_string(r.target)});
    table.print(stdout);
  }
  if (rows.empty()) {
    std::fprintf(stderr, "nothing to reset: group %s has no committed offsets (name topics "
                         "with --topic)\n", printable(o.group).c_str());
  } else if (o.execute) {
    std::fprintf(stderr, "committed new offsets for %zu partition(s) of group %s\n", rows.size(),
                 printable(o.group).c_str());
  } else {
    std::fprintf(stderr, "dry run: nothing changed; add --execute to commit these offsets\n");
    if (!info.inactive())
      std::fprintf(stderr, "note: %s; --execute is refused until it is inactive\n",
                   activity.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_reset_offsets(CLI::App& group, std::function<int()>& chosen) {
  auto o = std::make_shared<ResetOptions>();
  auto* cmd = group.add_subcommand(
      "reset-offsets", "plan (default) or --execute new committed offsets for an inactive group");
  cmd->add_option("group", o->group, "group id")->required();
  cmd->add_option("--topic", o->topics, "TOPIC or TOPIC:P,P,... (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--all-topics", o->all_topics, "every partition the group has an offset for");
  cmd->add_flag("--to-earliest", o->to_earliest, "the earliest offset still in the log");
  cmd->add_flag("--to-latest", o->to_latest, "the log end offset");
  o->to_offset_opt = cmd->add_option("--to-offset", o->to_offset, "this offset (clamped)");
  o->shift_by_opt =
      cmd->add_option("--shift-by", o->shift_by, "current offset plus N (N<0 moves back; clamped)");
  o->to_datetime_opt = cmd->add_option(
      "--to-datetime", o->to_datetime,
      "first offset at or after YYYY-MM-DDTHH:MM:SS[.sss][Z|+HH:MM] (local time without zone)");
  o->to_timestamp_opt =
      cmd->add_option("--to-timestamp", o->to_timestamp, "first offset at or after this epoch ms")
          ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--execute", o->execute, "commit the plan (default: only print it)");
  cmd->add_flag("--dry-run", o->dry_run, "only print the plan (the default)");
  add_common_options(*cmd, o->common);
  cmd->callback([o, &chosen] {
    chosen = [o] { return guarded([&] { return run_reset(*o); }); };
  });
}

}  // namespace samsa::cli::group
