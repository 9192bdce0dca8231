#include "samsa/config/sources.h"

#include <gtest/gtest.h>

#include "samsa/config/config.h"

#include "samsa/config/error.h"

namespace samsa::config {
namespace {

TEST(EnvNameTest, MapsLikeTheApacheKafkaImage) {
  EXPECT_EQ(env_name_to_key("KAFKA_LOG_DIRS"), "log.dirs");
  EXPECT_EQ(env_name_to_key("KAFKA_ADVERTISED_LISTENERS"), "advertised.listeners");
  EXPECT_EQ(env_name_to_key("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"),
            "listener.security.protocol.map");
  EXPECT_EQ(env_name_to_key("KAFKA_FOO__BAR"), "foo_bar");
  EXPECT_EQ(env_name_to_key("KAFKA_FOO___BAR"), "foo-bar");
  EXPECT_EQ(env_name_to_key("KAFKA_A____B"), "a-.b");  // 4 = "___" then "_"
  EXPECT_EQ(env_name_to_key("KAFKA_A_____B"), "a-_b");
  EXPECT_EQ(env_name_to_key("KAFKA_NODE_ID"), "node.id");
  EXPECT_EQ(env_name_to_key("CLUSTER_ID"), "cluster.id");
}

TEST(EnvNameTest, IgnoresNonConfigVariables) {
  for (const char* name : {"KAFKA_HOME", "KAFKA_OPTS", "KAFKA_HEAP_OPTS",
                           "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_JMX_PORT",
                           "KAFKA_VERSION", "KAFKA_", "PATH", "HOME", "kafka_log_dirs"}) {
    EXPECT_EQ(env_name_to_key(name), std::nullopt) << name;
  }
}

TEST(EnvNameTest, PropertiesFromEnvironment) {
  Properties p =
      properties_from_environment({"KAFKA_NUM_PARTITIONS=3", "KAFKA_HEAP_OPTS=-Xmx1G", "PATH=/bin",
                                   "KAFKA_EMPTY=", "KAFKA_WITH_EQUALS=a=b", "NOEQUALS"});
  ASSERT_EQ(p.entries().size(), 3u);
  EXPECT_EQ(*p.find("num.partitions"), "3");
  EXPECT_EQ(*p.find("empty"), "");
  EXPECT_EQ(*p.find("with.equals"), "a=b");
}

TEST(OverrideTest, SplitsAtFirstEquals) {
  EXPECT_EQ(parse_override("log.dirs=/tmp/x"),
            (std::pair<std::string, std::string>{"log.dirs", "/tmp/x"}));
  EXPECT_EQ(parse_override(" a =b=c").second, "b=c");
  EXPECT_EQ(parse_override(" a =b=c").first, "a");
  EXPECT_EQ(parse_override("a=").second, "");
  EXPECT_THROW(parse_override("novalue"), ConfigError);
  EXPECT_THROW(parse_override("=v"), ConfigError);
}

TEST(MergeTest, FileThenEnvironmentThenOverride) {
  Properties file = Properties::parse("a=file\nb=file\nc=file\n");
  Properties env = properties_from_environment({"KAFKA_B=env", "KAFKA_C=env", "KAFKA_D=env"});
  RawConfig raw = merge_layers(file, env, {{"c", "override"}, {"e", "override"}});
  EXPECT_EQ(raw["a"].value, "file");
  EXPECT_EQ(raw["a"].source, ConfigSource::kFile);
  EXPECT_EQ(raw["b"].value, "env");
  EXPECT_EQ(raw["b"].source, ConfigSource::kEnvironment);
  EXPECT_EQ(raw["c"].value, "override");
  EXPECT_EQ(raw["c"].source, ConfigSource::kOverride);
  EXPECT_EQ(raw["d"].value, "env");
  EXPECT_EQ(raw["e"].value, "override");
  EXPECT_EQ(raw.size(), 5u);
}

// A profile's defaults (samsa serve --ephemeral) are the lowest layer: anything the file,
// the environment or an override sets wins, and an error names where a value came from.
TEST(MergeTest, ProfileUnderEverything) {
  Properties file = Properties::parse("a=file\n");
  Properties env = properties_from_environment({"KAFKA_B=env"});
  RawConfig raw =
      merge_layers(file, env, {{"c", "override"}},
                   {{"a", "profile"}, {"b", "profile"}, {"c", "profile"}, {"p", "profile"}});
  EXPECT_EQ(raw["a"].value, "file");
  EXPECT_EQ(raw["b"].value, "env");
  EXPECT_EQ(raw["c"].value, "override");
  EXPECT_EQ(raw["p"].value, "profile");
  EXPECT_EQ(raw["p"].source, ConfigSource::kProfile);
  EXPECT_EQ(to_string(ConfigSource::kProfile), "--ephemeral defaults");

  LoadOptions load;
  load.profile = {{"group.initial.rebalance.delay.ms", "0"}, {"num.partitions", "x"}};
  load.overrides = {"num.partitions=3"};
  EXPECT_EQ(load_broker_config(load).num_partitions, 3);
  EXPECT_EQ(load_broker_config(load).group_initial_rebalance_delay_ms, 0);
  load.overrides.clear();
  try {
    load_broker_config(load);
    ADD_FAILURE() << "no error for num.partitions=x";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--ephemeral defaults"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace samsa::config
