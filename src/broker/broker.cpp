#include "samsa/broker/broker.h"

#include <utility>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

#include "asio_scheduler.h"
#include "samsa/broker/handlers.h"
#include "samsa/broker/partition_watch.h"
#include "samsa/config/config.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/coordinator/producer_id_manager.h"
#include "samsa/coordinator/transaction_coordinator.h"
#include "samsa/metrics/broker_metrics.h"
#include "samsa/net/server.h"
#include "samsa/protocol/messages/api_table.h"
#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::broker {

namespace {

using Decoder = void (*)(ContextPtr, protocol::Reader&);

struct DispatchEntry {
  int16_t min_version = -1;
  int16_t max_version = -1;
  Decoder decode_and_handle = nullptr;
};

constexpr size_t kMaxApiKey = 128;

template <class Request, void (*Handle)(ContextPtr, Request)>
void decode_and_handle(ContextPtr ctx, protocol::Reader& reader) {
  Request request;
  request.decode(reader, ctx->version());
  Handle(std::move(ctx), std::move(request));
}

// The dispatch table and the ApiVersions list, both derived from SAMSA_BROKER_HANDLERS.
struct Registry {
  std::array<DispatchEntry, kMaxApiKey> table{};
  std::vector<ServedApi> served;

  Registry() {
#define SAMSA_REGISTER(Api, name)                                                         \
  static_assert(protocol::Api##Request::api_key >= 0 &&                                   \
                protocol::Api##Request::api_key < static_cast<int16_t>(kMaxApiKey));      \
  table[protocol::Api##Request::api_key] = {                                              \
      protocol::Api##Request::min_version, protocol::Api##Request::max_version,           \
      &decode_and_handle<protocol::Api##Request, &handle_##name>};                        \
  served.push_back({protocol::Api##Request::api_key, protocol::Api##Request::min_version, \
                    protocol::Api##Request::max_version});
    SAMSA_BROKER_HANDLERS(SAMSA_REGISTER)
#undef SAMSA_REGISTER
    std::sort(served.begin(), served.end(),
              [](const ServedApi& a, const ServedApi& b) { return a.key < b.key; });
  }
};

const Registry& registry() {
  static const Registry instance;
  return instance;
}

// An ApiVersions request of a version we do not serve: Kafka answers with
// UNSUPPORTED_VERSION and a v0 body that lists only ApiVersions' own range (KIP-511), so
// the client can retry with the highest version both sides know.
void answer_unsupported_api_versions(net::InboundRequest& in, int32_t correlation_id) {
  protocol::ApiVersionsResponse response;
  response.error_code = to_wire(ErrorCode::UNSUPPORTED_VERSION);
  for (const auto& api : served_apis())
    if (api.key == protocol::ApiVersionsRequest::api_key)
      response.api_keys.push_back({api.key, api.min_version, api.max_version, {}});
  in.responder.respond(protocol::encode_response(correlation_id, response, 0));
}

// The APIs as the request metrics name them (Kafka's names, the served versions).
const std::vector<metrics::ApiName>& metric_api_names() {
  static const std::vector<metrics::ApiName> names = [] {
    std::vector<metrics::ApiName> v;
    for (const protocol::ApiInfo& api : protocol::kApis)
      v.push_back({api.key, api.name, api.min_version, api.max_version});
    return v;
  }();
  return names;
}

}  // namespace

std::span<const ServedApi> served_apis() {
  return registry().served;
}

struct Broker::State {
  State(boost::asio::io_context& io, config::BrokerConfig config)
      : io(io),
        config(std::move(config)),
        scheduler(io),
        metrics(metric_api_names(), scheduler.now_ms()) {}

  boost::asio::io_context& io;
  const config::BrokerConfig config;
  AsioScheduler scheduler;
  // Before everything that feeds it (listener, logs, handlers), so it outlives them.
  metrics::BrokerMetrics metrics;
  std::string cluster_id;
  std::unique_ptr<storage::LogManager> logs;
  std::unique_ptr<coordinator::ProducerIdManager> producer_ids;
  std::unique_ptr<coordinator::GroupCoordinator> groups;
  std::unique_ptr<coordinator::TransactionCoordinator> transactions;
  PartitionWatch watch;
  std::unique_ptr<BrokerServices> services;
  std::unique_ptr<net::Server> server;
  bool stopped = false;
  bool failed = false;

  void schedule_retention() {
    scheduler.schedule_after(config.log_retention_check_interval_ms, [this] {
      if (stopped) return;
      const size_t deleted = logs->enforce_retention(scheduler.now_ms());
      if (deleted > 0) spdlog::info("retention deleted {} segment(s)", deleted);
      schedule_retention();
    });
  }

  // The log cleaner looks for due logs every log.cleaner.backoff.ms (and, after each
  // clean, at once: a backlog does not wait for the timer).
  void schedule_cleaner() {
    if (!logs->cleaner_running()) return;
    scheduler.schedule_after(std::max<int64_t>(config.log_cleaner_backoff_ms, 10), [this] {
      if (stopped) return;
      logs->schedule_cleaning(scheduler.now_ms());
      schedule_cleaner();
    });
  }

  // The per-topic one-minute rates move on; deleted topics' counters go.
  void schedule_metrics_tick() {
    scheduler.schedule_after(metrics::BrokerMetrics::kTickIntervalMs, [this] {
      if (stopped) return;
      metrics.retain_topics(
          [this](std::string_view topic) { return logs->find_topic(topic) != nullptr; });
      metrics.tick(scheduler.now_ms());
      schedule_metrics_tick();
    });
  }

  void schedule_time_flush() {
    if (config.log_flush_interval_ms == INT64_MAX) return;
    const int64_t period = std::max<int64_t>(config.log_flush_interval_ms / 2, 10);
    scheduler.schedule_after(period, [this] {
      if (stopped) return;
      logs->flush_on_timer(scheduler.now_ms());
      schedule_time_flush();
    });
  }
};

Broker::Broker(boost::asio::io_context& io, config::BrokerConfig config)
    : state_(std::make_unique<State>(io, std::move(config))) {}

Broker::~Broker() {
  stop();
}

// KAFKA_CREATE_TOPICS (create.topics): created before the listeners open, so a client
// or a healthcheck that gets an answer finds them. A topic that exists is left as it is
// (the image's --if-not-exists); anything else that fails stops the start.
void Broker::create_initial_topics() {
  auto& s = *state_;
  for (const auto& topic : s.config.create_topics) {
    if (s.logs->find_topic(topic.name) != nullptr) continue;
    storage::ConfigMap configs;
    if (topic.cleanup_policy) configs["cleanup.policy"] = *topic.cleanup_policy;
    std::string message;
    const ErrorCode error = s.logs->create_topic(topic.name, topic.partitions, configs, message);
    if (error != ErrorCode::NONE)
      throw std::runtime_error(fmt::format("create.topics (KAFKA_CREATE_TOPICS): topic '{}': {}{}",
                                           topic.name, error_name(error),
                                           message.empty() ? "" : ": " + message));
    spdlog::info("created topic {} with {} partition(s){} (create.topics)", topic.name,
                 topic.partitions,
                 topic.cleanup_policy ? ", cleanup.policy=" + *topic.cleanup_policy : "");
  }
}

void Broker::start() {
  auto& s = *state_;
  // Start-up is meant to take a few milliseconds; --log-level debug shows where they go.
  auto phase_started = std::chrono::steady_clock::now();
  auto phase_done = [&phase_started](const char* what) {
    const auto now = std::chrono::steady_clock::now();
    spdlog::debug("start-up: {} in {:.2f} ms", what,
                  std::chrono::duration<double, std::milli>(now - phase_started).count());
    phase_started = now;
  };
  // An existing meta.properties is checked before anything else, so a directory of
  // another node or cluster is refused before it is touched. A first start decides the
  // cluster id now and leaves writing it (two fsyncs) to the log manager's start gate:
  // the first write (or the shutdown) makes it durable before anything else changes.
  const auto& c = s.config;
  storage::LogManagerOptions log_options;
  if (const auto existing = config::read_meta_properties(c.log_dir)) {
    config::check_meta_properties(*existing, c.log_dir, c.node_id, c.cluster_id);
    s.cluster_id = existing->cluster_id;
  } else {
    const config::MetaProperties meta{c.node_id,
                                      c.cluster_id.value_or(config::generate_cluster_id())};
    s.cluster_id = meta.cluster_id;
    log_options.before_first_write.push_back(
        [dir = c.log_dir, meta] { config::write_meta_properties(dir, meta); });
  }

  log_options.log_dirs = s.config.log_dir.string();
  for (const auto& [key, raw] : s.config.effective) log_options.broker_config[key] = raw.value;
  boost::asio::io_context& io = s.io;
  log_options.post_to_loop = [&io](std::function<void()> fn) {
    boost::asio::post(io, std::move(fn));
  };
  log_options.on_start_failure = [this, &io](const std::string& why) {
    spdlog::critical("cannot make the log directory writable: {}; shutting down", why);
    state_->failed = true;
    boost::asio::post(io, [this, &io] {  // not from inside the write that found out
      stop();
      io.stop();
    });
  };
  log_options.now_ms = s.scheduler.now_ms();
  log_options.open_segment_files_max = static_cast<size_t>(s.config.log_open_files_max);
  log_options.flush_metrics = &s.metrics.log_flush();
  log_options.cleaner_metrics = &s.metrics.log_cleaner();
  s.logs = storage::LogManager::open(std::move(log_options));
  phase_done("logs loaded");
  s.producer_ids = std::make_unique<coordinator::ProducerIdManager>(s.config.log_dir);
  s.groups = std::make_unique<coordinator::GroupCoordinator>(
      coordinator::GroupConfig::from_broker(s.config), s.scheduler, *s.logs);
  s.groups->load();
  s.transactions = std::make_unique<coordinator::TransactionCoordinator>(
      coordinator::TransactionConfig::from_broker(s.config), s.scheduler, *s.logs, *s.producer_ids,
      *s.groups, [&watch = s.watch](const std::string& topic, int32_t partition) {
        watch.notify(topic, partition);
      });
  s.transactions->load();
  phase_done("coordinators loaded");
  create_initial_topics();

  s.services.reset(new BrokerServices{
      s.config, s.cluster_id, s.scheduler, *s.logs, s.watch, *s.producer_ids, s.groups.get(), {}});
  s.services->transactions = s.transactions.get();
  s.services->features_epoch = s.scheduler.now_ms();
  s.services->metrics = &s.metrics;

  net::ServerOptions options;
  for (const auto& listener : s.config.listeners)
    options.listeners.push_back({listener.bind.host, listener.bind.port});
  options.socket_request_max_bytes = s.config.socket_request_max_bytes;
  options.max_connections = s.config.max_connections;
  options.send_buffer_bytes = s.config.socket_send_buffer_bytes;
  options.receive_buffer_bytes = s.config.socket_receive_buffer_bytes;
  options.metrics = &s.metrics.requests();
  s.server = std::make_unique<net::Server>(s.io, std::move(options), *this);
  s.server->start();
  const auto ports = s.server->bound_ports();
  for (size_t i = 0; i < s.config.listeners.size(); ++i) {
    const auto& listener = s.config.listeners[i];
    const int32_t port = listener.advertised.port != 0 ? listener.advertised.port : ports.at(i);
    s.services->advertised.push_back(
        {listener.advertised.listener_name, listener.advertised.host, port});
  }

  s.schedule_retention();
  s.logs->start_cleaner([&scheduler = s.scheduler] { return scheduler.now_ms(); });
  s.schedule_cleaner();
  s.schedule_time_flush();
  s.schedule_metrics_tick();
  phase_done("listening");
}

void Broker::stop() {
  auto& s = *state_;
  if (s.stopped || !s.logs) return;
  s.stopped = true;
  if (s.server) s.server->stop();
  if (s.transactions) s.transactions->shutdown();
  if (s.groups) s.groups->shutdown();
  s.scheduler.cancel_all();
  s.logs->shutdown();
  spdlog::info("samsa stopped cleanly");
}

std::vector<uint16_t> Broker::bound_ports() const {
  return state_->server ? state_->server->bound_ports() : std::vector<uint16_t>{};
}

BrokerServices& Broker::services() {
  return *state_->services;
}

size_t Broker::connection_count() const {
  return state_->server ? state_->server->connection_count() : 0;
}

bool Broker::failed() const {
  return state_->failed;
}

const std::string& Broker::cluster_id() const {
  return state_->cluster_id;
}

void Broker::on_request(net::InboundRequest in) {
  auto& s = *state_;
  if (s.stopped) {
    in.responder.close_connection();
    return;
  }
  protocol::Reader reader{std::span<uint8_t>(in.frame)};
  protocol::RequestHeader header;
  try {
    header = protocol::decode_request_header(reader);
  } catch (const protocol::DecodeError& e) {
    spdlog::warn("closing connection from {}: malformed request header: {}", in.peer, e.what());
    in.responder.close_connection();
    return;
  }

  const auto& table = registry().table;
  const bool known = header.api_key >= 0 && static_cast<size_t>(header.api_key) < kMaxApiKey &&
                     table[header.api_key].decode_and_handle != nullptr;
  if (!known || header.api_version < table[header.api_key].min_version ||
      header.api_version > table[header.api_key].max_version) {
    if (header.api_key == protocol::ApiVersionsRequest::api_key) {
      answer_unsupported_api_versions(in, header.correlation_id);
      return;
    }
    // Kafka cannot frame an answer in a version it does not know either: it logs and
    // closes the connection, and the client learns the ranges from ApiVersions.
    spdlog::warn(
        "closing connection from {} (client id '{}'): unsupported API key {} version {} "
        "(UNSUPPORTED_VERSION); see ApiVersions for what samsa serves",
        in.peer, header.client_id.value_or(""), header.api_key, header.api_version);
    in.responder.close_connection();
    return;
  }

  const Decoder decode = table[header.api_key].decode_and_handle;
  const uint32_t listener = in.listener;
  auto ctx = std::make_shared<RequestContext>(*s.services, std::move(header), std::move(in.frame),
                                              std::move(in.responder), std::move(in.peer));
  ctx->listener = listener;
  try {
    decode(ctx, reader);
  } catch (const protocol::DecodeError& e) {
    spdlog::warn("closing connection from {}: malformed {} v{} request (INVALID_REQUEST): {}",
                 ctx->peer, ctx->header.api_key, ctx->header.api_version, e.what());
    ctx->responder.close_connection();
  } catch (const std::exception& e) {
    spdlog::error("request {} v{} from {} failed: {}", ctx->header.api_key, ctx->header.api_version,
                  ctx->peer, e.what());
    if (ctx->responder.pending()) ctx->responder.close_connection();
  }
}

}  // namespace samsa::broker
