// Broker::start on fresh and foreign data directories.
#include <utility>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "samsa/broker/broker.h"
#include "samsa/config/config.h"

namespace samsa::broker {
namespace {

namespace fs = std::filesystem;

class BrokerStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("samsa-broker-start-" + std::to_string(rd()) + std::to_string(rd()));
  }
  void TearDown() override { fs::remove_all(dir_); }

  config::BrokerConfig config_for(int node_id) const {
    config::LoadOptions load;
    load.overrides = {"log.dirs=" + dir_.string(), "listeners=PLAINTEXT://127.0.0.1:0",
                      "advertised.listeners=PLAINTEXT://127.0.0.1:0",
                      "node.id=" + std::to_string(node_id)};
    return config::load_broker_config(load);
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  fs::path dir_;
};

TEST_F(BrokerStartTest, FirstStartWritesMetaPropertiesAndNoOffsetsTopic) {
  boost::asio::io_context io;
  Broker broker(io, config_for(1));
  broker.start();
  ASSERT_EQ(broker.cluster_id().size(), 22u);
  // Created on first use, like Kafka: a broker nobody used for groups has none.
  EXPECT_FALSE(fs::exists(dir_ / "__consumer_offsets-0"));
  EXPECT_FALSE(fs::exists(dir_ / "meta.properties"));  // left to the first write
  broker.stop();                                       // no write came: the shutdown writes it
  EXPECT_FALSE(broker.failed());
  EXPECT_NE(read(dir_ / "meta.properties").find("cluster.id=" + broker.cluster_id()),
            std::string::npos);

  boost::asio::io_context io2;
  Broker again(io2, config_for(1));
  const std::string first_id = broker.cluster_id();
  again.start();
  EXPECT_EQ(again.cluster_id(), first_id);
  again.stop();
}

// meta.properties waits for the first write, or the shutdown. When it cannot be written
// the broker fails (`samsa serve` exits with 1) and leaves no clean-shutdown marker.
TEST_F(BrokerStartTest, FailingToWriteMetaPropertiesFailsTheBroker) {
  fs::create_directories(dir_ / "meta.properties.tmp" / "in-the-way");
  boost::asio::io_context io;
  Broker broker(io, config_for(1));
  broker.start();
  EXPECT_FALSE(broker.failed());
  broker.stop();
  EXPECT_TRUE(broker.failed());
  EXPECT_FALSE(fs::exists(dir_ / "meta.properties"));
  EXPECT_FALSE(fs::exists(dir_ / ".kafka_cleanshutdown"));
}

TEST_F(BrokerStartTest, DirectoryOfAnotherNodeIsRefusedBeforeItIsTouched) {
  {
    boost::asio::io_context io;
    Broker broker(io, config_for(2));
    broker.start();
    broker.stop();
  }
  // A directory that loading would clean up as a leftover: it must survive a refusal.
  fs::create_directories(dir_ / "leftover-0");
  boost::asio::io_context io;
  Broker broker(io, config_for(1));
  EXPECT_THROW(broker.start(), std::exception);
  EXPECT_TRUE(fs::exists(dir_ / "leftover-0"));
}

}  // namespace
}  // namespace samsa::broker
