#include "samsa/broker/partition_watch.h"

namespace samsa::broker {

PartitionWatch::Subscription PartitionWatch::watch(
    const std::vector<std::pair<std::string, int32_t>>& partitions, Callback callback) {
  auto shared = std::make_shared<Callback>(std::move(callback));
  for (const auto& [topic, partition] : partitions) {
    auto& list = watchers_[Key{topic, partition}];
    // Drop registrations that are gone so an idle partition's list stays short.
    std::erase_if(list, [](const std::weak_ptr<Callback>& w) {
      auto cb = w.lock();
      return !cb || !*cb;
    });
    list.push_back(shared);
  }
  return Subscription(shared);
}

void PartitionWatch::notify(const std::string& topic, int32_t partition) {
  auto it = watchers_.find(Key{topic, partition});
  if (it == watchers_.end() || it->second.empty()) return;
  auto list = std::move(it->second);
  it->second.clear();
  for (auto& weak : list) {
    auto cb = weak.lock();
    if (!cb || !*cb) continue;
    auto fn = std::move(*cb);
    *cb = nullptr;  // once only, even if registered on several partitions
    fn();
  }
}

}  // namespace samsa::broker
