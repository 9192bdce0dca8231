#include "samsa/serve/ephemeral_dir.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace samsa::serve {
namespace {
namespace fs = std::filesystem;

class EphemeralDirTest : public ::testing::Test {
 protected:
  EphemeralDirTest() {
    char templ[] = "/tmp/samsa-ephemeral-test-root-XXXXXX";
    root_ = ::mkdtemp(templ);
  }
  ~EphemeralDirTest() override { fs::remove_all(root_); }

  // A directory as a broker with the given pid would have left it.
  fs::path left_by(long pid, const std::string& suffix) {
    const fs::path dir = root_ / (std::string(EphemeralDir::kPrefix) + suffix);
    fs::create_directories(dir / "t-0");
    std::ofstream(dir / "t-0" / "00000000000000000000.log") << "data";
    if (pid > 0) std::ofstream(dir / EphemeralDir::kOwnerFile) << pid << '\n';
    return dir;
  }
  // The pid of a process that has exited (and been reaped).
  static long dead_pid() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
  }

  fs::path root_;
};

TEST_F(EphemeralDirTest, IsFreshOwnedAndRemovedWithEverythingInIt) {
  fs::path path;
  {
    EphemeralDir dir = EphemeralDir::create(root_);
    path = dir.path();
    EXPECT_EQ(path.parent_path(), root_);
    EXPECT_EQ(path.filename().string().rfind(EphemeralDir::kPrefix, 0), 0u);
    long owner = 0;
    std::ifstream(path / EphemeralDir::kOwnerFile) >> owner;
    EXPECT_EQ(owner, ::getpid());
    fs::create_directories(path / "t-0");
    std::ofstream(path / "t-0" / "x.log") << "x";
    EphemeralDir moved = std::move(dir);  // the moved-from one removes nothing
    EXPECT_TRUE(fs::exists(path / "t-0" / "x.log"));
    EphemeralDir other = EphemeralDir::create(root_);
    EXPECT_NE(other.path(), path);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(EphemeralDirTest, CreatingOneRemovesThoseWhoseOwnerIsGone) {
  const fs::path dead = left_by(dead_pid(), "dead01");
  const fs::path alive = left_by(::getpid(), "alive1");
  const fs::path no_owner = left_by(0, "noown1");  // being created, perhaps
  const fs::path unrelated = root_ / "something-else";
  fs::create_directories(unrelated);
  std::ofstream(unrelated / EphemeralDir::kOwnerFile) << dead_pid() << '\n';

  EphemeralDir dir = EphemeralDir::create(root_);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(no_owner));
  EXPECT_TRUE(fs::exists(unrelated));
  EXPECT_EQ(EphemeralDir::remove_stale(root_), 0u);
}

TEST_F(EphemeralDirTest, RootMustExist) {
  EXPECT_THROW(EphemeralDir::create(root_ / "missing"), std::system_error);
}

}  // namespace
}  // namespace samsa::serve
