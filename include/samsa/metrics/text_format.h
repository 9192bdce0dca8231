// The Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): HELP and TYPE lines
// once per family, then its samples, label values and help text escaped as the format
// asks. A scrape writes thousands of lines (one per partition and gauge), so labels are
// views and numbers, and nothing is allocated per sample beyond the output string.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>

namespace samsa::metrics {

// The content type of a scrape answer in this format.
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { kCounter, kGauge, kHistogram, kUntyped };

// A label value: text (viewed, not copied) or an integer (formatted in place).
class LabelValue {
 public:
  LabelValue(std::string_view text) : text_(text) {}    // NOLINT: implicit on purpose
  LabelValue(const std::string& text) : text_(text) {}  // NOLINT
  LabelValue(const char* text) : text_(text) {}         // NOLINT
  template <std::integral T>
  LabelValue(T number) {  // NOLINT
    format(static_cast<int64_t>(number));
  }
  LabelValue(const LabelValue& other) { *this = other; }
  LabelValue& operator=(const LabelValue& other);

  std::string_view view() const { return own_ ? std::string_view(buf_, len_) : text_; }

 private:
  void format(int64_t number);

  std::string_view text_;
  bool own_ = false;
  uint8_t len_ = 0;
  char buf_[21];
};

struct Label {
  std::string_view name;
  LabelValue value;
};
using Labels = std::initializer_list<Label>;

// Appends the exposition of metric families to a string. Families must be written one
// at a time: family() opens one, the samples that follow belong to it.
class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out) {}

  // Opens family `name`: its HELP and TYPE lines. Throws std::logic_error for a name
  // that is not a valid metric name or that was opened before (a family appears once).
  void family(std::string_view name, MetricType type, std::string_view help);

  // A sample of the open family, named as the family (counters carry their _total in
  // the family name, as the format wants).
  void sample(Labels labels, double value) { write_sample({}, labels, value); }
  template <std::integral T>
  void sample(Labels labels, T value) {
    if constexpr (std::is_unsigned_v<T>)
      write_sample({}, labels, static_cast<uint64_t>(value));
    else
      write_sample({}, labels, static_cast<int64_t>(value));
  }

  // A histogram sample set of the open family (opened as kHistogram): `counts[i]`
  // observations fell in bucket i (at most bounds[i], above bounds[i-1]), the last
  // count is the +Inf bucket (counts.size() == bounds.size() + 1). Writes the cumulative
  // _bucket{le=...} lines, _sum and _count (the total of `counts`).
  void histogram(Labels labels, std::span<const double> bounds, std::span<const uint64_t> counts,
                 double sum);

  // Formats a sample value as the format does: shortest round-trip decimal, +Inf, -Inf
  // and NaN.
  static void append_value(std::string& out, double value);
  // Escapes a label value (backslash, double quote, line feed) into `out`.
  static void append_escaped_label_value(std::string& out, std::string_view value);
  // Escapes HELP text (backslash, line feed) into `out`.
  static void append_escaped_help(std::string& out, std::string_view text);
  static bool valid_metric_name(std::string_view name);
  static bool valid_label_name(std::string_view name);

 private:
  void begin_sample(std::string_view suffix, Labels labels, const Label* extra = nullptr);
  void write_sample(std::string_view suffix, Labels labels, double value);
  void write_sample(std::string_view suffix, Labels labels, int64_t value);
  void write_sample(std::string_view suffix, Labels labels, uint64_t value);

  std::string& out_;
  std::string family_;  // the open family's name
  MetricType type_ = MetricType::kUntyped;
  std::unordered_set<std::string> written_;
};

}  // namespace samsa::metrics
