#include <gtest/gtest.h>

#include "samsa/client/client.h"

namespace samsa::client {
namespace {

TEST(AddressTest, ParsesTheFormsBootstrapServersTakes) {
  EXPECT_EQ(parse_address("localhost").to_string(), "localhost:9092");
  EXPECT_EQ(parse_address("kafka:29092").to_string(), "kafka:29092");
  EXPECT_EQ(parse_address("10.0.0.7:9093").port, 9093);
  const Address v6 = parse_address("[::1]:9094");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 9094);
  EXPECT_EQ(v6.to_string(), "[::1]:9094");
  EXPECT_EQ(parse_address("[::1]").port, kDefaultPort);
  EXPECT_EQ(parse_address("fe80::1").host, "fe80::1");  // bare IPv6: no port
}

TEST(AddressTest, RefusesMalformedAddresses) {
  for (const char* bad : {"", ":9092", "host:", "host:0", "host:65536", "host:90x", "[::1",
                          "[::1]9092", "[::1]:"}) {
    EXPECT_THROW(parse_address(bad), std::invalid_argument) << bad;
  }
}

TEST(AddressTest, ParsesLists) {
  const auto list = parse_addresses(" a:1, b:2 ,,c ");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].to_string(), "a:1");
  EXPECT_EQ(list[2].to_string(), "c:9092");
  EXPECT_THROW(parse_addresses(" , "), std::invalid_argument);
}

TEST(KafkaErrorTest, NamesTheCodeAndSaysWhatItMeans) {
  const KafkaError e(ErrorCode::TOPIC_ALREADY_EXISTS, "topic orders", "Topic 'orders' exists.");
  const std::string text = e.what();
  EXPECT_EQ(e.code(), ErrorCode::TOPIC_ALREADY_EXISTS);
  EXPECT_NE(text.find("TOPIC_ALREADY_EXISTS"), std::string::npos) << text;
  EXPECT_NE(text.find("already exists"), std::string::npos) << text;
  EXPECT_NE(text.find("topic orders"), std::string::npos) << text;
  EXPECT_NO_THROW(check(0, "fine"));
  EXPECT_THROW(check(3, "t-0"), KafkaError);
  EXPECT_EQ(error_name(static_cast<ErrorCode>(3)), "UNKNOWN_TOPIC_OR_PARTITION");
  EXPECT_EQ(error_name(static_cast<ErrorCode>(999)), "UNKNOWN_ERROR_CODE");
}

}  // namespace
}  // namespace samsa::client
