// A fixture for the metadata/admin handler tests: real LogManager and ProducerIdManager
// in a temp dir, a ManualScheduler, and a call() that runs a handler directly and
// decodes the response it encoded (no sockets, no event loop).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "samsa/broker/context.h"
#include "samsa/broker/handlers.h"
#include "samsa/broker/partition_watch.h"
#include "samsa/config/config.h"
#include "samsa/coordinator/producer_id_manager.h"
#include "samsa/protocol/header.h"
#include "samsa/storage/batch_builder.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker::testing {

class AdminTest : public ::testing::Test {
 protected:
  // Extra server properties ("key=value") for a test's broker.
  void start(std::vector<std::string> overrides = {}) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("samsa-admin-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    config::LoadOptions load;
    load.overrides = {"log.dirs=" + dir_.string(), "node.id=3", "listeners=PLAINTEXT://127.0.0.1:0",
                      "advertised.listeners=PLAINTEXT://broker.example:0"};
    for (auto& o : overrides) load.overrides.push_back(std::move(o));
    config_ = config::load_broker_config(load);

    storage::LogManagerOptions options;
    options.log_dirs = dir_.string();
    for (const auto& [key, raw] : config_.effective) options.broker_config[key] = raw.value;
    // Flush completions arrive on the flusher thread; these tests never wait for them.
    options.post_to_loop = [this](std::function<void()> fn) {
      std::lock_guard lock(posted_mu_);
      posted_.push_back(std::move(fn));
    };
    options.now_ms = scheduler_.now_ms();
    logs_ = storage::LogManager::open(std::move(options));
    producer_ids_ = std::make_unique<coordinator::ProducerIdManager>(dir_);
    services_.reset(new BrokerServices{
        config_, "test-cluster-id", scheduler_, *logs_, watch_, *producer_ids_, nullptr, {}});
    services_->advertised.push_back({"PLAINTEXT", "broker.example", 19092});
  }

  void TearDown() override {
    services_.reset();
    producer_ids_.reset();
    if (logs_) logs_->shutdown();
    logs_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  // Runs `handler` on `request` at `version` and decodes the response it sent.
  template <class Response, class Request>
  Response call(void (*handler)(ContextPtr, Request), Request request, int16_t version) {
    return answer<Response>(start_call(handler, std::move(request), version), version);
  }

  // Starts `handler` on `request` without waiting for its answer (requests a client
  // pipelines); answer() waits for it and decodes it.
  template <class Request>
  std::shared_ptr<net::detail::ResponseSlot> start_call(void (*handler)(ContextPtr, Request),
                                                        Request request, int16_t version) {
    auto slot = std::make_shared<net::detail::ResponseSlot>();
    protocol::RequestHeader header;
    header.api_key = Request::api_key;
    header.api_version = version;
    header.correlation_id = 42;
    header.client_id = "admin-test";
    auto ctx = std::make_shared<RequestContext>(
        *services_, header, util::FrameBytes{},
        net::Responder(slot, std::weak_ptr<net::detail::SlotOwner>{}), "127.0.0.1:1");
    handler(ctx, std::move(request));
    return slot;
  }

  static bool answered(const std::shared_ptr<net::detail::ResponseSlot>& slot) {
    return slot->state == net::detail::ResponseSlot::State::ready;
  }

  template <class Response>
  Response answer(const std::shared_ptr<net::detail::ResponseSlot>& slot, int16_t version) {
    // Handlers that wait on the disk (coordinator state, acks=all) answer from a flush
    // completion, some after a retry timer: run those, and let time pass by a
    // millisecond whenever nothing is ready, until the answer is there (bounded).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!answered(slot) && std::chrono::steady_clock::now() < deadline) {
      if (run_posted() == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        scheduler_.advance(1);
      }
    }
    Response response;
    EXPECT_TRUE(answered(slot));
    if (!answered(slot)) return response;
    std::vector<uint8_t>& bytes = slot->message.bytes;
    protocol::Reader reader{std::span<uint8_t>(bytes)};
    const int32_t size = reader.read_int32();
    EXPECT_EQ(static_cast<size_t>(size), bytes.size() - 4);
    EXPECT_EQ(reader.read_int32(), 42);
    if (protocol::response_header_version(Response::api_key, version) >= 1) {
      const uint32_t tags = reader.read_uvarint();
      for (uint32_t i = 0; i < tags; ++i) {
        reader.read_uvarint();
        reader.read_span(reader.read_uvarint());
      }
    }
    response.decode(reader, version);
    EXPECT_TRUE(reader.at_end());
    return response;
  }

  // Runs the flush completions posted so far; returns how many ran.
  size_t run_posted() {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(posted_mu_);
      batch.swap(posted_);
    }
    for (auto& fn : batch) fn();
    return batch.size();
  }

  void create_topic(const std::string& name, int32_t partitions,
                    const storage::ConfigMap& configs = {}) {
    std::string message;
    ASSERT_EQ(logs_->create_topic(name, partitions, configs, message), ErrorCode::NONE) << message;
  }

  // Appends one batch of records with the given timestamps to a partition.
  void append(const std::string& topic, int32_t partition, std::vector<int64_t> timestamps) {
    std::vector<storage::RecordSpec> records;
    for (int64_t ts : timestamps) records.push_back({"k", "v", ts, {}});
    std::vector<uint8_t> batch = storage::build_batch({}, records);
    storage::AppendOptions options;
    options.now_ms = scheduler_.now_ms();
    const auto result = logs_->partition(topic, partition)->append(batch, options);
    ASSERT_EQ(result.error, ErrorCode::NONE) << result.error_message;
  }

  std::filesystem::path dir_;
  config::BrokerConfig config_;
  ManualScheduler scheduler_;
  PartitionWatch watch_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<coordinator::ProducerIdManager> producer_ids_;
  std::unique_ptr<BrokerServices> services_;
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
};

inline int16_t err(ErrorCode e) {
  return to_wire(e);
}

}  // namespace samsa::broker::testing
