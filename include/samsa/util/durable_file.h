// Small files that must survive a crash once written (topic metadata, meta.properties,
// producer-id reservations): the classic temp file + fsync + rename + directory fsync.
#pragma once

#include <filesystem>
#include <string_view>

namespace samsa {

// Replaces `path` with `content` atomically and durably: readers see the old or the
// new content, and once this returns the new content survives a crash. Throws
// std::system_error naming the file and the step that failed; a failed attempt leaves
// no temp file behind.
void write_file_durably(const std::filesystem::path& path, std::string_view content);

// fsync of a directory, so that entries created, renamed or removed in it are durable.
// Throws std::system_error.
void fsync_directory(const std::filesystem::path& dir);

// Writes `content` to `path` (created or truncated), not yet durably: for many files
// made durable together by sync_filesystem. Throws std::system_error.
void write_file(const std::filesystem::path& path, std::string_view content);

// syncfs(2) of the file system holding `path`: every file and directory written so far
// is durable once it returns. One call instead of thousands of fsyncs when a topic of
// many partitions is created. Throws std::system_error.
void sync_filesystem(const std::filesystem::path& path);

}  // namespace samsa
