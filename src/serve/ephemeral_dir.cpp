#include "samsa/serve/ephemeral_dir.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

namespace samsa::serve {
namespace fs = std::filesystem;

namespace {

bool process_exists(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH);
}

}  // namespace

fs::path EphemeralDir::default_root() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? fs::path(tmp) : fs::path("/tmp");
}

size_t EphemeralDir::remove_stale(const fs::path& root) {
  size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kPrefix, 0) != 0 || !it->is_directory(ec)) continue;
    std::ifstream owner(it->path() / kOwnerFile);
    long pid = 0;
    if (!(owner >> pid) || process_exists(pid)) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    if (rm) {
      spdlog::warn("cannot remove {}, left by ephemeral broker {} that no longer runs: {}",
                   it->path().string(), pid, rm.message());
    } else {
      spdlog::info("removed {}, left by ephemeral broker {} that no longer runs",
                   it->path().string(), pid);
      ++removed;
    }
  }
  return removed;
}

EphemeralDir EphemeralDir::create(const fs::path& root) {
  remove_stale(root);
  std::string templ = (root / (std::string(kPrefix) + "XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(),
                            "create a directory under " + root.string());
  }
  EphemeralDir dir{fs::path(templ)};
  std::ofstream owner(dir.path_ / kOwnerFile);
  owner << ::getpid() << '\n';
  if (!owner.flush()) {
    throw std::system_error(EIO, std::generic_category(),
                            "write " + (dir.path_ / kOwnerFile).string());
  }
  return dir;
}

EphemeralDir::EphemeralDir(EphemeralDir&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

EphemeralDir::~EphemeralDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec)
    spdlog::warn("cannot remove the ephemeral data directory {}: {}", path_.string(), ec.message());
}

}  // namespace samsa::serve
