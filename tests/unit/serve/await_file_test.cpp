#include "samsa/serve/await_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "samsa/serve/serve.h"

namespace samsa::serve {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class AwaitFileTest : public ::testing::Test {
 protected:
  AwaitFileTest() {
    char templ[] = "/tmp/samsa-await-test-XXXXXX";
    dir_ = ::mkdtemp(templ);
  }
  ~AwaitFileTest() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(AwaitFileTest, ReturnsOnceTheFileIsWritten) {
  const fs::path path = dir_ / "late.properties";
  std::thread writer([&] {
    std::this_thread::sleep_for(100ms);
    std::ofstream(path) << "advertised.listeners=PLAINTEXT://localhost:32768\n";
  });
  const AwaitResult result = await_file(path, 5s);
  writer.join();
  EXPECT_EQ(result.outcome, AwaitOutcome::kArrived);
  EXPECT_GE(result.waited, 100ms);
  EXPECT_LT(result.waited, 4s);
}

// A restarted container still has the file it was given: no wait beyond one more look.
TEST_F(AwaitFileTest, AFileThatIsThereAlreadyArrivesAtOnceEvenWithNoTimeLeft) {
  const fs::path path = dir_ / "late.properties";
  std::ofstream(path) << "a=b\n";
  EXPECT_EQ(await_file(path, 5s).outcome, AwaitOutcome::kArrived);
  EXPECT_EQ(await_file(path, 0ms).outcome, AwaitOutcome::kArrived);
}

TEST_F(AwaitFileTest, TimesOut) {
  const AwaitResult result = await_file(dir_ / "never.properties", 120ms);
  EXPECT_EQ(result.outcome, AwaitOutcome::kTimedOut);
  EXPECT_GE(result.waited, 120ms);
}

// A file unpacked from a tar archive exists before its bytes do: the wait ends only once
// two looks in a row see the same size and time.
TEST_F(AwaitFileTest, WaitsUntilTheFileStopsChanging) {
  const fs::path path = dir_ / "late.properties";
  std::atomic<bool> done{false};
  std::ofstream(path).flush();  // created empty, as by the archive upload
  std::thread writer([&] {
    std::ofstream out(path, std::ios::app);
    for (int i = 0; i < 60; ++i) {
      out << "key." << i << "=value\n" << std::flush;
      std::this_thread::sleep_for(5ms);
    }
    done = true;
  });
  const AwaitResult result = await_file(path, 10s, 150ms);
  writer.join();
  EXPECT_EQ(result.outcome, AwaitOutcome::kArrived);
  EXPECT_TRUE(done) << "returned after " << result.waited.count() << " ms, mid-write";
}

TEST_F(AwaitFileTest, AStopSignalEndsTheWaitAndTheOldHandlerComesBack) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGTERM, &ignore, &before), 0);
  std::thread stopper([] {
    std::this_thread::sleep_for(80ms);
    ::kill(::getpid(), SIGTERM);
  });
  const AwaitResult result = await_file(dir_ / "never.properties", 10s);
  stopper.join();
  EXPECT_EQ(result.outcome, AwaitOutcome::kInterrupted);
  EXPECT_LT(result.waited, 5s);
  struct sigaction after {};
  ASSERT_EQ(::sigaction(SIGTERM, &before, &after), 0);
  EXPECT_EQ(after.sa_handler, SIG_IGN);
}

TEST_F(AwaitFileTest, ServeExitsWithOneWhenTheFileNeverComes) {
  ServeOptions options;
  options.ephemeral = true;
  options.await_config = (dir_ / "never.properties").string();
  options.await_config_timeout_ms = 50;
  EXPECT_EQ(serve(options), 1);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What SamsaContainer does: the broker waits, the starter writes the advertised address
// it learnt meanwhile, and the broker announces that address (Metadata answers the same).
TEST_F(AwaitFileTest, ServeAdvertisesWhatTheLateFileSays) {
  ServeOptions options;
  options.ephemeral = true;
  options.await_config = (dir_ / "late.properties").string();
  options.ready_file = (dir_ / "ready.json").string();
  options.overrides = {"samsa.http.listener="};
  // The environment sets one address, the late file another: the late file wins.
  ::setenv("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://env.example:1", 1);
  int code = -1;
  std::thread broker([&] { code = serve(options); });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(fs::exists(dir_ / "ready.json")) << "started before its file came";
  std::ofstream(dir_ / "late.properties")
      << "advertised.listeners=PLAINTEXT://host.example:32768\n";
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!fs::exists(dir_ / "ready.json") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  std::string ready;
  if (fs::exists(dir_ / "ready.json")) ready = read_file(dir_ / "ready.json");
  // Only now: the broker's own signal handler is in place once it announced itself.
  ::kill(::getpid(), SIGTERM);
  broker.join();
  ::unsetenv("KAFKA_ADVERTISED_LISTENERS");
  ASSERT_FALSE(ready.empty()) << "no ready file within 10 s";
  const auto j = nlohmann::json::parse(ready);
  EXPECT_EQ(j["bootstrap_servers"], "host.example:32768");
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace samsa::serve
