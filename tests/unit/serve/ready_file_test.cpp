#include "samsa/serve/ready_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace samsa::serve {
namespace {
namespace fs = std::filesystem;

ReadyInfo sample() {
  ReadyInfo info;
  info.version = "0.1.0";
  info.pid = 4242;
  info.listeners = {{"PLAINTEXT", "127.0.0.1:40321"}, {"INTERNAL", "kafka:29092"}};
  info.http = "127.0.0.1:40322";
  info.data_dir = "/tmp/samsa-ephemeral-abc";
  info.ephemeral = true;
  return info;
}

TEST(ReadyFile, OneLineOfJsonThatStartsWithTheMarker) {
  const std::string json = ready_json(sample());
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.rfind(R"({"samsa":"ready",)", 0), 0u) << json;
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["version"], "0.1.0");
  EXPECT_EQ(j["pid"], 4242);
  EXPECT_EQ(j["bootstrap_servers"], "127.0.0.1:40321");
  EXPECT_EQ(j["listeners"]["PLAINTEXT"], "127.0.0.1:40321");
  EXPECT_EQ(j["listeners"]["INTERNAL"], "kafka:29092");
  EXPECT_EQ(j["http"], "127.0.0.1:40322");
  EXPECT_EQ(j["data_dir"], "/tmp/samsa-ephemeral-abc");
  EXPECT_EQ(j["ephemeral"], true);

  ReadyInfo off = sample();
  off.http.clear();
  off.ephemeral = false;
  const auto k = nlohmann::json::parse(ready_json(off));
  EXPECT_TRUE(k["http"].is_null());
  EXPECT_EQ(k["ephemeral"], false);
}

TEST(ReadyFile, WrittenWholeByRenameLeavingNothingElse) {
  char templ[] = "/tmp/samsa-ready-test-XXXXXX";
  const fs::path dir = ::mkdtemp(templ);
  const std::string path = (dir / "ready.json").string();
  std::ofstream(path) << "an older file";
  const std::string json = ready_json(sample());
  write_ready_file(path, json);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), json + "\n");
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);  // no temporary file left
  EXPECT_THROW(write_ready_file((dir / "missing" / "ready.json").string(), json),
               std::system_error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace samsa::serve
