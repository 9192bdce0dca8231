#include "samsa/metrics/text_format.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace samsa::metrics {

namespace {

// Shortest decimal that reads back as `value`, or the format's names for the
// non-finite ones. `buf` holds at least 32 characters.
size_t format_double(char* buf, double value) {
  if (std::isnan(value)) {
    std::memcpy(buf, "NaN", 3);
    return 3;
  }
  if (std::isinf(value)) {
    std::memcpy(buf, value > 0 ? "+Inf" : "-Inf", 4);
    return 4;
  }
  return static_cast<size_t>(std::to_chars(buf, buf + 32, value).ptr - buf);
}

template <class Int>
void append_integer(std::string& out, Int value) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

bool name_char(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

}  // namespace

LabelValue& LabelValue::operator=(const LabelValue& other) {
  if (this == &other) return *this;
  text_ = other.text_;
  own_ = other.own_;
  len_ = other.len_;
  if (own_) std::memcpy(buf_, other.buf_, len_);
  return *this;
}

void LabelValue::format(int64_t number) {
  own_ = true;
  len_ = static_cast<uint8_t>(std::to_chars(buf_, buf_ + sizeof buf_, number).ptr - buf_);
}

void TextWriter::append_value(std::string& out, double value) {
  char buf[32];
  out.append(buf, format_double(buf, value));
}

void TextWriter::append_escaped_label_value(std::string& out, std::string_view value) {
  // Topic and group names rarely need escaping: one pass to find out, then one append.
  // (find_first_of with a set calls memchr per character: a scrape's largest cost.)
  bool plain = true;
  for (const char c : value) plain &= c != '\\' && c != '"' && c != '\n';
  if (plain) {
    out.append(value);
    return;
  }
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void TextWriter::append_escaped_help(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

bool TextWriter::valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, true)) return false;
  return true;
}

bool TextWriter::valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;  // reserved for Prometheus
  for (size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, false)) return false;
  return true;
}

void TextWriter::family(std::string_view name, MetricType type, std::string_view help) {
  if (!valid_metric_name(name))
    throw std::logic_error("invalid metric name '" + std::string(name) + "'");
  if (!written_.emplace(name).second)
    throw std::logic_error("metric family '" + std::string(name) + "' written twice");
  family_.assign(name);
  type_ = type;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_escaped_help(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  switch (type) {
    case MetricType::kCounter:
      out_ += " counter\n";
      break;
    case MetricType::kGauge:
      out_ += " gauge\n";
      break;
    case MetricType::kHistogram:
      out_ += " histogram\n";
      break;
    case MetricType::kUntyped:
      out_ += " untyped\n";
      break;
  }
}

void TextWriter::begin_sample(std::string_view suffix, Labels labels, const Label* extra) {
  if (family_.empty()) throw std::logic_error("metric sample outside a family");
  out_ += family_;
  out_ += suffix;
  if (labels.size() > 0 || extra != nullptr) {
    out_ += '{';
    bool first = true;
    auto add = [&](const Label& label) {
      if (!valid_label_name(label.name))
        throw std::logic_error("invalid label name '" + std::string(label.name) + "'");
      if (!first) out_ += ',';
      first = false;
      out_ += label.name;
      out_ += "=\"";
      append_escaped_label_value(out_, label.value.view());
      out_ += '"';
    };
    for (const Label& label : labels) add(label);
    if (extra != nullptr) add(*extra);
    out_ += '}';
  }
  out_ += ' ';
}

void TextWriter::write_sample(std::string_view suffix, Labels labels, double value) {
  begin_sample(suffix, labels);
  append_value(out_, value);
  out_ += '\n';
}

void TextWriter::write_sample(std::string_view suffix, Labels labels, int64_t value) {
  begin_sample(suffix, labels);
  append_integer(out_, value);
  out_ += '\n';
}

void TextWriter::write_sample(std::string_view suffix, Labels labels, uint64_t value) {
  begin_sample(suffix, labels);
  append_integer(out_, value);
  out_ += '\n';
}

void TextWriter::histogram(Labels labels, std::span<const double> bounds,
                           std::span<const uint64_t> counts, double sum) {
  if (type_ != MetricType::kHistogram)
    throw std::logic_error("histogram samples in family '" + family_ + "' of another type");
  if (counts.size() != bounds.size() + 1)
    throw std::logic_error("histogram '" + family_ + "': one count per bucket and +Inf");
  uint64_t cumulative = 0;
  char le[32];
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    const size_t n = i < bounds.size() ? format_double(le, bounds[i]) : format_double(le, HUGE_VAL);
    const Label bucket{"le", std::string_view(le, n)};
    begin_sample("_bucket", labels, &bucket);
    append_integer(out_, cumulative);
    out_ += '\n';
  }
  begin_sample("_sum", labels);
  append_value(out_, sum);
  out_ += '\n';
  begin_sample("_count", labels);
  append_integer(out_, cumulative);
  out_ += '\n';
}

}  // namespace samsa::metrics
