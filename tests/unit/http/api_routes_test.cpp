// The topic, message, group and transaction routes against an in-process broker: each
// request goes through the Router to its route on the broker's loop, changes go through
// the Kafka handlers (LocalClient) as in the running broker; no HTTP listener.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "../../../src/http/api.h"
#include "../../../src/http/client_formats.h"
#include "samsa/broker/broker.h"
#include "samsa/config/config.h"

namespace samsa::http {
namespace {

namespace proto = protocol;

class ApiRoutesTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> overrides = {}) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("samsa-http-api-test-" + std::to_string(rd()) + std::to_string(rd()));
    config::LoadOptions load;
    load.overrides = {"log.dirs=" + dir_.string(), "listeners=PLAINTEXT://127.0.0.1:0",
                      "advertised.listeners=PLAINTEXT://127.0.0.1:0",
                      "group.initial.rebalance.delay.ms=0", "offsets.topic.num.partitions=1"};
    for (auto& o : overrides) load.overrides.push_back(std::move(o));
    broker_ = std::make_unique<broker::Broker>(io_, config::load_broker_config(load));
    broker_->start();
    kafka_ = std::make_unique<broker::LocalClient>(*broker_, "api-test");
    api_ =
        std::make_unique<ApiContext>(ApiContext{broker_->services(), *kafka_, nullptr, 0,
                                                "127.0.0.1:0", [] { return size_t{0}; }, nullptr});
    add_topic_routes(router_, *api_);
    add_message_routes(router_, *api_);
    add_group_routes(router_, *api_);
    add_transaction_routes(router_, *api_);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (broker_) {
      on_loop([this] { broker_->stop(); });
      work_.reset();
      io_.stop();
      thread_.join();
      api_.reset();
      kafka_.reset();
      broker_.reset();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  struct Answer {
    int status = 0;
    nlohmann::json body;
  };

  Answer call(const std::string& method, const std::string& path, const std::string& body = "",
              std::map<std::string, std::string> query = {}) {
    auto answered = std::make_shared<std::promise<Response>>();
    boost::asio::post(io_, [=, this] {
      Request request;
      request.method = method;
      request.path = path;
      request.query = query;
      request.body = body;
      request.peer = "test";
      int status = 0;
      const Handler* handler = router_.match(request, status);
      if (!handler) return answered->set_value(Response::error(status, "NO_ROUTE", path));
      // The route keeps no reference to `request` past its return but its copy of
      // values it needs; the reply may come later, on the loop.
      (*handler)(request, [answered](Response r) { answered->set_value(std::move(r)); });
    });
    auto future = answered->get_future();
    EXPECT_EQ(future.wait_for(std::chrono::seconds(20)), std::future_status::ready)
        << method << " " << path;
    const Response r = future.get();
    Answer a{r.status, nlohmann::json::parse(r.body, nullptr, false)};
    EXPECT_FALSE(a.body.is_discarded()) << r.body;
    return a;
  }
  Answer call(const std::string& method, const std::string& path, const nlohmann::json& body) {
    return call(method, path, body.dump());
  }

  // A classic group member that joined and synced: the group is Stable.
  void join_stable_member(const std::string& group) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      proto::JoinGroupRequest join;
      join.group_id = group;
      join.session_timeout_ms = 30'000;
      join.rebalance_timeout_ms = 30'000;
      join.protocol_type = "consumer";
      join.protocols.push_back({"range", {}, {}});
      kafka_->call<proto::JoinGroupResponse>(
          join,
          [&, group](std::shared_ptr<broker::LocalReply<proto::JoinGroupResponse>> r, std::string) {
            ASSERT_TRUE(r);
            ASSERT_EQ(r->body.error_code, 0);
            proto::SyncGroupRequest sync;
            sync.group_id = group;
            sync.generation_id = r->body.generation_id;
            sync.member_id = r->body.member_id;
            sync.assignments.push_back({r->body.member_id, {}, {}});
            kafka_->call<proto::SyncGroupResponse>(
                sync,
                [&](std::shared_ptr<broker::LocalReply<proto::SyncGroupResponse>> s, std::string) {
                  EXPECT_TRUE(s && s->body.error_code == 0);
                  done.set_value();
                },
                3);
          },
          3);
    });
    ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::filesystem::path dir_;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<broker::LocalClient> kafka_;
  std::unique_ptr<ApiContext> api_;
  Router router_;
  std::thread thread_;
};

