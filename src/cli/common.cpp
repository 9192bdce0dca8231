#include "common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <utility>

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

bool leader_settling(ErrorCode code) {
  return code == ErrorCode::NOT_LEADER_OR_FOLLOWER || code == ErrorCode::LEADER_NOT_AVAILABLE;
}

namespace {

// The code point starting at text[i] and its length in bytes; {0xFFFD, 1} for a byte
// that starts no well-formed sequence.
std::pair<uint32_t, size_t> decode_utf8(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char c = byte(0);
  if (c < 0x80) return {c, 1};
  size_t len = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07;
  }
  if (len == 0 || i + len > text.size()) return {0xFFFD, 1};
  for (size_t k = 1; k < len; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = cp << 6 | (byte(k) & 0x3F);
  }
  const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
  if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return {0xFFFD, 1};
  return {cp, len};
}

// A short version of wcwidth's tables (Unicode's East Asian Width W and F, and the
// emoji blocks; combining marks and zero-width characters): enough for the names a
// table shows, without depending on the locale.
int code_point_width(uint32_t cp) {
  struct Range {
    uint32_t first, last;
  };
  static constexpr Range kZero[] = {
      {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
      {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
      {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF}};
  static constexpr Range kWide[] = {{0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
                                    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
                                    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},
                                    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
                                    {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF},
                                    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};
  const auto in = [cp](const auto& ranges) {
    return std::any_of(std::begin(ranges), std::end(ranges),
                       [cp](const Range& r) { return cp >= r.first && cp <= r.last; });
  };
  if (in(kZero)) return 0;
  return in(kWide) ? 2 : 1;
}

}  // namespace

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto [cp, len] = decode_utf8(text, i);
    width += static_cast<size_t>(code_point_width(cp));
    i += len;
  }
  return width;
}

Table::Table(std::vector<std::string> headings) : headings_(std::move(headings)) {}

void Table::add(std::vector<std::string> row) {
  row.resize(headings_.size());
  rows_.push_back(std::move(row));
}

void Table::print(std::FILE* out) const {
  std::vector<size_t> width(headings_.size());
  for (size_t i = 0; i < headings_.size(); ++i) width[i] = display_width(headings_[i]);
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text.append(width[i] - display_width(cells[i]) + 2, ' ');
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
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
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
    // Valid UTF-8 passes (RFC 3629: no overlong forms, no surrogates, nothing above
    // U+10FFFF); a byte that starts no such sequence is escaped.
    const size_t len = decode_utf8(text, i).second;
    if (len > 1) {
      out.append(text.substr(i, len));
    } else {
      out += fmt::format("\\u{:04x}", c);
    }
    i += len;
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

int32_t broker_timeout(const CommonOptions& o) {
  return std::max(1, o.timeout_ms * 9 / 10);
}

protocol::DeleteTopicsResponse delete_topics(client::Connection& controller,
                                             const std::vector<std::string>& names,
                                             int32_t timeout_ms) {
  const int16_t version = controller.version_for(protocol::DeleteTopicsRequest::api_key);
  protocol::DeleteTopicsRequest request;
  for (const auto& name : names) {
    if (version >= 6) {
      request.topics.push_back({name, protocol::Uuid{}, {}});  // by name, no id
    } else {
      request.topic_names.push_back(name);
    }
  }
  request.timeout_ms = timeout_ms;
  return controller.call<protocol::DeleteTopicsResponse>(request, version).body;
}

}  // namespace samsa::cli
