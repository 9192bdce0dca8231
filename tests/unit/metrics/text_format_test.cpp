// The text format 0.0.4 as Prometheus reads it: HELP/TYPE once per family, escaping
// of label values and help text, number formatting, cumulative histogram buckets.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "samsa/metrics/metrics.h"

namespace {

using samsa::metrics::Histogram;
using samsa::metrics::LabelValue;
using samsa::metrics::MetricType;
using samsa::metrics::TextWriter;

std::string value_text(double v) {
  std::string out;
  TextWriter::append_value(out, v);
  return out;
}

TEST(TextFormat, CounterFamilyWithLabels) {
  std::string out;
  TextWriter w(out);
  w.family("samsa_requests_total", MetricType::kCounter, "Requests.");
  w.sample({{"api", "Produce"}, {"version", 9}}, uint64_t{42});
  w.sample({{"api", "Fetch"}, {"version", 17}}, 7);
  EXPECT_EQ(out,
            "# HELP samsa_requests_total Requests.\n"
            "# TYPE samsa_requests_total counter\n"
            "samsa_requests_total{api=\"Produce\",version=\"9\"} 42\n"
            "samsa_requests_total{api=\"Fetch\",version=\"17\"} 7\n");
}

TEST(TextFormat, GaugeWithoutLabelsAndTypes) {
  std::string out;
  TextWriter w(out);
  w.family("g", MetricType::kGauge, "a gauge");
  w.sample({}, 1.5);
  w.family("u", MetricType::kUntyped, "");
  w.sample({}, int64_t{-3});
  EXPECT_EQ(out,
            "# HELP g a gauge\n# TYPE g gauge\ng 1.5\n"
            "# HELP u \n# TYPE u untyped\nu -3\n");
}

TEST(TextFormat, LabelValuesAreEscaped) {
  std::string out;
  TextWriter w(out);
  w.family("m", MetricType::kGauge, "h");
  w.sample({{"path", "C:\\dir \"quoted\"\nnext"}}, 1);
  EXPECT_EQ(out,
            "# HELP m h\n# TYPE m gauge\n"
            "m{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1\n");
}

TEST(TextFormat, HelpIsEscapedButNotQuotes) {
  std::string out;
  TextWriter w(out);
  w.family("m", MetricType::kCounter, "a \"b\" c\\d\ne");
  EXPECT_EQ(out, "# HELP m a \"b\" c\\\\d\\ne\n# TYPE m counter\n");
}

TEST(TextFormat, Values) {
  EXPECT_EQ(value_text(0), "0");
  EXPECT_EQ(value_text(3), "3");
  EXPECT_EQ(value_text(0.1), "0.1");
  EXPECT_EQ(value_text(-2.25), "-2.25");
  EXPECT_EQ(value_text(1e21), "1e+21");
  EXPECT_EQ(value_text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(value_text(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(value_text(std::nan("")), "NaN");
  // Shortest round trip: reads back exactly.
  const double third = 1.0 / 3;
  EXPECT_EQ(std::stod(value_text(third)), third);

  std::string out;
  TextWriter w(out);
  w.family("big", MetricType::kGauge, "");
  w.sample({}, int64_t{9007199254740993});  // 2^53 + 1: exact as an integer
  w.sample({}, std::numeric_limits<uint64_t>::max());
  EXPECT_NE(out.find("big 9007199254740993\n"), std::string::npos);
  EXPECT_NE(out.find("big 18446744073709551615\n"), std::string::npos);
}

TEST(TextFormat, IntegerLabelValues) {
  const LabelValue a(int32_t{-7});
  const LabelValue b(std::numeric_limits<int64_t>::min());
  const LabelValue c = a;  // a copy formats from its own buffer
  EXPECT_EQ(a.view(), "-7");
  EXPECT_EQ(b.view(), "-9223372036854775808");
  EXPECT_EQ(c.view(), "-7");
  EXPECT_NE(c.view().data(), a.view().data());
}

TEST(TextFormat, OneFamilyPerName) {
  std::string out;
  TextWriter w(out);
  w.family("m", MetricType::kGauge, "");
  EXPECT_THROW(w.family("m", MetricType::kGauge, ""), std::logic_error);
  EXPECT_THROW(w.family("m", MetricType::kCounter, ""), std::logic_error);
}

TEST(TextFormat, NamesAreChecked) {
  EXPECT_TRUE(TextWriter::valid_metric_name("samsa_a:b_1"));
  EXPECT_TRUE(TextWriter::valid_metric_name(":x"));
  EXPECT_FALSE(TextWriter::valid_metric_name("1abc"));
  EXPECT_FALSE(TextWriter::valid_metric_name("a-b"));
  EXPECT_FALSE(TextWriter::valid_metric_name(""));
  EXPECT_TRUE(TextWriter::valid_label_name("topic_2"));
  EXPECT_FALSE(TextWriter::valid_label_name("a:b"));
  EXPECT_FALSE(TextWriter::valid_label_name("__name__"));
  EXPECT_FALSE(TextWriter::valid_label_name("9"));

  std::string out;
  TextWriter w(out);
  EXPECT_THROW(w.family("bad-name", MetricType::kGauge, ""), std::logic_error);
  EXPECT_THROW(w.sample({}, 1), std::logic_error);  // no family open
  w.family("ok", MetricType::kGauge, "");
  EXPECT_THROW(w.sample({{"bad-label", "x"}}, 1), std::logic_error);
}

TEST(TextFormat, HistogramBucketsAreCumulative) {
  static constexpr std::array<double, 3> bounds = {0.5, 1, 2.5};
  Histogram h(bounds);
  for (const double v : {0.1, 0.5, 0.7, 1.0, 3.0, 100.0}) h.observe(v);
  h.observe(std::nan(""));  // ignored
  EXPECT_EQ(h.count(), 6u);
  EXPECT_DOUBLE_EQ(h.sum(), 105.3);

  std::string out;
  TextWriter w(out);
  w.family("lat_seconds", MetricType::kHistogram, "Latency.");
  h.write(w, {{"api", "Produce"}});
  EXPECT_EQ(out,
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{api=\"Produce\",le=\"0.5\"} 2\n"
            "lat_seconds_bucket{api=\"Produce\",le=\"1\"} 4\n"
            "lat_seconds_bucket{api=\"Produce\",le=\"2.5\"} 4\n"
            "lat_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 6\n"
            "lat_seconds_sum{api=\"Produce\"} 105.3\n"
            "lat_seconds_count{api=\"Produce\"} 6\n");
}

TEST(TextFormat, HistogramWithoutLabelsAndObservations) {
  static constexpr std::array<double, 1> bounds = {0};
  Histogram h(bounds);
  std::string out;
  TextWriter w(out);
  w.family("h", MetricType::kHistogram, "");
  h.write(w, {});
  EXPECT_EQ(out,
            "# HELP h \n# TYPE h histogram\n"
            "h_bucket{le=\"0\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}

TEST(TextFormat, HistogramNeedsItsFamilyTypeAndCounts) {
  static constexpr std::array<double, 2> bounds = {1, 2};
  const std::array<uint64_t, 3> counts = {1, 2, 3};
  std::string out;
  TextWriter w(out);
  w.family("g", MetricType::kGauge, "");
  EXPECT_THROW(w.histogram({}, bounds, counts, 0), std::logic_error);
  w.family("h", MetricType::kHistogram, "");
  EXPECT_THROW(w.histogram({}, bounds, std::span<const uint64_t>(counts).first(2), 0),
               std::logic_error);
  w.histogram({}, bounds, counts, 7);
  EXPECT_NE(out.find("h_bucket{le=\"2\"} 3\nh_bucket{le=\"+Inf\"} 6\nh_sum 7\nh_count 6\n"),
            std::string::npos);
}

TEST(TextFormat, HistogramBoundsMustAscend) {
  static constexpr std::array<double, 2> equal = {1, 1};
  static constexpr std::array<double, 2> descending = {2, 1};
  static const std::array<double, 1> infinite = {std::numeric_limits<double>::infinity()};
  EXPECT_THROW(Histogram{equal}, std::invalid_argument);
  EXPECT_THROW(Histogram{descending}, std::invalid_argument);
  EXPECT_THROW(Histogram{infinite}, std::invalid_argument);
}

}  // namespace
