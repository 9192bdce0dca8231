// The layer `samsa serve --await-config` adds: a file read after the start, over the file
// and the environment, under --override.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "samsa/config/config.h"

namespace samsa::config {
namespace {
namespace fs = std::filesystem;

TEST(LateFileTest, OverFileAndEnvironmentUnderOverride) {
  Properties file = Properties::parse("a=file\nb=file\nc=file\nd=file\n");
  Properties env = properties_from_environment({"KAFKA_B=env", "KAFKA_C=env"});
  Properties late = Properties::parse("c=late\nd=late\ne=late\nf=late\n");
  RawConfig raw = merge_layers(file, env, {{"f", "override"}}, {{"p", "profile"}}, late);
  EXPECT_EQ(raw["a"].value, "file");
  EXPECT_EQ(raw["b"].value, "env");
  EXPECT_EQ(raw["c"].value, "late");
  EXPECT_EQ(raw["c"].source, ConfigSource::kLateFile);
  EXPECT_EQ(raw["d"].value, "late");
  EXPECT_EQ(raw["e"].value, "late");
  EXPECT_EQ(raw["f"].value, "override");
  EXPECT_EQ(raw["p"].value, "profile");
  EXPECT_EQ(to_string(ConfigSource::kLateFile), "--await-config file");
}

class LateFileLoadTest : public ::testing::Test {
 protected:
  LateFileLoadTest() {
    char templ[] = "/tmp/samsa-late-file-test-XXXXXX";
    dir_ = ::mkdtemp(templ);
  }
  ~LateFileLoadTest() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }

  fs::path dir_;
};

// The container case: the image's file and the environment open two listeners on every
// interface; the late file, written once the host-mapped port is known, says how clients
// on the host and in other containers reach them.
TEST_F(LateFileLoadTest, AdvertisesTheMappedPortOfAContainer) {
  LoadOptions load;
  load.config_file = write("server.properties", "node.id=1\nlog.dirs=/var/lib/samsa/data\n");
  load.environment = {
      "KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092,BROKER://0.0.0.0:9093",
      "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT",
      "KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://localhost:9092,BROKER://localhost:9093",
  };
  load.late_file =
      write("late.properties",
            "advertised.listeners=PLAINTEXT://localhost:32771,BROKER://samsa-1:9093\n");
  const BrokerConfig c = load_broker_config(load);
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].bind, (Endpoint{"PLAINTEXT", "0.0.0.0", 9092}));
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"PLAINTEXT", "localhost", 32771}));
  EXPECT_EQ(c.listeners[1].advertised, (Endpoint{"BROKER", "samsa-1", 9093}));
  EXPECT_EQ(c.effective.at("advertised.listeners").source, ConfigSource::kLateFile);

  load.overrides = {"advertised.listeners=PLAINTEXT://localhost:1,BROKER://b:2"};
  EXPECT_EQ(load_broker_config(load).listeners[0].advertised.port, 1);
}

TEST_F(LateFileLoadTest, AnErrorNamesTheLateFile) {
  LoadOptions load;
  load.late_file = write("late.properties", "num.partitions=many\n");
  try {
    load_broker_config(load);
    ADD_FAILURE() << "no error for num.partitions=many";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--await-config file"), std::string::npos) << e.what();
  }
  load.late_file = dir_ / "missing.properties";
  EXPECT_THROW(load_broker_config(load), ConfigError);
}

}  // namespace
}  // namespace samsa::config
