#include "common.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace samsa::cli {

client::ClientOptions CommonOptions::client_options() const {
  std::string list = brokers;
  if (list.empty()) {
    const char* env = std::getenv("SAMSA_BROKERS");
    list = env != nullptr && *env != '\0' ? env : "localhost:9092";
  }
  client::ClientOptions o;
  o.bootstrap = client::parse_addresses(list);
  o.connection.timeout = std::chrono::milliseconds(timeout_ms);
  return o;
}

void add_common_options(CLI::App& command, CommonOptions& options) {
  command.add_option("-b,--brokers", options.brokers,
                     "host:port[,host:port...] (default: $SAMSA_BROKERS, else localhost:9092)");
  command.add_option("--timeout-ms", options.timeout_ms, "connect and answer timeout")
      ->check(CLI::Range(1, 3'600'000));
  command.add_option("--format", options.format, "text (aligned tables) or json")
      ->check(CLI::IsMember({"text", "json"}));
}

int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const client::KafkaError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitKafkaError;
  } catch (const client::NetworkError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitUnreachable;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitKafkaError;
  }
}

Table::Table(std::vector<std::string> headings) : headings_(std::move(headings)) {}

void Table::add(std::vector<std::string> row) {
  row.resize(headings_.size());
  rows_.push_back(std::move(row));
}

void Table::print(std::FILE* out) const {
  std::vector<size_t> width(headings_.size());
  for (size_t i = 0; i < headings_.size(); ++i) width[i] = headings_[i].size();
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text.append(width[i] - cells[i].size() + 2, ' ');
    }
    std::fprintf(out, "%s\n", text.c_str());
  };
  line(headings_);
  for (const auto& row : rows_) line(row);
}

// Record keys, values and names are bytes to a Kafka tool, not text: valid UTF-8
// passes, every byte that starts no well-formed sequence becomes \u00XX, so the output
// always parses as JSON.
std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char c = byte(0);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\u{:04x}", c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    size_t len = 0;  // of the sequence `c` starts (RFC 3629); 0: it starts none
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
    }
    bool ok = len > 0 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (byte(k) & 0xC0) == 0x80;
    // No overlong forms, no surrogates, nothing above U+10FFFF.
    if (ok && len == 3) ok = !(c == 0xE0 && byte(1) < 0xA0) && !(c == 0xED && byte(1) >= 0xA0);
    if (ok && len == 4) ok = !(c == 0xF0 && byte(1) < 0x90) && !(c == 0xF4 && byte(1) >= 0x90);
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += fmt::format("\\u{:04x}", c);
      ++i;
    }
  }
  out += '"';
  return out;
}

void Json::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) text_ += ',';
    first_.back() = false;
  }
}

Json& Json::begin_object() {
  separate();
  text_ += '{';
  first_.push_back(true);
  return *this;
}
Json& Json::end_object() {
  text_ += '}';
  first_.pop_back();
  return *this;
}
Json& Json::begin_array() {
  separate();
  text_ += '[';
  first_.push_back(true);
  return *this;
}
Json& Json::end_array() {
  text_ += ']';
  first_.pop_back();
  return *this;
}
Json& Json::key(std::string_view name) {
  separate();
  text_ += json_escape(name);
  text_ += ':';
  after_key_ = true;
  return *this;
}
Json& Json::value(std::string_view text) {
  separate();
  text_ += json_escape(text);
  return *this;
}
Json& Json::value(int64_t number) {
  separate();
  text_ += std::to_string(number);
  return *this;
}
Json& Json::value(bool flag) {
  separate();
  text_ += flag ? "true" : "false";
  return *this;
}
Json& Json::null() {
  separate();
  text_ += "null";
  return *this;
}
Json& Json::raw(std::string_view json) {
  separate();
  text_ += json;
  return *this;
}

}  // namespace samsa::cli
