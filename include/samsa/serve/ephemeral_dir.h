// The data directory of one ephemeral broker: `<root>/samsa-ephemeral-XXXXXX` (root:
// $TMPDIR, else /tmp), holding `owner.pid`, removed with everything in it when the
// object goes. A broker killed by SIGKILL cannot remove its own: creating one first
// removes the directories under the same root whose owner process no longer exists, so
// crashed test runs leave nothing behind for long.
#pragma once

#include <filesystem>

namespace samsa::serve {

class EphemeralDir {
 public:
  static constexpr const char* kPrefix = "samsa-ephemeral-";
  static constexpr const char* kOwnerFile = "owner.pid";

  // Creates a fresh directory under `root` (after remove_stale(root)). Throws
  // std::system_error.
  static EphemeralDir create(const std::filesystem::path& root = default_root());
  static std::filesystem::path default_root();
  // Removes the directories named kPrefix* under `root` whose kOwnerFile names a process
  // that does not exist; answers how many. One without an owner file is left alone (it
  // may be one being created).
  static size_t remove_stale(const std::filesystem::path& root);

  EphemeralDir(EphemeralDir&& other) noexcept;
  EphemeralDir& operator=(EphemeralDir&&) = delete;
  EphemeralDir(const EphemeralDir&) = delete;
  ~EphemeralDir();  // removes it; a failure is logged

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit EphemeralDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;  // empty once moved from
};

}  // namespace samsa::serve
