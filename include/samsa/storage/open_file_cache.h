// A bound on how many segment log files stay open across every partition.
//
// Each segment's `.log` is opened when it is first read or written and registered
// here; while more than `capacity` descriptors are alive, the least recently used
// entries are asked to close. Nothing in flight breaks: readers (Fetch responses,
// scanners) hold their own reference to a descriptor, which closes when the last holder
// lets go; fsyncs open files by path. Descriptors that responses still hold after their
// entry left are allowed up to a quarter of the capacity more: past an eighth, readers
// copy bytes instead of holding more (crowded()). So at most 1.25 x capacity segment
// descriptors are open, the open-file limit caps connections and the working set, and
// never the number of partitions.
//
// Loop thread only; intrusive, so touching an entry costs a few pointer writes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace samsa::storage {

class OpenFileCache {
 public:
  // A file that can be closed on request; embedded in its owner (a Segment).
  class Entry {
   public:
    Entry() = default;
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

   protected:
    ~Entry();  // unlinks itself
    // Closes the owner's descriptor (the cache has already unlinked the entry).
    virtual void close_for_cache() = 0;
    OpenFileCache* cache_ = nullptr;  // set by the owner; nullptr: never evicted

   private:
    friend class OpenFileCache;
    Entry* prev_ = nullptr;  // towards the least recently used
    Entry* next_ = nullptr;
    bool linked_ = false;
  };

  // capacity 0 is taken as 1.
  explicit OpenFileCache(size_t capacity);
  ~OpenFileCache();
  OpenFileCache(const OpenFileCache&) = delete;
  OpenFileCache& operator=(const OpenFileCache&) = delete;

  // `entry` opened its file (or used it again): it becomes the most recently used, and
  // the least recently used others are closed until at most `capacity` entries are
  // open and 1.25 x capacity descriptors alive (or only `entry` is left).
  void touch(Entry& entry);
  // `entry` closed its file by itself (or is going away).
  void forget(Entry& entry);

  // The descriptors alive passed 1.125 x capacity: readers should copy bytes rather
  // than hand out references that would keep more open.
  bool crowded() const;

  size_t capacity() const { return capacity_; }
  size_t open_files() const { return size_; }
  uint64_t evictions() const { return evictions_; }

 private:
  void unlink(Entry& entry);

  size_t capacity_;
  size_t size_ = 0;
  uint64_t evictions_ = 0;
  Entry* oldest_ = nullptr;
  Entry* newest_ = nullptr;
};

// The automatic capacity for an open-file limit (RLIMIT_NOFILE's soft value): half of
// it, leaving the other half for connections, index files opened for a moment,
// directories being synced and the process's own files; at least 16.
size_t open_file_capacity_for_limit(uint64_t fd_limit);

}  // namespace samsa::storage
