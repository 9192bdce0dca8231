// BrokerMetrics: request series per API and version, per-topic counters and their
// one-minute rates, flush histograms, and the process metrics.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "samsa/metrics/metrics.h"

namespace {

using namespace samsa::metrics;

constexpr std::array<ApiName, 2> kApis = {{{0, "Produce", 3, 5}, {1, "Fetch", 4, 4}}};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string scrape(const BrokerMetrics& m) {
  std::string out;
  TextWriter w(out);
  m.write(w);
  return out;
}

TEST(RequestMetrics, SeriesPerApiAndVersion) {
  BrokerMetrics m(kApis, 0);
  auto& r = m.requests();
  r.request_completed(0, 4, 0.002, false);
  r.request_completed(0, 4, 0.0002, false);
  r.request_completed(0, 9, 0.001, true);   // a version not served
  r.request_completed(77, 0, 0.001, true);  // an API not served
  r.request_completed(-1, 0, 0.001, true);
  r.request_completed(1, 4, 0.6, false);
  ASSERT_NE(r.latency(0, 4), nullptr);
  EXPECT_EQ(r.latency(0, 4)->count(), 2u);
  EXPECT_EQ(r.latency(0, 3)->count(), 0u);
  EXPECT_EQ(r.latency(0, 9)->count(), 1u);  // "unsupported"
  EXPECT_EQ(r.latency(77, 0), nullptr);

  const std::string out = scrape(m);
  EXPECT_TRUE(contains(out, "samsa_requests_total{api=\"Produce\",version=\"4\"} 2\n"));
  EXPECT_TRUE(contains(out, "samsa_requests_total{api=\"Produce\",version=\"unsupported\"} 1\n"));
  EXPECT_TRUE(contains(out, "samsa_requests_total{api=\"unknown\",version=\"unknown\"} 2\n"));
  EXPECT_TRUE(contains(out, "samsa_requests_total{api=\"Fetch\",version=\"4\"} 1\n"));
  // Series without requests are left out.
  EXPECT_FALSE(contains(out, "version=\"3\""));
  EXPECT_FALSE(contains(out, "version=\"5\""));
  EXPECT_TRUE(
      contains(out, "samsa_request_failures_total{api=\"Produce\",version=\"unsupported\"} 1\n"));
  EXPECT_TRUE(contains(out, "samsa_request_failures_total{api=\"Produce\",version=\"4\"} 0\n"));
  EXPECT_TRUE(contains(out,
                       "samsa_request_duration_seconds_bucket{api=\"Produce\",version=\"4\","
                       "le=\"0.00025\"} 1\n"));
  EXPECT_TRUE(contains(out,
                       "samsa_request_duration_seconds_bucket{api=\"Produce\",version=\"4\","
                       "le=\"0.0025\"} 2\n"));
  EXPECT_TRUE(
      contains(out, "samsa_request_duration_seconds_count{api=\"Fetch\",version=\"4\"} 1\n"));
  EXPECT_TRUE(
      contains(out, "samsa_request_duration_seconds_sum{api=\"Fetch\",version=\"4\"} 0.6\n"));
}

TEST(RequestMetrics, Connections) {
  BrokerMetrics m(kApis, 0);
  m.requests().connection_accepted();
  m.requests().connection_accepted();
  m.requests().connection_closed();
  m.requests().connection_refused();
  const std::string out = scrape(m);
  EXPECT_TRUE(contains(out, "samsa_connections_accepted_total 2\n"));
  EXPECT_TRUE(contains(out, "samsa_connections_closed_total 1\n"));
  EXPECT_TRUE(contains(out, "samsa_connections_refused_total 1\n"));
}

TEST(BrokerMetrics, TopicCountersSortedAndForgotten) {
  BrokerMetrics m(kApis, 0);
  m.topic("zeta").bytes_in.inc(100);
  TopicMetrics& alpha = m.topic("alpha");
  alpha.records_in.inc(3);
  alpha.bytes_out.inc(5);
  EXPECT_EQ(&m.topic("alpha"), &alpha);  // found again, not created
  EXPECT_EQ(m.topic_count(), 2u);

  std::string out = scrape(m);
  const size_t a = out.find("samsa_topic_bytes_in_total{topic=\"alpha\"} 0\n");
  const size_t z = out.find("samsa_topic_bytes_in_total{topic=\"zeta\"} 100\n");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(z, std::string::npos);
  EXPECT_LT(a, z);
  EXPECT_TRUE(contains(out, "samsa_topic_records_in_total{topic=\"alpha\"} 3\n"));
  EXPECT_TRUE(contains(out, "samsa_topic_bytes_out_total{topic=\"alpha\"} 5\n"));

  m.retain_topics([](std::string_view t) { return t == "alpha"; });
  EXPECT_EQ(m.topic_count(), 1u);
  EXPECT_EQ(m.find_topic("zeta"), nullptr);
  out = scrape(m);
  EXPECT_FALSE(contains(out, "zeta"));
}

TEST(BrokerMetrics, OneMinuteRates) {
  BrokerMetrics m(kApis, 1'000'000);
  EXPECT_EQ(m.topic_rates("t").records_in_per_sec, 0);
  TopicMetrics& t = m.topic("t");
  t.records_in.inc(500);
  t.bytes_in.inc(50'000);
  EXPECT_EQ(m.topic_rates("t").records_in_per_sec, 0);  // not ticked yet
  m.tick(1'005'000);
  // The first tick takes its own rate: 500 records in 5 s.
  EXPECT_DOUBLE_EQ(m.topic_rates("t").records_in_per_sec, 100);
  EXPECT_DOUBLE_EQ(m.topic_rates("t").bytes_in_per_sec, 10'000);
  EXPECT_DOUBLE_EQ(m.topic_rates("t").bytes_out_per_sec, 0);

  // No traffic: the rate decays by e^(-5/60) per tick, to e^-1 of itself after 60 s.
  int64_t now = 1'005'000;
  for (int i = 0; i < 12; ++i) m.tick(now += 5000);
  EXPECT_NEAR(m.topic_rates("t").records_in_per_sec, 100 * std::exp(-1.0), 1e-9);

  // Steady traffic converges to it.
  for (int i = 0; i < 200; ++i) {
    t.records_in.inc(1000);  // 200/s
    m.tick(now += 5000);
  }
  EXPECT_NEAR(m.topic_rates("t").records_in_per_sec, 200, 1e-3);

  m.tick(now - 1000);  // a clock step back is skipped
  EXPECT_NEAR(m.topic_rates("t").records_in_per_sec, 200, 1e-3);
}

TEST(LogFlushMetrics, DurationsFromOtherThreadsAndBatches) {
  BrokerMetrics m(kApis, 0);
  LogFlushMetrics& f = m.log_flush();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&f] {
      for (int n = 0; n < 1000; ++n) f.fsynced(0.002, 2);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.duration().count(), 4000u);
  EXPECT_NEAR(f.duration().sum(), 8.0, 1e-6);

  f.flush_completed(3, 5000, false);
  f.flush_completed(0, 100, false);
  f.flush_completed(1, 0, true);
  EXPECT_EQ(f.batch_requests().count(), 3u);
  EXPECT_DOUBLE_EQ(f.batch_requests().sum(), 4);
  EXPECT_DOUBLE_EQ(f.batch_bytes().sum(), 5100);

  const std::string out = scrape(m);
  EXPECT_TRUE(contains(out, "samsa_log_flush_duration_seconds_bucket{le=\"0.001\"} 0\n"));
  EXPECT_TRUE(contains(out, "samsa_log_flush_duration_seconds_bucket{le=\"0.0025\"} 4000\n"));
  EXPECT_TRUE(contains(out, "samsa_log_flush_duration_seconds_count 4000\n"));
  EXPECT_TRUE(contains(out, "samsa_log_fsyncs_total 8000\n"));
  EXPECT_TRUE(contains(out, "samsa_log_flush_batch_requests_bucket{le=\"0\"} 1\n"));
  EXPECT_TRUE(contains(out, "samsa_log_flush_batch_requests_bucket{le=\"1\"} 2\n"));
  EXPECT_TRUE(contains(out, "samsa_log_flush_batch_requests_bucket{le=\"4\"} 3\n"));
  EXPECT_TRUE(contains(out, "samsa_log_flush_batch_bytes_count 3\n"));
  EXPECT_TRUE(contains(out, "samsa_log_flush_failures_total 1\n"));
}

TEST(ProcessMetrics, ReadFromProc) {
  const auto stats = read_process_stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_GT(stats->resident_memory_bytes, 100'000u);
  EXPECT_GE(stats->virtual_memory_bytes, stats->resident_memory_bytes);
  EXPECT_GE(stats->threads, 1);
  EXPECT_GE(stats->open_fds, 3);  // at least stdin, stdout, stderr
  EXPECT_GE(stats->cpu_seconds, 0);
  // Started within the last day, not in the future.
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(stats->start_time_seconds, now + 1);
  EXPECT_GT(stats->start_time_seconds, now - 86400);

  std::string out;
  TextWriter w(out);
  write_process_metrics(w, *stats);
  EXPECT_TRUE(contains(out, "# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_TRUE(contains(out, "\nprocess_resident_memory_bytes " +
                                std::to_string(stats->resident_memory_bytes) + "\n"));
  EXPECT_TRUE(contains(out, "\nprocess_open_fds "));
}

}  // namespace
