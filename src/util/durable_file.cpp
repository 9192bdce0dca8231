#include "samsa/util/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace samsa {

namespace {

[[noreturn]] void fail(int err, const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(err, std::generic_category(), what + " " + path.string());
}

void write_and_sync(const std::filesystem::path& path, std::string_view content, bool sync = true) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(errno, "cannot create", path);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      fail(err, "cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  if (sync && ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail(err, "cannot fsync", path);
  }
  if (::close(fd) != 0) fail(errno, "cannot close", path);
}

}  // namespace

void write_file(const std::filesystem::path& path, std::string_view content) {
  write_and_sync(path, content, false);
}

void sync_filesystem(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "cannot open", path);
  const int rc = ::syncfs(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) fail(err, "cannot sync the file system of", path);
}

void fsync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(errno, "cannot open directory", dir);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) fail(err, "cannot fsync directory", dir);
}

void write_file_durably(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  try {
    write_and_sync(tmp, content);
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail(errno, "cannot rename into", path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  fsync_directory(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

}  // namespace samsa