const nlohmann::json* find_config(const nlohmann::json& configs, const std::string& name) {
  for (const auto& c : configs)
    if (c["name"] == name) return &c;
  return nullptr;
}

TEST_F(ApiRoutesTest, TopicLifecycle) {
  start();
  auto created =
      call("POST", "/api/topics",
           nlohmann::json{
               {"name", "orders"}, {"partitions", 3}, {"configs", {{"retention.ms", 86400000}}}});
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body, (nlohmann::json{{"name", "orders"}, {"partitions", 3}}));

  auto again = call("POST", "/api/topics", nlohmann::json{{"name", "orders"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body["error"], "TOPIC_ALREADY_EXISTS");
  auto bad_name = call("POST", "/api/topics", nlohmann::json{{"name", "no/slash"}});
  EXPECT_EQ(bad_name.status, 400);
  EXPECT_EQ(bad_name.body["error"], "INVALID_TOPIC_EXCEPTION");
  auto bad_config = call("POST", "/api/topics",
                         nlohmann::json{{"name", "x"}, {"configs", {{"retention.ms", "soon"}}}});
  EXPECT_EQ(bad_config.status, 400);
  EXPECT_EQ(bad_config.body["error"], "INVALID_CONFIG");
  EXPECT_EQ(call("POST", "/api/topics", std::string("{not json")).status, 400);
  EXPECT_EQ(call("POST", "/api/topics", nlohmann::json{{"name", 5}}).body["error"], "BAD_REQUEST");
  // Defaults: num.partitions.
  EXPECT_EQ(call("POST", "/api/topics", nlohmann::json{{"name", "plain"}}).body["partitions"], 1);

  auto list = call("GET", "/api/topics");
  ASSERT_EQ(list.status, 200);
  std::vector<std::string> names;
  for (const auto& t : list.body["topics"]) names.push_back(t["name"]);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  const auto orders = std::find_if(list.body["topics"].begin(), list.body["topics"].end(),
                                   [](const auto& t) { return t["name"] == "orders"; });
  ASSERT_NE(orders, list.body["topics"].end());
  EXPECT_EQ((*orders)["partitions"], 3);
  EXPECT_EQ((*orders)["internal"], false);
  EXPECT_EQ((*orders)["messages"], 0);
  EXPECT_EQ((*orders)["records_in_per_sec"], 0.0);

  auto topic = call("GET", "/api/topics/orders");
  ASSERT_EQ(topic.status, 200);
  EXPECT_EQ(topic.body["partitions"].size(), 3u);
  EXPECT_EQ(topic.body["id"].get<std::string>().size(), 22u);
  EXPECT_EQ(topic.body["partitions"][2], (nlohmann::json{{"partition", 2},
                                                         {"start_offset", 0},
                                                         {"end_offset", 0},
                                                         {"last_stable_offset", 0},
                                                         {"size_bytes", 0},
                                                         {"segments", 1},
                                                         {"messages", 0}}));
  const auto* retention = find_config(topic.body["configs"], "retention.ms");
  ASSERT_TRUE(retention);
  EXPECT_EQ((*retention)["value"], "86400000");
  EXPECT_EQ((*retention)["source"], "DYNAMIC_TOPIC_CONFIG");
  const auto* cleanup = find_config(topic.body["configs"], "cleanup.policy");
  ASSERT_TRUE(cleanup);
  EXPECT_EQ((*cleanup)["source"], "DEFAULT_CONFIG");
  EXPECT_EQ(call("GET", "/api/topics/nope").status, 404);

  auto altered = call(
      "PATCH", "/api/topics/orders/configs",
      nlohmann::json{{"set", {{"max.message.bytes", "2000000"}}}, {"delete", {"retention.ms"}}});
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ((*find_config(altered.body["configs"], "max.message.bytes"))["value"], "2000000");
  EXPECT_EQ((*find_config(altered.body["configs"], "retention.ms"))["source"], "DEFAULT_CONFIG");
  auto bad_alter = call("PATCH", "/api/topics/orders/configs",
                        nlohmann::json{{"set", {{"no.such.config", "1"}}}});
  EXPECT_EQ(bad_alter.status, 400);
  EXPECT_EQ(bad_alter.body["error"], "INVALID_CONFIG");
  EXPECT_EQ(
      call("PATCH", "/api/topics/nope/configs", nlohmann::json{{"set", {{"retention.ms", "1"}}}})
          .status,
      404);

  auto grown = call("POST", "/api/topics/orders/partitions", nlohmann::json{{"count", 5}});
  EXPECT_EQ(grown.status, 200);
  EXPECT_EQ(grown.body["partitions"], 5);
  auto shrink = call("POST", "/api/topics/orders/partitions", nlohmann::json{{"count", 2}});
  EXPECT_EQ(shrink.status, 400);
  EXPECT_EQ(shrink.body["error"], "INVALID_PARTITIONS");

  auto deleted = call("DELETE", "/api/topics/orders");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, (nlohmann::json{{"deleted", "orders"}}));
  EXPECT_EQ(call("GET", "/api/topics/orders").status, 404);
  EXPECT_EQ(call("DELETE", "/api/topics/orders").status, 404);
}

