// DescribeLogDirs (key 35), v0-4: the one log directory samsa uses, with the size of
// every requested partition (all of them when topics is null; unknown topics and
// partitions are left out, as in Kafka) and, from v4, the file system's total and
// usable bytes. Nothing is ever moved between directories here, so there are no future
// logs and every offset lag is 0.
#include <sys/statvfs.h>

#include <filesystem>
#include <set>

#include "samsa/broker/handlers.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {

void handle_describe_log_dirs(ContextPtr ctx, protocol::DescribeLogDirsRequest request) {
  using Response = protocol::DescribeLogDirsResponse;
  storage::LogManager& logs = ctx->services.logs;

  Response::DescribeLogDirsResult dir;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(logs.log_dir(), ec);
  dir.log_dir = ec ? logs.log_dir() : absolute.lexically_normal().string();
  struct statvfs fs {};
  if (::statvfs(dir.log_dir.c_str(), &fs) == 0) {
    dir.total_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
    dir.usable_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
  }

  auto add = [&dir](const std::string& topic, int32_t index, const storage::PartitionLog& log) {
    if (dir.topics.empty() || dir.topics.back().name != topic)
      dir.topics.push_back({topic, {}, {}});
    Response::DescribeLogDirsPartition p;
    p.partition_index = index;
    p.partition_size = static_cast<int64_t>(log.size_bytes());
    p.offset_lag = 0;
    p.is_future_key = false;
    dir.topics.back().partitions.push_back(p);
  };
  if (!request.topics) {
    logs.for_each_partition([&](const storage::TopicMetadata& meta, int32_t index,
                                storage::PartitionLog& log) { add(meta.name, index, log); });
  } else {
    for (const auto& t : *request.topics) {
      for (const int32_t index : std::set<int32_t>(t.partitions.begin(), t.partitions.end())) {
        if (const storage::PartitionLog* log = logs.partition(t.topic, index))
          add(t.topic, index, *log);
      }
    }
  }

  Response response;
  response.results.push_back(std::move(dir));
  ctx->respond(response);
}

}  // namespace samsa::broker
