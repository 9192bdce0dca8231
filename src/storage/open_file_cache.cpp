#include "samsa/storage/open_file_cache.h"

#include <algorithm>

#include "samsa/util/file_slice.h"

namespace samsa::storage {

OpenFileCache::Entry::~Entry() {
  if (cache_ && linked_) cache_->unlink(*this);
}

OpenFileCache::OpenFileCache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

OpenFileCache::~OpenFileCache() {
  // Owners may outlive the cache in tests' teardown order: leave them unlinked.
  for (Entry* e = oldest_; e;) {
    Entry* next = e->next_;
    e->prev_ = e->next_ = nullptr;
    e->linked_ = false;
    e->cache_ = nullptr;
    e = next;
  }
}

void OpenFileCache::unlink(Entry& e) {
  if (!e.linked_) return;
  (e.prev_ ? e.prev_->next_ : oldest_) = e.next_;
  (e.next_ ? e.next_->prev_ : newest_) = e.prev_;
  e.prev_ = e.next_ = nullptr;
  e.linked_ = false;
  --size_;
}

void OpenFileCache::touch(Entry& e) {
  if (e.linked_ && newest_ == &e) return;  // the common case: the same file again
  unlink(e);
  e.prev_ = newest_;
  e.next_ = nullptr;
  (newest_ ? newest_->next_ : oldest_) = &e;
  newest_ = &e;
  e.linked_ = true;
  ++size_;
  // Descriptors that responses still hold after their entry left count too, up to a
  // quarter more than the capacity; crowded() keeps readers from adding to them sooner.
  while (oldest_ != &e && (size_ > capacity_ || FileHandle::live() > capacity_ + capacity_ / 4)) {
    Entry& victim = *oldest_;
    unlink(victim);
    ++evictions_;
    victim.close_for_cache();
  }
}

void OpenFileCache::forget(Entry& e) {
  unlink(e);
}

bool OpenFileCache::crowded() const {
  return FileHandle::live() >= capacity_ + capacity_ / 8;
}

size_t open_file_capacity_for_limit(uint64_t fd_limit) {
  return static_cast<size_t>(std::max<uint64_t>(fd_limit / 2, 16));
}

}  // namespace samsa::storage