TEST_F(ApiRoutesTest, TopicDeletionDisabled) {
  start({"delete.topic.enable=false"});
  ASSERT_EQ(call("POST", "/api/topics", nlohmann::json{{"name", "kept"}}).status, 201);
  auto refused = call("DELETE", "/api/topics/kept");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body["error"], "TOPIC_DELETION_DISABLED");
  EXPECT_EQ(call("GET", "/api/topics/kept").status, 200);
}

TEST_F(ApiRoutesTest, ProduceBrowseAndDeleteRecords) {
  start();
  ASSERT_EQ(
      call("POST", "/api/topics", nlohmann::json{{"name", "events"}, {"partitions", 4}}).status,
      201);
  auto keyed =
      call("POST", "/api/topics/events/messages",
           nlohmann::json{{"key", "customer-7"},
                          {"value", R"({"kind":"signup"})"},
                          {"headers", {{{"key", "__TypeId__"}, {"value", "com.example.Signup"}}}}});
  ASSERT_EQ(keyed.status, 201) << keyed.body;
  EXPECT_EQ(keyed.body["partition"], partition_for_key("customer-7", 4));
  EXPECT_EQ(keyed.body["offset"], 0);
  const int other = (keyed.body["partition"].get<int>() + 1) % 4;  // holds nothing yet
  auto placed = call("POST", "/api/topics/events/messages",
                     nlohmann::json{{"partition", other}, {"key", nullptr}, {"value", "two"}});
  EXPECT_EQ(placed.body["partition"], other);
  // Null keys go round-robin.
  std::set<int> spread;
  for (int i = 0; i < 4; ++i)
    spread.insert(call("POST", "/api/topics/events/messages", nlohmann::json{{"value", "rr"}})
                      .body["partition"]
                      .get<int>());
  EXPECT_EQ(spread.size(), 4u);
  EXPECT_EQ(
      call("POST", "/api/topics/events/messages", nlohmann::json{{"partition", 4}, {"value", "x"}})
          .status,
      400);
  EXPECT_EQ(call("POST", "/api/topics/nope/messages", nlohmann::json{{"value", "x"}}).status, 404);
  EXPECT_EQ(call("POST", "/api/topics/events/messages", nlohmann::json{{"value", 5}}).status, 400);

  auto all = call("GET", "/api/topics/events/messages");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body["messages"].size(), 6u);
  EXPECT_EQ(all.body["truncated"], false);
  auto by_key = call("GET", "/api/topics/events/messages", "", {{"key", "customer-7"}});
  ASSERT_EQ(by_key.body["messages"].size(), 1u);
  const auto& m = by_key.body["messages"][0];
  EXPECT_EQ(m["value"]["format"], "json");
  EXPECT_EQ(m["type_id"], "com.example.Signup");
  EXPECT_EQ(m["timestamp_type"], "CreateTime");
  EXPECT_EQ(m["timestamp"], keyed.body["timestamp"]);
  auto one = call("GET", "/api/topics/events/messages", "",
                  {{"partition", std::to_string(other)},
                   {"from", "offset"},
                   {"offset", "0"},
                   {"order", "oldest"},
                   {"limit", "1"}});
  ASSERT_EQ(one.body["messages"].size(), 1u);
  EXPECT_EQ(one.body["messages"][0]["value"]["text"], "two");
  auto text =
      call("GET", "/api/topics/events/messages", "", {{"q", "signup"}, {"from", "earliest"}});
  EXPECT_EQ(text.body["messages"].size(), 1u);

  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"limit", "0"},
                                                        {"limit", "501"},
                                                        {"from", "soon"},
                                                        {"order", "up"},
                                                        {"partition", "-1"},
                                                        {"partition", "x"}}) {
    auto bad = call("GET", "/api/topics/events/messages", "", {{key, value}});
    EXPECT_EQ(bad.status, 400) << key << "=" << value;
    EXPECT_EQ(bad.body["error"], "BAD_REQUEST");
  }
  EXPECT_EQ(call("GET", "/api/topics/events/messages", "", {{"from", "offset"}}).status, 400);
  EXPECT_EQ(call("GET", "/api/topics/events/messages", "", {{"partition", "9"}}).status, 404);
  EXPECT_EQ(call("GET", "/api/topics/nope/messages").status, 404);

  auto trimmed = call("POST", "/api/topics/events/delete-records",
                      nlohmann::json{{"partition", other}, {"offset", -1}});
  ASSERT_EQ(trimmed.status, 200) << trimmed.body;
  EXPECT_EQ(trimmed.body["partition"], other);
  const int64_t end2 = trimmed.body["low_watermark"];
  EXPECT_GE(end2, 1);
  EXPECT_EQ(call("GET", "/api/topics/events").body["partitions"][other]["start_offset"], end2);
  auto beyond = call("POST", "/api/topics/events/delete-records",
                     nlohmann::json{{"partition", 2}, {"offset", 999}});
  EXPECT_EQ(beyond.status, 400);
  EXPECT_EQ(beyond.body["error"], "OFFSET_OUT_OF_RANGE");
}

