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

}  // namespace samsa
