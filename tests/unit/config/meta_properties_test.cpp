#include "samsa/config/meta_properties.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "samsa/config/error.h"

namespace samsa::config {
namespace {

class MetaPropertiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("samsa_meta_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(MetaPropertiesTest, GeneratedIdsLookLikeKafkas) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = generate_cluster_id();
    EXPECT_EQ(id.size(), 22u);
    EXPECT_EQ(
        id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST_F(MetaPropertiesTest, WrittenDurablyThenReadBack) {
  EXPECT_FALSE(read_meta_properties(dir_).has_value());
  std::filesystem::create_directories(dir_);
  const MetaProperties written{1, generate_cluster_id()};
  write_meta_properties(dir_, written);
  auto read = read_meta_properties(dir_);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->node_id, 1);
  EXPECT_EQ(read->cluster_id, written.cluster_id);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "meta.properties.tmp"));
}

TEST_F(MetaPropertiesTest, WriteFailureIsAConfigError) {
  EXPECT_THROW(write_meta_properties(dir_ / "missing", {1, generate_cluster_id()}), ConfigError);
}

TEST_F(MetaPropertiesTest, NodeAndConfiguredClusterIdAreChecked) {
  const MetaProperties existing{3, "MkU3OEVBNTcwNTJENDM2Qk"};
  EXPECT_NO_THROW(check_meta_properties(existing, dir_, 3, std::nullopt));
  EXPECT_NO_THROW(check_meta_properties(existing, dir_, 3, std::string("MkU3OEVBNTcwNTJENDM2Qk")));
  EXPECT_THROW(check_meta_properties(existing, dir_, 3, std::string("other")), ConfigError);
  EXPECT_THROW(check_meta_properties(existing, dir_, 4, std::nullopt), ConfigError);
}

TEST_F(MetaPropertiesTest, ReadsKafkaWrittenFile) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "meta.properties")
      << "#\n#Thu Nov 21 10:00:00 UTC 2024\nnode.id=1\ndirectory.id=abc\nversion=1\n"
         "cluster.id=5L6g3nShT-eMCtK--X86sw\n";
  auto m = read_meta_properties(dir_);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->node_id, 1);
  EXPECT_EQ(m->cluster_id, "5L6g3nShT-eMCtK--X86sw");
}

TEST_F(MetaPropertiesTest, IncompleteFileIsAnError) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "meta.properties") << "version=1\n";
  EXPECT_THROW(read_meta_properties(dir_), ConfigError);
}

}  // namespace
}  // namespace samsa::config