TEST_F(ApiRoutesTest, GroupsOffsetsAndReset) {
  start();
  ASSERT_EQ(call("POST", "/api/topics", nlohmann::json{{"name", "jobs"}, {"partitions", 2}}).status,
            201);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(call("POST", "/api/topics/jobs/messages",
                   nlohmann::json{{"partition", i % 2}, {"value", "job"}})
                  .status,
              201);
  EXPECT_EQ(call("GET", "/api/groups").body, (nlohmann::json{{"groups", nlohmann::json::array()}}));
  EXPECT_EQ(call("GET", "/api/groups/workers").status, 404);

  // A group that has not consumed yet: its offsets can be set (an admin commit creates it).
  auto set =
      call("POST", "/api/groups/workers/reset-offsets",
           nlohmann::json{{"topic", "jobs"}, {"partitions", {0}}, {"to", "offset"}, {"offset", 3}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.body["applied"], true);
  EXPECT_EQ(
      set.body["offsets"][0],
      (nlohmann::json{{"topic", "jobs"}, {"partition", 0}, {"current", nullptr}, {"new", 3}}));

  auto groups = call("GET", "/api/groups");
  ASSERT_EQ(groups.body["groups"].size(), 1u);
  EXPECT_EQ(groups.body["groups"][0], (nlohmann::json{{"group_id", "workers"},
                                                      {"type", "classic"},
                                                      {"protocol_type", ""},
                                                      {"state", "Empty"},
                                                      {"members", 0},
                                                      {"lag", 2}}));
  auto group = call("GET", "/api/groups/workers");
  ASSERT_EQ(group.status, 200);
  EXPECT_EQ(group.body["offsets"][0], (nlohmann::json{{"topic", "jobs"},
                                                      {"partition", 0},
                                                      {"committed", 3},
                                                      {"end_offset", 5},
                                                      {"lag", 2},
                                                      {"metadata", ""}}));
  EXPECT_EQ(group.body["total_lag"], 2);
  EXPECT_EQ(group.body["coordinator"], 1);

  auto preview = call(
      "POST", "/api/groups/workers/reset-offsets",
      nlohmann::json{{"topic", "jobs"}, {"partitions", {0}}, {"to", "skip"}, {"dry_run", true}});
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.body,
            (nlohmann::json{
                {"group_id", "workers"},
                {"state", "Empty"},
                {"applied", false},
                {"offsets", {{{"topic", "jobs"}, {"partition", 0}, {"current", 3}, {"new", 4}}}}}));
  EXPECT_EQ(call("GET", "/api/groups/workers").body["offsets"][0]["committed"], 3);  // unchanged
  auto skipped = call("POST", "/api/groups/workers/reset-offsets",
                      nlohmann::json{{"topic", "jobs"}, {"partitions", {0}}, {"to", "skip"}});
  EXPECT_EQ(skipped.body["applied"], true);
  EXPECT_EQ(call("GET", "/api/groups/workers").body["offsets"][0]["committed"], 4);

  // Skip needs a partition, and a committed offset there.
  auto no_partition = call("POST", "/api/groups/workers/reset-offsets",
                           nlohmann::json{{"topic", "jobs"}, {"to", "skip"}});
  EXPECT_EQ(no_partition.status, 400);
  auto no_commit = call(
      "POST", "/api/groups/workers/reset-offsets",
      nlohmann::json{{"topic", "jobs"}, {"partitions", {1}}, {"to", "skip"}, {"dry_run", true}});
  EXPECT_EQ(no_commit.status, 409);
  EXPECT_EQ(no_commit.body["error"], "NO_COMMITTED_OFFSET");
  EXPECT_NE(no_commit.body["message"].get<std::string>().find("no committed offset on jobs-1"),
            std::string::npos);

  // Every partition of the topic; shifts and offsets outside the log are clamped.
  auto latest = call("POST", "/api/groups/workers/reset-offsets",
                     nlohmann::json{{"topic", "jobs"}, {"to", "latest"}});
  EXPECT_EQ(latest.body["offsets"].size(), 2u);
  EXPECT_EQ(latest.body["offsets"][1]["new"], 5);
  auto shifted =
      call("POST", "/api/groups/workers/reset-offsets",
           nlohmann::json{{"topic", "jobs"}, {"to", "shift"}, {"shift", -100}, {"dry_run", true}});
  EXPECT_EQ(shifted.body["offsets"][0]["new"], 0);
  auto by_time = call(
      "POST", "/api/groups/workers/reset-offsets",
      nlohmann::json{{"topic", "jobs"}, {"to", "timestamp"}, {"timestamp", 0}, {"dry_run", true}});
  EXPECT_EQ(by_time.body["offsets"][0]["new"], 0);
  EXPECT_EQ(call("POST", "/api/groups/workers/reset-offsets",
                 nlohmann::json{{"topic", "jobs"}, {"to", "sideways"}})
                .status,
            400);
  EXPECT_EQ(call("POST", "/api/groups/workers/reset-offsets",
                 nlohmann::json{{"topic", "nope"}, {"to", "latest"}})
                .status,
            404);
  EXPECT_EQ(call("POST", "/api/groups/workers/reset-offsets",
                 nlohmann::json{{"topic", "jobs"}, {"partitions", {7}}, {"to", "latest"}})
                .status,
            404);

  // An active group: the preview works, applying is refused naming the state.
  join_stable_member("busy");
  auto busy_preview =
      call("POST", "/api/groups/busy/reset-offsets",
           nlohmann::json{{"topic", "jobs"}, {"to", "earliest"}, {"dry_run", true}});
  EXPECT_EQ(busy_preview.status, 200);
  EXPECT_EQ(busy_preview.body["state"], "Stable");
  auto busy = call("POST", "/api/groups/busy/reset-offsets",
                   nlohmann::json{{"topic", "jobs"}, {"to", "earliest"}});
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(busy.body["error"], "UNKNOWN_MEMBER_ID");
  EXPECT_NE(busy.body["message"].get<std::string>().find("is Stable with 1 member"),
            std::string::npos)
      << busy.body;
  auto busy_group = call("GET", "/api/groups/busy");
  EXPECT_EQ(busy_group.body["state"], "Stable");
  EXPECT_EQ(busy_group.body["members"].size(), 1u);
  EXPECT_EQ(busy_group.body["protocol"], "range");
  auto busy_delete = call("DELETE", "/api/groups/busy");
  EXPECT_EQ(busy_delete.status, 409);
  EXPECT_EQ(busy_delete.body["error"], "NON_EMPTY_GROUP");

  auto deleted = call("DELETE", "/api/groups/workers");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, (nlohmann::json{{"deleted", "workers"}}));
  EXPECT_EQ(call("GET", "/api/groups/workers").status, 404);
  EXPECT_EQ(call("DELETE", "/api/groups/workers").status, 404);
}

TEST_F(ApiRoutesTest, TransactionsAndProducers) {
  start();
  EXPECT_EQ(call("GET", "/api/transactions").body,
            (nlohmann::json{{"transactions", nlohmann::json::array()}}));
  ASSERT_EQ(call("POST", "/api/topics", nlohmann::json{{"name", "t"}}).status, 201);
  EXPECT_EQ(call("GET", "/api/producers", "", {{"topic", "t"}}).body,
            (nlohmann::json{{"producers", nlohmann::json::array()}}));
  EXPECT_EQ(call("GET", "/api/producers", "", {{"topic", "nope"}}).status, 404);
  EXPECT_EQ(call("GET", "/api/producers").status, 200);
}

}  // namespace
}  // namespace samsa::http
